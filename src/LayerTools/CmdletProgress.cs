using System.Management.Automation;
using LayerTools.Core;

namespace LayerTools;

/// <summary>
/// Writes the core's progress as Write-Progress records: one parent record and a child record
/// (ParentActivityId) per child activity under way (several when layers transfer side by side),
/// each with its own ActivityId, reused once it completes. The core reports on the pipeline thread;
/// a report from any other thread is dropped rather than breaking the pipeline.
/// </summary>
internal sealed class CmdletProgress : IProgress<OperationProgress>
{
    private readonly Action<ProgressRecord> _write;
    private readonly int _parentId;
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private readonly Dictionary<string, ProgressRecord> _children = new(StringComparer.Ordinal);
    private ProgressRecord? _parent;

    public CmdletProgress(Cmdlet cmdlet, int activityId)
        : this(cmdlet.WriteProgress, activityId)
    {
    }

    /// <param name="write">Where the records go: a cmdlet's or a provider's WriteProgress.</param>
    /// <param name="activityId">The parent record's id.</param>
    public CmdletProgress(Action<ProgressRecord> write, int activityId)
    {
        _write = write;
        _parentId = activityId;
    }

    public void Report(OperationProgress value)
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            return;
        }

        var activity = string.IsNullOrEmpty(value.Activity) ? "LayerTools" : value.Activity;
        var status = string.IsNullOrEmpty(value.Status) ? "Working" : value.Status;
        var record = new ProgressRecord(value.IsChild ? ChildId(activity) : _parentId, activity, status)
        {
            PercentComplete = Math.Clamp(value.PercentComplete, -1, 100),
            RecordType = value.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (value.IsChild)
        {
            record.ParentActivityId = _parentId;
            if (value.Completed)
            {
                _children.Remove(activity);
            }
            else
            {
                _children[activity] = record;
            }
        }
        else
        {
            if (value.Completed)
            {
                CompleteChildren();
            }

            _parent = value.Completed ? null : record;
        }

        _write(record);
    }

    /// <summary>The id of a child activity: the one it has, else the first free one after the parent's.</summary>
    private int ChildId(string activity)
    {
        if (_children.TryGetValue(activity, out var open))
        {
            return open.ActivityId;
        }

        var id = _parentId + 1;
        while (_children.Values.Any(c => c.ActivityId == id))
        {
            id++;
        }

        return id;
    }

    private void CompleteChildren()
    {
        foreach (var child in _children.Values.OrderBy(c => c.ActivityId).ToList())
        {
            Complete(child);
        }

        _children.Clear();
    }

    /// <summary>Completes whatever records are still open (the child first).</summary>
    public void Complete()
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            return;
        }

        CompleteChildren();
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
        _write(done);
    }
}
