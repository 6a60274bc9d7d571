using LayerTools.Core.Images;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;

namespace LayerTools.Core.Tests.Registry;

/// <summary>The registries every registry test shares: one plain-HTTP, one TLS with an htpasswd user.</summary>
public sealed class RegistryFixture : IDisposable
{
    public const string User = "alice";
    public const string Password = "wonderland-42";

    public RegistryFixture()
    {
        Plain = TestRegistry.Start();
        try
        {
            Secure = TestRegistry.Start(tls: true, user: User, password: Password);
        }
        catch
        {
            Plain.Dispose();
            throw;
        }
    }

    internal TestRegistry Plain { get; }

    internal TestRegistry Secure { get; }

    /// <summary>Pulls <paramref name="reference"/> into <paramref name="store"/> as Request-LayeredImage does.</summary>
    internal static StoredImage Pull(LayerStore store, string reference, RegistryOptions? options = null, string? platform = null)
    {
        var parsed = ImageReference.Parse(reference);
        using var client = new RegistryClient(RegistryEndpoint.For(parsed), options ?? new RegistryOptions());
        return ImagePuller.Pull(store, client, parsed, platform, null, CancellationToken.None);
    }

    public void Dispose()
    {
        Plain.Dispose();
        Secure.Dispose();
    }
}
