using LayerTools.Core.Images;
using LayerTools.Core.Registry;

namespace LayerTools.Core.Tests.Registry;

/// <summary>References to registries as docker reads them: Docker Hub's defaults, and where plain HTTP is allowed.</summary>
/// <remarks>In the credential tests' collection, which runs alone: one test sets the process-wide
/// LAYERTOOLS_INSECURE_REGISTRIES, which any registry endpoint parsed meanwhile would read.</remarks>
[Collection(CredentialStoreTests.Name)]
public sealed class RegistryEndpointTests
{
    [Theory]
    [InlineData("alpine:3.20", "docker.io", "library/alpine", "docker.io/library/alpine")]
    [InlineData("docker.io/alpine", "docker.io", "library/alpine", "docker.io/library/alpine")]
    [InlineData("user/app", "docker.io", "user/app", "docker.io/user/app")]
    [InlineData("docker.io/library/alpine", "docker.io", "library/alpine", "docker.io/library/alpine")]
    [InlineData("127.0.0.1:5000/lib/base:1", "127.0.0.1:5000", "lib/base", "127.0.0.1:5000/lib/base")]
    [InlineData("localhost/x", "localhost", "x", "localhost/x")]
    [InlineData("[::1]:5000/a/b", "[::1]:5000", "a/b", "[::1]:5000/a/b")]
    public void ReferencesNameTheirRegistryAndRepository(string text, string domain, string repository, string fullName)
    {
        var reference = ImageReference.Parse(text);
        Assert.Equal(domain, reference.Domain);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(fullName, reference.FullName);
    }

    [Fact]
    public void DockerHubIsReachedAtRegistry1AndKeyedAsDockerDoes()
    {
        var hub = RegistryEndpoint.For(ImageReference.Parse("alpine"));
        Assert.Equal("registry-1.docker.io", hub.Host);
        Assert.Equal("https://index.docker.io/v1/", hub.CredentialKey);
        Assert.False(hub.AllowsPlainHttp);
        Assert.Equal("docker.io", RegistryEndpoint.Parse("index.docker.io").Domain);
        Assert.Equal("docker.io", RegistryEndpoint.Parse("https://index.docker.io/v1/").Domain);
        Assert.Equal("LayerToolsException", Assert.ThrowsAny<Exception>(() => RegistryEndpoint.Parse("not a host")).GetType().Name);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.9.8.7", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("registry.example:5000", false)]
    [InlineData("10.0.0.1:5000", false)]
    public void PlainHttpOnlyForLoopback(string domain, bool plain) =>
        Assert.Equal(plain, RegistryEndpoint.Parse(domain).AllowsPlainHttp);

    [Fact]
    public void InsecureRegistriesVariableAllowsPlainHttp()
    {
        var before = Environment.GetEnvironmentVariable(RegistryEndpoint.InsecureVariable);
        try
        {
            Environment.SetEnvironmentVariable(RegistryEndpoint.InsecureVariable, "other.example, registry.example:5000");
            Assert.True(RegistryEndpoint.Parse("registry.example:5000").AllowsPlainHttp);
            Assert.False(RegistryEndpoint.Parse("registry.example:5001").AllowsPlainHttp);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RegistryEndpoint.InsecureVariable, before);
        }
    }
}
