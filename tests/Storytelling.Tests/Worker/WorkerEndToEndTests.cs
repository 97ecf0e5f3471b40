extern alias worker;

using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Transcription;

namespace Storytelling.Tests.Worker;

/// <summary>
/// The real worker executable against a real database, media folder, ffmpeg, Whisper.net (CPU runtime) with a generated
/// random-weight model and the real Silero VAD model. Random weights give random words, so these tests assert on
/// the pipeline (segments, timestamps, language, statuses, exactly-once), never on what the text says.
/// </summary>
[Collection(MediaCorpusCollection.Name)]
public sealed partial class WorkerEndToEndTests(MediaCorpus corpus)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Settings that put the generated model ("test") in the harness's models folder. No VadModel setting: the worker
    /// finds the Silero VAD model it ships with next to its binaries, as on a new installation.
    /// </summary>
    internal static Dictionary<string, string> WithModels(WorkerHarness h, Dictionary<string, string>? extra = null)
    {
        File.Copy(WhisperTestEnvironment.TestModelPath, Path.Combine(h.ModelsDirectory, "ggml-test.bin"), overwrite: true);
        var settings = new Dictionary<string, string>(h.Settings)
        {
            ["Storytelling__Transcription__Model"] = "test",
            ["Storytelling__Transcription__Threads"] = "2",
            ["Storytelling__Transcription__MaxTokensPerSegment"] = "32",
            ["Storytelling__Transcription__TemperatureFallback"] = "false",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return settings;
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> explain)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(explain());
            await Task.Delay(100);
        }
    }

    private static Task WaitForJobAsync(WorkerHarness h, Guid jobId, Func<TranscriptionJob, bool> done, AppProcess? worker = null) =>
        WaitUntilAsync(async () => done(await h.JobAsync(jobId)), Patience, () => $"Job did not get there. Worker output:\n{worker?.Stdout}\n{worker?.Stderr}");

    private static bool Finished(TranscriptionJob j) =>
        j.Status is TranscriptionJobStatus.Succeeded or TranscriptionJobStatus.NoSpeech or TranscriptionJobStatus.Failed;

    [Theory]
    [InlineData(MediaCorpus.M4a, "mov,mp4,m4a,3gp,3g2,mj2", "nl")]
    [InlineData(MediaCorpus.WhatsAppOpus, "ogg", "auto")]
    public async Task A_stored_recording_becomes_a_timed_transcript_without_anyone_touching_it(string file, string format, string language)
    {
        await using var h = await WorkerHarness.StartAsync();
        var (storyId, jobId) = await h.SeedAsync(corpus[file], format, MediaCorpus.SpeechMs, language);
        await using var worker = AppProcess.Start("Storytelling.Worker", WithModels(h));
        await WaitForJobAsync(h, jobId, Finished, worker);

        var job = await h.JobAsync(jobId);
        Assert.Equal(TranscriptionJobStatus.Succeeded, job.Status);
        Assert.Equal((1, 100), (job.Attempts, job.ProgressPercent));
        Assert.Equal(StoryStatus.Transcribed, await h.StoryStatusAsync(storyId));
        var transcript = await h.WithDbAsync(db => db.Transcripts.Include(t => t.Segments).SingleAsync(t => t.StoryId == storyId));
        Assert.Equal((1, TranscriptOriginMachine, "ggml-test.bin"), (transcript.Version, transcript.Origin.ToString(), transcript.ModelName));
        if (language == "auto") Assert.Matches("^[a-z]{2,3}$", transcript.Language);
        else Assert.Equal("nl", transcript.Language);
        var segments = transcript.Segments.OrderBy(s => s.Position).ToList();
        Assert.NotEmpty(segments);
        Assert.All(segments, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.Text));
            Assert.InRange(s.StartMs, 0, MediaCorpus.SpeechMs);
            Assert.InRange(s.EndMs, s.StartMs, MediaCorpus.SpeechMs + 100);
            Assert.InRange(s.Confidence!.Value, 0f, 1f);
        });
        for (var i = 1; i < segments.Count; i++) Assert.True(segments[i].StartMs >= segments[i - 1].StartMs, "segments are in time order");
    }

    private const string TranscriptOriginMachine = "Machine";

    [Fact]
    public async Task Twenty_seconds_of_silence_end_as_no_speech_found_and_no_text()
    {
        await using var h = await WorkerHarness.StartAsync();
        var silence = Path.Combine(h.Folder, "silence.wav");
        await AudioDecoderTests.RunAsync("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "20", silence);
        var (storyId, jobId) = await h.SeedAsync(silence, "wav", 20000);
        await using var worker = AppProcess.Start("Storytelling.Worker", WithModels(h));
        await WaitForJobAsync(h, jobId, Finished, worker);

        Assert.Equal(TranscriptionJobStatus.NoSpeech, (await h.JobAsync(jobId)).Status);
        Assert.Equal(StoryStatus.NoSpeech, await h.StoryStatusAsync(storyId));
        Assert.Equal(0, await h.WithDbAsync(db => db.Transcripts.CountAsync()));
        Assert.Equal(0, await h.WithDbAsync(db => db.TranscriptSegments.CountAsync()));
    }

    [Fact]
    public async Task A_recording_ffmpeg_cannot_read_fails_with_its_reason_after_the_retries_and_the_queue_goes_on()
    {
        await using var h = await WorkerHarness.StartAsync();
        var poison = await h.SeedAsync(corpus[MediaCorpus.Text], "mov,mp4,m4a,3gp,3g2,mj2", 8000);
        var good = await h.SeedAsync(corpus[MediaCorpus.WebmOpus], "matroska,webm", MediaCorpus.SpeechMs);
        await using var worker = AppProcess.Start("Storytelling.Worker", WithModels(h, new() { ["Storytelling__Transcription__MaxAttempts"] = "2" }));
        await WaitForJobAsync(h, poison.JobId, Finished, worker);
        await WaitForJobAsync(h, good.JobId, Finished, worker);

        var failed = await h.JobAsync(poison.JobId);
        Assert.Equal((TranscriptionJobStatus.Failed, 2), (failed.Status, failed.Attempts));
        Assert.StartsWith("De opname kon niet worden omgezet", failed.LastError);
        Assert.Equal(StoryStatus.Failed, await h.StoryStatusAsync(poison.StoryId));
        Assert.Equal(TranscriptionJobStatus.Succeeded, (await h.JobAsync(good.JobId)).Status);
    }

    [Fact]
    public async Task Without_a_model_the_job_waits_says_how_to_fix_it_and_runs_once_the_model_is_downloaded()
    {
        await using var h = await WorkerHarness.StartAsync();
        var (_, jobId) = await h.SeedAsync(corpus[MediaCorpus.Mp3], "mp3", MediaCorpus.SpeechMs);
        var settings = WithModels(h, new() { ["Storytelling__Transcription__Model"] = "base" });
        await using var worker = AppProcess.Start("Storytelling.Worker", settings);
        await WaitForJobAsync(h, jobId, j => j.Status == TranscriptionJobStatus.WaitingForModel, worker);

        var waiting = await h.JobAsync(jobId);
        Assert.Contains("models download base", waiting.LastError);
        await worker.WaitForOutputAsync("Worker state: waiting for model", Patience);
        var beat = await h.WithDbAsync(db => db.WorkerHeartbeats.SingleAsync());
        Assert.Equal(WorkerState.WaitingForModel, beat.State);

        // The web app, on the same database, says the same in /health/ready and on the project page.
        using (var web = await new TestApp(settings.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value)).MigrateAsync())
        {
            var ready = await web.AnonymousClient().GetAsync("/health/ready");
            var body = await ready.Content.ReadAsStringAsync();
            Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("\"Degraded\"", body);
            Assert.Contains("models download base", body);
        }

        // An administrator downloads the model (here: puts the generated one in its place); no restart needed.
        File.Copy(WhisperTestEnvironment.TestModelPath, Path.Combine(h.ModelsDirectory, "ggml-base.bin.part"));
        File.Move(Path.Combine(h.ModelsDirectory, "ggml-base.bin.part"), Path.Combine(h.ModelsDirectory, "ggml-base.bin"));
        await WaitForJobAsync(h, jobId, Finished, worker);
        Assert.Equal(TranscriptionJobStatus.Succeeded, (await h.JobAsync(jobId)).Status);

        // Ready now, and the web app says on which Whisper.net runtime the worker transcribes.
        Assert.Contains("loaded on the cpu runtime", worker.Stdout);
        using (var web = await new TestApp(settings.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value)).MigrateAsync())
        {
            var body = await (await web.AnonymousClient().GetAsync("/health/ready")).Content.ReadAsStringAsync();
            Assert.Contains("1 transcription worker(s) ready (Whisper.net runtime cpu)", body);
        }
    }

    [Fact]
    public async Task A_worker_killed_mid_job_is_replaced_by_a_second_that_finishes_it_and_one_transcript_exists()
    {
        await using var h = await WorkerHarness.StartAsync();
        // The first worker can read only the first 60 % (about 58 s: one 30 s window transcribed, the next waiting).
        var (storyId, jobId, held) = await h.SeedHeldAsync(await LongRecordingAsync(h, 12), "matroska,webm", 12 * MediaCorpus.SpeechMs, 0.6);
        await using var _ = held;
        var settings = WithModels(h, new() { ["Storytelling__Transcription__LeaseDuration"] = "00:00:03", ["Storytelling__Transcription__WindowSeconds"] = "30" });
        await using (var first = AppProcess.Start("Storytelling.Worker", settings))
        {
            await WaitForJobAsync(h, jobId, j => j.Status == TranscriptionJobStatus.Running && j.ProgressPercent > 0, first);
            using var kill = System.Diagnostics.Process.Start("kill", ["-KILL", first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            Assert.Equal(137, await first.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }
        var orphan = await h.JobAsync(jobId);
        Assert.Equal((TranscriptionJobStatus.Running, 1), (orphan.Status, orphan.Attempts));
        // The rest of the recording arrives. Nothing can stop ffmpeg on SIGKILL, but its pipe's reader is gone, so it
        // fails on its next write and exits.
        await held.RestoreAsync();
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(h.MediaRoot).Count == 0), "an ffmpeg outlived the killed worker");

        await using var second = AppProcess.Start("Storytelling.Worker", settings);
        await WaitForJobAsync(h, jobId, Finished, second);
        var job = await h.JobAsync(jobId);
        Assert.Equal((TranscriptionJobStatus.Succeeded, 2), (job.Status, job.Attempts));
        Assert.Equal(1, await h.WithDbAsync(db => db.Transcripts.CountAsync(t => t.StoryId == storyId)));
        var last = await h.WithDbAsync(db => db.TranscriptSegments.MaxAsync(s => s.EndMs));
        Assert.True(last > 60_000, "the transcript covers the part the first worker never read");
    }

    [Fact]
    public async Task On_SIGTERM_a_worker_gives_its_job_back_uncounted_and_exits_cleanly()
    {
        await using var h = await WorkerHarness.StartAsync();
        var (_, jobId, held) = await h.SeedHeldAsync(await LongRecordingAsync(h, 12), "matroska,webm", 12 * MediaCorpus.SpeechMs, 0.6);
        await using var _ = held;
        await using var worker = AppProcess.Start("Storytelling.Worker",
            WithModels(h, new() { ["Storytelling__Transcription__LeaseDuration"] = "00:00:03", ["Storytelling__Transcription__WindowSeconds"] = "30" }));
        await WaitForJobAsync(h, jobId, j => j.Status == TranscriptionJobStatus.Running && j.ProgressPercent > 0, worker);
        // The decoder's ffmpeg, run by FFMpegCore, waits for the rest of the recording.
        var ffmpeg = ProcessTable.MediaToolsOf(worker.Id);
        Assert.NotEmpty(ffmpeg);
        worker.Terminate();
        Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(h.MediaRoot).Count == 0),
            "an ffmpeg outlived the worker: " + string.Join("\n", ProcessTable.Naming(h.MediaRoot).Select(p => p.CommandLine)));
        Assert.All(ffmpeg, p => Assert.False(ProcessTable.IsRunning(p.Pid), $"ffmpeg {p.Pid} still runs"));

        var job = await h.JobAsync(jobId);
        Assert.Equal((TranscriptionJobStatus.Queued, 0, null), (job.Status, job.Attempts, job.LeaseOwner));
        Assert.Contains("released", worker.Stdout);
        Assert.Equal(WorkerState.Stopped, (await h.WithDbAsync(db => db.WorkerHeartbeats.SingleAsync())).State);
    }

    [Fact]
    public async Task Every_word_of_a_two_window_recording_comes_back_inside_its_segment_in_recording_time()
    {
        // The worker's own pipeline in this process (decoder → voice detection → Whisper.net → windows shifted), on a
        // 96 s recording cut into 30 s windows, so words of later windows must carry their window's offset.
        await using var h = await WorkerHarness.StartAsync(settings: new Dictionary<string, string>
        {
            ["Storytelling__Transcription__Model"] = "test",
            ["Storytelling__Transcription__Threads"] = "2",
            ["Storytelling__Transcription__MaxTokensPerSegment"] = "32",
            ["Storytelling__Transcription__TemperatureFallback"] = "false",
            ["Storytelling__Transcription__WindowSeconds"] = "30",
        });
        File.Copy(WhisperTestEnvironment.TestModelPath, Path.Combine(h.ModelsDirectory, "ggml-test.bin"));
        var durationMs = 12 * MediaCorpus.SpeechMs;
        await h.SeedAsync(await LongRecordingAsync(h, 12), "matroska,webm", durationMs);
        Assert.Null(h.Get<worker::Storytelling.Worker.Transcription.ISpeechEngine>().CheckReady());
        var job = await h.WithQueueAsync(q => q.ClaimAsync("test-worker", CancellationToken.None));
        var progress = new List<int>();

        var outcome = await h.Get<worker::Storytelling.Worker.Transcription.TranscriptionRunner>().RunAsync(job!, progress.Add, CancellationToken.None);

        Assert.Equal("nl", outcome.Language);
        Assert.Equal(progress.Order(), progress);
        Assert.Contains(outcome.Segments, s => s.StartMs > 30_000);
        Assert.Contains(outcome.Segments.SelectMany(s => s.Words), w => w.StartMs > 60_000);
        foreach (var segment in outcome.Segments)
        {
            Assert.InRange(segment.EndMs, segment.StartMs, durationMs + 100);
            Assert.All(segment.Words, w =>
            {
                Assert.False(string.IsNullOrWhiteSpace(w.Text));
                Assert.InRange(w.StartMs, segment.StartMs, segment.EndMs);
                Assert.InRange(w.EndMs, w.StartMs, segment.EndMs);
            });
        }
    }

    private async Task<string> LongRecordingAsync(WorkerHarness h, int repeats)
    {
        var file = Path.Combine(h.Folder, $"long-{repeats}.webm");
        if (!File.Exists(file))
            await AudioDecoderTests.RunAsync("ffmpeg", "-nostdin", "-v", "error", "-stream_loop", (repeats - 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-i", corpus[MediaCorpus.Wav], "-c:a", "libopus", "-f", "webm", file);
        return file;
    }

    [GeneratedRegex(@"Transcription job (?<id>[0-9a-f-]{36}) claimed")]
    internal static partial Regex Claimed();
}
