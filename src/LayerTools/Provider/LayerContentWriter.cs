using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Text;

namespace LayerTools.Provider;

/// <summary>
/// Set-Content's and Add-Content's writer for a file of a container. The file is opened on the first
/// write (Add-Content seeks to the end first, which opens it for appending); opening it copies an image
/// file up, with its data only when appending. Text is written with '\n' line ends, as Linux files have them.
/// </summary>
internal sealed class LayerContentWriter : IContentWriter
{
    private readonly Func<bool, Stream> _open;
    private readonly Encoding _encoding;
    private readonly bool _bytes;
    private readonly bool _noNewline;
    private bool _append;
    private Stream? _stream;
    private StreamWriter? _text;

    public LayerContentWriter(Func<bool, Stream> open, Encoding encoding, bool bytes, bool noNewline)
    {
        _open = open;
        _encoding = encoding;
        _bytes = bytes;
        _noNewline = noNewline;
    }

    public IList Write(IList content)
    {
        _stream ??= _open(_append);
        foreach (var item in content)
        {
            var value = item is PSObject ps ? ps.BaseObject : item;
            if (_bytes)
            {
                WriteBytes(value);
                continue;
            }

            _text ??= new StreamWriter(_stream, _encoding, 81920, leaveOpen: true) { NewLine = "\n" };
            _text.Write(value is null ? string.Empty : LanguagePrimitives.ConvertTo<string>(value));
            if (!_noNewline)
            {
                _text.Write('\n');
            }
        }

        return content;
    }

    public void Seek(long offset, SeekOrigin origin)
    {
        if (offset == 0 && origin == SeekOrigin.End && _stream is null)
        {
            _append = true;
            return;
        }

        throw new NotSupportedException("Files of LayerTools drives are written from the start (Set-Content) or at the end (Add-Content) only.");
    }

    public void Close()
    {
        // A writer that wrote nothing still leaves the file there (Set-Content with no value makes an empty file).
        _stream ??= _open(_append);
        _text?.Flush();
        _text?.Dispose();
        _stream.Dispose();
        _text = null;
    }

    public void Dispose()
    {
        _text?.Dispose();
        _stream?.Dispose();
    }

    private void WriteBytes(object? value)
    {
        switch (value)
        {
            case null:
                return;
            case byte b:
                _stream!.WriteByte(b);
                return;
            case byte[] bytes:
                _stream!.Write(bytes);
                return;
            case IEnumerable many and not string:
                foreach (var one in many)
                {
                    WriteBytes(one is PSObject p ? p.BaseObject : one);
                }

                return;
            default:
                _stream!.WriteByte(LanguagePrimitives.ConvertTo<byte>(value));
                return;
        }
    }
}
