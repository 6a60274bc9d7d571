using LayerTools.Core.Images;
using LayerTools.Core.Interchange;

namespace LayerTools.Core.Tests.Interchange;

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
}
