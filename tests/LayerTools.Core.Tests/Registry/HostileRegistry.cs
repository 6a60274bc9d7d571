using System.Diagnostics;
using System.Net;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// A registry that lies: it answers the distribution API from a table of paths, whatever the bytes.
/// A route whose content type is <see cref="Stall"/> sends its body, promises more, and then sends
/// nothing until the server is disposed. It answers requests side by side, and can also drop a
/// connection part-way, serve ranges, redirect forever, lie in Content-Length, and count how many blob
/// requests it serves at once.
/// </summary>
internal sealed class HostileRegistry : IDisposable
{
    public const string Stall = "stall";

    /// <summary>A route of this content type answers with a redirect to itself, forever.</summary>
    public const string RedirectLoop = "redirect-loop";

    /// <summary>A route of this content type promises 1,000 bytes more than it sends, then closes the connection.</summary>
    public const string ShortBody = "short-body";

    private readonly object _gate = new();
    private int _inFlight;

    private readonly Dictionary<string, (string ContentType, byte[] Body)> _routes;
    private readonly ManualResetEventSlim _stopping = new();
    private readonly LoopbackServer _server;

    public HostileRegistry(Dictionary<string, (string ContentType, byte[] Body)> routes)
    {
        _routes = routes;
        _server = new LoopbackServer(Answer);
    }

    public string Host => _server.Host;

    /// <summary>When set, every request is answered 401 with this WWW-Authenticate challenge.</summary>
    public string? Challenge { get; set; }

    /// <summary>Paths answered with 503 Service Unavailable this many more times before they are served.</summary>
    public Dictionary<string, int> Busy { get; } = new();

    /// <summary>Paths whose next full answer sends only this many bytes of the body and drops the connection (once).</summary>
    public Dictionary<string, int> DropAfter { get; } = new();

    /// <summary>Whether <see cref="DropAfter"/> drops every answer of its paths, not only the next.</summary>
    public bool DropAlways { get; set; }

    /// <summary>Whether a <c>Range: bytes=N-</c> request is answered 206 with the rest (else 200 with everything).</summary>
    public bool ServesRanges { get; set; } = true;

    /// <summary>How long each blob answer waits before its headers.</summary>
    public TimeSpan BlobDelay { get; set; }

    /// <summary>The Range header of every request, by path ("" for none), in order.</summary>
    public Dictionary<string, List<string>> Ranges { get; } = new();

    /// <summary>How long a blob upload's body (a PATCH or PUT of an upload) waits before each read of up to 64 KiB (a slow registry taking a blob); a manifest's PUT is read at once.</summary>
    public TimeSpan UploadReadDelay { get; set; }

    /// <summary>The longest time a PATCH or PUT body took to read in full.</summary>
    public TimeSpan LongestUploadBody { get; private set; }

    /// <summary>Blob paths whose answers wait until <see cref="HoldUntilAtOnce"/> blob requests have been served at once (a minute at most), then <see cref="BlobDelay"/>.</summary>
    public HashSet<string> HeldBlobs { get; } = new(StringComparer.Ordinal);

    /// <summary>How many blob requests at once release the <see cref="HeldBlobs"/>.</summary>
    public int HoldUntilAtOnce { get; set; }

    private static readonly TimeSpan HoldAtMost = TimeSpan.FromMinutes(1);

    /// <summary>The most blob requests served at once.</summary>
    public int MostAtOnce { get; private set; }

    private void Answer(HttpListenerContext context)
    {
        var response = context.Response;
        var path = context.Request.Url!.AbsolutePath;

        // Every answer closes its connection and says so, so no request goes out on a connection this server has dropped.
        response.KeepAlive = false;
        if (Challenge is not null)
        {
            response.StatusCode = 401;
            response.AddHeader("WWW-Authenticate", Challenge);
            return;
        }

        if (path == "/v2/")
        {
            response.StatusCode = 200;
            return;
        }

        if (context.Request.HttpMethod is "POST" or "PUT" or "PATCH" or "DELETE")
        {
            TakeUpload(context);
            return;
        }

        int? dropAfter;
        lock (_gate)
        {
            if (Busy.TryGetValue(path, out var busy) && busy > 0)
            {
                Busy[path] = busy - 1;
                response.StatusCode = 503;
                return;
            }

            if (!Ranges.TryGetValue(path, out var ranges))
            {
                Ranges[path] = ranges = [];
            }

            ranges.Add(context.Request.Headers["Range"] ?? string.Empty);
            dropAfter = (DropAlways ? DropAfter.TryGetValue(path, out var drop) : DropAfter.Remove(path, out drop)) ? drop : null;
        }

        if (!_routes.TryGetValue(path, out var route))
        {
            response.StatusCode = 404;
            return;
        }

        if (route.ContentType == RedirectLoop)
        {
            response.StatusCode = 307;
            response.AddHeader("Location", path);
            return;
        }

        if (path.Contains("/blobs/", StringComparison.Ordinal) && route.ContentType != Stall)
        {
            ServeBlob(context, route.Body, route.ContentType == ShortBody, dropAfter);
            return;
        }

        var stall = route.ContentType == Stall;
        response.ContentType = stall ? "application/octet-stream" : route.ContentType;
        response.ContentLength64 = stall ? route.Body.Length * 2L : route.Body.Length;
        response.OutputStream.Write(route.Body);
        if (stall)
        {
            response.OutputStream.Flush();
            _stopping.Wait();
            response.Abort();
        }
    }

    /// <summary>The upload requests taken (POST, PATCH, PUT, DELETE), in order: the method, the path and query, and a Content-Range when sent ("PATCH /upload/… 0-99").</summary>
    public List<string> Uploads { get; } = new();

    /// <summary>When set, a POST that opens an upload answers with this OCI-Chunk-Min-Length (the registry wants chunks).</summary>
    public long? ChunkMinLength { get; set; }

    /// <summary>A copy of <see cref="Uploads"/>, taken safely while requests still come in.</summary>
    public string[] UploadsSoFar()
    {
        lock (_gate)
        {
            return Uploads.ToArray();
        }
    }

    /// <summary>The address of every upload a POST opened, in order.</summary>
    public List<string> Opened { get; } = new();

    /// <summary>When set, a PUT to a path starting with this is answered with a Docker-Content-Digest of other bytes than were sent (a registry that stored something else).</summary>
    public string? MisstatesDigestOf { get; set; }

    /// <summary>The digest a lying PUT answer names.</summary>
    public const string OtherDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>When set, the next PATCH body is read this far and its connection dropped (once).</summary>
    public int? DropUploadAfter { get; set; }

    /// <summary>
    /// Takes pushes: a POST opens an upload, a PATCH reads its body and answers 202 with the upload's
    /// address, a PUT reads its body and is accepted, a DELETE (an upload cancelled) answers 204; blob bodies are read slowly, as <see cref="UploadReadDelay"/> says.
    /// </summary>
    private void TakeUpload(HttpListenerContext context)
    {
        var response = context.Response;
        int? drop;
        lock (_gate)
        {
            Uploads.Add((context.Request.HttpMethod + " " + context.Request.Url!.PathAndQuery + " " + context.Request.Headers["Content-Range"]).TrimEnd());
            drop = context.Request.HttpMethod == "PATCH" ? DropUploadAfter : null;
            DropUploadAfter = drop is null ? DropUploadAfter : null;
        }

        if (context.Request.HttpMethod == "DELETE")
        {
            response.StatusCode = 204;
            return;
        }

        if (context.Request.HttpMethod == "POST")
        {
            var location = "/upload/" + Guid.NewGuid().ToString("N");
            lock (_gate)
            {
                Opened.Add(location);
            }

            response.StatusCode = 202;
            response.AddHeader("Location", location);
            if (ChunkMinLength is { } min)
            {
                response.AddHeader("OCI-Chunk-Min-Length", min.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return;
        }

        var buffer = new byte[64 * 1024];
        var blob = context.Request.Url.AbsolutePath.StartsWith("/upload/", StringComparison.Ordinal);
        var taking = Stopwatch.StartNew();
        long read = 0;
        int n;
        do
        {
            Thread.Sleep(blob ? UploadReadDelay : TimeSpan.Zero);
            n = context.Request.InputStream.Read(buffer);
            read += n;
            if (read >= drop)
            {
                response.Abort();
                return;
            }
        }
        while (n > 0);
        lock (_gate)
        {
            LongestUploadBody = taking.Elapsed > LongestUploadBody ? taking.Elapsed : LongestUploadBody;
        }

        response.StatusCode = context.Request.HttpMethod == "PATCH" ? 202 : 201;
        if (context.Request.HttpMethod == "PATCH")
        {
            response.AddHeader("Location", context.Request.Url!.AbsolutePath);
        }
        else if (MisstatesDigestOf is { } prefix && context.Request.Url!.AbsolutePath.StartsWith(prefix, StringComparison.Ordinal))
        {
            response.AddHeader("Docker-Content-Digest", OtherDigest);
        }
    }

    private void ServeBlob(HttpListenerContext context, byte[] body, bool shortBody, int? dropAfter)
    {
        lock (_gate)
        {
            MostAtOnce = Math.Max(MostAtOnce, ++_inFlight);
            Monitor.PulseAll(_gate);
            var held = Stopwatch.StartNew();
            while (HeldBlobs.Contains(context.Request.Url!.AbsolutePath) && MostAtOnce < HoldUntilAtOnce && HoldAtMost - held.Elapsed is { Ticks: > 0 } left)
            {
                Monitor.Wait(_gate, left);
            }
        }

        try
        {
            Thread.Sleep(BlobDelay);
            var response = context.Response;
            response.ContentType = "application/octet-stream";
            var range = context.Request.Headers["Range"];
            var from = 0;
            if (ServesRanges && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
            {
                from = int.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
                response.StatusCode = 206;
                response.AddHeader("Content-Range", $"bytes {from}-{body.Length - 1}/{body.Length}");
            }

            response.ContentLength64 = body.Length - from + (shortBody ? 1000 : 0);
            var sent = dropAfter is { } drop ? Math.Min(drop, body.Length - from) : body.Length - from;
            response.OutputStream.Write(body, from, sent);
            if (shortBody || dropAfter is not null)
            {
                response.OutputStream.Flush();
                response.Abort();
            }
        }
        finally
        {
            lock (_gate)
            {
                _inFlight--;
            }
        }
    }

    public void Dispose()
    {
        _stopping.Set();
        _server.Dispose();
        _stopping.Dispose();
    }
}
