using System.Management.Automation;
using LayerTools.Core;

namespace LayerTools;

/// <summary>
/// Writes the core's progress as Write-Progress records: one parent record and one child record
/// (ParentActivityId) for the layer at hand. The core reports on the pipeline thread; a report
/// from any other thread is dropped rather than breaking the pipeline.
/// </summary>
internal sealed class CmdletProgress : IProgress<OperationProgress>
{
    private readonly Cmdlet _cmdlet;
    private readonly int _parentId;
    private readonly int _childId;
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private ProgressRecord? _parent;
    private ProgressRecord? _child;

    public CmdletProgress(Cmdlet cmdlet, int activityId)
    {
        _cmdlet = cmdlet;
        _parentId = activityId;
        _childId = activityId + 1;
    }

    public void Report(OperationProgress value)
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            return;
        }

        var activity = string.IsNullOrEmpty(value.Activity) ? "LayerTools" : value.Activity;
        var status = string.IsNullOrEmpty(value.Status) ? "Working" : value.Status;
        var record = new ProgressRecord(value.IsChild ? _childId : _parentId, activity, status)
        {
            PercentComplete = Math.Clamp(value.PercentComplete, -1, 100),
            RecordType = value.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (value.IsChild)
        {
            record.ParentActivityId = _parentId;
            _child = value.Completed ? null : record;
        }
        else
        {
            if (value.Completed && _child is not null)
            {
                Complete(_child);
                _child = null;
            }

            _parent = value.Completed ? null : record;
        }

        _cmdlet.WriteProgress(record);
    }

    /// <summary>Completes whatever records are still open (the child first).</summary>
    public void Complete()
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            return;
        }

        if (_child is not null)
        {
            Complete(_child);
            _child = null;
        }

        if (_parent is not null)
        {
            Complete(_parent);
            _parent = null;
        }
    }

    private void Complete(ProgressRecord open)
    {
        var done = new ProgressRecord(open.ActivityId, open.Activity, open.StatusDescription)
        {
            ParentActivityId = open.ParentActivityId,
            PercentComplete = 100,
            RecordType = ProgressRecordType.Completed,
        };
        _cmdlet.WriteProgress(done);
    }
}
