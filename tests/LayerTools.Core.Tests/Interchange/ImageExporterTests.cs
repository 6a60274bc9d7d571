using System.Formats.Tar;
using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Tests.Interchange;

public sealed class ImageExporterTests : IDisposable
{
    private readonly InterchangeFixture _f = new();
    private readonly SampleImage _image = new();

    public ImageExporterTests()
    {
        var archive = _f.PathOf("source.tar");
        Archives.PlainDockerArchive(_image, ["app:1", "app:latest"]).Save(archive);
        ImageImporter.Import(_f.Store, archive, null);
        File.Delete(archive);
    }

    public void Dispose() => _f.Dispose();

    private IReadOnlyList<StoredImage> All => _f.Catalog.List();

    /// <summary>Progress that cancels <paramref name="cts"/> at the first report <paramref name="when"/> matches.</summary>
    private static SynchronousProgress CancelOn(CancellationTokenSource cts, Func<OperationProgress, bool> when) => new(p =>
    {
        if (when(p))
        {
            cts.Cancel();
        }
    });

    private static Dictionary<string, byte[]> ReadTar(string path)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = new TarReader(File.OpenRead(path));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType == TarEntryType.RegularFile)
            {
                var ms = new MemoryStream();
                entry.DataStream?.CopyTo(ms);
                files[entry.Name] = ms.ToArray();
            }
        }

        return files;
    }

    [Theory]
    [InlineData(ExportFormat.DockerArchive, LayerCompression.None)]
    [InlineData(ExportFormat.DockerArchive, LayerCompression.Gzip)]
    [InlineData(ExportFormat.OciArchive, LayerCompression.Zstd)]
    [InlineData(ExportFormat.OciLayout, LayerCompression.Gzip)]
    public void ARoundTrip_KeepsTheImageIdLayersAndNames(ExportFormat format, LayerCompression compression)
    {
        var target = _f.PathOf("export-" + format);
        ImageExporter.Export(_f.Store, All, target, format, compression);

        var other = _f.OpenStore("other");
        var imported = ImageImporter.Import(other, target, null);

        Assert.Equal(["app:1", "app:latest"], imported.Select(i => i.Reference!.ToString()).Order());
        var catalog = new ImageCatalog(other);
        var loaded = catalog.Load(catalog.Resolve("app:1"));
        Assert.Equal(_image.ConfigDigest, loaded.Id);
        Assert.Equal(_image.DiffIds, loaded.Layers);
        // The store's manifest is rebuilt the same way on both sides, so even its digest survives.
        Assert.Equal(_f.Catalog.Resolve("app:1").Manifest.Digest, catalog.Resolve("app:1").Manifest.Digest);
    }

    [Fact]
    public void DockerArchive_IsDockers25DualForm()
    {
        var target = _f.PathOf("dual.tar");
        ImageExporter.Export(_f.Store, All, target, ExportFormat.DockerArchive, LayerCompression.None);

        var files = ReadTar(target);
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", System.Text.Encoding.UTF8.GetString(files["oci-layout"]));
        var manifest = Assert.Single(JsonNode.Parse(files["manifest.json"])!.AsArray())!;
        Assert.Equal("blobs/sha256/" + Digest.Hex(_image.ConfigDigest), (string?)manifest["Config"]);
        Assert.Equal(["app:1", "app:latest"], manifest["RepoTags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(_image.DiffIds.Select(d => "blobs/sha256/" + Digest.Hex(d)), manifest["Layers"]!.AsArray().Select(t => (string)t!));
        foreach (var path in manifest["Layers"]!.AsArray().Select(t => (string)t!).Append((string)manifest["Config"]!))
        {
            Assert.Equal(path[13..], Digest.Hex(Digest.Of(files[path])));
        }

        var index = JsonNode.Parse(files["index.json"])!;
        var entries = index["manifests"]!.AsArray();
        Assert.Equal(2, entries.Count);
        Assert.Equal("docker.io/library/app:1", (string?)entries[0]!["annotations"]![MediaTypes.ContainerdNameAnnotation]);
        Assert.Equal("app:1", (string?)entries[0]!["annotations"]![MediaTypes.RefNameAnnotation]);
        Assert.Equal(HostPlatform.Architecture, (string?)entries[0]!["platform"]!["architecture"]);
        var repositories = JsonNode.Parse(files["repositories"])!;
        Assert.Equal(Digest.Hex(_image.DiffIds[1]), (string?)repositories["app"]!["latest"]);
    }

    [Fact]
    public void CompressedExports_AreDeterministic_AndCompressEachLayerOnce()
    {
        var first = _f.PathOf("first.tar");
        var second = _f.PathOf("second.tar");
        ImageExporter.Export(_f.Store, All, first, ExportFormat.OciArchive, LayerCompression.Gzip);
        var record = CompressedLayerCache.RecordPath(_f.Store, _image.DiffIds[0], LayerCompression.Gzip);
        var recorded = File.GetLastWriteTimeUtc(record);
        ImageExporter.Export(_f.Store, All, second, ExportFormat.OciArchive, LayerCompression.Gzip);

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(recorded, File.GetLastWriteTimeUtc(record));
        var gzipped = CompressedLayerCache.TryGet(_f.Store, _image.DiffIds[0], LayerCompression.Gzip)!;
        Assert.Equal(MediaTypes.OciLayerGzip, gzipped.MediaType);
        Assert.True(ReadTar(first).ContainsKey("blobs/sha256/" + Digest.Hex(gzipped.Digest)));
    }

    [Fact]
    public void AnImportedCompressedLayer_IsExportedAsTheSameBlob()
    {
        var layout = _f.PathOf("umoci-like");
        Archives.OciLayout(layout, new SampleImage("gz"), "gz:1");
        ImageImporter.Import(_f.Store, layout, null);
        var original = Archives.Gzip(new SampleImage("gz").Layer1);

        var target = _f.PathOf("again");
        ImageExporter.Export(_f.Store, [_f.Catalog.Resolve("gz:1")], target, ExportFormat.OciLayout, LayerCompression.Gzip);

        Assert.Equal(original, File.ReadAllBytes(Path.Combine(target, "blobs", "sha256", Archives.Hex(original))));
    }

    [Fact]
    public void AnExistingLayout_IsAddedTo_ReplacingOnlyTheSameName()
    {
        var layout = _f.PathOf("layout");
        var other = new SampleImage("other");
        Archives.OciLayout(layout, other, "app:1", "keep:1");

        ImageExporter.Export(_f.Store, [_f.Catalog.Resolve("app:1")], layout, ExportFormat.OciLayout, LayerCompression.None);

        var entries = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!["manifests"]!.AsArray();
        Assert.Equal(["keep:1", "app:1"], entries.Select(e => (string?)e!["annotations"]![MediaTypes.RefNameAnnotation]));
        var check = _f.OpenStore("check");
        var imported = ImageImporter.Import(check, layout, null);
        var catalog = new ImageCatalog(check);
        Assert.Equal(_image.ConfigDigest, catalog.Load(catalog.Resolve("app:1")).Id);
        Assert.Equal(other.ConfigDigest, catalog.Load(catalog.Resolve("keep:1")).Id);
        Assert.Empty(Directory.EnumerateFiles(layout, "*.tmp"));
    }

    [Fact]
    public void AnUntaggedImage_IsExportedWithoutAName()
    {
        var untagged = new SampleImage("untagged");
        var archive = _f.PathOf("untagged.tar");
        Archives.PlainDockerArchive(untagged, []).Save(archive);
        var stored = Assert.Single(ImageImporter.Import(_f.Store, archive, null));
        Assert.Null(stored.Reference);

        var target = _f.PathOf("untagged-out.tar");
        ImageExporter.Export(_f.Store, [stored], target, ExportFormat.DockerArchive, LayerCompression.None);

        var files = ReadTar(target);
        Assert.Null(Assert.Single(JsonNode.Parse(files["manifest.json"])!.AsArray())!["RepoTags"]);
        Assert.False(files.ContainsKey("repositories"));
        var back = Assert.Single(ImageImporter.Import(_f.OpenStore("back"), target, null));
        Assert.Null(back.Reference);
    }

    [Fact]
    public void ACorruptStoreBlob_StopsTheExport_AndLeavesNoFile()
    {
        var blob = _f.Store.BlobPath(_image.DiffIds[1]);
        var bytes = File.ReadAllBytes(blob);
        bytes[600] ^= 0x20;
        File.WriteAllBytes(blob, bytes);
        var target = _f.PathOf("never.tar");

        var error = Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, All, target, ExportFormat.DockerArchive, LayerCompression.None));

        Assert.Equal("StoreCorrupt", error.ErrorId);
        Assert.Contains("Test-LayerStore", error.Message);
        Assert.Empty(Directory.EnumerateFiles(_f.Root));
    }

    [Fact]
    public void ACorruptStoreBlob_IsNotCompressedEither()
    {
        var blob = _f.Store.BlobPath(_image.DiffIds[0]);
        var bytes = File.ReadAllBytes(blob);
        bytes[600] ^= 0x20;
        File.WriteAllBytes(blob, bytes);

        var error = Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, All, _f.PathOf("never"), ExportFormat.OciLayout, LayerCompression.Zstd));

        Assert.Equal("StoreCorrupt", error.ErrorId);
        Assert.Null(CompressedLayerCache.TryGet(_f.Store, _image.DiffIds[0], LayerCompression.Zstd));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Store.TmpDir));
        // The layer was being written into the layout as it was compressed: no blob and no part of one stays.
        var blobs = Path.Combine(_f.PathOf("never"), "blobs", "sha256");
        Assert.Empty(Directory.Exists(blobs) ? Directory.EnumerateFileSystemEntries(blobs) : []);
        Assert.False(File.Exists(Path.Combine(_f.PathOf("never"), "index.json")));
    }

    [Fact]
    public void Cancelling_WhileLayersAreCompressed_LeavesOnlyWholeBlobs_InTheStoreAndTheLayout()
    {
        using var cts = new CancellationTokenSource();
        var progress = CancelOn(cts, p => p.Activity.StartsWith("Compressing layer", StringComparison.Ordinal));
        var layout = _f.PathOf("cancelled");

        Assert.ThrowsAny<OperationCanceledException>(() => ImageExporter.Export(_f.Store, All, layout, ExportFormat.OciLayout, LayerCompression.Zstd, progress, cts.Token));

        // Whatever was finished is whole (a remembered form's blob hashes to its digest); nothing half-written stays.
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Store.TmpDir));
        Assert.NotEqual(_image.DiffIds.Count, _image.DiffIds.Count(d => CompressedLayerCache.TryGet(_f.Store, d, LayerCompression.Zstd) is not null));
        foreach (var layer in _image.DiffIds.Select(d => CompressedLayerCache.TryGet(_f.Store, d, LayerCompression.Zstd)).OfType<Descriptor>())
        {
            Assert.Equal(layer.Digest, Digest.Of(File.ReadAllBytes(_f.Store.BlobPath(layer.Digest))));
        }

        var blobs = Path.Combine(layout, "blobs", "sha256");
        Assert.All(Directory.Exists(blobs) ? Directory.EnumerateFiles(blobs) : [], f => Assert.Equal("sha256:" + Path.GetFileName(f), Digest.Of(File.ReadAllBytes(f))));
        Assert.False(File.Exists(Path.Combine(layout, "index.json")));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public void ALayerCompressedForALayout_IsWrittenThereInTheSamePass_AsTheStoresBytes(LayerCompression compression)
    {
        var first = _f.PathOf("first");
        var second = _f.PathOf("second");
        ImageExporter.Export(_f.Store, All, first, ExportFormat.OciLayout, compression);
        ImageExporter.Export(_f.Store, All, second, ExportFormat.OciLayout, compression);

        foreach (var diffId in _image.DiffIds)
        {
            var layer = CompressedLayerCache.TryGet(_f.Store, diffId, compression)!;
            var stored = File.ReadAllBytes(_f.Store.BlobPath(layer.Digest));
            Assert.Equal(layer.Size, stored.Length);
            Assert.Equal(layer.Digest, Digest.Of(stored));
            foreach (var layout in new[] { first, second })
            {
                Assert.Equal(stored, File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", Digest.Hex(layer.Digest))));
            }

            Assert.Equal(_f.Store.ReadBlob(diffId, long.MaxValue), Decompress(stored, compression));
        }

        // Only blobs: nothing was left beside them.
        Assert.All(Directory.EnumerateFiles(Path.Combine(first, "blobs", "sha256")), f => Assert.True(Digest.IsValid("sha256:" + Path.GetFileName(f)), f));
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, "index.json")), File.ReadAllBytes(Path.Combine(second, "index.json")));
    }

    private static byte[] Decompress(byte[] compressed, LayerCompression compression)
    {
        using var reader = LayerCodec.OpenDecompressed(new MemoryStream(compressed), compression);
        using var output = new MemoryStream();
        reader.CopyTo(output);
        return output.ToArray();
    }

    [Fact]
    public void AnExistingArchive_IsReplacedWhole()
    {
        var target = _f.PathOf("replace.tar");
        File.WriteAllText(target, "old content");

        ImageExporter.Export(_f.Store, All, target, ExportFormat.OciArchive, LayerCompression.None);

        Assert.True(ReadTar(target).ContainsKey("index.json"));
        Assert.Single(Directory.EnumerateFiles(_f.Root));
    }

    [Fact]
    public void Targets_ThatCannotHoldTheExport_AreRefused()
    {
        var file = _f.PathOf("a-file");
        File.WriteAllText(file, "x");
        var busy = _f.PathOf("busy");
        Directory.CreateDirectory(busy);
        File.WriteAllText(Path.Combine(busy, "notes.txt"), "mine");

        Assert.Equal("ExportTargetIsFile", Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, All, file, ExportFormat.OciLayout, LayerCompression.None)).ErrorId);
        Assert.Equal("ExportTargetNotEmpty", Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, All, busy, ExportFormat.OciLayout, LayerCompression.None)).ErrorId);
        Assert.Equal("ExportTargetIsDirectory", Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, All, busy, ExportFormat.DockerArchive, LayerCompression.None)).ErrorId);
        Assert.Equal("ExportIntoStore", Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, All, Path.Combine(_f.Store.Root, "x.tar"), ExportFormat.DockerArchive, LayerCompression.None)).ErrorId);
        Assert.Equal("ExportIntoStore", Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, All, _f.OpenStore("another").Root, ExportFormat.OciLayout, LayerCompression.None)).ErrorId);
        Assert.Equal("NothingToExport", Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, [], _f.PathOf("none.tar"), ExportFormat.DockerArchive, LayerCompression.None)).ErrorId);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(busy).Select(Path.GetFileName));
    }

    [Fact]
    public void Cancelling_LeavesNoArchive()
    {
        using var cts = new CancellationTokenSource();
        var progress = CancelOn(cts, p => p.Status.StartsWith("Writing layer", StringComparison.Ordinal));

        Assert.ThrowsAny<OperationCanceledException>(() => ImageExporter.Export(_f.Store, All, _f.PathOf("cancelled.tar"), ExportFormat.DockerArchive, LayerCompression.None, progress, cts.Token));
        Assert.Empty(Directory.EnumerateFiles(_f.Root));
    }

    [Fact]
    public void AnArchive_IsPlainUstar_Deterministic_AndReadByGnuTar()
    {
        var first = _f.PathOf("first.tar");
        var second = _f.PathOf("second.tar");
        ImageExporter.Export(_f.Store, All, first, ExportFormat.DockerArchive, LayerCompression.None);
        Thread.Sleep(1100);
        ImageExporter.Export(_f.Store, All, second, ExportFormat.DockerArchive, LayerCompression.None);

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        using (var reader = new TarReader(File.OpenRead(first)))
        {
            var names = new List<string>();
            while (reader.GetNextEntry() is { } entry)
            {
                var ustar = Assert.IsType<UstarTarEntry>(entry);
                Assert.Equal(0, ustar.Uid);
                Assert.Equal(0, ustar.Gid);
                Assert.Equal(string.Empty, ustar.UserName);
                Assert.Equal(0, ustar.ModificationTime.ToUnixTimeSeconds());
                Assert.Equal(entry.EntryType == TarEntryType.Directory ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4, ustar.Mode);
                names.Add(entry.Name);
            }

            Assert.Equal(["oci-layout", "index.json", "manifest.json", "repositories", "blobs/", "blobs/sha256/"], names.Take(6));
        }

        var listing = Tool.Run("tar", "--numeric-owner", "-tvf", first);
        Assert.Contains("blobs/sha256/" + Digest.Hex(_image.DiffIds[1]), listing);
        Assert.Contains("-rw-r--r-- 0/0", listing);
    }

    [Theory]
    [InlineData(-100)]
    [InlineData(100)]
    public void AStoreBlobOfTheWrongLength_StopsTheExport(int change)
    {
        var blob = _f.Store.BlobPath(_image.DiffIds[1]);
        var bytes = File.ReadAllBytes(blob);
        File.WriteAllBytes(blob, change < 0 ? bytes[..^(-change)] : [.. bytes, .. new byte[change]]);

        var error = Assert.Throws<LayerToolsException>(() => ImageExporter.Export(_f.Store, All, _f.PathOf("never.tar"), ExportFormat.OciArchive, LayerCompression.None));

        Assert.Equal("StoreCorrupt", error.ErrorId);
        Assert.Empty(Directory.EnumerateFiles(_f.Root));
    }
}
