using LayerTools.Core.Build.Context;

namespace LayerTools.Core.Build.Copy;

/// <summary>A copy source with COPY --exclude applied: what the patterns match is left out of listings.</summary>
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

    public IEnumerable<CopySourceEntry> Under(string directory) => _inner.Under(directory).Where(Kept);

    public Stream Open(CopySourceEntry entry) => _inner.Open(entry);

    public string DigestOf(CopySourceEntry entry) => _inner.DigestOf(entry);

    public void Remember(CopySourceEntry entry, string digest) => _inner.Remember(entry, digest);

    private bool Kept(CopySourceEntry entry) => entry.Path.Length == 0 || !_excluded.IsExcluded(entry.Path);
}
