namespace LayerTools.Core.Interchange;

/// <summary>Turns the steps of an import or export into <see cref="OperationProgress"/> records: one for the whole, a child per layer.</summary>
internal sealed class ProgressReporter
{
    private readonly IProgress<OperationProgress>? _progress;
    private readonly string _activity;

    public ProgressReporter(IProgress<OperationProgress>? progress, string activity)
    {
        _progress = progress;
        _activity = activity;
    }

    public void Report(string status, long done, long total) => _progress?.Report(new OperationProgress(_activity, status, Percent(done, total)));

    public void Done(string status) => _progress?.Report(new OperationProgress(_activity, status, 100, Completed: true));

    /// <summary>A callback for bytes done of <paramref name="total"/> that reports a child record when the percentage changes.</summary>
    public Action<long> Child(string activity, string status, long total)
    {
        var last = -1;
        return done =>
        {
            var percent = Percent(done, total);
            if (percent != last)
            {
                last = percent;
                _progress?.Report(new OperationProgress(activity, status, percent, IsChild: true));
            }
        };
    }

    public void ChildDone(string activity, string status) => _progress?.Report(new OperationProgress(activity, status, 100, IsChild: true, Completed: true));

    private static int Percent(long done, long total) => total <= 0 ? 0 : (int)Math.Clamp(done * 100 / total, 0, 100);
}
