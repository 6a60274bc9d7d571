namespace LayerTools.Core.Registry;

/// <summary>One tag of a repository in a registry, as Find-LayeredImage lists them.</summary>
public sealed class RegistryTag
{
    /// <summary>The registry as references name it (docker.io, 127.0.0.1:5000).</summary>
    public string Registry { get; init; } = string.Empty;

    public string Repository { get; init; } = string.Empty;

    public string Tag { get; init; } = string.Empty;

    /// <summary>registry/repository:tag, ready for Request-LayeredImage.</summary>
    public string Reference => Registry + "/" + Repository + ":" + Tag;

    public override string ToString() => Reference;
}
