namespace LayerTools.Core.Registry;

/// <summary>
/// The body of a registry response, read with a watchdog: a transfer that sends no byte for the
/// stall timeout, or that Ctrl+C stops, is cut by disposing the response (a blocked read returns at
/// once). A connection that drops or ends before its Content-Length is reported, not read short.
/// </summary>
internal sealed class TransferStream : ReadOnlyStream
{
    /// <summary>The error id of a transfer the connection broke off (worth trying again, unlike a stall).</summary>
    public const string BrokenOff = "RegistryTransferFailed";

    private readonly HttpResponseMessage _response;
    private readonly Stream _inner;
    private readonly TimeSpan _stall;
    private readonly string _where;
    private readonly CancellationToken _cancellationToken;
    private readonly Timer _watchdog;
    private readonly CancellationTokenRegistration _onCancel;
    private volatile bool _stalled;
    private long _read;

    public TransferStream(HttpResponseMessage response, TimeSpan stall, string where, CancellationToken cancellationToken)
    {
        _response = response;
        _stall = stall;
        _where = where;
        _cancellationToken = cancellationToken;
        _inner = response.Content.ReadAsStream(cancellationToken);
        _watchdog = new Timer(_ => { _stalled = true; _response.Dispose(); }, null, stall, Timeout.InfiniteTimeSpan);
        _onCancel = cancellationToken.Register(_response.Dispose);
    }

    protected override long BytesGiven => _read;

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _inner.Read(buffer);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            throw _stalled
                ? Stalled(ex)
                : new LayerToolsException(BrokenOff, ErrorKind.ResourceUnavailable, $"'{_where}': the transfer broke off after {_read} bytes: {ex.Message}", _where, ex);
        }

        // A response disposed by the stop or the watchdog reads as ended (0 bytes), not as broken: that
        // is not the body's end (a pull stopped by another layer's failure reported a short blob).
        if (n == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_stalled)
            {
                throw Stalled(null);
            }
        }

        _read += n;
        _watchdog.Change(_stall, Timeout.InfiniteTimeSpan);
        return n;
    }

    private LayerToolsException Stalled(Exception? inner) =>
        new("RegistryStalled", ErrorKind.ResourceUnavailable, $"'{_where}': the registry sent nothing for {_stall.TotalSeconds:0} seconds; the transfer was given up.", _where, inner);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _watchdog.Dispose();
            _onCancel.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
