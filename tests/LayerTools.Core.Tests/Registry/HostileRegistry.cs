using System.Net;
using System.Net.Sockets;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 that answers the distribution API from a table of paths, whatever
/// the bytes: a registry that lies. A route whose content type is <see cref="Stall"/> sends its body,
/// promises more, and then sends nothing until the server is disposed.
/// </summary>
internal sealed class HostileRegistry : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, (string ContentType, byte[] Body)> _routes;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stopping = new();

    public const string Stall = "stall";

    public HostileRegistry(Dictionary<string, (string ContentType, byte[] Body)> routes)
    {
        _routes = routes;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _thread = new Thread(Serve) { IsBackground = true };
        _thread.Start();
    }

    public int Port { get; }

    public string Host => "127.0.0.1:" + Port;

    private void Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = _listener.GetContext();
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            using var response = context.Response;
            var path = context.Request.Url!.AbsolutePath;
            if (path == "/v2/")
            {
                response.StatusCode = 200;
                continue;
            }

            if (!_routes.TryGetValue(path, out var route))
            {
                response.StatusCode = 404;
                continue;
            }

            response.ContentType = route.ContentType == Stall ? "application/octet-stream" : route.ContentType;
            response.ContentLength64 = route.ContentType == Stall ? route.Body.Length * 2L : route.Body.Length;
            try
            {
                response.OutputStream.Write(route.Body);
                if (route.ContentType == Stall)
                {
                    response.OutputStream.Flush();
                    _stopping.Wait();
                    response.Abort();
                }
            }
            catch (HttpListenerException)
            {
                // The client gave up reading: fine.
            }
        }
    }

    public void Dispose()
    {
        _stopping.Set();
        _listener.Stop();
        _listener.Close();
        _thread.Join(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
    }
}
