using System.Management.Automation;

namespace LayerTools.Provider;

/// <summary>Get-Content's parameters on LayerTools drives, named as on the FileSystem drive.</summary>
public sealed class ContentReaderParameters
{
    /// <summary>The text encoding (utf8 without BOM when omitted; a BOM in the file wins); 'Byte' reads bytes, as -AsByteStream.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public string? Encoding { get; set; }

    /// <summary>Reads bytes instead of lines (with -Raw, one byte array).</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    /// <summary>Returns the whole file as one string (or with -AsByteStream one byte array), newlines kept.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }
}
