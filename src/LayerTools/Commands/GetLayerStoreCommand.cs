using System.Management.Automation;
using LayerTools.Core.Maintenance;

namespace LayerTools.Commands;

/// <summary>Summarises the store, as <c>docker system df</c> does: images, tags, layers, containers, cache entries, total, shared and reclaimable bytes.</summary>
[Cmdlet(VerbsCommon.Get, "LayerStore")]
[OutputType(typeof(StoreSummary))]
public sealed class GetLayerStoreCommand : StoreCmdlet
{
    protected override void End()
    {
        var store = Store();
        WriteVerbose($"Summarising the store '{store.Root}'.");
        WriteObject(StoreAnalyzer.Summarize(store, CancellationToken));
    }
}
