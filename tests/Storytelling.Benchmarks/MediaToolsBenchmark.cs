using System.IO.Pipelines;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Storytelling.Benchmarks.Baseline;
using Storytelling.Core.Media;
using Storytelling.Core.Storage;
using Storytelling.Core.Transcription;
using Storytelling.Worker.Transcription;

namespace Storytelling.Benchmarks;

/// <summary>
/// Probe and decode times, our own process code (main before issue 14, kept in Baseline/) against FFMpegCore (the
/// product's FfprobeMediaProbe and the worker's AudioDecoder, compiled in from src/), on the same files in one run.
/// </summary>
internal static class MediaToolsBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var load = LoadAverage();
        var folder = Path.Combine(Path.GetTempPath(), "bench-media-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var files = await MakeRecordingsAsync(folder);
            var media = Options.Create(new MediaOptions());
            using var ours = new ProcessMediaProbe(media, TimeProvider.System, NullLogger<ProcessMediaProbe>.Instance);
            using var ffmpegCore = new FfprobeMediaProbe(media, TimeProvider.System, NullLogger<FfprobeMediaProbe>.Instance);
            var store = new LocalFiles();
            var transcription = Options.Create(new TranscriptionOptions { WindowSeconds = 300 });
            var oldDecoder = new ProcessAudioDecoder(store, media, transcription, NullLogger<ProcessAudioDecoder>.Instance);
            var newDecoder = new AudioDecoder(store, media, transcription, NullLogger<AudioDecoder>.Instance);

            var rows = new List<string>();
            foreach (var (label, path, format) in files)
            {
                var probeOld = new List<Cost>();
                var probeNew = new List<Cost>();
                var decodeOld = new List<Cost>();
                var decodeNew = new List<Cost>();
                long samplesOld = 0, samplesNew = 0;
                // One warm-up of each (FFMpegCore checks "-version" once per binary; the page cache fills), then
                // interleaved repetitions so a busy moment on the machine hits both alike.
                for (var i = -1; i < repetitions; i++)
                {
                    var (po, okOld) = await TimeAsync(async () => (await ours.ProbeAsync(path, CancellationToken.None)).Succeeded);
                    var (pn, okNew) = await TimeAsync(async () => (await ffmpegCore.ProbeAsync(path, CancellationToken.None)).Succeeded);
                    if (!okOld || !okNew) throw new InvalidOperationException($"{label}: a probe refused a good recording.");
                    var (dn, sn) = await TimeAsync(() => CountAsync(newDecoder.DecodeAsync(path, format, CancellationToken.None), w => w.Samples.Length));
                    var (dold, so) = await TimeAsync(() => CountAsync(oldDecoder.DecodeAsync(path, format, CancellationToken.None), w => w.Samples.Length));
                    if (i < 0) continue;
                    probeOld.Add(po); probeNew.Add(pn); decodeOld.Add(dold); decodeNew.Add(dn);
                    samplesOld = so; samplesNew = sn;
                }
                if (samplesOld != samplesNew) throw new InvalidOperationException($"{label}: the decoders gave {samplesOld} and {samplesNew} samples.");
                rows.Add(Row(label, "probe (ffprobe + full decode check)", probeOld, probeNew));
                rows.Add(Row(label, $"decode to 16 kHz float32 ({samplesNew / 16000.0:0.0} s)", decodeOld, decodeNew));
                Console.WriteLine(rows[^2]);
                Console.WriteLine(rows[^1]);
            }

            Harness.WriteSection("Media: probe and decode, own process code vs FFMpegCore", $"""
                Machine: {Harness.Machine()}, load average at the start {load}. Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. ffmpeg {FfmpegVersion()}.
                Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- media {repetitions}`.

                Before: main at d29945a (`Baseline/`: ffprobe and ffmpeg started with `Process`, ffprobe's JSON parsed by hand, samples read from ffmpeg's stdout). After: FFMpegCore 6.0.0 (`FFProbe.AnalyseAsync` + `FFMpegArguments` decode check; the worker's decoder with a pipe sink, a Unix socket, into a 1 MB buffer). Same files, same options, one process; per file one warm-up of each, then {repetitions} interleaved repetitions; medians. Wall = time of the call; CPU = CPU time of the benchmark process plus the ffprobe/ffmpeg it reaped during the call (10 ms ticks), which on a shared machine says more than the wall time. Decode = all windows read (300 s windows), from a local file.

                | recording | step | wall before (ms) | wall after (ms) | wall after / before | CPU before (ms) | CPU after (ms) | CPU after / before |
                |---|---|---|---|---|---|---|---|
                {string.Join("\n", rows)}
                """);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Row(string label, string step, List<Cost> before, List<Cost> after)
    {
        var b = Harness.Median(before.Select(c => c.WallMs));
        var a = Harness.Median(after.Select(c => c.WallMs));
        var bc = Harness.Median(before.Select(c => c.CpuMs));
        var ac = Harness.Median(after.Select(c => c.CpuMs));
        return string.Create(CultureInfo.InvariantCulture, $"| {label} | {step} | {b:0} | {a:0} | {a / b:0.00} | {bc:0} | {ac:0} | {ac / bc:0.00} |");
    }

    private readonly record struct Cost(double WallMs, double CpuMs);

    // Wall time, and CPU time of this process plus the children it reaped (ffprobe, ffmpeg): on a shared machine the
    // wall time mostly measures the queue for a core, the CPU time what the call costs.
    private static async Task<(Cost Cost, T Result)> TimeAsync<T>(Func<Task<T>> action)
    {
        var cpu = CpuMs();
        var clock = Stopwatch.StartNew();
        var result = await action();
        return (new Cost(clock.Elapsed.TotalMilliseconds, CpuMs() - cpu), result);
    }

    // utime, stime, cutime, cstime of /proc/self/stat, in clock ticks of 10 ms.
    private static double CpuMs()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) * 10.0;
    }

    private static async Task<long> CountAsync<T>(IAsyncEnumerable<T> windows, Func<T, int> length)
    {
        long total = 0;
        await foreach (var w in windows) total += length(w);
        return total;
    }

    // 60 s of Dutch espeak-ng speech as a phone (AAC in m4a) and a browser (Opus in WebM) send it, and the m4a
    // repeated to 10 minutes.
    private static async Task<List<(string Label, string Path, string Format)>> MakeRecordingsAsync(string folder)
    {
        var raw = Path.Combine(folder, "raw.wav");
        await Run("espeak-ng", "-v", "nl", "-w", raw,
            "Vroeger stond hier een bakker op de hoek. Op zaterdag haalde iedereen daar brood. De geur kwam tot in de kerk.");
        var wav = Path.Combine(folder, "speech.wav");
        await Run("ffmpeg", "-nostdin", "-v", "error", "-stream_loop", "-1", "-i", raw, "-af", "apad=pad_dur=1", "-t", "60", "-ar", "16000", wav);
        var m4a = Path.Combine(folder, "speech.m4a");
        await Run("ffmpeg", "-nostdin", "-v", "error", "-i", wav, "-c:a", "aac", "-f", "ipod", m4a);
        var webm = Path.Combine(folder, "speech.webm");
        await Run("ffmpeg", "-nostdin", "-v", "error", "-i", wav, "-c:a", "libopus", "-f", "webm", webm);
        var long10 = Path.Combine(folder, "ten-minutes.m4a");
        await Run("ffmpeg", "-nostdin", "-v", "error", "-stream_loop", "9", "-i", m4a, "-c", "copy", "-f", "ipod", long10);
        return
        [
            ("60 s AAC .m4a", m4a, "mov,mp4,m4a,3gp,3g2,mj2"),
            ("60 s Opus .webm", webm, "matroska,webm"),
            ("10 min AAC .m4a", long10, "mov,mp4,m4a,3gp,3g2,mj2"),
        ];
    }

    private static async Task Run(string tool, params string[] args)
    {
        if (await Harness.RunToEndAsync(tool, args, new Dictionary<string, string>()) != 0) throw new InvalidOperationException($"{tool} failed.");
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static string FfmpegVersion()
    {
        using var p = Process.Start(new ProcessStartInfo("ffmpeg", "-version") { RedirectStandardOutput = true })!;
        var first = p.StandardOutput.ReadLine() ?? "";
        p.WaitForExit();
        return first.Split(' ').ElementAtOrDefault(2) ?? "unknown";
    }

    /// <summary>A store whose blob names are local paths, so both decoders read the same file directly.</summary>
    private sealed class LocalFiles : IMediaStore
    {
        public string? LocalPathOf(string blobName) => blobName;
        public Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken cancellationToken) =>
            Task.FromResult<Stream>(File.OpenRead(blobName));
        public Task<StoredMedia> SaveAsync(Stream content, string contentType, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<MediaProperties?> GetPropertiesAsync(string blobName, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> DeleteAsync(string blobName, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task BeginStagingAsync(string blobName, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<long?> GetStagedLengthAsync(string blobName, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<long?> AppendStagedAsync(string blobName, long offset, long length, PipeReader data, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<StoredMedia> CommitStagedAsync(string blobName, long length, string contentType, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task DeleteStagedAsync(string blobName, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task CheckHealthAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
