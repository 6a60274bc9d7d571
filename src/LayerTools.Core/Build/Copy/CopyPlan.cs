using System.Globalization;
using LayerTools.Core.Build.Cache;
using LayerTools.Core.Build.Context;
using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Copy;

/// <summary>
/// What a COPY writes, worked out from the sources and the image below before anything is read:
/// Docker's rules for wildcards, directories (their contents are copied) and trailing slashes, with
/// every parent directory carried (with the lower layer's mode and owner, or created).
/// </summary>
internal sealed class CopyPlan
{
    private CopyPlan(IReadOnlyList<PlannedEntry> entries, string destination, IReadOnlyList<CopySourceEntry> archives)
    {
        Entries = entries;
        Destination = destination;
        Archives = archives;
    }

    /// <summary>Entries in ordinal path order: parents before children.</summary>
    public IReadOnlyList<PlannedEntry> Entries { get; }

    public IEnumerable<PlannedEntry> Files => Entries.Where(e => e.Source is { Type: EntryType.File });

    /// <summary>The destination, cleaned, relative to the root.</summary>
    public string Destination { get; }

    /// <summary>Sources named directly that ADD extracts into <see cref="Destination"/> instead of copying (see <see cref="ArchiveUnpacker"/>).</summary>
    public IReadOnlyList<CopySourceEntry> Archives { get; }

    /// <param name="unpack">For ADD: true for a source file that is a local archive to extract; such files are left out of <see cref="Entries"/> and listed in <see cref="Archives"/>, and the destination is then a directory.</param>
    public static CopyPlan Create(CopyRequest request, ICopySource source, UnionView below, long? sourceDateEpoch, bool keepSourceOwner, Func<CopySourceEntry, bool>? unpack = null)
    {
        var destination = TarPath.CleanUnderRoot(request.Destination.StartsWith('/') ? request.Destination : request.WorkingDir.TrimEnd('/') + "/" + request.Destination);

        // As BuildKit: the destination is found through the image's symbolic links (inside the root),
        // so a COPY into a linked folder (or below one) writes into the folder the link names.
        var throughLinks = below.Resolve(destination, followLast: true);
        destination = below.Lookup(throughLinks) is { Type: EntryType.Directory } ? throughLinks : below.Resolve(destination, followLast: false);
        // Each source as Docker takes it: a symbolic link named as a source is followed (inside the
        // source's root) and what it points to is copied under the link's name; links inside a copied
        // directory stay links.
        var matches = new List<CopySourceEntry>();
        var names = new Dictionary<CopySourceEntry, string>(ReferenceEqualityComparer.Instance);
        void AddMatch(CopySourceEntry entry, string pattern)
        {
            var followed = Follow(entry, source, request, pattern);
            if (!ReferenceEquals(followed, entry))
            {
                names[followed] = TarPath.Name(entry.Path);
            }

            matches.Add(followed);
        }

        foreach (var pattern in request.Sources)
        {
            var clean = TarPath.CleanUnderRoot(pattern);
            if (PathMatch.HasWildcards(clean))
            {
                var found = source.All.Where(e => e.Path.Length > 0 && PathMatch.IsMatch(clean, e.Path)).ToList();
                if (found.Count == 0)
                {
                    throw NotFound(request, pattern, source);
                }

                found.ForEach(f => AddMatch(f, pattern));
            }
            else
            {
                AddMatch(source.Get(clean) ?? throw NotFound(request, pattern, source), pattern);
            }
        }

        if (request.Excludes.Count > 0)
        {
            var excluded = DockerignoreMatcher.Parse(string.Join('\n', request.Excludes), request.Where + " --exclude");
            source = new ExcludingCopySource(source, excluded);
            matches.RemoveAll(m => m.Path.Length > 0 && excluded.IsExcluded(m.Path));
            if (matches.Count == 0)
            {
                throw NotFound(request, string.Join(' ', request.Sources), source);
            }
        }

        var archives = unpack is null ? new List<CopySourceEntry>() : matches.Where(m => m.Type == EntryType.File && unpack(m)).ToList();
        var destIsDirectory = archives.Count > 0 || request.Destination.EndsWith('/') || request.Destination.EndsWith("/.", StringComparison.Ordinal)
            || request.Destination == "." || matches.Count > 1 || below.Lookup(below.Resolve(destination)) is { Type: EntryType.Directory };
        if (matches.Count > 1 && !request.Destination.EndsWith('/') && below.Lookup(destination) is not { Type: EntryType.Directory } && request.Destination != ".")
        {
            throw new LayerToolsException("CopyDestinationNotDirectory", ErrorKind.InvalidArgument, $"{request.Where}: when copying more than one source the destination must be a directory and end with a /.", request.Destination);
        }

        var planned = new Dictionary<string, PlannedEntry>(StringComparer.Ordinal);
        foreach (var match in matches.Except(archives))
        {
            if (match.Type == EntryType.Directory)
            {
                AddDirectoryRoot(planned, destination, match, request, keepSourceOwner);
                var children = source.Under(match.Path);
                if (children.TryGetNonEnumeratedCount(out var count))
                {
                    // Sized once (growing to 50,000 entries left ~3 MB of smaller tables on the large-object heap).
                    planned.EnsureCapacity(planned.Count + count + 64);
                }

                foreach (var child in children)
                {
                    var relative = match.Path.Length == 0 ? child.Path : child.Path[(match.Path.Length + 1)..];
                    Add(planned, TarPath.Join(destination, relative), child, request, keepSourceOwner);
                }
            }
            else
            {
                var target = destIsDirectory ? TarPath.Join(destination, names.GetValueOrDefault(match) ?? TarPath.Name(match.Path)) : destination;
                if (target.Length == 0)
                {
                    throw new LayerToolsException("CopyDestinationNotDirectory", ErrorKind.InvalidArgument, $"{request.Where}: cannot copy a file over the root directory.", request.Destination);
                }

                Add(planned, target, match, request, keepSourceOwner);
            }
        }

        var newest = planned.Values.Where(p => p.Source is not null).Select(p => p.ModifiedTime).DefaultIfEmpty(0).Max();
        var createdTime = sourceDateEpoch ?? newest;
        // Each entry's parents, up to one already planned (siblings share theirs: the last one found
        // is compared in place, so 50,000 files do not make 50,000 parent strings to look up).
        var lastParent = string.Empty;
        foreach (var path in planned.Keys.ToList())
        {
            var slash = path.LastIndexOf('/');
            if (slash > 0 && lastParent.Length == slash && path.StartsWith(lastParent, StringComparison.Ordinal))
            {
                continue;
            }

            lastParent = TarPath.Parent(path);
            for (var parent = lastParent; ; parent = TarPath.Parent(parent))
            {
                if (!planned.ContainsKey(parent))
                {
                    var lower = below.Get(parent)?.Entry;
                    planned[parent] = lower is { Type: EntryType.Directory }
                        ? new PlannedEntry { Path = parent, Type = EntryType.Directory, Mode = lower.Mode, Uid = lower.Uid, Gid = lower.Gid, ModifiedTime = lower.ModifiedTime }
                        : new PlannedEntry { Path = parent, Type = EntryType.Directory, Mode = 0x1ED, Uid = request.Owner?.Uid ?? 0, Gid = request.Owner?.Gid ?? 0, ModifiedTime = createdTime };
                }

                if (parent.Length == 0)
                {
                    break;
                }
            }
        }

        planned.Remove(string.Empty);
        LinkHardLinks(planned);
        var entries = planned.Values.ToArray();
        SortByPath(entries);
        return new CopyPlan(entries, destination, archives);
    }

    /// <summary>
    /// Sorts by ordinal path. The plan's entries come mostly in order (a folder's sorted contents, then
    /// the parents found after them): that run is kept in place, the others sorted and merged in from
    /// the end (sorting 50,000 entries again was ~5% of a no-op).
    /// </summary>
    private static void SortByPath(PlannedEntry[] entries)
    {
        var rest = new List<PlannedEntry>();
        var run = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            if (run == 0 || string.CompareOrdinal(entries[run - 1].Path, entries[i].Path) < 0)
            {
                entries[run++] = entries[i];
            }
            else
            {
                rest.Add(entries[i]);
            }
        }

        rest.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        for (int i = run - 1, j = rest.Count - 1, w = entries.Length - 1; j >= 0; w--)
        {
            entries[w] = i >= 0 && string.CompareOrdinal(entries[i].Path, rest[j].Path) > 0 ? entries[i--] : rest[j--];
        }
    }

    /// <summary>Adds what the cache must see: each entry's place, type, mode, owner, size, link target and content digest (reading a file only when its digest is unknown), never its mtime.</summary>
    /// <remarks>Made again when a miss is explained or logged (the digests are known by then), never kept: one string per entry was 50,000 strings held by the key.</remarks>
    public void AddToKey(CacheKey key, ICopySource source) => key.AddMany(() => KeyInputs(source), field => HashInputs(source, field));

    private const string FilePrefix = "file:";

    private IEnumerable<KeyInput> KeyInputs(ICopySource source)
    {
        var buffer = new char[256];
        foreach (var e in Entries)
        {
            yield return new KeyInput(FilePrefix + e.Path, ValueText(e, source, ref buffer), e.Source?.Path);
        }
    }

    /// <summary>The fields <see cref="KeyInputs"/> makes, each written into a buffer and hashed there (no strings).</summary>
    private void HashInputs(ICopySource source, CacheKey.FieldSink field)
    {
        var value = new char[256];
        var name = new char[256];
        foreach (var e in Entries)
        {
            var length = FilePrefix.Length + e.Path.Length;
            if (name.Length < length)
            {
                name = new char[length * 2];
            }

            FilePrefix.CopyTo(name);
            e.Path.CopyTo(name.AsSpan(FilePrefix.Length));
            field(name.AsSpan(0, length), Value(e, source, ref value));
        }
    }

    private static string ValueText(PlannedEntry e, ICopySource source, ref char[] buffer) => new(Value(e, source, ref buffer));

    /// <summary>An entry's key value: type, mode, owner, size, link target and content digest (read when unknown), written into <paramref name="buffer"/> (grown when short).</summary>
    private static ReadOnlySpan<char> Value(PlannedEntry e, ICopySource source, ref char[] buffer)
    {
        // A context file whose hash is known has its digest's text written here from the 32 bytes
        // (the same text DigestOf gives, without a string per file).
        var file = e.Source is { Type: EntryType.File } s ? s : null;
        var known = file?.Scanned?.ContentHash;
        var digest = file is null || known is not null ? null : source.DigestOf(file);
        int written;
        while (!buffer.AsSpan().TryWrite(CultureInfo.InvariantCulture, $"{e.Type}\u001f{e.Mode}\u001f{e.Uid}\u001f{e.Gid}\u001f{e.Source?.Size ?? 0}\u001f{e.LinkTarget}\u001f{digest}", out written)
            || (known is not null && buffer.Length - written < Sha256Hash.DigestLength))
        {
            buffer = new char[buffer.Length * 2];
        }

        if (known is { } hash)
        {
            hash.WriteDigest(buffer.AsSpan(written));
            written += Sha256Hash.DigestLength;
        }

        return buffer.AsSpan(0, written);
    }

    /// <summary>Writes the layer, reading each file once; the digests seen on the way are remembered by the source.</summary>
    public void Write(LayerTarWriter writer, ICopySource source)
    {
        // The digests of files a hard link may name (only files that have other links).
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in Entries)
        {
            switch (e.Type)
            {
                case EntryType.Directory:
                    writer.AddDirectory(e.Path, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
                    break;
                case EntryType.SymbolicLink:
                    writer.AddSymlink(e.Path, e.LinkTarget ?? string.Empty, e.Uid, e.Gid, e.ModifiedTime);
                    break;
                case EntryType.HardLink:
                    // The file it links to was written first (it is first by path): its digest is the link's too.
                    writer.AddHardLink(e.Path, e.LinkTarget!, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
                    source.Remember(e.Source!, written[e.LinkTarget!]);
                    break;
                case EntryType.File:
                    using (var content = source.Open(e.Source!))
                    {
                        writer.AddFile(e.Path, e.Mode, e.Uid, e.Gid, e.ModifiedTime, content, e.Source!.Size);
                    }

                    // The index keeps the digest string the source already held, when equal (one string per file, not two).
                    writer.LastEntry!.Digest = source.Remember(e.Source, writer.LastEntry.Digest!);
                    if (e.Source.HardLinkKey is not null)
                    {
                        written[e.Path] = writer.LastEntry!.Digest!;
                    }

                    break;
                default:
                    writer.AddDevice(e.Path, e.Type, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
                    break;
            }
        }
    }

    /// <summary>
    /// As BuildKit: files of the source that are hard links of each other stay linked in the layer;
    /// the first by path is written as the file, the others as hard links to it.
    /// </summary>
    private static void LinkHardLinks(Dictionary<string, PlannedEntry> planned)
    {
        var groups = planned.Values.Where(e => e.Type == EntryType.File && e.Source?.HardLinkKey is not null)
            .OrderBy(e => e.Path, StringComparer.Ordinal)
            .GroupBy(e => e.Source!.HardLinkKey!, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .ToList();
        foreach (var group in groups)
        {
            var first = group.First();
            foreach (var other in group.Skip(1))
            {
                planned[other.Path] = new PlannedEntry
                {
                    Path = other.Path,
                    Type = EntryType.HardLink,
                    Mode = first.Mode,
                    Uid = first.Uid,
                    Gid = first.Gid,
                    ModifiedTime = first.ModifiedTime,
                    LinkTarget = first.Path,
                    Source = other.Source,
                };
            }
        }
    }

    private static void AddDirectoryRoot(Dictionary<string, PlannedEntry> planned, string destination, CopySourceEntry dir, CopyRequest request, bool keepSourceOwner)
    {
        if (destination.Length == 0)
        {
            return;
        }

        planned[destination] = new PlannedEntry
        {
            Path = destination,
            Type = EntryType.Directory,
            Mode = request.Mode ?? dir.Mode,
            Uid = request.Owner?.Uid ?? (keepSourceOwner ? dir.Uid : 0),
            Gid = request.Owner?.Gid ?? (keepSourceOwner ? dir.Gid : 0),
            ModifiedTime = dir.ModifiedTime,
            Source = dir,
        };
    }

    private static void Add(Dictionary<string, PlannedEntry> planned, string path, CopySourceEntry entry, CopyRequest request, bool keepSourceOwner)
    {
        planned[path] = new PlannedEntry
        {
            Path = path,
            Type = entry.Type,
            Mode = entry.Type == EntryType.SymbolicLink ? 0x1FF : (request.Mode ?? entry.Mode),
            Uid = request.Owner?.Uid ?? (keepSourceOwner ? entry.Uid : 0),
            Gid = request.Owner?.Gid ?? (keepSourceOwner ? entry.Gid : 0),
            ModifiedTime = entry.ModifiedTime,
            LinkTarget = entry.LinkTarget,
            Source = entry,
        };
    }

    /// <summary>Follows a source that is a symbolic link to what it points to, never leaving the source's root.</summary>
    private static CopySourceEntry Follow(CopySourceEntry entry, ICopySource source, CopyRequest request, string pattern)
    {
        if (entry.Type != EntryType.SymbolicLink)
        {
            return entry;
        }

        var resolved = RootResolver.Resolve(entry.Path, p => source.Get(p) is { } e ? new LayerEntry { Path = e.Path, Type = e.Type, LinkTarget = e.LinkTarget } : null, followLast: true);
        var target = source.Get(resolved) ?? throw new LayerToolsException("CopySourceNotFound", ErrorKind.ObjectNotFound, $"{request.Where}: '{pattern}' is a symbolic link to '{entry.LinkTarget}', which is not in the {source.Description}.", pattern);
        return target;
    }

    private static LayerToolsException NotFound(CopyRequest request, string pattern, ICopySource source) =>
        new("CopySourceNotFound", ErrorKind.ObjectNotFound, $"{request.Where}: '{pattern}' was not found in the {source.Description} (or .dockerignore excludes it).", pattern);
}
