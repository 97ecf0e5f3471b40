using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Storytelling.Benchmarks;

internal static class UploadBenchmarks
{
    private const int ChunkBytes = 256 * 1024;

    /// <param name="TransferMegabytesPerSecond">Bytes over the time from the first chunk sent to the last chunk confirmed,
    /// the part a bare endpoint can be compared with (the warm pass).</param>
    /// <param name="ServerCpuMsPerChunk">Server CPU time (user + system) per chunk during the warm transfer.</param>
    /// <param name="Cold">The same figures for the first transfer after the server started (its code not yet tiered up).</param>
    private sealed record RunResult(double Seconds, double MegabytesPerSecond, double TransferMegabytesPerSecond,
        List<double> ChunkLatenciesMs, List<double> CompleteLatenciesMs, int Completed, double ServerCpuMsPerChunk, Transfer Cold);

    private sealed record Transfer(double MegabytesPerSecond, List<double> ChunkLatenciesMs, double ServerCpuMsPerChunk);

    /// <summary>100 tellers send a 5 MB recording at the same moment, in 256 KB chunks; the same bytes go to a bare endpoint.</summary>
    public static async Task ConcurrentUploadsAsync(string[] args)
    {
        var uploads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var repetitions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var file = await MakeWavAsync(5L * 1024 * 1024, sampleRate: 16000, channels: 1);
        var bytes = await File.ReadAllBytesAsync(file);
        File.Delete(file);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Console.WriteLine($"Recording: {bytes.Length} bytes, {uploads} concurrent uploads, {repetitions} repetitions");

        var ours = new List<RunResult>();
        var bare = new List<RunResult>();
        var bareStore = new List<RunResult>();
        var verified = new List<int>();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = uploads * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        for (var r = 0; r < repetitions; r++)
        {
            var barePort = Harness.FreePort();
            var bareFolder = Directory.CreateTempSubdirectory("bare-store-").FullName;
            var bareProcess = Harness.Start("dotnet", [typeof(UploadBenchmarks).Assembly.Location, "bare-server", barePort.ToString(CultureInfo.InvariantCulture), bareFolder], new Dictionary<string, string>());
            try
            {
                using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri($"http://127.0.0.1:{barePort}"), Timeout = TimeSpan.FromMinutes(10) };
                await Harness.WaitForAsync(http, "/ready", TimeSpan.FromSeconds(30));
                bare.Add(await RunBareAsync(http, bytes, uploads, bareProcess.Id, store: false));
                bareStore.Add(await RunBareAsync(http, bytes, uploads, bareProcess.Id, store: true));
            }
            finally
            {
                Harness.Stop(bareProcess);
                Directory.Delete(bareFolder, recursive: true);
            }

            await using var server = await RealServer.StartAsync();
            using (var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(10) })
            {
                ours.Add(await RunOursAsync(http, server.CaptureToken, bytes, sha, uploads, server.ProcessId));
            }
            verified.Add(await CountRecordingsWithHashAsync(server.DatabasePath, sha));
            Console.WriteLine($"  run {r + 1}: ours {ours[^1].MegabytesPerSecond:F1} MB/s end to end, {ours[^1].TransferMegabytesPerSecond:F1} MB/s transfer (server CPU {ours[^1].ServerCpuMsPerChunk:F2} ms/chunk vs bare {bare[^1].ServerCpuMsPerChunk:F2}), cold ratio {ours[^1].Cold.MegabytesPerSecond / bare[^1].Cold.MegabytesPerSecond:F2}, complete p50 {Harness.Percentile(ours[^1].CompleteLatenciesMs, 0.5):F0} ms (p95 chunk {Harness.Percentile(ours[^1].ChunkLatenciesMs, 0.95):F1} ms), bare {bare[^1].MegabytesPerSecond:F1} MB/s, bare storing {bareStore[^1].MegabytesPerSecond:F1} MB/s ({bareStore[^1].ServerCpuMsPerChunk:F2} ms/chunk), stored with identical SHA-256: {verified[^1]}/{uploads}");
        }

        var oursMbps = Harness.Median(ours.Select(o => o.MegabytesPerSecond));
        var bareMbps = Harness.Median(bare.Select(o => o.MegabytesPerSecond));
        var ratios = ours.Zip(bare, (o, b) => o.MegabytesPerSecond / b.MegabytesPerSecond).ToList();
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · Machine: {Harness.Machine()}");
        body.AppendLine("- Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- uploads`");
        body.AppendLine(CultureInfo.InvariantCulture, $"- Setup: the real web app as its own process on 127.0.0.1 (SQLite in WAL mode, local disk store); {uploads} concurrent uploads of one {bytes.Length / 1024.0 / 1024:F1} MB WAV in {ChunkBytes / 1024} KB chunks: create session (with SHA-256) → chunks → complete (size and hash check, ffprobe + decode check, story + recording + job in one transaction). Reference: a bare Kestrel process whose PUT endpoint reads and discards the body, sent the same chunks by the same client; second reference: the same process writing each chunk at its offset into a file per upload (open, write, close), the least any server that keeps the bytes does. {repetitions} repetitions, alternating; medians.");
        body.AppendLine();
        var transferRatios = ours.Zip(bare, (o, b) => o.TransferMegabytesPerSecond / b.MegabytesPerSecond).ToList();
        var runs = string.Join(" | ", Enumerable.Range(1, repetitions).Select(i => $"run {i}"));
        body.AppendLine($"| | {runs} | median |");
        body.AppendLine($"|---|{string.Concat(Enumerable.Repeat("---|", repetitions))}---|");
        body.AppendLine(Row("Bare Kestrel, discard (MB/s)", bare.Select(o => o.MegabytesPerSecond)));
        body.AppendLine(Row("Ours, chunk transfer (MB/s)", ours.Select(o => o.TransferMegabytesPerSecond)));
        body.AppendLine(Row("**Ratio ours / bare, chunk transfer** (goal ≥ 0.80)", transferRatios, "F2"));
        var coldRatios = ours.Zip(bare, (o, b) => o.Cold.MegabytesPerSecond / b.Cold.MegabytesPerSecond).ToList();
        body.AppendLine(Row("Cold (first transfer after start): bare (MB/s)", bare.Select(o => o.Cold.MegabytesPerSecond)));
        body.AppendLine(Row("Cold: ours (MB/s)", ours.Select(o => o.Cold.MegabytesPerSecond)));
        body.AppendLine(Row("Cold: ratio ours / bare", coldRatios, "F2"));
        body.AppendLine(Row("Cold: server CPU per chunk, ours (ms)", ours.Select(o => o.Cold.ServerCpuMsPerChunk), "F2"));
        body.AppendLine(Row("Cold: server CPU per chunk, bare (ms)", bare.Select(o => o.Cold.ServerCpuMsPerChunk), "F2"));
        var storeRatios = ours.Zip(bareStore, (o, b) => o.TransferMegabytesPerSecond / b.MegabytesPerSecond).ToList();
        body.AppendLine(Row("Bare Kestrel storing each chunk in a file (MB/s)", bareStore.Select(o => o.MegabytesPerSecond)));
        body.AppendLine(Row("Bare storing / bare discard (what keeping the bytes costs any server)", bareStore.Zip(bare, (s, d) => s.MegabytesPerSecond / d.MegabytesPerSecond), "F2"));
        body.AppendLine(Row("**Ratio ours / bare storing**", storeRatios, "F2"));
        body.AppendLine(Row("Server CPU per chunk, bare storing (ms)", bareStore.Select(o => o.ServerCpuMsPerChunk), "F2"));
        body.AppendLine(Row("Ours, end to end incl. create + complete (MB/s)", ours.Select(o => o.MegabytesPerSecond)));
        body.AppendLine(Row("Ratio ours / bare, end to end", ratios, "F2"));
        body.AppendLine(Row("Ours: p95 chunk latency (ms)", ours.Select(o => Harness.Percentile(o.ChunkLatenciesMs, 0.95))));
        body.AppendLine(Row("Ours: p50 chunk latency (ms)", ours.Select(o => Harness.Percentile(o.ChunkLatenciesMs, 0.50))));
        body.AppendLine(Row("Bare: p95 chunk latency (ms)", bare.Select(o => Harness.Percentile(o.ChunkLatenciesMs, 0.95))));
        body.AppendLine(Row("Server CPU per chunk, ours (ms)", ours.Select(o => o.ServerCpuMsPerChunk), "F2"));
        body.AppendLine(Row("Server CPU per chunk, bare (ms)", bare.Select(o => o.ServerCpuMsPerChunk), "F2"));
        body.AppendLine(Row("Ours: p50 complete (ms; 100 at once, 2 probes at a time)", ours.Select(o => Harness.Percentile(o.CompleteLatenciesMs, 0.50)), "F0"));
        body.AppendLine(Row("Uploads completed", ours.Select(o => (double)o.Completed), "F0"));
        body.AppendLine(Row("Stored with identical SHA-256", verified.Select(v => (double)v), "F0"));
        body.AppendLine();
        body.AppendLine(CultureInfo.InvariantCulture, $"Medians: bare {bareMbps:F1} MB/s; ours {Harness.Median(ours.Select(o => o.TransferMegabytesPerSecond)):F1} MB/s while transferring (ratio {Harness.Median(transferRatios):F2}; cold {Harness.Median(coldRatios):F2}; against a bare endpoint that stores the bytes too {Harness.Median(storeRatios):F2}) and {oursMbps:F1} MB/s end to end (ratio {Harness.Median(ratios):F2}). The end-to-end figure includes checking every recording by content (ffprobe plus a full decode, ≈0.3 s of CPU each), which a discard endpoint does not do.");
        Harness.WriteSection("Capture: 100 concurrent uploads of 5 MB in 256 KB chunks", body.ToString());
    }

    private static string Row(string label, IEnumerable<double> values, string format = "F1")
    {
        var list = values.ToList();
        return $"| {label} | {string.Join(" | ", list.Select(v => v.ToString(format, CultureInfo.InvariantCulture)))} | {Harness.Median(list).ToString(format, CultureInfo.InvariantCulture)} |";
    }

    /// <summary>
    /// A cold transfer (the first after the server started), then the measured one: create sessions → transfer →
    /// complete, with a barrier between phases, so the transfer (the part comparable with a bare endpoint) is not mixed
    /// with completions, whose probing (ffprobe + a full decode) a discard endpoint does not do. The cold uploads are
    /// left unfinished, as a phone that gave up leaves them.
    /// </summary>
    private static async Task<RunResult> RunOursAsync(HttpClient http, string token, byte[] bytes, string sha, int uploads, int serverPid)
    {
        var (_, cold) = await TransferOursAsync(http, token, bytes, sha, uploads, serverPid);
        var clock = Stopwatch.StartNew();
        var (ids, warm) = await TransferOursAsync(http, token, bytes, sha, uploads, serverPid);
        var completes = new double[uploads];
        var completed = 0;
        await Task.WhenAll(Enumerable.Range(0, uploads).Select(async i =>
        {
            var c = Stopwatch.GetTimestamp();
            var complete = await http.PostAsync($"/api/uploads/{ids[i]}/complete", null);
            completes[i] = Stopwatch.GetElapsedTime(c).TotalMilliseconds;
            if (!complete.IsSuccessStatusCode) throw new InvalidOperationException("complete failed: " + await complete.Content.ReadAsStringAsync());
            Interlocked.Increment(ref completed);
        }));
        clock.Stop();
        var megabytes = uploads * (double)bytes.Length / 1024 / 1024;
        return new RunResult(clock.Elapsed.TotalSeconds, megabytes / clock.Elapsed.TotalSeconds, warm.MegabytesPerSecond,
            warm.ChunkLatenciesMs, completes.ToList(), completed, warm.ServerCpuMsPerChunk, cold);
    }

    private static async Task<(string[] Ids, Transfer Transfer)> TransferOursAsync(HttpClient http, string token, byte[] bytes, string sha, int uploads, int serverPid)
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, uploads).Select(async _ =>
        {
            var created = await http.PostAsJsonAsync($"/api/capture/{token}/uploads",
                new { sizeBytes = bytes.Length, mediaType = "audio/wav", sha256 = sha, consent = new { analysis = true, quotesInReports = true, audioInWorkshops = true } });
            created.EnsureSuccessStatusCode();
            return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;
        }));
        return (ids, await TransferAsync(http, bytes, uploads, serverPid, i => offset => $"/api/uploads/{ids[i]}/chunks?offset={offset}"));
    }

    /// <summary>The same two transfers as <see cref="RunOursAsync"/>, cold then warm, into a bare endpoint.</summary>
    /// <param name="store">false: /discard; true: /store, a file per upload (each pass its own files).</param>
    private static async Task<RunResult> RunBareAsync(HttpClient http, byte[] bytes, int uploads, int serverPid, bool store)
    {
        Func<int, Func<int, string>> Url(string pass) => store
            ? i => offset => $"/store/{pass}-{i}?offset={offset}"
            : _ => offset => $"/discard?offset={offset}";
        var cold = await TransferAsync(http, bytes, uploads, serverPid, Url("cold"));
        var warm = await TransferAsync(http, bytes, uploads, serverPid, Url("warm"));
        return new RunResult(0, warm.MegabytesPerSecond, warm.MegabytesPerSecond, warm.ChunkLatenciesMs, [], uploads, warm.ServerCpuMsPerChunk, cold);
    }

    /// <summary>Every upload sends its chunks one after the other, all uploads at once; bytes over wall time.</summary>
    private static async Task<Transfer> TransferAsync(HttpClient http, byte[] bytes, int uploads, int serverPid, Func<int, Func<int, string>> url)
    {
        var latencies = new List<double>[uploads];
        var cpuBefore = Harness.CpuTime(serverPid);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, uploads).Select(async i => latencies[i] = await SendChunksAsync(http, bytes, url(i))));
        clock.Stop();
        var cpuPerChunk = (Harness.CpuTime(serverPid) - cpuBefore).TotalMilliseconds / latencies.Sum(l => l.Count);
        var megabytes = uploads * (double)bytes.Length / 1024 / 1024;
        return new Transfer(megabytes / clock.Elapsed.TotalSeconds, latencies.SelectMany(l => l).ToList(), cpuPerChunk);
    }

    /// <summary>Sends the bytes in 256 KB chunks, one after the other, and returns each chunk's latency in ms.</summary>
    private static async Task<List<double>> SendChunksAsync(HttpClient http, byte[] bytes, Func<int, string> url)
    {
        var latencies = new List<double>();
        for (var offset = 0; offset < bytes.Length; offset += ChunkBytes)
        {
            var content = new ByteArrayContent(bytes, offset, Math.Min(ChunkBytes, bytes.Length - offset));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var t = Stopwatch.GetTimestamp();
            var response = await http.PutAsync(url(offset), content);
            latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            response.EnsureSuccessStatusCode();
        }
        return latencies;
    }

    private static async Task<int> CountRecordingsWithHashAsync(string databasePath, string sha)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM Recordings WHERE Sha256 = $sha";
        command.Parameters.AddWithValue("$sha", sha);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>One 1 GB recording sent in 1 MB chunks; the server's resident memory is sampled throughout.</summary>
    public static async Task LargeUploadAsync()
    {
        const long size = 1024L * 1024 * 1024;
        const int chunk = 1024 * 1024;
        var file = await MakeWavAsync(size, sampleRate: 48000, channels: 2);
        var length = new FileInfo(file).Length;
        await using var server = await RealServer.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(30) };

        // Warm up (JIT, pools, first probe) with a small upload, then take the baseline.
        var warm = await MakeWavAsync(2L * 1024 * 1024, 16000, 1);
        await SendFileAsync(http, server.CaptureToken, warm, chunk, null);
        File.Delete(warm);
        await Task.Delay(1000);
        var baseline = Harness.ResidentBytes(server.ProcessId);
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Harness.ResidentBytes(server.ProcessId));
                try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        var clock = Stopwatch.StartNew();
        await SendFileAsync(http, server.CaptureToken, file, chunk, sha: null);
        clock.Stop();
        await sampling.CancelAsync();
        await sampler;
        File.Delete(file);

        var growthMb = (peak - baseline) / 1024.0 / 1024;
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · Machine: {Harness.Machine()}");
        body.AppendLine("- Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- large-upload`");
        body.AppendLine(CultureInfo.InvariantCulture, $"- Setup: the real web app as its own process (SQLite, disk store); one {length / 1024.0 / 1024:F0} MB WAV (48 kHz stereo, {length / 192000.0 / 60:F0} min) sent in 1 MB chunks, then completed (hash, ffprobe + full decode check, story created). Server resident memory (VmRSS) sampled every 50 ms; baseline after a warm-up upload.");
        body.AppendLine();
        body.AppendLine("| figure | value |");
        body.AppendLine("|---|---|");
        body.AppendLine(CultureInfo.InvariantCulture, $"| Server RSS baseline | {baseline / 1024.0 / 1024:F0} MB |");
        body.AppendLine(CultureInfo.InvariantCulture, $"| Server RSS peak during the upload | {peak / 1024.0 / 1024:F0} MB |");
        body.AppendLine(CultureInfo.InvariantCulture, $"| **Peak growth** (goal < 100 MB) | **{growthMb:F0} MB** |");
        body.AppendLine(CultureInfo.InvariantCulture, $"| Time, first chunk to receipt code | {clock.Elapsed.TotalSeconds:F1} s ({length / 1024.0 / 1024 / clock.Elapsed.TotalSeconds:F0} MB/s) |");
        Harness.WriteSection("Capture: one 1 GB upload, server memory", body.ToString());
    }

    private static async Task SendFileAsync(HttpClient http, string token, string path, int chunk, string? sha)
    {
        var length = new FileInfo(path).Length;
        var created = await http.PostAsJsonAsync($"/api/capture/{token}/uploads",
            new { sizeBytes = length, mediaType = "audio/wav", sha256 = sha, consent = new { analysis = true, quotesInReports = false, audioInWorkshops = false } });
        created.EnsureSuccessStatusCode();
        var uploadId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;
        await using var file = File.OpenRead(path);
        var buffer = new byte[chunk];
        long offset = 0;
        int n;
        while ((n = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
        {
            var content = new ByteArrayContent(buffer, 0, n);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            (await http.PutAsync($"/api/uploads/{uploadId}/chunks?offset={offset}", content)).EnsureSuccessStatusCode();
            offset += n;
        }
        var complete = await http.PostAsync($"/api/uploads/{uploadId}/complete", null);
        if (!complete.IsSuccessStatusCode) throw new InvalidOperationException("complete failed: " + await complete.Content.ReadAsStringAsync());
    }

    /// <summary>A real WAV of about <paramref name="bytes"/> bytes (a tone), made with ffmpeg.</summary>
    private static async Task<string> MakeWavAsync(long bytes, int sampleRate, int channels)
    {
        var path = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.wav");
        var seconds = (bytes - 44) / (double)(sampleRate * channels * 2);
        var exit = await Harness.RunToEndAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate={sampleRate}",
            "-t", seconds.ToString("F3", CultureInfo.InvariantCulture), "-ac", channels.ToString(CultureInfo.InvariantCulture), "-c:a", "pcm_s16le", path], new Dictionary<string, string>());
        if (exit != 0) throw new InvalidOperationException("ffmpeg could not make the test recording.");
        return path;
    }
}
