using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Storytelling.Core.Media;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Media;

/// <summary>The real ffprobe and ffmpeg on generated recordings, good and bad, named to mislead where it matters.</summary>
[Collection(MediaCorpusCollection.Name)]
public sealed class FfprobeMediaProbeTests(MediaCorpus corpus)
{
    private const long ToleranceMs = 300;

    [Theory]
    [InlineData(MediaCorpus.Wav, "wav", "audio/wav", "pcm_s16le", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.M4a, "mp4", "audio/mp4", "aac", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.M4aFaststart, "mp4", "audio/mp4", "aac", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.WebmOpus, "webm", "audio/webm", "opus", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.BrowserWebm, "webm", "audio/webm", "opus", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.OggVorbis, "ogg", "audio/ogg", "vorbis", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.WhatsAppOpus, "ogg", "audio/ogg", "opus", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.Mp3, "mp3", "audio/mpeg", "mp3", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.Mp3WithCoverArt, "mp3", "audio/mpeg", "mp3", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.ThreeGp, "3gp", "audio/3gpp", "aac", false, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.VideoMp4, "mp4", "video/mp4", "aac", true, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.VideoWebm, "webm", "video/webm", "opus", true, MediaCorpus.SpeechMs)]
    [InlineData(MediaCorpus.LongSilence, "mp4", "audio/mp4", "aac", false, MediaCorpus.SilenceMs)]
    [InlineData(MediaCorpus.Mp3NamedM4a, "mp3", "audio/mpeg", "mp3", false, MediaCorpus.SpeechMs)]
    public async Task Recording_is_accepted_by_its_content(
        string name, string format, string mediaType, string audioCodec, bool hasVideo, long durationMs)
    {
        using var probe = NewProbe();

        var result = await probe.ProbeAsync(corpus[name], CancellationToken.None);

        Assert.Equal(MediaProbeFailure.None, result.Failure);
        Assert.Equal((format, mediaType, audioCodec), (result.FormatName, result.MediaType, result.AudioCodec));
        Assert.True(result.HasAudio);
        Assert.Equal(hasVideo, result.HasVideo);
        Assert.InRange(result.DurationMs, durationMs - ToleranceMs, durationMs + ToleranceMs);
    }

    [Theory]
    [InlineData(MediaCorpus.Empty, MediaProbeFailure.Empty)]
    [InlineData(MediaCorpus.Text, MediaProbeFailure.NotMedia)]
    [InlineData(MediaCorpus.Zip, MediaProbeFailure.NotMedia)]
    [InlineData(MediaCorpus.RandomBytes, MediaProbeFailure.NotMedia)]
    [InlineData(MediaCorpus.Html, MediaProbeFailure.NotMedia)]
    [InlineData(MediaCorpus.Json, MediaProbeFailure.NotMedia)]
    [InlineData(MediaCorpus.Pdf, MediaProbeFailure.NotMedia)]
    [InlineData(MediaCorpus.Zeros, MediaProbeFailure.NotMedia)]
    // ffmpeg takes /bin/true for MPEG layer 1 audio that fails to decode; no media signature, so not media.
    [InlineData(MediaCorpus.Elf, MediaProbeFailure.NotMedia)]
    // An image is a readable file without sound: the teller picked the wrong file, not a broken one.
    [InlineData(MediaCorpus.Image, MediaProbeFailure.NoAudio)]
    [InlineData(MediaCorpus.VideoOnlyMp4, MediaProbeFailure.NoAudio)]
    [InlineData(MediaCorpus.VideoOnlyWebm, MediaProbeFailure.NoAudio)]
    [InlineData(MediaCorpus.TruncatedM4a, MediaProbeFailure.Unreadable)]
    [InlineData(MediaCorpus.TruncatedFaststartM4a, MediaProbeFailure.Unreadable)]
    [InlineData(MediaCorpus.TruncatedMp3, MediaProbeFailure.Unreadable)]
    [InlineData(MediaCorpus.TruncatedMp3Partial, MediaProbeFailure.Unreadable)]
    [InlineData(MediaCorpus.TruncatedWebm, MediaProbeFailure.Unreadable)]
    [InlineData(MediaCorpus.WavHeaderOnly, MediaProbeFailure.Unreadable)]
    public async Task Bad_file_is_rejected_with_its_reason(string name, MediaProbeFailure expected)
    {
        using var probe = NewProbe();

        var result = await probe.ProbeAsync(corpus[name], CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Hanging_tool_times_out_and_leaves_no_process_behind()
    {
        var folder = Repo.NewTempFolder("media-hang");
        try
        {
            var script = WriteHangingScript(folder);
            using var probe = NewProbe(new MediaOptions { FfprobePath = script, ProbeTimeout = TimeSpan.FromMilliseconds(500) });
            var clock = Stopwatch.StartNew();

            var result = await probe.ProbeAsync(corpus[MediaCorpus.M4a], CancellationToken.None);

            Assert.Equal(MediaProbeFailure.TimedOut, result.Failure);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            await AssertGoneAsync(ReadPid(folder, "wrapper.pid"));
            await AssertGoneAsync(ReadPid(folder, "child.pid"));
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task Caller_cancellation_is_not_a_timeout()
    {
        var folder = Repo.NewTempFolder("media-cancel");
        try
        {
            var script = WriteHangingScript(folder);
            using var probe = NewProbe(new MediaOptions { FfprobePath = script });
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe.ProbeAsync(corpus[MediaCorpus.M4a], cancel.Token));
            await AssertGoneAsync(ReadPid(folder, "wrapper.pid"));
            await AssertGoneAsync(ReadPid(folder, "child.pid"));
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task A_real_ffmpeg_still_decoding_at_the_timeout_is_killed_and_no_tool_runs_on()
    {
        var folder = Repo.NewTempFolder("media-real-timeout");
        try
        {
            var recording = await LongRecordingAsync(folder);
            using var probe = NewProbe(new MediaOptions { ProbeTimeout = TimeSpan.FromMilliseconds(700) });
            var clock = Stopwatch.StartNew();

            var result = await probe.ProbeAsync(recording, CancellationToken.None);

            Assert.Equal(MediaProbeFailure.TimedOut, result.Failure);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(recording).Count == 0),
                string.Join("\n", ProcessTable.Naming(recording).Select(p => p.CommandLine)));
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task A_real_ffmpeg_is_killed_when_the_caller_gives_up()
    {
        var folder = Repo.NewTempFolder("media-real-cancel");
        try
        {
            var recording = await LongRecordingAsync(folder);
            using var probe = NewProbe();
            using var cancel = new CancellationTokenSource();
            var probing = probe.ProbeAsync(recording, cancel.Token);
            // Give up once ffmpeg is decoding, as a phone that drops its connection would.
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(recording).Any(p => p.Name == "ffmpeg")), "ffmpeg never started");
            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probing);
            Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(recording).Count == 0),
                string.Join("\n", ProcessTable.Naming(recording).Select(p => p.CommandLine)));
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    /// <summary>
    /// FFMpegCore on its own, as its open reports describe: cancelling kills only the process it started. A wrapper's
    /// child keeps running and holds the output pipes, so the call does not even return until that child ends. This is
    /// why the probe and the decoder hand FFMpegCore a token that <see cref="ToolCancellation"/> cancels only after
    /// it has killed the whole tree (the tests above).
    /// </summary>
    [Fact]
    public async Task FFMpegCore_alone_leaves_a_wrappers_child_running_after_cancellation()
    {
        var folder = Repo.NewTempFolder("media-package");
        try
        {
            var script = WriteHangingScript(folder, childSeconds: 4);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = Stopwatch.StartNew();
            var analysing = FFMpegCore.FFProbe.AnalyseAsync(corpus[MediaCorpus.M4a], new FFMpegCore.FFOptions { BinaryFolder = folder }, cancellationToken: cancel.Token);

            await Task.Delay(1500);
            Assert.False(analysing.IsCompleted, "the call returned although the wrapper's child still holds its pipes");
            Assert.False(ProcessTable.IsRunning(ReadPid(folder, "wrapper.pid")));
            Assert.True(ProcessTable.IsRunning(ReadPid(folder, "child.pid")), "the child was killed after all");

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => analysing);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3.5), $"returned after {clock.Elapsed}");
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    /// <summary>
    /// On cancellation FFMpegCore writes "q" to ffmpeg's stdin and lets the broken pipe escape when ffmpeg has just
    /// died (here because <see cref="ToolCancellation"/> killed it first). Escaping from a timeout's timer thread, that
    /// ended the whole process; cancelling must never throw.
    /// </summary>
    [Fact]
    public async Task Cancelling_a_running_ffmpeg_never_throws_from_the_cancellation()
    {
        var folder = Repo.NewTempFolder("media-cancel-quietly");
        try
        {
            var recording = await LongRecordingAsync(folder);
            var input = "file:" + recording;
            for (var i = 0; i < 10; i++)
            {
                using var caller = new CancellationTokenSource();
                using var call = new ToolCancellation(input, caller.Token);
                var run = FFMpegCore.FFMpegArguments
                    .FromFileInput(input, verifyExists: false, o => o.WithCustomArgument("-hide_banner -v error"))
                    .OutputToNull()
                    .CancellableThrough(call.Token, TimeSpan.Zero)
                    .ProcessAsynchronously(throwOnError: false, new FFMpegCore.FFOptions(), CancellationToken.None);
                Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(recording).Any()), "ffmpeg never started");

                caller.Cancel();

                // Killed before FFMpegCore heard of the cancellation, it may report a killed run rather than a cancelled
                // one; the probe and the decoder decide by their own token, never by this flag.
                Assert.False((await run).Success);
                Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(recording).Count == 0), "ffmpeg still runs");
            }
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task Probes_beyond_the_limit_wait_their_turn()
    {
        var folder = Repo.NewTempFolder("media-gate");
        try
        {
            var script = WriteHangingScript(folder);
            using var probe = NewProbe(new MediaOptions
            {
                FfprobePath = script, ProbeTimeout = TimeSpan.FromMilliseconds(400), MaxConcurrentProbes = 1,
            });
            var clock = Stopwatch.StartNew();

            var results = await Task.WhenAll(
                probe.ProbeAsync(corpus[MediaCorpus.M4a], CancellationToken.None),
                probe.ProbeAsync(corpus[MediaCorpus.Mp3], CancellationToken.None));

            // The timeout starts once a probe has its turn, so one at a time takes two timeouts end to end.
            Assert.All(results, r => Assert.Equal(MediaProbeFailure.TimedOut, r.Failure));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(800), $"took only {clock.Elapsed}");
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    [Theory]
    [InlineData("/nonexistent/ffprobe", "Storytelling:Media:FfprobePath")]
    [InlineData("/usr/bin/true", "Storytelling:Media:FfprobePath")]
    public async Task A_setting_that_names_no_usable_ffprobe_is_named(string path, string setting)
    {
        using var probe = NewProbe(new MediaOptions { FfprobePath = path });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => probe.ProbeAsync(corpus[MediaCorpus.M4a], CancellationToken.None));

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public async Task A_missing_ffmpeg_is_named_too()
    {
        var folder = Repo.NewTempFolder("media-no-ffmpeg");
        try
        {
            using var probe = NewProbe(new MediaOptions { FfmpegPath = Path.Combine(folder, "ffmpeg") });

            var error = await Assert.ThrowsAsync<InvalidOperationException>(
                () => probe.ProbeAsync(corpus[MediaCorpus.M4a], CancellationToken.None));

            Assert.Contains("Storytelling:Media:FfmpegPath", error.Message);
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    private static FfprobeMediaProbe NewProbe(MediaOptions? options = null) =>
        new(Options.Create(options ?? new MediaOptions()), TimeProvider.System, NullLogger<FfprobeMediaProbe>.Instance);

    // Stands in for an ffprobe stuck on a pathological file: it answers FFMpegCore's "-version" check as the real one
    // does, then hangs as a wrapper with a child, to prove the whole tree dies. FFMpegCore runs a file named ffprobe.
    internal static string WriteHangingScript(string folder, int childSeconds = 60)
    {
        var script = Path.Combine(folder, "ffprobe");
        File.WriteAllText(script, $"""
            #!/bin/sh
            if [ "$1" = "-version" ]; then echo "ffprobe version stand-in"; exit 0; fi
            echo $$ > '{folder}/wrapper.pid'
            sleep {childSeconds} &
            echo $! > '{folder}/child.pid'
            wait
            """);
        // The suite runs on Linux (infra/test.sh); the guard only tells the analyzer so.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    // Fifty minutes of AAC, made in a second by repeating the corpus file without re-encoding: it takes ffmpeg
    // seconds to decode, so the timeout or the caller catches it at work.
    // 200 minutes of AAC: its full decode must outlast a 700 ms timeout on a quiet machine (50 minutes once did not).
    private async Task<string> LongRecordingAsync(string folder)
    {
        var file = Path.Combine(folder, "long.m4a");
        await Worker.AudioDecoderTests.RunAsync("ffmpeg", "-nostdin", "-v", "error", "-stream_loop", "1499", "-i", corpus[MediaCorpus.M4a], "-c", "copy", "-f", "ipod", file);
        return file;
    }

    private static int ReadPid(string folder, string name) => int.Parse(File.ReadAllText(Path.Combine(folder, name)).Trim());

    private static async Task AssertGoneAsync(int pid) =>
        Assert.True(await ProcessTable.EventuallyAsync(() => !ProcessTable.IsRunning(pid)), $"process {pid} still runs");
}
