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
