using System.Diagnostics;
using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Store;

public sealed class LayerStoreTests
{
    [Fact]
    public void AReadOnlyOpen_CreatesNothing_AndReadsAMissingStoreAsEmpty()
    {
        using var t = new TempStore();
        var nowhere = Path.Combine(t.Parent, "mistyped", "store");
        var store = LayerStore.OpenReadOnly(nowhere);

        Assert.False(store.Exists);
        Assert.Empty(new ImageCatalog(store).List());
        LayerAssert.Throws("ImageNotFound", () => new ImageCatalog(store).Resolve("app:1"));
        LayerAssert.Throws("StoreNotFound", () => StoreMaintenance.Verify(store).ToList());
        Assert.False(Directory.Exists(Path.Combine(t.Parent, "mistyped")));

        TestImages.Add(t.Store, "app:1", new TarBuilder().File("a", "a"));
        var existing = LayerStore.OpenReadOnly(t.Root);
        Assert.True(existing.Exists);
        Assert.Equal("app:1", new ImageCatalog(existing).Resolve("app:1").Reference!.ToString());
        LayerAssert.Throws("StoreNotADirectory", () => LayerStore.OpenReadOnly(t.Store.IndexJsonPath));
    }

    [Fact]
    public void ANewStoreIsAnOciLayout()
    {
        using var t = new TempStore();
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", File.ReadAllText(Path.Combine(t.Root, "oci-layout")));
        var index = JsonNode.Parse(File.ReadAllText(t.Store.IndexJsonPath))!;
        Assert.Equal(2, (int)index["schemaVersion"]!);
        Assert.Empty(index["manifests"]!.AsArray());
        Assert.True(Directory.Exists(Path.Combine(t.Root, "blobs", "sha256")));
    }

    [Fact]
    public void StagedContentIsInvisibleUntilCommitAndGoneWhenAbandoned()
    {
        using var t = new TempStore();
        var before = t.Snapshot();
        string diffId;
        using (var staging = t.Store.BeginStaging())
        {
            using var tar = new TarBuilder().File("a", "a").ToStream();
            diffId = staging.AddLayer(tar, "a.tar").DiffId;
            staging.AddBytes("{}"u8);
            Assert.False(t.Store.HasBlob(diffId));
        }

        Assert.Equal(before, t.Snapshot());
        Assert.Empty(Directory.EnumerateFileSystemEntries(t.Store.TmpDir));
    }

    [Fact]
    public void AWriterThatFailsLeavesNoHalfLayerInTheStagingArea()
    {
        using var t = new TempStore();
        using var staging = t.Store.BeginStaging();
        var stagingDir = Assert.Single(Directory.EnumerateDirectories(t.Store.TmpDir));
        Assert.Throws<IOException>(() => staging.AddLayer(w =>
        {
            w.AddFile("a", 0x1A4, 0, 0, 0, new MemoryStream("a"u8.ToArray()), 1);
            throw new IOException("the upper dir went away");
        }));
        Assert.Empty(Directory.EnumerateFileSystemEntries(stagingDir));
    }

    [Fact]
    public void ACommittedImageIsNamedInIndexJsonAndItsLayerIsIndexed()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "example.com/team/app:1", new TarBuilder().Dir("etc").File("etc/motd", "hello"));
        var descriptor = Assert.Single(t.Store.ReadManifestDescriptors());
        Assert.Equal("example.com/team/app:1", descriptor.Annotations[MediaTypes.RefNameAnnotation]);
        Assert.Equal("example.com/team/app:1", descriptor.Annotations[MediaTypes.ContainerdNameAnnotation]);

        var catalog = new ImageCatalog(t.Store);
        var loaded = catalog.Load(catalog.Resolve("example.com/team/app:1"));
        Assert.Equal("example.com/team/app", loaded.Name);
        Assert.Equal("1", loaded.Tag);
        var diffId = Assert.Single(loaded.Layers);
        Assert.Equal(t.Store.BlobSize(diffId), loaded.Size);
        Assert.Equal(2, t.Store.ReadLayerIndex(diffId).Entries.Count);
        Assert.Equal(loaded.Id, catalog.ReadManifest(image.Manifest.Digest).Config.Digest);
    }

    [Fact]
    public void IdenticalLayersAreStoredOnce()
    {
        using var t = new TempStore();
        TestImages.Add(t.Store, "a:1", new TarBuilder().File("shared", "same bytes"));
        var blobs = Directory.GetFiles(t.Store.BlobsDir).Length;
        TestImages.Add(t.Store, "b:1", new TarBuilder().File("shared", "same bytes"), new TarBuilder().File("more", "x"));
        // b adds its own second layer, config and manifest; the shared layer is not stored again.
        Assert.Equal(blobs + 3, Directory.GetFiles(t.Store.BlobsDir).Length);
        var catalog = new ImageCatalog(t.Store);
        var layers = catalog.Layers(catalog.Resolve("b:1"));
        Assert.Equal(2, layers[0].SharedBy);
        Assert.Equal(1, layers[1].SharedBy);
    }

    [Fact]
    public void ManyWritersAtOnceLoseNoTag()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "base:1", new TarBuilder().File("f", "f"));
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var store = LayerStore.Open(t.Root);
            new ImageCatalog(store).Tag(image.Manifest, ImageReference.Parse($"copy{i}:latest"));
        });
        var names = t.Store.ReadManifestDescriptors().Select(d => d.Annotations[MediaTypes.RefNameAnnotation]).ToHashSet();
        Assert.Equal(41, names.Count);
        Assert.Contains("copy39:latest", names);
    }

    [Fact]
    public void ManyProcessesAtOnceLoseNoTagAndLeaveAValidIndex()
    {
        using var t = new TempStore();
        TestImages.Add(t.Store, "base:1", new TarBuilder().File("f", "f"));
        var script = string.Join(
            "\n",
            "import json,os,sys,fcntl,time",
            "root=sys.argv[1]; n=sys.argv[2]",
            "for i in range(15):",
            "  with open(os.path.join(root,'layertools','store.lock'),'a+') as l:",
            "    fcntl.flock(l, fcntl.LOCK_EX)",
            "    p=os.path.join(root,'index.json'); d=json.load(open(p))",
            "    m=dict(d['manifests'][0]); m['annotations']={'org.opencontainers.image.ref.name':'py%s-%d:latest'%(n,i)}",
            "    d['manifests'].append(m); tmp=p+'.py'+n; json.dump(d,open(tmp,'w')); os.replace(tmp,p)");
        var scriptPath = Path.Combine(t.Parent, "writer.py");
        File.WriteAllText(scriptPath, script);
        var processes = Enumerable.Range(0, 3).Select(n => Process.Start(new ProcessStartInfo("python3", new[] { scriptPath, t.Root, n.ToString(System.Globalization.CultureInfo.InvariantCulture) }) { UseShellExecute = false })!).ToList();
        var image = new ImageCatalog(t.Store).Resolve("base:1");
        for (var i = 0; i < 15; i++)
        {
            new ImageCatalog(LayerStore.Open(t.Root)).Tag(image.Manifest, ImageReference.Parse($"dotnet{i}:latest"));
        }

        foreach (var p in processes)
        {
            Assert.True(p.WaitForExit(60_000));
            Assert.Equal(0, p.ExitCode);
        }

        var names = t.Store.ReadManifestDescriptors().Select(d => d.Annotations[MediaTypes.RefNameAnnotation]).ToList();
        Assert.Equal(1 + 15 + (3 * 15), names.Distinct().Count());
    }

    [Fact]
    public void RetaggingMovesTheNameAndKeepsTheOldImageUntagged()
    {
        using var t = new TempStore();
        var first = TestImages.Add(t.Store, "app:1", new TarBuilder().File("v", "1"));
        var second = TestImages.Add(t.Store, "app:1", new TarBuilder().File("v", "2"));
        var catalog = new ImageCatalog(t.Store);
        Assert.Equal(second.Manifest.Digest, catalog.Resolve("app:1").Manifest.Digest);
        var dangling = Assert.Single(catalog.List(), i => i.Reference is null);
        Assert.Equal(first.Manifest.Digest, dangling.Manifest.Digest);
    }

    [Fact]
    public void ImagesResolveByNameDigestAndShortId()
    {
        using var t = new TempStore();
        var stored = TestImages.Add(t.Store, "app:2", new TarBuilder().File("x", "x"));
        TestImages.Add(t.Store, "other", new TarBuilder().File("y", "y"));
        var catalog = new ImageCatalog(t.Store);
        var id = catalog.ConfigDigestOf(stored);
        Assert.Equal(stored.Manifest.Digest, catalog.Resolve("app:2").Manifest.Digest);
        Assert.Equal(stored.Manifest.Digest, catalog.Resolve(id).Manifest.Digest);
        Assert.Equal(stored.Manifest.Digest, catalog.Resolve(stored.Manifest.Digest).Manifest.Digest);
        Assert.Equal(stored.Manifest.Digest, catalog.Resolve(Digest.Short(id)).Manifest.Digest);
        Assert.Equal("other:latest", catalog.Resolve("other").Reference!.ToString());
        LayerAssert.Throws("ImageNotFound", () => catalog.Resolve("app:3"));
        LayerAssert.Throws("ImageNotFound", () => catalog.Resolve("sha256:" + new string('0', 64)));
    }

    [Fact]
    public void UntaggingTheLastTagRemovesTheImageButNotItsBlobs()
    {
        using var t = new TempStore();
        var stored = TestImages.Add(t.Store, "app:1", new TarBuilder().File("x", "x"));
        var catalog = new ImageCatalog(t.Store);
        catalog.Tag(stored.Manifest, ImageReference.Parse("app:2"));
        Assert.True(catalog.Untag(catalog.Resolve("app:1")));
        Assert.Single(catalog.List());
        Assert.True(catalog.Untag(catalog.Resolve("app:2")));
        Assert.Empty(catalog.List());
        Assert.True(t.Store.HasBlob(stored.Manifest.Digest));
    }

    [Fact]
    public void ABlobTooShortForItsIndexIsReportedNotReadShort()
    {
        using var t = new TempStore();
        var stored = TestImages.Add(t.Store, "app:1", new TarBuilder().File("big", new byte[5000]));
        var catalog = new ImageCatalog(t.Store);
        var diffId = catalog.Load(stored).Layers[0];
        var view = catalog.Union(stored);
        using (var fs = new FileStream(t.Store.BlobPath(diffId), FileMode.Open, FileAccess.Write))
        {
            fs.SetLength(2000);
        }

        LayerAssert.Throws("LayerBlobTruncated", () => LayerTools.Core.Union.LayerContent.Open(t.Store, view, "big").Dispose());
    }
}
