using System.IO.Compression;
using System.Runtime.InteropServices;

namespace LayerTools.Core.Interchange;

/// <summary>
/// gzip decompression through Intel's ISA-L (<c>libisal.so.2</c>, Debian's libisal2), whose inflate is
/// about twice as fast as zlib-ng's (.NET's <see cref="GZipStream"/>) on layer data: on a pull it was
/// the largest single cost. ISA-L reads each member's header and checks its CRC-32 and length; what
/// is read is the same as <see cref="GZipStream"/> reads: members one after another, bytes after the
/// last member that do not start another ignored, a stream cut short ends where the data ends (the
/// reader of the tar and the blob's digest find that), damaged data an <see cref="InvalidDataException"/>.
/// Used only where the library loads and decompresses a known stream right (<see cref="TryOpen"/>);
/// elsewhere <see cref="LayerCodec"/> uses <see cref="GZipStream"/>.
/// </summary>
internal sealed unsafe class IsalInflateStream : ReadOnlyStream
{
    // struct inflate_state of libisal.so.2 (igzip_lib.h), the same on every 64-bit ABI: the fields used and its size.
    private const int NextOutOffset = 0;
    private const int AvailOutOffset = 8;
    private const int NextInOffset = 16;
    private const int AvailInOffset = 32;
    private const int BlockStateOffset = 21160;
    private const int CrcFlagOffset = 21172;
    private const int StateSize = 87368;

    // Twice the size: room if a later build of the library grows the state's trailing buffers.
    private const int StateAllocation = 2 * StateSize;
    private const int IsalGzip = 1;
    private const int BlockFinish = 5;
    private const int InputSize = 1 << 17;

    private static readonly Lazy<Native?> Library = new(Load);

    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private readonly Native _native;
    private byte* _state;
    private byte* _input;
    private bool _sourceEnded;
    private bool _finished;

    private IsalInflateStream(Stream source, bool leaveOpen, Native native)
    {
        _source = source;
        _leaveOpen = leaveOpen;
        _native = native;
        _state = (byte*)NativeMemory.AllocZeroed(StateAllocation);
        _input = (byte*)NativeMemory.Alloc(InputSize);
        StartMember();
    }

    /// <summary>True when ISA-L is there and decompresses right on this machine (checked once per process).</summary>
    public static bool Available => Library.Value is not null;

    /// <summary>A decompressing stream over <paramref name="source"/>, or null when ISA-L cannot be used here.</summary>
    public static Stream? TryOpen(Stream source, bool leaveOpen) =>
        Library.Value is { } native ? new IsalInflateStream(source, leaveOpen, native) : null;

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_state is null, this);
        while (!buffer.IsEmpty && !_finished)
        {
            if (AvailIn == 0 && !ReadMore())
            {
                // Cut short: what was decompressed is all there is, as GZipStream gives it.
                _finished = true;
                break;
            }

            var availBefore = AvailIn;
            int produced;
            int result;
            fixed (byte* output = buffer)
            {
                *(byte**)(_state + NextOutOffset) = output;
                *(uint*)(_state + AvailOutOffset) = (uint)buffer.Length;
                result = _native.Inflate(_state);
                produced = buffer.Length - (int)*(uint*)(_state + AvailOutOffset);
            }

            if (result < 0)
            {
                throw new InvalidDataException($"The gzip data is damaged (ISA-L inflate error {result}).");
            }

            if (*(int*)(_state + BlockStateOffset) == BlockFinish)
            {
                NextMember();
            }

            if (produced > 0)
            {
                return produced;
            }

            if (AvailIn == availBefore && AvailIn > 0 && !_finished && !ReadMore())
            {
                // ISA-L takes some headers only whole: the bytes it left wait for more. None comes: cut short.
                if (!_sourceEnded)
                {
                    throw new InvalidDataException("The gzip data is damaged (ISA-L made no progress).");
                }

                _finished = true;
            }
        }

        return 0;
    }

    private uint AvailIn => *(uint*)(_state + AvailInOffset);

    /// <summary>
    /// Moves the bytes not yet taken to the start of the input buffer and reads more after them;
    /// false at the source's end, or when the buffer is full already.
    /// </summary>
    private bool ReadMore()
    {
        var left = (int)AvailIn;
        if (_sourceEnded || left == InputSize)
        {
            return false;
        }

        var next = *(byte**)(_state + NextInOffset);
        if (left > 0 && next != _input)
        {
            Buffer.MemoryCopy(next, _input, InputSize, left);
        }

        var n = _source.Read(new Span<byte>(_input + left, InputSize - left));
        if (n == 0)
        {
            _sourceEnded = true;
            return false;
        }

        *(byte**)(_state + NextInOffset) = _input;
        *(uint*)(_state + AvailInOffset) = (uint)(left + n);
        return true;
    }

    /// <summary>After a member's trailer: another member follows only when the next bytes are a gzip header's; anything else ends the stream.</summary>
    private void NextMember()
    {
        if (AvailIn == 0 && !ReadMore())
        {
            _finished = true;
            return;
        }

        if (AvailIn < 2)
        {
            // One byte left: read on, to see two.
            ReadMore();
        }

        var next = *(byte**)(_state + NextInOffset);
        if (AvailIn < 2 || next[0] != 0x1F || next[1] != 0x8B)
        {
            _finished = true;
            return;
        }

        var available = AvailIn;
        StartMember();
        *(byte**)(_state + NextInOffset) = next;
        *(uint*)(_state + AvailInOffset) = available;
    }

    private void StartMember()
    {
        _native.Init(_state);
        *(uint*)(_state + CrcFlagOffset) = IsalGzip;
    }

    protected override void Dispose(bool disposing)
    {
        if (_state is not null)
        {
            NativeMemory.Free(_state);
            NativeMemory.Free(_input);
            _state = null;
            _input = null;
            if (disposing && !_leaveOpen)
            {
                _source.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    ~IsalInflateStream() => Dispose(false);

    /// <summary>Loads libisal.so.2 and checks it against GZipStream on a small stream of two members; null when either fails.</summary>
    private static Native? Load()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || Environment.GetEnvironmentVariable("LAYERTOOLS_NO_ISAL") is "1"
            || !NativeLibrary.TryLoad("libisal.so.2", typeof(IsalInflateStream).Assembly, null, out var handle))
        {
            return null;
        }

        if (!NativeLibrary.TryGetExport(handle, "isal_inflate_init", out var init) || !NativeLibrary.TryGetExport(handle, "isal_inflate", out var inflate))
        {
            return null;
        }

        var native = new Native((delegate* unmanaged<byte*, void>)init, (delegate* unmanaged<byte*, int>)inflate);
        return SelfTest(native) ? native : null;
    }

    private static bool SelfTest(Native native)
    {
        var text = new byte[100_000];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = (byte)('a' + (i * 7 % 13) + (i / 1000 % 5));
        }

        using var compressed = new MemoryStream();
        for (var member = 0; member < 2; member++)
        {
            using var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true);
            gzip.Write(text);
        }

        compressed.Position = 0;
        try
        {
            using var inflate = new IsalInflateStream(compressed, leaveOpen: true, native);
            using var output = new MemoryStream();
            inflate.CopyTo(output, 4096);
            var bytes = output.ToArray();
            return bytes.Length == 2 * text.Length && bytes.AsSpan(0, text.Length).SequenceEqual(text) && bytes.AsSpan(text.Length).SequenceEqual(text);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>The two functions of the library used.</summary>
    private sealed class Native(delegate* unmanaged<byte*, void> init, delegate* unmanaged<byte*, int> inflate)
    {
        public void Init(byte* state) => init(state);

        public int Inflate(byte* state) => inflate(state);
    }
}
