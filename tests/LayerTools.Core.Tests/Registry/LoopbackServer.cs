using System.Net;
using System.Net.Sockets;

namespace LayerTools.Core.Tests.Registry;

/// <summary>An HTTP server on 127.0.0.1 and a free port, answering each request with a handler on a thread of its own (requests side by side), stopped on dispose.</summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Action<HttpListenerContext> _handle;
    private readonly Thread _thread;

    public LoopbackServer(Action<HttpListenerContext> handle)
    {
        _handle = handle;

        // A free port can be taken by another process (or test) between choosing it and binding it: then another port, five tries at most.
        for (var attempt = 1; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Close();
            }
        }

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
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var worker = new Thread(() => Answer(context)) { IsBackground = true };
            worker.Start();
        }
    }

    private void Answer(HttpListenerContext context)
    {
        using var response = context.Response;
        try
        {
            _handle(context);
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            // The client gave up, or the answer was aborted: fine.
        }
    }

    public void Dispose()
    {
        // Close alone: after Stop, the managed listener's Close removes its prefixes a second time, which
        // binds the port again and fails (Address already in use) while a stalled client is still connected.
        _listener.Close();
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
