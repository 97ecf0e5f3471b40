using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Storytelling.Benchmarks;

/// <summary>
/// What telemetry costs on the hottest path, an upload chunk: the same concurrent chunk transfer against the real
/// server with telemetry off and on (Prometheus listener plus OTLP traces and metrics to a loopback sink that
/// discards), alternating, server CPU per chunk read from /proc.
/// </summary>
internal static class TelemetryBenchmark
{
    private const int ChunkBytes = 256 * 1024;
    private const int Uploads = 50;
    private const int UploadBytes = 4 * 1024 * 1024;

    private sealed record Run(double MegabytesPerSecond, double CpuMsPerChunk, double P95Ms);

    public static async Task RunAsync(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var bytes = new byte[UploadBytes];
        new Random(17).NextBytes(bytes);
        await using var sink = await Sink.StartAsync();
        var off = new List<Run>();
        var on = new List<Run>();
        for (var r = 0; r < repetitions; r++)
        {
            foreach (var telemetry in new[] { false, true })
            {
                var settings = telemetry
                    ? new Dictionary<string, string>
                    {
                        ["Storytelling__Telemetry__PrometheusPort"] = Harness.FreePort().ToString(CultureInfo.InvariantCulture),
                        ["Storytelling__Telemetry__OtlpEndpoint"] = sink.BaseAddress,
                        ["Storytelling__Telemetry__OtlpExportInterval"] = "00:00:05",
                    }
                    : [];
                await using var server = await RealServer.StartAsync(settings);
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Uploads * 2 }) { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(10) };
                await TransferAsync(http, server.CaptureToken, bytes, 8, server.ProcessId); // warm-up: JIT, pools
                var run = await TransferAsync(http, server.CaptureToken, bytes, Uploads, server.ProcessId);
                (telemetry ? on : off).Add(run);
                Console.WriteLine($"  run {r + 1}, telemetry {(telemetry ? "on " : "off")}: {run.MegabytesPerSecond:F1} MB/s, {run.CpuMsPerChunk:F2} ms CPU/chunk, p95 {run.P95Ms:F1} ms");
            }
        }

        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · Machine: {Harness.Machine()}");
        body.AppendLine("- Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- telemetry`");
        body.AppendLine(CultureInfo.InvariantCulture, $"- Setup: the real web app as its own process (SQLite, disk store); {Uploads} concurrent uploads of {UploadBytes / 1024 / 1024} MB in {ChunkBytes / 1024} KB chunks (transfer only, after a warm-up of 8), telemetry off vs on (`PrometheusPort` + `OtlpEndpoint` to a loopback sink that discards, every request traced with its EF Core spans); {repetitions} repetitions, off and on alternating; medians.");
        body.AppendLine();
        var runs = string.Join(" | ", Enumerable.Range(1, repetitions).Select(i => $"run {i}"));
        body.AppendLine($"| | {runs} | median |");
        body.AppendLine($"|---|{string.Concat(Enumerable.Repeat("---|", repetitions))}---|");
        body.AppendLine(Row("Telemetry off: transfer (MB/s)", off.Select(o => o.MegabytesPerSecond)));
        body.AppendLine(Row("Telemetry on: transfer (MB/s)", on.Select(o => o.MegabytesPerSecond)));
        body.AppendLine(Row("**Ratio on / off, transfer**", on.Zip(off, (a, b) => a.MegabytesPerSecond / b.MegabytesPerSecond), "F2"));
        body.AppendLine(Row("Telemetry off: server CPU per chunk (ms)", off.Select(o => o.CpuMsPerChunk), "F2"));
        body.AppendLine(Row("Telemetry on: server CPU per chunk (ms)", on.Select(o => o.CpuMsPerChunk), "F2"));
        body.AppendLine(Row("**Ratio on / off, CPU per chunk**", on.Zip(off, (a, b) => a.CpuMsPerChunk / b.CpuMsPerChunk), "F2"));
        body.AppendLine(Row("Telemetry off: p95 chunk (ms)", off.Select(o => o.P95Ms)));
        body.AppendLine(Row("Telemetry on: p95 chunk (ms)", on.Select(o => o.P95Ms)));
        Harness.WriteSection("Telemetry: cost on the chunk path", body.ToString());
    }

    private static string Row(string label, IEnumerable<double> values, string format = "F1")
    {
        var list = values.ToList();
        return $"| {label} | {string.Join(" | ", list.Select(v => v.ToString(format, CultureInfo.InvariantCulture)))} | {Harness.Median(list).ToString(format, CultureInfo.InvariantCulture)} |";
    }

    private static async Task<Run> TransferAsync(HttpClient http, string token, byte[] bytes, int uploads, int serverPid)
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, uploads).Select(async _ =>
        {
            var created = await http.PostAsJsonAsync($"/api/capture/{token}/uploads",
                new { sizeBytes = bytes.Length, mediaType = "audio/wav", consent = new { analysis = true, quotesInReports = true, audioInWorkshops = true } });
            created.EnsureSuccessStatusCode();
            return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;
        }));
        var latencies = new List<double>[uploads];
        var cpuBefore = Harness.CpuTime(serverPid);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, uploads).Select(async i =>
        {
            var mine = new List<double>();
            for (var offset = 0; offset < bytes.Length; offset += ChunkBytes)
            {
                var content = new ByteArrayContent(bytes, offset, Math.Min(ChunkBytes, bytes.Length - offset));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                var t = Stopwatch.GetTimestamp();
                (await http.PutAsync($"/api/uploads/{ids[i]}/chunks?offset={offset}", content)).EnsureSuccessStatusCode();
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            latencies[i] = mine;
        }));
        clock.Stop();
        var chunks = latencies.Sum(l => l.Count);
        return new Run(uploads * (double)bytes.Length / 1024 / 1024 / clock.Elapsed.TotalSeconds,
            (Harness.CpuTime(serverPid) - cpuBefore).TotalMilliseconds / chunks,
            Harness.Percentile(latencies.SelectMany(l => l).ToList(), 0.95));
    }

    /// <summary>An OTLP/HTTP endpoint that reads and discards what it is sent.</summary>
    private sealed class Sink(WebApplication app) : IAsyncDisposable
    {
        public string BaseAddress { get; private set; } = "";

        public static async Task<Sink> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.MapPost("/v1/{signal}", async (HttpContext http) =>
            {
                await http.Request.Body.CopyToAsync(Stream.Null);
                return Results.Ok();
            });
            await app.StartAsync();
            return new Sink(app) { BaseAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() };
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
