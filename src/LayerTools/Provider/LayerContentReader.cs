using System.Collections;
using System.Management.Automation.Provider;
using System.Text;

namespace LayerTools.Provider;

/// <summary>
/// Get-Content's reader for a file of an image or container: lines (or one string with -Raw), or
/// bytes (or one byte array with -Raw and -AsByteStream). The file is streamed from its layer blob or
/// the writable layer, never read whole unless -Raw asks for it.
/// </summary>
internal sealed class LayerContentReader : IContentReader
{
    private readonly Func<Stream> _open;
    private readonly Encoding _encoding;
    private readonly bool _bytes;
    private readonly bool _raw;
    private Stream? _stream;
    private StreamReader? _text;
    private bool _done;

    public LayerContentReader(Func<Stream> open, Encoding encoding, bool bytes, bool raw)
    {
        _open = open;
        _encoding = encoding;
        _bytes = bytes;
        _raw = raw;
    }

    public IList Read(long readCount)
    {
        var list = new ArrayList();
        if (_done)
        {
            return list;
        }

        _stream ??= _open();
        if (_bytes)
        {
            if (_raw)
            {
                using var all = new MemoryStream();
                _stream.CopyTo(all);
                list.Add(all.ToArray());
                _done = true;
                return list;
            }

            var count = readCount <= 0 ? int.MaxValue : readCount;
            for (long i = 0; i < count; i++)
            {
                var b = _stream.ReadByte();
                if (b < 0)
                {
                    _done = true;
                    break;
                }

                list.Add((byte)b);
            }

            return list;
        }

        _text ??= new StreamReader(_stream, _encoding, detectEncodingFromByteOrderMarks: true);
        if (_raw)
        {
            var all = _text.ReadToEnd();
            _done = true;
            if (all.Length > 0)
            {
                list.Add(all);
            }

            return list;
        }

        var lines = readCount <= 0 ? long.MaxValue : readCount;
        for (long i = 0; i < lines; i++)
        {
            var line = _text.ReadLine();
            if (line is null)
            {
                _done = true;
                break;
            }

            list.Add(line);
        }

        return list;
    }

    public void Seek(long offset, SeekOrigin origin)
    {
        if (offset != 0 || origin != SeekOrigin.Begin)
        {
            throw new NotSupportedException("Files of LayerTools drives are read from the start only.");
        }

        Close();
        _done = false;
    }

    public void Close()
    {
        _text?.Dispose();
        _stream?.Dispose();
        _text = null;
        _stream = null;
    }

    public void Dispose() => Close();
}
