using System.Net;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// A registry that lies: it answers the distribution API from a table of paths, whatever the bytes.
/// A route whose content type is <see cref="Stall"/> sends its body, promises more, and then sends
/// nothing until the server is disposed.
/// </summary>
internal sealed class HostileRegistry : IDisposable
{
    public const string Stall = "stall";

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

    private void Answer(HttpListenerContext context)
    {
        var response = context.Response;
        var path = context.Request.Url!.AbsolutePath;
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

        if (Busy.TryGetValue(path, out var busy) && busy > 0)
        {
            Busy[path] = busy - 1;
            response.StatusCode = 503;
            return;
        }

        if (!_routes.TryGetValue(path, out var route))
        {
            response.StatusCode = 404;
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

    public void Dispose()
    {
        _stopping.Set();
        _server.Dispose();
        _stopping.Dispose();
    }
}
