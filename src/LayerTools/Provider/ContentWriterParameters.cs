using System.Management.Automation;

namespace LayerTools.Provider;

/// <summary>Set-Content's and Add-Content's parameters on the <c>Container:</c> drive, named as on the FileSystem drive.</summary>
public sealed class ContentWriterParameters
{
    /// <summary>The text encoding (utf8 without BOM when omitted); 'Byte' writes bytes, as -AsByteStream.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public string? Encoding { get; set; }

    /// <summary>Writes the values as bytes (bytes and byte arrays) instead of text lines.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    /// <summary>Writes no newline after each value.</summary>
    [Parameter]
    public SwitchParameter NoNewline { get; set; }
}
