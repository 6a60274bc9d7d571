using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>Lists the containers of the store, oldest first, like <c>docker ps -a</c>.</summary>
[Cmdlet(VerbsCommon.Get, "ContainerLayer")]
[OutputType(typeof(ContainerLayer))]
public sealed class GetContainerLayerCommand : StoreCmdlet
{
    private ContainerStore? _containers;

    /// <summary>Names (wildcards allowed), IDs or unique ID prefixes; every container when not given.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "Container")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ContainerNameCompleter))]
    public string[]? Name { get; set; }

    protected override void Process()
    {
        _containers ??= new ContainerStore(Store());
        if (Name is null)
        {
            foreach (var container in _containers.List())
            {
                WriteObject(container);
            }

            return;
        }

        IReadOnlyList<ContainerLayer>? all = null;
        foreach (var name in Name)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name))
            {
                try
                {
                    WriteObject(_containers.Get(name));
                }
                catch (LayerToolsException ex)
                {
                    WriteLayerError(ex, name);
                }

                continue;
            }

            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            all ??= _containers.List();
            foreach (var container in all.Where(c => pattern.IsMatch(c.Name)))
            {
                WriteObject(container);
            }
        }
    }
}
