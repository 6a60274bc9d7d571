using System.Management.Automation;
using LayerTools.Core.Maintenance;

namespace LayerTools.Commands;

/// <summary>Checks every blob, layer index and reference of the store; writes one StoreProblem per fault, nothing for a healthy store.</summary>
[Cmdlet(VerbsDiagnostic.Test, "LayerStore")]
[OutputType(typeof(StoreProblem))]
public sealed class TestLayerStoreCommand : StoreCmdlet
{
    /// <summary>Reads only: no store is created where there is none.</summary>
    protected override bool OpensReadOnly => true;

    protected override void End()
    {
        var store = Store();
        var progress = NewProgress();
        var problems = 0;
        try
        {
            WriteVerbose($"Checking the store '{store.Root}'.");
            foreach (var problem in StoreMaintenance.Verify(store, progress, CancellationToken))
            {
                problems++;
                WriteObject(problem);
            }
        }
        finally
        {
            progress.Complete();
        }

        WriteVerbose(problems == 0 ? "The store is healthy." : $"{problems} problems found.");
    }
}
