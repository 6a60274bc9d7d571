namespace LayerTools.Core.Tests.Registry;

/// <summary>The registry tests share the two registries of <see cref="RegistryFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>
{
    public const string Name = "Registry";
}
