using System.Net;
using System.Net.Sockets;

namespace Storytelling.Tests.Infrastructure;

/// <summary>
/// The smallest load balancer: accepts on a loopback port and pipes each connection to the first of its backends that
/// accepts a connection, so when one node dies new connections go to the next. Bytes are passed on untouched (HTTP,
/// WebSockets), and the client's address stays 127.0.0.1, as behind a proxy the app does not trust.
/// </summary>
internal sealed class LoopbackForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int[] _backends;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackForwarder(params int[] backends)
    {
        _backends = backends;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = PipeAsync(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        {
            using var backend = await ConnectAsync();
            if (backend is null) return;
            var a = client.GetStream();
            var b = backend.GetStream();
            // When either side goes (a killed node resets its sockets), both are closed, as a real balancer does.
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<TcpClient?> ConnectAsync()
    {
        foreach (var port in _backends)
        {
            var backend = new TcpClient();
            try
            {
                await backend.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
                return backend;
            }
            catch (SocketException)
            {
                backend.Dispose();
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
