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
            await AssertGoneAsync(ReadPid(folder, "child.pid"));
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

    [Fact]
    public async Task Missing_ffprobe_names_the_setting()
    {
        using var probe = NewProbe(new MediaOptions { FfprobePath = "/nonexistent/ffprobe" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => probe.ProbeAsync(corpus[MediaCorpus.M4a], CancellationToken.None));

        Assert.Contains("Storytelling:Media:FfprobePath", error.Message);
    }

    private static FfprobeMediaProbe NewProbe(MediaOptions? options = null) =>
        new(Options.Create(options ?? new MediaOptions()), TimeProvider.System, NullLogger<FfprobeMediaProbe>.Instance);

    // Stands in for an ffprobe stuck on a pathological file: a wrapper with a child, to prove the whole tree dies.
    private static string WriteHangingScript(string folder)
    {
        var script = Path.Combine(folder, "hanging-ffprobe.sh");
        File.WriteAllText(script, $"""
            #!/bin/sh
            echo $$ > '{folder}/wrapper.pid'
            sleep 60 &
            echo $! > '{folder}/child.pid'
            wait
            """);
        // The suite runs on Linux (infra/test.sh); the guard only tells the analyzer so.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private static int ReadPid(string folder, string name) => int.Parse(File.ReadAllText(Path.Combine(folder, name)).Trim());

    private static async Task AssertGoneAsync(int pid)
    {
        // A killed grandchild is re-parented to PID 1, which may reap it late; a zombie runs nothing, so it counts as gone.
        for (var i = 0; i < 50 && IsRunning(pid); i++) await Task.Delay(100);
        Assert.False(IsRunning(pid), $"process {pid} still runs");
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The state follows the parenthesised command name: "1234 (sleep) S ...".
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
