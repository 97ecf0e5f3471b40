using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Storytelling.Tests.Models;

/// <summary>
/// A static file server on 127.0.0.1 (Kestrel, free port) that misbehaves on request: it can cut the connection
/// after some bytes, ignore Range headers, or serve a file slowly. Every request is recorded.
/// </summary>
public sealed class ModelFileServer : IAsyncDisposable
{
    public sealed record Request(string? Range, HttpStatusCode Status, long BytesSent);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Request> _requests = new();
    private int _count;

    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);
    public bool HonourRange { get; set; } = true;
    /// <summary>Cuts the connection of request N (0-based) after this many body bytes; null serves it whole.</summary>
    public Func<int, long?> CutAfter { get; set; } = _ => null;
    /// <summary>Pause between 64 KB chunks, so a test can act while a download is under way.</summary>
    public TimeSpan ChunkDelay { get; set; } = TimeSpan.Zero;
    public IReadOnlyList<Request> Requests => [.. _requests];
    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>Like the publisher's resolve/ addresses: answers 302 to the file's place under <see cref="BaseAddress"/>.</summary>
    public Uri RedirectingBaseAddress { get; private set; } = null!;

    private ModelFileServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(ServeAsync);
    }

    public static async Task<ModelFileServer> StartAsync()
    {
        var server = new ModelFileServer();
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/files/");
        server.RedirectingBaseAddress = new Uri(address.TrimEnd('/') + "/resolve/");
        return server;
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/resolve", out var rest))
        {
            context.Response.Redirect("/files" + rest);
            return;
        }
        var index = Interlocked.Increment(ref _count) - 1;
        var range = context.Request.Headers.Range.Count > 0 ? context.Request.Headers.Range.ToString() : null;
        var name = Uri.UnescapeDataString(context.Request.Path.Value!.Replace("/files/", "", StringComparison.Ordinal));
        if (!Files.TryGetValue(name, out var bytes))
        {
            context.Response.StatusCode = 404;
            _requests.Enqueue(new Request(range, HttpStatusCode.NotFound, 0));
            return;
        }

        long start = 0;
        var status = HttpStatusCode.OK;
        if (HonourRange && range is not null && RangeHeaderValue.TryParse(range, out var parsed) && parsed.Ranges.Single().From is { } from)
        {
            if (from >= bytes.Length)
            {
                context.Response.StatusCode = 416;
                context.Response.Headers.ContentRange = $"bytes */{bytes.Length}";
                _requests.Enqueue(new Request(range, HttpStatusCode.RequestedRangeNotSatisfiable, 0));
                return;
            }
            start = from;
            status = HttpStatusCode.PartialContent;
            context.Response.Headers.ContentRange = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
        }
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = bytes.Length - start;

        var limit = CutAfter(index) is { } cut ? Math.Min(cut, bytes.Length - start) : bytes.Length - start;
        long sent = 0;
        try
        {
            while (sent < limit)
            {
                var chunk = (int)Math.Min(64 * 1024, limit - sent);
                await context.Response.Body.WriteAsync(bytes.AsMemory((int)(start + sent), chunk), context.RequestAborted);
                sent += chunk;
                if (ChunkDelay > TimeSpan.Zero)
                {
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(ChunkDelay, context.RequestAborted);
                }
            }
            if (sent < bytes.Length - start)
            {
                // Let the client take in what was sent, then drop the connection like a flaky network would.
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(300, context.RequestAborted);
                context.Abort();
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away (a cancelled download).
        }
        _requests.Enqueue(new Request(range, status, sent));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
