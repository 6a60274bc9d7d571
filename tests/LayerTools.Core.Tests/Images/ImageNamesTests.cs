using System.Text.Json.Nodes;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Images;

public sealed class ImageNamesTests
{
    [Theory]
    [InlineData("docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("docker.io/team/app:2", "team/app:2")]
    [InlineData("index.docker.io/library/nginx:latest", "nginx:latest")]
    [InlineData("docker.io/library/team/deep:1", "library/team/deep:1")]
    [InlineData("registry.example:5000/app:1", "registry.example:5000/app:1")]
    [InlineData("app", "app:latest")]
    [InlineData("app:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "app:1")]
    public void ArchiveNames_BecomeTheNamesDockerShows(string text, string expected) =>
        Assert.Equal(expected, ImageNames.ParseFamiliar(text)?.ToString());

    [Theory]
    [InlineData("docker.io/library/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("Not A Name")]
    [InlineData("")]
    public void DigestsAndInvalidText_NameNothing(string text) => Assert.Null(ImageNames.ParseFamiliar(text));

    [Fact]
    public void IndexAnnotations_PreferTheContainerdName_AndIgnoreABareTag()
    {
        var both = new Dictionary<string, string> { [MediaTypes.ContainerdNameAnnotation] = "docker.io/library/app:3", [MediaTypes.RefNameAnnotation] = "3" };
        var refOnly = new Dictionary<string, string> { [MediaTypes.RefNameAnnotation] = "team/app:4" };
        var bareTag = new Dictionary<string, string> { [MediaTypes.RefNameAnnotation] = "latest" };

        Assert.Equal("app:3", ImageNames.FromIndexAnnotations(both)?.ToString());
        Assert.Equal("team/app:4", ImageNames.FromIndexAnnotations(refOnly)?.ToString());
        Assert.Null(ImageNames.FromIndexAnnotations(bareTag));
    }

    [Fact]
    public void ABareRefName_IsATag_NamedByTheContainerdName_OrUntagged()
    {
        var tagWithContainerd = new Dictionary<string, string> { [MediaTypes.RefNameAnnotation] = "latest", [MediaTypes.ContainerdNameAnnotation] = "docker.io/team/app:1" };
        var containerdOnly = new Dictionary<string, string> { [MediaTypes.ContainerdNameAnnotation] = "registry.example:5000/app:2" };

        Assert.Equal("team/app:latest", ImageNames.FromIndexAnnotations(tagWithContainerd)?.ToString());
        Assert.Equal("registry.example:5000/app:2", ImageNames.FromIndexAnnotations(containerdOnly)?.ToString());
        Assert.Null(ImageNames.FromIndexAnnotations(new Dictionary<string, string>()));
    }

    [Fact]
    public void SkopeoCopyingIntoTheStoreWithABareTag_ListsAndImportsTheImageUntagged()
    {
        using var t = new TempStore();
        TestImages.Add(t.Store, "app:1", new TarBuilder().File("a", "a"));
        var archive = Path.Combine(t.Parent, "app.tar");
        ImageExporter.Export(t.Store, new ImageCatalog(t.Store).List(), archive, ExportFormat.DockerArchive, LayerCompression.None);

        // skopeo writes ref.name "latest" and no containerd name into the store's own index.json.
        Tool.Run("skopeo", "copy", "docker-archive:" + archive, "oci:" + t.Root + ":latest");
        var written = JsonNode.Parse(File.ReadAllText(t.Store.IndexJsonPath))!["manifests"]!.AsArray()
            .Single(m => (string?)m!["annotations"]?[MediaTypes.RefNameAnnotation] == "latest")!;
        Assert.Null(written["annotations"]![MediaTypes.ContainerdNameAnnotation]);

        var listed = new ImageCatalog(t.Store).List();
        Assert.Equal(["app:1"], listed.Where(i => i.Reference is not null).Select(i => i.Reference!.ToString()));
        Assert.Contains(listed, i => i.Reference is null && i.Manifest.Digest == (string?)written["digest"]);

        // Importing that layout reads the same annotation the same way.
        var other = LayerStore.Open(Path.Combine(t.Parent, "other"));
        var imported = ImageImporter.Import(other, t.Root, null);
        Assert.Contains(imported, i => i.Reference is null);
        Assert.DoesNotContain(new ImageCatalog(other).List(), i => i.Reference?.Name == "latest");
    }
}
