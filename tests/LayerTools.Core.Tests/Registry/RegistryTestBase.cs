using LayerTools.Core.Tests.Interchange;

namespace LayerTools.Core.Tests.Registry;

/// <summary>What the registry test classes share: the two registries, and an OCI layout umoci made to push and pull.</summary>
public abstract class RegistryTestBase : IClassFixture<UmociLayout>
{
    protected RegistryTestBase(RegistryFixture registries, UmociLayout umoci)
    {
        Registries = registries;
        Umoci = umoci;
    }

    internal RegistryFixture Registries { get; }

    internal UmociLayout Umoci { get; }
}
