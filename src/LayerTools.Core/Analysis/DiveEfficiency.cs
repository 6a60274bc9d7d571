using LayerTools.Core.Files;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Analysis;

/// <summary>
/// The efficiency score as dive computes it (dive/filetree/efficiency.go), from the layers' file trees
/// (<see cref="LayerFileTree"/>: each layer's own entries, in tar order).
/// <para>
/// For each layer, every leaf of that layer's own tree (an entry with nothing beneath it in the same
/// layer; a whiteout counts at the path it hides) adds a copy to its path. A copy's size is the file's
/// size; a whiteout's is 0, or when it deletes a directory, the bytes of the files beneath that
/// directory in the layers below. Per path: the sum of its copies and the smallest copy. Then
/// Efficiency = Σ smallest / Σ sums (1 when there are no bytes), and dive's wasted bytes
/// (<see cref="InefficientBytes"/>) = Σ sums of the paths with two copies or more. Like dive, opaque
/// whiteouts are not counted, and only regular files carry bytes (a hard link's tar header has size 0).
/// </para>
/// </summary>
internal sealed class DiveEfficiency
{
    private readonly Dictionary<string, PathCopies> _paths = new(StringComparer.Ordinal);
    private readonly UnionView _lower = new();

    public double Efficiency
    {
        get
        {
            long minimum = 0, total = 0;
            foreach (var p in _paths.Values)
            {
                minimum += p.Minimum;
                total += p.Total;
            }

            return total == 0 ? 1.0 : (double)minimum / total;
        }
    }

    public long InefficientBytes => _paths.Values.Where(p => p.Count > 1).Sum(p => p.Total);

    public void Apply(LayerFileTree layer)
    {
        var entries = layer.Index.Entries.Where(e => e.Path.Length > 0 && e.Type != EntryType.OpaqueWhiteout).ToList();
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            for (var p = TarPath.Parent(e.Path); p.Length > 0 && parents.Add(p); p = TarPath.Parent(p))
            {
            }
        }

        foreach (var e in entries)
        {
            if (parents.Contains(e.Path))
            {
                continue;
            }

            long size;
            if (e.Type == EntryType.Whiteout)
            {
                var lower = _lower.Get(e.Path);
                size = lower is not null && lower.Entry.Type == EntryType.Directory
                    ? _lower.Walk(e.Path).Where(n => n.Entry.Type == EntryType.File).Sum(n => n.Entry.Size)
                    : 0;
            }
            else
            {
                size = e.Type == EntryType.File ? e.Size : 0;
            }

            if (!_paths.TryGetValue(e.Path, out var copies))
            {
                copies = new PathCopies();
                _paths[e.Path] = copies;
            }

            copies.Add(size);
        }

        _lower.Apply(layer.Index);
    }

    private sealed class PathCopies
    {
        public long Total { get; private set; }

        public long Minimum { get; private set; } = -1;

        public int Count { get; private set; }

        public void Add(long size)
        {
            Total += size;
            Minimum = Minimum < 0 ? size : Math.Min(Minimum, size);
            Count++;
        }
    }
}
