using LayerTools.Core.Files;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// Lays layers (each a <see cref="LayerFileTree"/>, read in tar order) one on another the way <see cref="Union.UnionView"/> does (opaque directories, then
/// whiteouts, then entries) and books every regular-file copy that stops being visible: its bytes are
/// wasted. Each loss is booked under the path that caused it: the path itself when overwritten, the
/// deleted or replaced directory when it went with its parent. Only non-directory entries are tracked.
/// </summary>
internal sealed class WasteCalculator
{
    private readonly SortedSet<string> _paths = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Size, int Layer)> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Booking> _waste = new(StringComparer.Ordinal);

    // How many live paths lie beneath each directory, so that the common case (nothing below) costs no range query.
    private readonly Dictionary<string, int> _liveBelow = new(StringComparer.Ordinal);

    public long FileBytes { get; private set; }

    public long WastedBytes { get; private set; }

    public void Apply(LayerFileTree layer)
    {
        var layerIndex = layer.Position;
        var entries = layer.Index.Entries;
        foreach (var e in entries)
        {
            if (e.Type == EntryType.OpaqueWhiteout)
            {
                RemoveBelow(e.Path, e.Path, layerIndex);
            }
        }

        foreach (var e in entries)
        {
            if (e.Type == EntryType.Whiteout)
            {
                RemoveAt(e.Path, e.Path, layerIndex);
                RemoveBelow(e.Path, e.Path, layerIndex);
            }
        }

        foreach (var e in entries)
        {
            if (e.IsWhiteout || e.Path.Length == 0)
            {
                continue;
            }

            // Something beneath a lower non-directory turns that path into a directory.
            for (var parent = TarPath.Parent(e.Path); parent.Length > 0; parent = TarPath.Parent(parent))
            {
                RemoveAt(parent, parent, layerIndex);
            }

            RemoveAt(e.Path, e.Path, layerIndex);
            if (e.Type == EntryType.Directory)
            {
                continue;
            }

            RemoveBelow(e.Path, e.Path, layerIndex);
            var size = e.Type == EntryType.File ? e.Size : 0;
            FileBytes += size;
            _live[e.Path] = (size, layerIndex);
            _paths.Add(e.Path);
            CountBelow(e.Path, +1);
        }
    }

    /// <summary>Paths that lost bytes, with the layers involved.</summary>
    public IEnumerable<(string Path, long Bytes, SortedSet<int> Layers, bool Removed)> Bookings() =>
        _waste.Where(w => w.Value.Bytes > 0).Select(w => (w.Key, w.Value.Bytes, w.Value.Layers, Removed: !_live.ContainsKey(w.Key) && !HasLiveBelow(w.Key)));

    private bool HasLiveBelow(string path) => path.Length == 0 ? _paths.Count > 0 : _liveBelow.ContainsKey(path);

    private void RemoveAt(string path, string cause, int layerIndex)
    {
        if (_live.Remove(path, out var copy))
        {
            _paths.Remove(path);
            CountBelow(path, -1);
            Book(cause, copy, layerIndex);
        }
    }

    private void CountBelow(string path, int delta)
    {
        for (var parent = TarPath.Parent(path); parent.Length > 0; parent = TarPath.Parent(parent))
        {
            var n = _liveBelow.GetValueOrDefault(parent) + delta;
            if (n == 0)
            {
                _liveBelow.Remove(parent);
            }
            else
            {
                _liveBelow[parent] = n;
            }
        }
    }

    private void RemoveBelow(string directory, string cause, int layerIndex)
    {
        if (directory.Length > 0 && !_liveBelow.ContainsKey(directory))
        {
            return;
        }

        var below = Below(directory).ToList();
        foreach (var path in below)
        {
            RemoveAt(path, cause, layerIndex);
        }
    }

    private IEnumerable<string> Below(string directory)
    {
        if (directory.Length == 0)
        {
            return _paths;
        }

        // In ordinal order everything under "d/" lies between "d/" and "d0" ('0' follows '/'); "d0" itself is not below.
        var prefix = directory + "/";
        return _paths.GetViewBetween(prefix, directory + "0").Where(p => p.StartsWith(prefix, StringComparison.Ordinal));
    }

    private void Book(string cause, (long Size, int Layer) copy, int layerIndex)
    {
        if (!_waste.TryGetValue(cause, out var booking))
        {
            booking = new Booking();
            _waste[cause] = booking;
        }

        booking.Bytes += copy.Size;
        booking.Layers.Add(copy.Layer);
        booking.Layers.Add(layerIndex);
        WastedBytes += copy.Size;
    }

    private sealed class Booking
    {
        public long Bytes { get; set; }

        public SortedSet<int> Layers { get; } = new();
    }
}
