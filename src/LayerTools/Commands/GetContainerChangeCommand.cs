using System.Management.Automation;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>Lists the paths where a container differs from its image, like <c>docker diff</c>.</summary>
[Cmdlet(VerbsCommon.Get, "ContainerChange")]
[OutputType(typeof(ContainerChange))]
public sealed class GetContainerChangeCommand : ContainerCmdlet
{
    protected override void Process()
    {
        var (containers, key) = ResolveContainer();
        foreach (var change in containers.Open(key).Changes())
        {
            WriteObject(change);
        }
    }
}
