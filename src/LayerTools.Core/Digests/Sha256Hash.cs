using System.Buffers.Binary;

namespace LayerTools.Core.Digests;

/// <summary>
/// The 32 bytes of a SHA-256, held as four numbers (no array, no string): what the build keeps per
/// context file, written as a digest's text only where text is needed (50,000 digest strings were
/// 8 MB a no-op rebuild made and kept for nothing but hashing them into a cache key).
/// </summary>
internal readonly record struct Sha256Hash(ulong A, ulong B, ulong C, ulong D)
{
    /// <summary>The length of its digest text: <c>sha256:</c> and 64 hex digits.</summary>
    public const int DigestLength = 7 + 64;

    private const string HexDigits = "0123456789abcdef";

    public static Sha256Hash Read(ReadOnlySpan<byte> hash) => new(
        BinaryPrimitives.ReadUInt64BigEndian(hash),
        BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));

    /// <summary>The hash a digest names; throws for anything that is not a sha256 digest.</summary>
    public static Sha256Hash Parse(string digest) => Read(Convert.FromHexString(Digest.Hex(digest)));

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, A);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], D);
    }

    /// <summary>Writes the digest's text (<c>sha256:</c> and 64 lowercase hex digits) into <paramref name="destination"/>, which holds at least <see cref="DigestLength"/> chars.</summary>
    public void WriteDigest(Span<char> destination)
    {
        Digest.Sha256Prefix.CopyTo(destination);
        Span<byte> bytes = stackalloc byte[32];
        WriteTo(bytes);
        var hex = destination[Digest.Sha256Prefix.Length..];
        for (var i = 0; i < bytes.Length; i++)
        {
            hex[2 * i] = HexDigits[bytes[i] >> 4];
            hex[(2 * i) + 1] = HexDigits[bytes[i] & 0xF];
        }
    }

    /// <summary>The digest's text.</summary>
    public override string ToString() => string.Create(DigestLength, this, static (chars, hash) => hash.WriteDigest(chars));
}
