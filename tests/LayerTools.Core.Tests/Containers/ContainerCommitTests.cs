using System.Diagnostics;
using System.Text.Json.Nodes;
using LayerTools.Core.Containers;
using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;
using static LayerTools.Core.Tests.Containers.ContainerTestImage;

namespace LayerTools.Core.Tests.Containers;

public sealed class ContainerCommitTests
{
    /// <summary>Every kind of change at once.</summary>
    private static void ChangeEverything(ContainerView view)
    {
        Write(view, "/etc/motd", " and more", append: true);
        view.Delete("/etc/conf");
        Write(view, "/etc/conf", "v2 re-created");
        view.Delete("/opt/app", recursive: true);
        view.CreateDirectory("/opt/app", 0x1C0);
        Write(view, "/opt/app/new", "n");
        Write(view, "/usr/bin/tool", " patched", append: true);
        view.CreateDirectory("/srv/www");
        Write(view, "/srv/www/index.html", "<h1>hi</h1>");
        view.CreateSymlink("/srv/current", "/srv/www");
        view.Delete("/abs-escape");
        Write(view, "/escape/scratch", "tmp");
        view.SetMode("/var/log", 0x1F8);
    }

    private static ConfigDocument ConfigOf(ContainerStore containers, LayeredImage image) => containers.Catalog.ReadConfig(image.Id);

    [Fact]
    public void TheExtendedAttributesOfFilesInTheUpperDirectoryAreCommitted()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers, "c");
        Write(view, "/etc/tool", "t");
        byte[] binary = [0x0a, 0x00, 0xff, (byte)'='];
        using (var host = view.CheckedHostPath("etc/tool", EntryType.File))
        {
            Assert.Equal(0, LinuxNative.Lsetxattr(host.Host, "user.bin", binary));
        }

        var image = containers.Commit("c", new CommitOptions { Tag = ImageReference.Parse("committed:1") });

        var entry = t.Store.ReadLayerIndex(image.Layers[^1]).Entries.Single(e => e.Path == "etc/tool");
        Assert.Equal(binary, entry.DecodeXattrs()!["user.bin"]);
        Assert.Null(t.Store.ReadLayerIndex(image.Layers[^1]).Entries.Single(e => e.Path == "etc").Xattrs);
    }

    [Fact]
    public void AFileNamedLikeAWhiteoutCannotBeCommitted()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers, "c");
        Write(view, "/etc/.wh.secret", "not a deletion");
        var error = LayerAssert.Throws("WhiteoutNameInLayer", () => containers.Commit("c", new CommitOptions { Tag = ImageReference.Parse("committed:1") }));
        Assert.Contains("/etc/.wh.secret", error.Message, StringComparison.Ordinal);
        Assert.Throws<LayerToolsException>(() => containers.Catalog.Resolve("committed:1"));
    }

    [Fact]
    public void ACommittedImageShowsExactlyTheContainersView()
    {
        using var t = new TempStore();
        var baseImage = Add(t);
        var view = Open(t, out var containers, "c");
        ChangeEverything(view);

        var image = containers.Commit("c", new CommitOptions { Tag = ImageReference.Parse("committed:1") });

        var stored = containers.Catalog.Resolve("committed:1");
        Assert.Equal(image.ManifestDigest, stored.Manifest.Digest);
        Assert.Equal(Describe(view), Describe(t, containers.Catalog.Union(stored)));
        var baseLayers = containers.Catalog.Load(baseImage).Layers;
        Assert.Equal(baseLayers, image.Layers.Take(2));
        Assert.Equal(3, image.LayerCount);
    }

    [Fact]
    public void TheNewLayerHoldsWhiteoutsOpaqueDirectoriesParentsAndHardLinksInTarOrder()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers, "c");
        ChangeEverything(view);
        var image = containers.Commit("c", new CommitOptions { Tag = ImageReference.Parse("committed:1") });
        var layer = t.Store.ReadLayerIndex(image.Layers[^1]);
        var entries = layer.Entries.Select(e => e.Type switch
        {
            EntryType.Whiteout => "wh " + e.Path,
            EntryType.OpaqueWhiteout => "opq " + e.Path,
            EntryType.HardLink => e.Path + " -> " + e.LinkTarget,
            _ => e.Path,
        }).ToList();

        Assert.Equal(
            new[]
            {
                "wh abs-escape",
                "etc", "wh etc/conf", "etc/conf", "etc/motd",
                "opt", "opt/app", "opq opt/app", "opt/app/new",
                "srv", "srv/current", "srv/www", "srv/www/index.html",
                "tmp", "tmp/scratch",
                "usr", "usr/bin", "usr/bin/tool", "usr/bin/tool-link -> usr/bin/tool",
                "var", "var/log",
            },
            entries);

        // Parents carried with the image's attributes; the whole layer is one whiteout for the deleted directory's subtree.
        var usr = layer.Entries.Single(e => e.Path == "usr" && e.Type == EntryType.Directory);
        Assert.Equal(0x1C9, usr.Mode);
        Assert.Equal(0x1F8, layer.Entries.Single(e => e.Path == "var/log").Mode);
        Assert.DoesNotContain(layer.Entries, e => e.Path.StartsWith("opt/app/sub", StringComparison.Ordinal) || e.Path == "opt/app/a");
    }

    [Fact]
    public void CommitExtendsConfigAndHistoryAndAppliesChanges()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers, "c");
        Write(view, "/etc/motd", "new");
        var created = new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var image = containers.Commit("c", new CommitOptions
        {
            Tag = ImageReference.Parse("committed:2"),
            Message = "patched motd",
            Author = "Ada <ada@example.org>",
            Created = created,
            Changes = new[]
            {
                "CMD [\"nginx\", \"-g\", \"daemon off;\"]",
                "ENV PATH=/usr/local/bin:/usr/bin GREETING=\"hello world\"",
                "ENV LEGACY some value",
                "LABEL org.example.team=web \"quoted key\"=yes",
                "EXPOSE 80 443/udp",
                "WORKDIR /srv",
                "WORKDIR www",
                "USER 1000:1000",
                "VOLUME [\"/data\"]",
                "STOPSIGNAL SIGQUIT",
            },
        });

        var config = ConfigOf(containers, image);
        var history = config.History;
        Assert.Equal(3, history.Count);
        var last = history[^1];
        Assert.Equal("patched motd", last.Comment);
        Assert.Equal("Ada <ada@example.org>", last.Author);
        Assert.Equal("nginx -g daemon off;", last.CreatedBy);
        Assert.False(last.EmptyLayer);
        Assert.Equal(created, last.Created);
        Assert.Equal("Ada <ada@example.org>", config.Author);
        Assert.Equal(created, config.Created);

        var c = image.Config;
        Assert.Equal(new[] { "nginx", "-g", "daemon off;" }, c.Cmd);
        Assert.Contains("PATH=/usr/local/bin:/usr/bin", c.Env);
        Assert.Contains("GREETING=hello world", c.Env);
        Assert.Contains("LEGACY=some value", c.Env);
        Assert.Equal("web", c.Labels["org.example.team"]);
        Assert.Equal("yes", c.Labels["quoted key"]);
        Assert.Equal(new[] { "80/tcp", "443/udp" }, c.ExposedPorts);
        Assert.Equal("/srv/www", c.WorkingDir);
        Assert.Equal("1000:1000", c.User);
        Assert.Equal(new[] { "/data" }, c.Volumes);
        Assert.Equal("SIGQUIT", c.StopSignal);
    }

    [Fact]
    public void CommittingAnUnchangedContainerAddsAnEmptyHistoryEntryNotALayer()
    {
        using var t = new TempStore();
        var baseImage = Add(t);
        var view = Open(t, out var containers, "c");
        Assert.Equal("hello v2", Text(view, "/etc/motd"));
        var blobsBefore = Directory.EnumerateFiles(t.Store.BlobsDir).Count();

        var image = containers.Commit("c", new CommitOptions { Tag = ImageReference.Parse("same:1"), Changes = new[] { "ENTRYPOINT /bin/app" } });

        Assert.Equal(containers.Catalog.Load(baseImage).Layers, image.Layers);
        var history = ConfigOf(containers, image).History;
        Assert.Equal(3, history.Count);
        Assert.True(history[^1].EmptyLayer);
        Assert.Equal(new[] { "/bin/sh", "-c", "/bin/app" }, image.Config.Entrypoint);
        Assert.Null(image.Config.Cmd);
        Assert.Equal(blobsBefore + 2, Directory.EnumerateFiles(t.Store.BlobsDir).Count()); // config and manifest only
    }

    [Fact]
    public void InvalidChangesAreRefusedBeforeAnythingIsWritten()
    {
        using var t = new TempStore();
        Add(t);
        Open(t, out var containers, "c");
        var before = t.Snapshot();
        var ex = LayerAssert.Throws("InvalidChange", () => containers.Commit("c", new CommitOptions { Changes = new[] { "RUN rm -rf /" } }));
        Assert.Contains("RUN", ex.Message, StringComparison.Ordinal);
        LayerAssert.Throws("InvalidChange", () => containers.Commit("c", new CommitOptions { Changes = new[] { "ENV A=\"unclosed" } }));
        LayerAssert.Throws("InvalidChange", () => containers.Commit("c", new CommitOptions { Changes = new[] { "LABEL novalue" } }));
        Assert.Equal(before, t.Snapshot());
    }

    [Fact]
    public void ImageBlobsAreByteIdenticalAfterAnyContainerWork()
    {
        using var t = new TempStore();
        Add(t);
        var before = BlobDigests(t);
        Assert.All(before, b => Assert.Equal("sha256:" + b.Key, b.Value));
        var containers = new ContainerStore(t.Store);
        for (var i = 0; i < 2; i++)
        {
            containers.Create(Reference, "c" + i);
            var view = containers.Open("c" + i);
            ChangeEverything(view);
            containers.Commit("c" + i, new CommitOptions { Tag = ImageReference.Parse("out:" + i) });
        }

        containers.Remove("c0");
        var after = BlobDigests(t);
        foreach (var (name, digest) in before)
        {
            Assert.Equal(digest, after[name]);
        }

        Assert.All(after, b => Assert.Equal("sha256:" + b.Key, b.Value));
    }

    [Fact]
    public void UmociUnpacksTheCommittedImageToTheContainersTree()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers, "c");
        ChangeEverything(view);
        containers.Commit("c", new CommitOptions { Tag = ImageReference.Parse("committed:1") });
        var bundle = Path.Combine(t.Parent, "bundle");

        var psi = new ProcessStartInfo("umoci", new[] { "unpack", "--image", t.Root + ":committed:1", bundle }) { RedirectStandardError = true, RedirectStandardOutput = true };
        using (var p = Process.Start(psi)!)
        {
            var err = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
        }

        var rootfs = Path.Combine(bundle, "rootfs");
        var unpacked = WalkWithoutFollowing(rootfs, string.Empty)
            .Order(TreeOrder.Instance)
            .Select(rel =>
            {
                var full = Path.Combine(rootfs, rel);
                var st = HostFile.LStat(full)!.Value;
                var digest = st.Type == EntryType.File ? Digest.Of(File.ReadAllBytes(full)) : null;
                var link = st.Type == EntryType.SymbolicLink ? new FileInfo(full).LinkTarget : null;
                return $"{rel} {(st.Type == EntryType.File ? "File" : st.Type.ToString())} {Convert.ToString(st.Mode, 8)} {st.Uid}:{st.Gid} {link} {digest}";
            })
            .ToList();
        var expected = Describe(view).Select(line =>
        {
            // On disk a hard link is a file like its target.
            var parts = line.Split(' ');
            return parts[1] == "HardLink" ? $"{parts[0]} File {parts[2]} {parts[3]}  {parts[5]}" : line;
        }).ToList();
        Assert.Equal(expected, unpacked);
    }

    [Fact]
    public void ALargeFileIsCopiedUpAndAppendedToWithoutBuffering()
    {
        using var t = new TempStore();
        const long size = 50L * 1024 * 1024;
        var tarPath = Path.Combine(t.Parent, "big.tar");
        using (var tarFile = File.Create(tarPath))
        using (var writer = new LayerTarWriter(tarFile))
        {
            writer.AddDirectory("data", 0x1ED, 0, 0, 1_700_000_000);
            writer.AddFile("data/big.bin", 0x1A4, 0, 0, 1_700_000_000, new PatternStream(size), size);
        }

        using (var staging = t.Store.BeginStaging())
        {
            using var tar = File.OpenRead(tarPath);
            var index = staging.AddLayer(tar, "big.tar");
            var config = ConfigDocument.Create(new[] { index.DiffId }, new[] { new HistoryRecord(null, "big", null, null, false) }, DateTimeOffset.UnixEpoch);
            var manifest = ImageWriter.Write(staging, config, new[] { index });
            var tagged = ImageCatalog.Tagged(manifest, ImageReference.Parse("big:1"));
            staging.Commit(d => ImageCatalog.ApplyTag(d, tagged));
        }

        File.Delete(tarPath);
        var containers = new ContainerStore(t.Store);
        containers.Create("big:1", "big");
        var view = containers.Open("big");
        var chunk = new byte[64 * 1024];
        new Random(3).NextBytes(chunk);

        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var output = view.OpenWrite("/data/big.bin", append: true))
        {
            for (var i = 0; i < 16; i++)
            {
                output.Write(chunk);
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4 * 1024 * 1024, $"copy-up and append allocated {allocated} bytes for a {size}-byte file");

        var expected = new PatternStream(size);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int n;
        while ((n = expected.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }

        for (var i = 0; i < 16; i++)
        {
            hash.AppendData(chunk);
        }

        var stat = view.Stat("/data/big.bin")!;
        Assert.Equal(size + (16 * chunk.Length), stat.Size);
        before = GC.GetAllocatedBytesForCurrentThread();
        string digest;
        using (var input = view.OpenRead("/data/big.bin"))
        {
            digest = Digest.Of(input);
        }

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 * 1024 * 1024, "reading streamed");
        Assert.Equal(Digest.FromHash(hash.GetHashAndReset()), digest);
    }

    private static IEnumerable<string> WalkWithoutFollowing(string root, string rel)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path.Combine(root, rel)))
        {
            var child = rel.Length == 0 ? Path.GetFileName(entry) : rel + "/" + Path.GetFileName(entry);
            yield return child;
            if (HostFile.LStat(entry) is { Type: EntryType.Directory })
            {
                foreach (var below in WalkWithoutFollowing(root, child))
                {
                    yield return below;
                }
            }
        }
    }

    /// <summary>A deterministic byte pattern of a given length, generated as it is read.</summary>
    private sealed class PatternStream : Stream
    {
        private readonly long _length;
        private long _position;

        public PatternStream(long length) => _length = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, _length - _position);
            for (var i = 0; i < n; i++)
            {
                var p = _position + i;
                buffer[offset + i] = (byte)((p * 31) ^ (p >> 11));
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
