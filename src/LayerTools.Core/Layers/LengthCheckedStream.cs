namespace LayerTools.Core.Layers;

/// <summary>
/// Gives exactly <c>length</c> bytes of the inner stream to the tar writer and fails when the source
/// holds fewer (a file that shrank while being copied) rather than writing a tar that lies.
/// </summary>
internal sealed class LengthCheckedStream : Stream
{
    private readonly Stream _inner;
    private readonly long _length;
    private readonly string _name;
    private long _read;

    public LengthCheckedStream(Stream inner, long length, string name)
    {
        _inner = inner;
        _length = length;
        _name = name;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, _length - _read);
        if (want == 0)
        {
            return 0;
        }

        var n = _inner.Read(buffer[..want]);
        if (n == 0)
        {
            throw new LayerToolsException("FileChangedWhileCopying", ErrorKind.ReadError, $"'{_name}' ended after {_read} of {_length} bytes: it changed while it was being copied.", _name);
        }

        _read += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
