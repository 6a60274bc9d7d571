using LayerTools.Core.Build.Context;

namespace LayerTools.Core.Build.Copy;

/// <summary>
/// A copy source with COPY --exclude applied: what the patterns match is left out of listings. As in
/// BuildKit, the patterns match the paths below the source being copied (<c>COPY --exclude=*.log src/ /d/</c>
/// leaves out <c>src/a.log</c>), not the paths from the context's root.
/// </summary>
internal sealed class ExcludingCopySource : ICopySource
{
    private readonly ICopySource _inner;
    private readonly DockerignoreMatcher _excluded;

    public ExcludingCopySource(ICopySource inner, DockerignoreMatcher excluded)
    {
        _inner = inner;
        _excluded = excluded;
    }

    public string Description => _inner.Description;

    public IEnumerable<CopySourceEntry> All => _inner.All.Where(Kept);

    public CopySourceEntry? Get(string path) => _inner.Get(path);

    public IEnumerable<CopySourceEntry> Under(string directory) =>
        _inner.Under(directory).Where(e => directory.Length == 0 || !e.Path.StartsWith(directory + "/", StringComparison.Ordinal) ? Kept(e) : !_excluded.IsExcluded(e.Path[(directory.Length + 1)..]));

    public Stream Open(CopySourceEntry entry) => _inner.Open(entry);

    public string DigestOf(CopySourceEntry entry) => _inner.DigestOf(entry);

    public string Remember(CopySourceEntry entry, string digest) => _inner.Remember(entry, digest);

    private bool Kept(CopySourceEntry entry) => entry.Path.Length == 0 || !_excluded.IsExcluded(entry.Path);
}
