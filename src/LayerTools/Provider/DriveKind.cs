namespace LayerTools.Provider;

/// <summary>What a LayerTools drive shows: the images of a store (read-only) or its containers (read-write).</summary>
internal enum DriveKind
{
    Image,
    Container,
}
