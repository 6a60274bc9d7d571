using System.Text;
using LayerTools.Core;

namespace LayerTools.Provider;

/// <summary>The -Encoding names Get-Content and Set-Content take on the FileSystem drive, mapped to encodings; 'Byte' means -AsByteStream.</summary>
internal static class ContentEncoding
{
    public static readonly Encoding Utf8NoBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static bool IsByte(string? name) => string.Equals(name, "Byte", StringComparison.OrdinalIgnoreCase);

    public static Encoding Get(string? name)
    {
        if (string.IsNullOrEmpty(name) || IsByte(name))
        {
            return Utf8NoBom;
        }

        switch (name.ToLowerInvariant())
        {
            case "utf8":
            case "utf8nobom":
            case "default":
                return Utf8NoBom;
            case "utf8bom":
                return new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
            case "ascii":
                return Encoding.ASCII;
            case "unicode":
                return Encoding.Unicode;
            case "bigendianunicode":
                return Encoding.BigEndianUnicode;
            case "utf32":
                return Encoding.UTF32;
            case "bigendianutf32":
                return new UTF32Encoding(bigEndian: true, byteOrderMark: true);
            case "latin1":
                return Encoding.Latin1;
            case "oem":
                return Utf8NoBom;
        }

        try
        {
            return int.TryParse(name, out var codePage) ? Encoding.GetEncoding(codePage) : Encoding.GetEncoding(name);
        }
        catch (ArgumentException ex)
        {
            throw new LayerToolsException("UnknownEncoding", ErrorKind.InvalidArgument, $"'{name}' is not an encoding: use utf8, utf8BOM, utf8NoBOM, ascii, unicode, bigendianunicode, utf32, latin1, a code page number, or Byte (-AsByteStream).", name, ex);
        }
    }
}
