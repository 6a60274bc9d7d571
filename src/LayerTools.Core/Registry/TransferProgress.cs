using System.Diagnostics;

namespace LayerTools.Core.Registry;

/// <summary>
/// Progress of transfers that run side by side: each transfer's thread only counts its bytes; the
/// caller's thread reports, at most five times a second, one record for the whole (bytes of all
/// transfers) and a child record per transfer under way, closed (a completed record) when it ends.
/// </summary>
internal sealed class TransferProgress
{
    private static readonly long Interval = Stopwatch.Frequency / 5;

    private readonly IProgress<OperationProgress>? _progress;
    private readonly string _activity;
    private readonly Item[] _items;
    private readonly long _total;
    private long _lastReport = long.MinValue;

    /// <summary>
    /// Progress of <paramref name="count"/> transfers, each described by its index (the delegates take
    /// an index rather than a tuple per transfer: a push's or pull's first use then JIT-compiles no
    /// LINQ over value tuples on its way to the first byte).
    /// </summary>
    public TransferProgress(IProgress<OperationProgress>? progress, string activity, int count, Func<int, string> activityOf, Func<int, string> statusOf, Func<int, long> sizeOf)
    {
        _progress = progress;
        _activity = activity;
        _items = new Item[count];
        for (var i = 0; i < count; i++)
        {
            _items[i] = new Item(activityOf(i), statusOf(i), sizeOf(i));
        }

        _total = _items.Sum(i => Math.Max(i.Size, 0));
    }

    /// <summary>The byte counter for transfer <paramref name="index"/>, to call from any thread.</summary>
    public Action<long> Counter(int index)
    {
        var item = _items[index];
        return done =>
        {
            Volatile.Write(ref item.Done, done);
            item.Started = true;
        };
    }

    /// <summary>Marks transfer <paramref name="index"/> finished (any thread); its record is closed at the next report.</summary>
    public void Finished(int index)
    {
        Volatile.Write(ref _items[index].Done, Math.Max(_items[index].Size, 0));
        _items[index].Finished = true;
    }

    /// <summary>Reports on the caller's thread, unless it did less than 200 ms ago and no transfer ended since (<paramref name="force"/> reports anyway).</summary>
    public void Report(string status, bool force = false)
    {
        if (_progress is null)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (!force && now - _lastReport < Interval && !_items.Any(i => i.Finished && !i.Closed))
        {
            return;
        }

        _lastReport = now;
        long done = 0;
        foreach (var item in _items)
        {
            done += Math.Min(Volatile.Read(ref item.Done), Math.Max(item.Size, 0));
        }

        _progress.Report(new OperationProgress(_activity, $"{status} ({Megabytes(done)} of {Megabytes(_total)} MB)", Percent(done, _total)));
        foreach (var item in _items.Where(i => !i.Closed))
        {
            if (item.Finished)
            {
                item.Closed = true;
                _progress.Report(new OperationProgress(item.Activity, item.Status, 100, IsChild: true, Completed: true));
            }
            else if (item.Started && Percent(Volatile.Read(ref item.Done), item.Size) is var percent && percent != item.Reported)
            {
                item.Reported = percent;
                _progress.Report(new OperationProgress(item.Activity, item.Status, percent, IsChild: true));
            }
        }
    }

    private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    private static int Percent(long done, long total) => total <= 0 ? 0 : (int)Math.Clamp(done * 100 / total, 0, 100);

    private sealed class Item
    {
        public Item(string activity, string status, long size)
        {
            Activity = activity;
            Status = status;
            Size = size;
        }

        public string Activity { get; }

        public string Status { get; }

        public long Size { get; }

        public long Done;

        public volatile bool Started;

        public volatile bool Finished;

        /// <summary>The percentage last reported; -1 before the first record.</summary>
        public int Reported = -1;

        public bool Closed;
    }
}
