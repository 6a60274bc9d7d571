namespace LayerTools.Core.Interchange;

/// <summary>How <see cref="GzipMemberEncoder"/> deflates one block.</summary>
internal enum GzipMethod
{
    /// <summary>Stored as it is (deflate stored blocks): the block does not compress.</summary>
    Stored,

    /// <summary>zlib's default level 6, the only level between 1 and 9 net8.0 can ask for (<c>CompressionLevel.Optimal</c>).</summary>
    Optimal,

    /// <summary>Level 5, as skopeo's pgzip and Go's klauspost flate write by default (.NET 9 and later).</summary>
    Level5,

    /// <summary>Huffman coding only, no match search (.NET 9 and later): for blocks LZ77 matches would not shrink.</summary>
    HuffmanOnly,
}
