namespace LayerTools.Core.Interchange;

/// <summary>How exported layers are compressed.</summary>
public enum LayerCompression
{
    Gzip,
    Zstd,
    None,
}
