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

    public void Dispose()
    {
        Plain.Dispose();
        Secure.Dispose();
    }
}
