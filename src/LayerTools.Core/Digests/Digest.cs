using System.Security.Cryptography;
using System.Text;

namespace LayerTools.Core.Digests;

/// <summary>OCI content digests: <c>sha256:</c> followed by 64 lowercase hex digits of the exact bytes.</summary>
public static class Digest
{
    public const string Sha256Prefix = "sha256:";

    public static string FromHash(ReadOnlySpan<byte> hash) => Sha256Prefix + Convert.ToHexString(hash).ToLowerInvariant();

    public static string Of(ReadOnlySpan<byte> data) => FromHash(SHA256.HashData(data));

    public static string Of(string text) => Of(Encoding.UTF8.GetBytes(text));

    public static string Of(Stream stream) => FromHash(SHA256.HashData(stream));

    public static bool IsValid(string? digest)
    {
        if (digest is null || digest.Length != Sha256Prefix.Length + 64 || !digest.StartsWith(Sha256Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in digest.AsSpan(Sha256Prefix.Length))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The 64 hex digits of a validated digest; throws for anything that is not one.</summary>
    public static string Hex(string digest)
    {
        if (!IsValid(digest))
        {
            throw new LayerToolsException("InvalidDigest", ErrorKind.InvalidData, $"'{digest}' is not a sha256 digest (sha256: and 64 lowercase hex digits).", digest);
        }

        return digest[Sha256Prefix.Length..];
    }

    /// <summary>The 12-hex-digit short form Docker shows as an image ID.</summary>
    public static string Short(string digest) => Hex(digest)[..12];
}
