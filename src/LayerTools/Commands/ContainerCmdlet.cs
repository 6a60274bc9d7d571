using System.Management.Automation;
using LayerTools.Completion;
using LayerTools.Core;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>
/// A cmdlet that works on one container at a time. <c>-Container</c> takes a ContainerLayer (from the
/// pipeline, in the store it came from), a string (name, ID or unique ID prefix), or any object with a
/// Container, Name or Id property (a ContainerChange, say).
/// </summary>
public abstract class ContainerCmdlet : StoreCmdlet
{
    private readonly Dictionary<string, ContainerStore> _containers = new(StringComparer.Ordinal);

    /// <summary>The container: a ContainerLayer, or its name, ID or a unique ID prefix.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "Id")]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public object Container { get; set; } = null!;

    /// <summary>Finds <see cref="Container"/> in its store: the store's containers and the name or ID to give them.</summary>
    internal (ContainerStore Store, string Key) ResolveContainer()
    {
        var all = Inputs().ToList();
        if (all.Count != 1)
        {
            throw new LayerToolsException("OneContainerExpected", ErrorKind.InvalidArgument, $"{MyInvocation.MyCommand.Name} works on one container at a time; {all.Count} were given. Pipe them in one by one instead.", Container);
        }

        return ResolveInput(all[0]);
    }

    /// <summary>Each container <see cref="Container"/> names (an array given as an argument names several).</summary>
    internal IEnumerable<(ContainerStore Store, string Key, object Input)> ResolveContainers()
    {
        foreach (var input in Inputs())
        {
            var (store, key) = ResolveInput(input);
            yield return (store, key, input);
        }
    }

    private IEnumerable<object> Inputs()
    {
        var value = Container is PSObject pso ? pso.BaseObject : Container;
        if (value is System.Collections.IEnumerable many and not string)
        {
            foreach (var item in many)
            {
                if (item is not null)
                {
                    yield return item;
                }
            }
        }
        else
        {
            yield return Container;
        }
    }

    private (ContainerStore Store, string Key) ResolveInput(object input)
    {
        var value = input is PSObject pso ? pso.BaseObject : input;
        switch (value)
        {
            case ContainerLayer layer:
                return (Containers(layer.StorePath), layer.Id);
            case string text:
                return (Containers(null), text);
            default:
                var obj = input as PSObject ?? PSObject.AsPSObject(value);
                string? Text(string property) => obj.Properties[property]?.Value is { } v && v.ToString() is { Length: > 0 } s ? s : null;
                var name = Text("Container") ?? Text("Name") ?? Text("Id");
                if (name is null)
                {
                    throw new LayerToolsException(
                        "InvalidContainerArgument",
                        ErrorKind.InvalidArgument,
                        $"A {value.GetType().Name} does not name a container; give a ContainerLayer, or a container's name or ID.",
                        value);
                }

                return (Containers(Text("StorePath")), name);
        }
    }

    /// <summary>The containers of the store <c>-StorePath</c> names, else the one an input came from, else the default one.</summary>
    internal ContainerStore Containers(string? fromInput)
    {
        var store = Store(fromInput);
        if (!_containers.TryGetValue(store.Root, out var containers))
        {
            containers = new ContainerStore(store);
            _containers[store.Root] = containers;
        }

        return containers;
    }
}
