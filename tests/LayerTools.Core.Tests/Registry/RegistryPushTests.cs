using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Registry;

/// <summary>Images LayerTools pushes to the real docker-registry, read back by skopeo and umoci; re-pushes and mounts that send nothing.</summary>
[Collection(RegistryCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RegistryPushTests : RegistryTestBase
{
    public RegistryPushTests(RegistryFixture registries, UmociLayout umoci)
        : base(registries, umoci)
    {
    }

    [Fact]
    public void APushedImageIsCopiedBySkopeoAndUnpackedByUmociToTheSameTree()
    {
        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var imported = ImageImporter.Import(temp.Store, Umoci.Layout, null).Single();
        var target = ImageReference.Parse($"{Registries.Plain.Host}/push/app:1");

        var first = Push(catalog, imported, target);
        Assert.Equal(Umoci.ConfigDigest, first.Id);
        Assert.Equal(3, first.Uploaded);

        var copied = Path.Combine(temp.Parent, "copied");
        Tool.Run("skopeo", "copy", "--src-tls-verify=false", "docker://" + target.FullName + ":1", "oci:" + copied + ":app:1");
        var ours = Path.Combine(temp.Parent, "ours");
        var theirs = Path.Combine(temp.Parent, "theirs");
        Tool.Run("umoci", "unpack", "--image", copied + ":app:1", ours);
        Tool.Run("umoci", "unpack", "--image", Umoci.Layout + ":app:1", theirs);
        Assert.Equal(Tree(Path.Combine(theirs, "rootfs")), Tree(Path.Combine(ours, "rootfs")));

        // The import kept umoci's gzip blobs: the registry got the same layer digests umoci made.
        var umociLayers = LayerDigests(Tool.Run("skopeo", "inspect", "--raw", "oci:" + Umoci.Layout + ":app:1"));
        Assert.Equal(umociLayers, LayerDigests(Tool.Run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + target.FullName + ":1")));

        var again = Push(catalog, imported, target);
        Assert.Equal(first.Digest, again.Digest);
        Assert.Equal((0, 0, 3), (again.Uploaded, again.Mounted, again.Existing));
    }

    [Fact]
    public void APulledImageGoesBackByteExactAndMountsAcrossRepositories()
    {
        var source = $"{Registries.Plain.Host}/push/docker-format:1";
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "--format", "v2s2", "oci:" + Umoci.Layout + ":app:1", "docker://" + source);
        var raw = Tool.Run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + source);

        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var pulled = RegistryFixture.Pull(temp.Store, source);
        var moved = Push(catalog, pulled, ImageReference.Parse($"{Registries.Plain.Host}/push/elsewhere:2"));

        Assert.Equal(Digest.Of(System.Text.Encoding.UTF8.GetBytes(raw)), moved.Digest);
        Assert.Equal(MediaTypes.DockerManifest, moved.MediaType);
        Assert.Equal((0, 3, 0), (moved.Uploaded, moved.Mounted, moved.Existing));
        Assert.Equal(raw, Tool.Run("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{Registries.Plain.Host}/push/elsewhere:2"));
    }

    [Fact]
    public void TheTlsRegistryTakesAPushWithItsUserOnly()
    {
        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var image = TestImages.Add(temp.Store, "local:1", new TarBuilder().File("etc/hello", "hello\n"), new TarBuilder().File("etc/second", "2\n"));
        var target = ImageReference.Parse($"{Registries.Secure.Host}/push/secure:1");
        var wrong = new RegistryOptions { Credential = new System.Net.NetworkCredential(RegistryFixture.User, "wrong"), SkipCertificateCheck = true };
        Assert.Equal("RegistryUnauthorized", Assert.Throws<LayerToolsException>(() => Push(catalog, image, target, wrong)).ErrorId);

        var good = new RegistryOptions { Credential = new System.Net.NetworkCredential(RegistryFixture.User, RegistryFixture.Password), SkipCertificateCheck = true };
        var pushed = Push(catalog, image, target, good);
        Assert.Equal(MediaTypes.OciManifest, pushed.MediaType);
        using var back = new TempStore();
        var pulled = RegistryFixture.Pull(back.Store, target.FullName + ":1", good);
        Assert.Equal(catalog.Load(image).Layers, new ImageCatalog(back.Store).Load(pulled).Layers);
        Assert.Equal(pushed.Digest, pulled.Manifest.Digest);
    }

    [Fact]
    public void ChunkedUploadsReachTheRegistryWhole()
    {
        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var big = new byte[200_000];
        new Random(7).NextBytes(big);
        var image = TestImages.Add(temp.Store, "chunky:1", new TarBuilder().File("data/random.bin", big));
        var target = ImageReference.Parse($"{Registries.Plain.Host}/push/chunky:1");
        var pushed = Push(catalog, image, target, new RegistryOptions { ChunkBytes = 16 * 1024 });
        Assert.Equal(2, pushed.Uploaded);

        using var back = new TempStore();
        var pulled = RegistryFixture.Pull(back.Store, target.FullName + ":1");
        Assert.Equal(pushed.Digest, pulled.Manifest.Digest);
        Assert.Equal(catalog.Load(image).Layers, new ImageCatalog(back.Store).Load(pulled).Layers);
    }

    [Fact]
    public void ALayerNeverCompressedIsCompressedAsItGoesAndTheStoreKeepsTheBlobTheRegistryHas()
    {
        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var image = BigImage(temp.Store);
        var diffIds = catalog.Load(image).Layers;
        Assert.All(diffIds, d => Assert.Null(CompressedLayerCache.TryGet(temp.Store, d, LayerCompression.Gzip)));
        var target = ImageReference.Parse($"{Registries.Plain.Host}/push/streamed:1");

        var pushed = Push(catalog, image, target);
        Assert.Equal(3, pushed.Uploaded);

        // skopeo reads every blob back (checking each against its digest): the layers are the ones the store kept.
        var registryLayers = LayerDigests(Tool.Run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + target.FullName + ":1"));
        Assert.Equal(diffIds.Select(d => CompressedLayerCache.TryGet(temp.Store, d, LayerCompression.Gzip)?.Digest ?? "none").ToList(), registryLayers);
        Tool.Run("skopeo", "copy", "--src-tls-verify=false", "docker://" + target.FullName + ":1", "oci:" + Path.Combine(temp.Parent, "copied") + ":app");
        using var back = new TempStore();
        Assert.Equal(diffIds, new ImageCatalog(back.Store).Load(RegistryFixture.Pull(back.Store, target.FullName + ":1")).Layers);

        // An unchanged re-push finds every blob; the same image from another store goes with the same digest.
        var again = Push(catalog, image, target);
        Assert.Equal((0, 0, 3, pushed.Digest), (again.Uploaded, again.Mounted, again.Existing, again.Digest));
        using var other = new TempStore();
        var elsewhere = Push(new ImageCatalog(other.Store), BigImage(other.Store), ImageReference.Parse($"{Registries.Plain.Host}/push/streamed-elsewhere:1"));
        Assert.Equal(pushed.Digest, elsewhere.Digest);
    }

    [Fact]
    public void APushCancelledMidUploadAndPushedAgainGivesTheSameDigest()
    {
        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var image = BigImage(temp.Store);
        var target = ImageReference.Parse($"{Registries.Plain.Host}/push/cancelled:1");
        using var cancel = new CancellationTokenSource();
        var progress = new CancelOnProgress(cancel, "Compressing and uploading ");
        using (var client = new RegistryClient(RegistryEndpoint.For(target), new RegistryOptions()))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => ImagePusher.Push(catalog, image, client, target, progress, cancel.Token));
            Assert.Empty(client.Notes);
        }

        Assert.True(progress.Seen);
        Assert.Empty(Directory.EnumerateFiles(temp.Store.TmpDir, "compress-*"));

        // Each upload the cancelled push opened was cancelled (DELETE): the registry knows none of them (an
        // upload is its startedat and data files; a PATCH the cancel cut off may still write its hash state
        // after the DELETE, which the registry's upload purge removes).
        var uploads = Path.Combine(Registries.Plain.Dir, "data", "docker", "registry", "v2", "repositories", "push", "cancelled", "_uploads");
        Assert.True(Directory.Exists(uploads), "the push opened uploads");
        // (The POST of the other layer's upload may be in flight at the cancel: it is answered and its upload cancelled too.)
        var left = Directory.EnumerateFiles(uploads, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) is "startedat" or "data").Select(f => Path.GetRelativePath(uploads, f));
        Assert.Empty(left);
        var pushed = Push(catalog, image, target);
        using var other = new TempStore();
        var fresh = Push(new ImageCatalog(other.Store), BigImage(other.Store), ImageReference.Parse($"{Registries.Plain.Host}/push/uncancelled:1"));
        Assert.Equal(fresh.Digest, pushed.Digest);
        using var back = new TempStore();
        Assert.Equal(catalog.Load(image).Layers, new ImageCatalog(back.Store).Load(RegistryFixture.Pull(back.Store, target.FullName + ":1")).Layers);
    }

    [Fact]
    public void MountsTheRegistryRefusesLeaveNoUploadBehind()
    {
        // The store names the image in two repositories of the registry that do not have it: the config is
        // offered as a mount from each (each refusal opens an upload), then uploaded into the last one opened.
        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var image = TestImages.Add(temp.Store, "mountless:1", new TarBuilder().File("etc/mountless", "mountless"));
        catalog.Tag(image.Manifest, ImageReference.Parse($"{Registries.Plain.Host}/push/nowhere-a:1"));
        catalog.Tag(image.Manifest, ImageReference.Parse($"{Registries.Plain.Host}/push/nowhere-b:1"));

        var pushed = Push(catalog, image, ImageReference.Parse($"{Registries.Plain.Host}/push/mountless:1"));

        Assert.Equal((2, 0, 0), (pushed.Uploaded, pushed.Mounted, pushed.Existing));
        var uploads = Path.Combine(Registries.Plain.Dir, "data", "docker", "registry", "v2", "repositories", "push", "mountless", "_uploads");
        Assert.Empty(Directory.Exists(uploads) ? Directory.EnumerateFiles(uploads, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) is "startedat" or "data") : []);
    }

    /// <summary>Two layers of 8 MB, several compression blocks each (text, so gzip has work), never compressed in the store.</summary>
    [Fact]
    public async Task AnUploadCancelledAtAStaleAddressLeavesANoteAndItsLatestAddressCancelsIt()
    {
        // POST opens an upload (its address says offset 0); a PATCH of 1 KiB moves it on, and the answer gives its latest address.
        using var temp = new TempStore();
        var repository = "cancel/stale";
        var reference = ImageReference.Parse($"{Registries.Plain.Host}/{repository}:1");
        using var client = new RegistryClient(RegistryEndpoint.For(reference), new RegistryOptions());
        using var http = new HttpClient();
        using var opened = await http.PostAsync(new Uri($"http://{Registries.Plain.Host}/v2/{repository}/blobs/uploads/"), null);
        var first = client.Location(opened, "an upload");
        using var patch = new HttpRequestMessage(HttpMethod.Patch, first) { Content = new ByteArrayContent(new byte[1024]) };
        using var patched = await http.SendAsync(patch);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, patched.StatusCode);
        var latest = client.Location(patched, "an upload");
        var uploader = new BlobUploader(client, temp.Store, repository);

        // distribution 2.8 answers the stale address 404 BLOB_UPLOAD_INVALID and keeps the upload: a note says so.
        uploader.Cancel(first);
        Assert.Contains("BLOB_UPLOAD_INVALID", Assert.Single(client.Notes), StringComparison.Ordinal);
        client.Notes.Clear();

        // The latest address cancels it, with no note; once it is gone, a DELETE's 404 BLOB_UPLOAD_UNKNOWN is no note either.
        uploader.Cancel(latest);
        Assert.Empty(client.Notes);
        using (var status = await http.GetAsync(latest))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, status.StatusCode);
        }

        uploader.Cancel(latest);
        Assert.Empty(client.Notes);
    }

    private static StoredImage BigImage(LayerStore store)
    {
        var text = new System.Text.StringBuilder();
        var random = new Random(11);
        while (text.Length < 8 * 1024 * 1024)
        {
            text.Append(random.Next()).Append(' ').Append(Convert.ToBase64String(BitConverter.GetBytes(random.NextDouble()))).Append('\n');
        }

        var content = text.ToString();
        return TestImages.Add(store, "streamed:1", new TarBuilder().File("data/one.txt", content), new TarBuilder().File("data/two.txt", content[1000..]));
    }

    /// <summary>Cancels once a progress record of an activity starting with <c>prefix</c> shows bytes moving.</summary>
    private sealed class CancelOnProgress(CancellationTokenSource cancel, string prefix) : IProgress<OperationProgress>
    {
        public bool Seen { get; private set; }

        public void Report(OperationProgress value)
        {
            if (value.Activity.StartsWith(prefix, StringComparison.Ordinal) && value.PercentComplete > 0 && !value.Completed)
            {
                Seen = true;
                cancel.Cancel();
            }
        }
    }

    private static PublishedImage Push(ImageCatalog catalog, StoredImage image, ImageReference target, RegistryOptions? options = null)
    {
        using var client = new RegistryClient(RegistryEndpoint.For(target), options ?? new RegistryOptions());
        return ImagePusher.Push(catalog, image, client, target, null, CancellationToken.None);
    }

    private static List<string> LayerDigests(string manifest) =>
        JsonNode.Parse(manifest)!["layers"]!.AsArray().Select(l => (string)l!["digest"]!).ToList();

    /// <summary>Every path under a root with its type, mode, and content or link target.</summary>
    private static List<string> Tree(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(path =>
            {
                var info = new FileInfo(path);
                var rel = Path.GetRelativePath(root, path);
                var mode = (int)File.GetUnixFileMode(path);
                return info.LinkTarget is { } target ? $"{rel} -> {target}"
                    : Directory.Exists(path) ? $"{rel}/ {mode}"
                    : $"{rel} {mode} {Digest.Of(File.ReadAllBytes(path))}";
            })
            .Order(StringComparer.Ordinal)
            .ToList();
}
