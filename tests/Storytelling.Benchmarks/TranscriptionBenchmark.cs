using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Storage;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Benchmarks;

/// <summary>
/// Our worker end to end (stored blob → ffmpeg → Whisper.net → transcript rows) against whisper-cli on the same
/// 60 s Dutch recording with the same model, threads and decoding strategy, interleaved, in one run. Besides the worker
/// as shipped, three variants show where time goes: Whisper.net's own defaults (flash attention off), the worker pointed
/// at infra's whisper.cpp 1.9.1 build through LibraryPath (the runtime package carries 1.8.5), and one thread.
/// The worker keeps its model loaded between jobs (as in production); whisper-cli loads it on every run, which is
/// how people use it, so the load time (a fraction of a second) is part of its figure.
/// </summary>
internal static class TranscriptionBenchmark
{
    private const int Seconds = 60;
    private const int Threads = 2;

    private const string Story =
        "Ik ben achtenvijftig en ik heb dertig jaar in de bouw gewerkt. Toen mijn rug het niet meer deed, zat ik ineens thuis. " +
        "Werk betekende voor mij dat ik 's ochtends wist waarom ik opstond. Mijn collega's waren mijn vrienden. " +
        "Bij het werkplein kreeg ik formulieren, maar niemand vroeg wat ik kon. Mijn buurvrouw nam me mee naar de repaircafé in de wijk. " +
        "Daar repareer ik nu fietsen en stofzuigers, en de jongens uit de straat komen kijken hoe dat gaat. " +
        "Het is geen betaald werk, maar ik voel me weer nodig. Wat ik zou willen is dat de gemeente dit soort plekken ziet als werk. " +
        "Dat je niet alleen telt als je een contract hebt. Sommige mensen kunnen geen acht uur per dag werken, maar wel iets betekenen. " +
        "Als ik terugkijk op het afgelopen jaar, dan is het grootste verschil dat ik weer mensen zie. Dat is voor mij het belangrijkste.";

    public static async Task RunAsync(string[] args)
    {
        var repetitions = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 5;
        var cli = Environment.GetEnvironmentVariable("STORYTELLING_WHISPER_CLI") is { Length: > 0 } c ? c : Path.Combine(Harness.Root, ".tools", "whisper", "bin", "whisper-cli");
        // infra's build of whisper.cpp 1.9.1, in Whisper.net's layout (runtimes/linux-x64 → lib), for the LibraryPath variant.
        var ownBuild = Environment.GetEnvironmentVariable("STORYTELLING_WHISPER_RUNTIME_DIR") is { Length: > 0 } r ? r : Path.GetDirectoryName(Path.GetDirectoryName(cli)!)!;
        if (!File.Exists(cli)) throw new InvalidOperationException($"whisper-cli is missing at {cli}; run `source infra/lib.sh && ensure_whisper` first.");
        // The Silero VAD model the worker ships with (its default); whisper-cli is given the same file.
        var vad = Path.Combine(Harness.Root, "src", "Storytelling.Worker", "VoiceDetection", "ggml-silero-v6.2.0.bin");
        if (!File.Exists(vad)) throw new InvalidOperationException($"The Silero VAD model is missing at {vad}; it is part of the repository.");

        var folder = Path.Combine(Harness.Root, ".build", "bench-transcription");
        Directory.CreateDirectory(folder);
        var (m4a, wav) = await AudioAsync(folder);
        if (args.Contains("memory-only"))
        {
            // The 2-hour memory figure alone (a few minutes), for trying what changes it; prints, writes nothing.
            await LongRecordingMemoryAsync(folder, m4a, vad);
            return;
        }

        var models = new List<(string Label, string Path, bool Fallback)>();
        var generated = Path.Combine(folder, "ggml-generated-base.bin");
        if (!File.Exists(generated)) GeneratedWhisperModel.Write(generated, GeneratedWhisperModel.Dimensions.Base);
        // Random weights make every window look doubtful, so temperature fallback is off on both sides for them.
        models.Add(("generated, base dimensions (512 state, 6+6 layers, F16, random weights)", generated, false));
        if (Environment.GetEnvironmentVariable("STORYTELLING_BENCH_MODEL") is { Length: > 0 } real && File.Exists(real))
            models.Add(("real: " + Path.GetFileName(real), real, true));

        var body = new System.Text.StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Harness.Machine()}. Date: {DateTime.UtcNow:yyyy-MM-dd}.");
        body.AppendLine(CultureInfo.InvariantCulture, $"Command: `source infra/lib.sh && ensure_whisper && dotnet run -c Release --project tests/Storytelling.Benchmarks -- transcription {repetitions}` (set STORYTELLING_BENCH_MODEL to a real ggml model to add it).");
        body.AppendLine();
        body.AppendLine(CultureInfo.InvariantCulture, $"Input: {Seconds} s of Dutch espeak-ng speech with pauses; the worker gets it as AAC in .m4a (as phones send it), whisper-cli as a 16 kHz float WAV decoded from that same file by the same ffmpeg resampler (identical samples, so both decode the same tokens). " +
                        $"Both: {Threads} threads, language nl, greedy decoding with best-of 5 (whisper.cpp's library default; whisper-cli run with `-bs 1`, since its own default is beam search 5), Silero VAD v6.2.0 on, no token cap; temperature fallback off for the generated model (`-nf`), on for a real one. " +
                        $"Worker: one process, model loaded once, poll interval 50 ms; time = job row inserted → job completed with transcript rows committed (includes decoding by ffmpeg, VAD, whisper, database writes). " +
                        $"whisper-cli: process start → exit (includes loading the model). {repetitions} repetitions each, interleaved, after one warm-up of each; medians.");
        body.AppendLine();
        body.AppendLine("| Model | Worker variant | whisper-cli median (s) | worker median (s) | ratio worker / whisper-cli | real-time factor (worker) | worker peak RSS (MB) |");
        body.AppendLine("|---|---|---|---|---|---|---|");

        Variant[] variants =
        [
            new("as shipped: Whisper.net.Runtime 1.9.1 (whisper.cpp 1.8.5), flash attention on, 2 threads", []),
            new("Whisper.net's defaults (flash attention off), 2 threads", new() { ["Storytelling__Transcription__FlashAttention"] = "false" }),
            new("LibraryPath → infra's whisper.cpp 1.9.1 build, flash attention on, 2 threads", new() { ["Storytelling__Transcription__LibraryPath"] = ownBuild }),
            new("as shipped, 1 thread (not comparable: whisper-cli runs 2)", new() { ["Storytelling__Transcription__Threads"] = "1" }),
        ];
        // "quick": the worker as shipped and Whisper.net's defaults only (a busy machine); otherwise all four.
        if (args.Contains("quick")) variants = variants[..2];
        foreach (var (label, modelPath, fallback) in models)
        {
            Console.WriteLine($"Model: {label}");
            var (cliSeconds, results) = await MeasureAsync(folder, m4a, wav, modelPath, vad, cli, variants, repetitions, fallback);
            foreach (var (variant, result) in variants.Zip(results))
            {
                body.AppendLine(CultureInfo.InvariantCulture,
                    $"| {label} | {variant.Label} | {cliSeconds:F2} | {result.Worker:F2} | **{result.Worker / cliSeconds:F2}** | {result.Worker / Seconds:F3} | {result.PeakMb:F0} |");
                Console.WriteLine($"  {variant.Label}: cli {cliSeconds:F2} s, worker {result.Worker:F2} s, ratio {result.Worker / cliSeconds:F2}, peak {result.PeakMb:F0} MB");
            }
        }
        body.AppendLine();
        if (args.Contains("no-memory"))
        {
            Harness.WriteSection("Transcription: worker end to end vs whisper-cli", body.ToString());
            return;
        }
        var (shortPeak, tenPeak, longPeak, longSeconds) = await LongRecordingMemoryAsync(folder, m4a, vad);
        body.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Memory for a 2-hour recording (generated model with test dimensions, so the run takes minutes, not hours; window 300 s): one worker's peak RSS after a 60 s recording {shortPeak:F0} MB, " +
            $"after it also transcribed a 10-minute recording (two full windows) {tenPeak:F0} MB, after it also transcribed a 2-hour recording (Opus in WebM, 24 windows) {longPeak:F0} MB " +
            $"(2 h vs 10 min: ×{longPeak / tenPeak:F2}); the 2-hour job took {longSeconds:F0} s. " +
            $"Decoded audio for 2 hours would be 460 MB as float32; the worker holds one window (19 MB)."));
        body.AppendLine();
        body.AppendLine("Goal: ratio ≤ 1.10. With random weights the decoder emits garbage tokens up to its limits, so absolute times say little about real speech; " +
                        "the encoder, VAD and per-window work equal the real model's, which makes the ratio honest.");
        Harness.WriteSection("Transcription: worker end to end vs whisper-cli", body.ToString());
    }

    /// <summary>Peak RSS of one worker after a 60 s job, then after a 2-hour job: bounded memory means no growth with length.</summary>
    private static async Task<(double ShortPeakMb, double TenMinutePeakMb, double LongPeakMb, double LongSeconds)> LongRecordingMemoryAsync(string folder, string m4a, string vad)
    {
        var longFile = Path.Combine(folder, "story-2h.webm");
        if (!File.Exists(longFile))
            await Tool("ffmpeg", "-nostdin", "-y", "-v", "error", "-stream_loop", "-1", "-i", m4a, "-t", "7200", "-c:a", "libopus", "-b:a", "24k", "-f", "webm", longFile);
        var tenFile = Path.Combine(folder, "story-10min.webm");
        if (!File.Exists(tenFile))
            await Tool("ffmpeg", "-nostdin", "-y", "-v", "error", "-stream_loop", "-1", "-i", m4a, "-t", "600", "-c:a", "libopus", "-b:a", "24k", "-f", "webm", tenFile);
        var model = Path.Combine(folder, "ggml-generated-test.bin");
        if (!File.Exists(model)) GeneratedWhisperModel.Write(model, GeneratedWhisperModel.Dimensions.Test);
        await using var env = await WorkerEnvironment.StartAsync(folder, model, vad, [], temperatureFallback: false);
        await env.RunJobAsync(m4a, "mov,mp4,m4a,3gp,3g2,mj2", Seconds);
        var shortPeak = ReadPeak(env.Worker.Id) / 1024.0 / 1024.0;
        await env.RunJobAsync(tenFile, "matroska,webm", 600);
        var tenPeak = ReadPeak(env.Worker.Id) / 1024.0 / 1024.0;
        var seconds = await env.RunJobAsync(longFile, "matroska,webm", 7200);
        var longPeak = ReadPeak(env.Worker.Id) / 1024.0 / 1024.0;
        Console.WriteLine($"  peak RSS 60 s {shortPeak:F0} MB → 10 min {tenPeak:F0} MB → 2 h {longPeak:F0} MB (2 h took {seconds:F0} s)");
        return (shortPeak, tenPeak, longPeak, seconds);
    }

    private sealed record Variant(string Label, Dictionary<string, string> Settings);

    private sealed record Figures(double Worker, double PeakMb);

    /// <summary>whisper-cli and every worker variant in turn, each repetition; one worker process per variant, started once.</summary>
    private static async Task<(double Cli, List<Figures> Workers)> MeasureAsync(string folder, string m4a, string wav, string model, string vad, string cli,
        Variant[] variants, int repetitions, bool temperatureFallback)
    {
        var envs = new List<WorkerEnvironment>();
        try
        {
            foreach (var v in variants) envs.Add(await WorkerEnvironment.StartAsync(folder, model, vad, v.Settings, temperatureFallback));
            var cliTimes = new List<double>();
            var workerTimes = variants.Select(_ => new List<double>()).ToList();
            for (var i = 0; i <= repetitions; i++)
            {
                var cliSeconds = await RunCliAsync(cli, model, vad, wav, temperatureFallback);
                var line = $"  run {i}: whisper-cli {cliSeconds:F2} s";
                for (var v = 0; v < envs.Count; v++)
                {
                    var seconds = await envs[v].RunJobAsync(m4a, "mov,mp4,m4a,3gp,3g2,mj2", Seconds);
                    if (i > 0) workerTimes[v].Add(seconds);
                    line += $", worker {v + 1} {seconds:F2} s";
                }
                Console.WriteLine(line + (i == 0 ? " (warm-up)" : ""));
                if (i == 0)
                    for (var v = 0; v < envs.Count; v++) Console.WriteLine($"  worker {v + 1} runs {LoadedWhisper(envs[v].Worker.Id)}");
                if (i > 0) cliTimes.Add(cliSeconds); // warm-up: page cache, the workers' first model load
            }
            return (Harness.Median(cliTimes), [.. envs.Select((e, v) => new Figures(Harness.Median(workerTimes[v]), ReadPeak(e.Worker.Id) / 1024.0 / 1024.0))]);
        }
        finally
        {
            foreach (var e in envs) await e.DisposeAsync();
        }
    }

    /// <summary>A migrated SQLite database, a media folder and one running worker process with the given models.</summary>
    private sealed class WorkerEnvironment : IAsyncDisposable
    {
        private readonly string _run;
        private readonly ServiceProvider _services;
        private readonly Guid _projectId;
        public Process Worker { get; }

        private WorkerEnvironment(string run, ServiceProvider services, Guid projectId, Process worker)
        {
            _run = run;
            _services = services;
            _projectId = projectId;
            Worker = worker;
        }

        public static async Task<WorkerEnvironment> StartAsync(string folder, string model, string vad, Dictionary<string, string> extra, bool temperatureFallback)
        {
            var run = Path.Combine(folder, "run-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(run);
            var settings = new Dictionary<string, string>
            {
                ["Storytelling__Database__Provider"] = "Sqlite",
                ["Storytelling__Database__ConnectionString"] = $"Data Source={Path.Combine(run, "bench.db")}",
                ["Storytelling__Storage__Provider"] = "Disk",
                ["Storytelling__Storage__DiskStore__RootPath"] = Path.Combine(run, "media"),
                ["Storytelling__Transcription__ModelsDirectory"] = run,
                ["Storytelling__Transcription__Model"] = model,
                ["Storytelling__Transcription__VadModel"] = vad,
                ["Storytelling__Transcription__Threads"] = Threads.ToString(CultureInfo.InvariantCulture),
                ["Storytelling__Transcription__PollInterval"] = "00:00:00.05",
                ["Storytelling__Transcription__TemperatureFallback"] = temperatureFallback ? "true" : "false",
                ["DOTNET_ENVIRONMENT"] = "Production",
            };
            foreach (var (k, v) in extra) settings[k] = v;
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(settings.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value)).Build();
            var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddStorytellingCore().BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            var projectId = Guid.NewGuid();
            await using (var scope = services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
                db.Projects.Add(new Project { Id = projectId, Name = "Benchmark", GuidingQuestion = "Wat betekent werk voor jou?", CreatedAt = DateTimeOffset.UtcNow });
                await db.SaveChangesAsync();
            }
            var workerDll = Path.Combine(Harness.Root, "src", "Storytelling.Worker", "bin", "Release", "net10.0", "Storytelling.Worker.dll");
            if (!File.Exists(workerDll)) throw new InvalidOperationException("Build the solution first (dotnet build -c Release).");
            return new WorkerEnvironment(run, services, projectId, Harness.Start("dotnet", [workerDll], settings, run));
        }

        /// <summary>Stores the file, queues its job and returns the seconds until the job completed.</summary>
        public async Task<double> RunJobAsync(string file, string format, int seconds)
        {
            await using var scope = _services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
            StoredMedia stored;
            await using (var source = File.OpenRead(file))
                stored = await scope.ServiceProvider.GetRequiredService<IMediaStore>().SaveAsync(source, "application/octet-stream", CancellationToken.None);
            var now = DateTimeOffset.UtcNow;
            var story = new Story
            {
                ProjectId = _projectId, TellerPseudonym = "Bench", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = now,
                Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = now },
            };
            var recording = new Recording
            {
                StoryId = story.Id, BlobName = stored.BlobName, Format = format, MediaType = "audio/*",
                DurationMs = seconds * 1000L, SizeBytes = stored.SizeBytes, Sha256 = stored.Sha256, CreatedAt = now,
            };
            var job = new TranscriptionJob { RecordingId = recording.Id, CreatedAt = now, NotBefore = now };
            db.AddRange(story, recording, job);
            var clock = Stopwatch.StartNew();
            await db.SaveChangesAsync();
            while (true)
            {
                var status = await db.TranscriptionJobs.AsNoTracking().Where(j => j.Id == job.Id).Select(j => j.Status).SingleAsync();
                if (status is TranscriptionJobStatus.Succeeded or TranscriptionJobStatus.NoSpeech) return clock.Elapsed.TotalSeconds;
                if (status is TranscriptionJobStatus.Failed or TranscriptionJobStatus.WaitingForModel)
                    throw new InvalidOperationException("The benchmark job ended as " + status + ": " +
                        await db.TranscriptionJobs.Where(j => j.Id == job.Id).Select(j => j.LastError).SingleAsync());
                if (clock.Elapsed > TimeSpan.FromMinutes(90)) throw new TimeoutException("The worker did not finish the benchmark job in 90 minutes.");
                await Task.Delay(10);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Harness.Stop(Worker);
            Worker.Dispose();
            await _services.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_run, recursive: true);
        }
    }

    private static async Task<double> RunCliAsync(string cli, string model, string vad, string wav, bool temperatureFallback)
    {
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-m", model, "-f", wav, "-l", "nl", "-t", Threads.ToString(CultureInfo.InvariantCulture), "-bs", "1", "-ng", "--vad", "-vm", vad, "-np"])
            start.ArgumentList.Add(a);
        if (!temperatureFallback) start.ArgumentList.Add("-nf");
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"whisper-cli failed ({p.ExitCode}): {await stderr}");
        await stdout;
        await stderr;
        return seconds;
    }

    /// <summary>Which libwhisper.so the process mapped: proof of which runtime a variant really ran on.</summary>
    private static string LoadedWhisper(int pid) =>
        File.ReadLines($"/proc/{pid}/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
            .FirstOrDefault(f => f.EndsWith("libwhisper.so", StringComparison.Ordinal) || f.Contains("libwhisper.so.", StringComparison.Ordinal)) ?? "no libwhisper mapped";

    private static long ReadPeak(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    private static async Task<(string M4a, string Wav)> AudioAsync(string folder)
    {
        var m4a = Path.Combine(folder, "story-60s.m4a");
        var wav = Path.Combine(folder, "story-60s-16k-f32.wav");
        if (File.Exists(m4a) && File.Exists(wav)) return (m4a, wav);
        var raw = Path.Combine(folder, "raw.wav");
        await Tool("espeak-ng", "-v", "nl", "-s", "150", "-w", raw, Story + " " + Story);
        await Tool("ffmpeg", "-nostdin", "-y", "-v", "error", "-i", raw, "-af", "apad", "-t", Seconds.ToString(CultureInfo.InvariantCulture), "-c:a", "aac", "-f", "ipod", m4a);
        // Float samples through the same ffmpeg resampler the worker uses, so both sides transcribe identical input.
        await Tool("ffmpeg", "-nostdin", "-y", "-v", "error", "-i", m4a, "-ar", "16000", "-ac", "1", "-c:a", "pcm_f32le", wav);
        File.Delete(raw);
        return (m4a, wav);
    }

    private static async Task Tool(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {err}");
    }
}
