extern alias worker;
using System.Diagnostics;
using Storytelling.Core.Storage;
using Storytelling.Tests.Infrastructure;
using worker::Storytelling.Worker.Transcription;

namespace Storytelling.Tests.Worker;

[Collection(MediaCorpusCollection.Name)]
public sealed class AudioDecoderTests(MediaCorpus corpus)
{
    private static async Task<List<(long Start, int Length)>> DecodeAsync(WorkerHarness h, string file, string format)
    {
        StoredMedia stored;
        await using (var source = File.OpenRead(file))
            stored = await h.Get<IMediaStore>().SaveAsync(source, "application/octet-stream", CancellationToken.None);
        var windows = new List<(long, int)>();
        await foreach (var w in h.Get<AudioDecoder>().DecodeAsync(stored.BlobName, format, CancellationToken.None))
        {
            Assert.All(w.Samples.ToArray(), s => Assert.InRange(s, -1.01f, 1.01f));
            windows.Add((w.StartSample, w.Samples.Length));
        }
        return windows;
    }

    [Theory]
    [InlineData(MediaCorpus.Wav, "wav")]
    [InlineData(MediaCorpus.M4a, "mov,mp4,m4a,3gp,3g2,mj2")]
    [InlineData(MediaCorpus.M4aFaststart, "mov,mp4,m4a,3gp,3g2,mj2")]
    [InlineData(MediaCorpus.WebmOpus, "matroska,webm")]
    [InlineData(MediaCorpus.BrowserWebm, "matroska,webm")]
    [InlineData(MediaCorpus.OggVorbis, "ogg")]
    [InlineData(MediaCorpus.WhatsAppOpus, "ogg")]
    [InlineData(MediaCorpus.Mp3, "mp3")]
    [InlineData(MediaCorpus.ThreeGp, "mov,mp4,m4a,3gp,3g2,mj2")]
    [InlineData(MediaCorpus.VideoMp4, "mov,mp4,m4a,3gp,3g2,mj2")]
    public async Task Every_format_a_phone_sends_decodes_to_16_kHz_mono_of_the_right_length(string name, string format)
    {
        await using var h = await WorkerHarness.StartAsync();
        var windows = await DecodeAsync(h, corpus[name], format);
        var window = Assert.Single(windows);
        Assert.Equal(0, window.Start);
        // 8 s of audio; encoders add or trim a few tens of milliseconds of padding.
        Assert.InRange(window.Length, 16000 * 8 - 1600, 16000 * 8 + 1600);
    }

    [Fact]
    public async Task A_long_recording_comes_in_contiguous_bounded_windows_cut_in_the_quiet()
    {
        await using var h = await WorkerHarness.StartAsync(settings: new Dictionary<string, string> { ["Storytelling__Transcription__WindowSeconds"] = "30" });
        var longFile = Path.Combine(Path.GetTempPath(), "decoder-long-" + Guid.NewGuid().ToString("N") + ".webm");
        try
        {
            // 10 × 8 s = 80 s of speech with pauses, as Opus in WebM (streamed through ffmpeg's stdin).
            await RunAsync("ffmpeg", "-nostdin", "-v", "error", "-stream_loop", "9", "-i", corpus[MediaCorpus.Wav], "-c:a", "libopus", "-f", "webm", longFile);
            var windows = await DecodeAsync(h, longFile, "matroska,webm");
            Assert.Equal(3, windows.Count);
            Assert.All(windows, w => Assert.True(w.Length <= 30 * 16000));
            Assert.All(windows.SkipLast(1), w => Assert.True(w.Length >= 28 * 16000));
            for (var i = 1; i < windows.Count; i++) Assert.Equal(windows[i - 1].Start + windows[i - 1].Length, windows[i].Start);
            Assert.InRange(windows.Sum(w => (long)w.Length), 80 * 16000 - 3200, 80 * 16000 + 3200);
        }
        finally
        {
            File.Delete(longFile);
        }
    }

    [Theory]
    [InlineData(MediaCorpus.Text)]
    [InlineData(MediaCorpus.Zeros)]
    [InlineData(MediaCorpus.Html)]
    [InlineData(MediaCorpus.VideoOnlyMp4)]
    public async Task What_ffmpeg_cannot_read_fails_with_a_sentence_that_names_no_path(string name)
    {
        await using var h = await WorkerHarness.StartAsync();
        var e = await Assert.ThrowsAsync<AudioDecodeException>(() => DecodeAsync(h, corpus[name], "mp4"));
        Assert.StartsWith("De opname kon niet worden omgezet", e.Message);
        Assert.DoesNotContain(h.MediaRoot, e.Message);
        Assert.DoesNotContain("/", e.Message.Replace("f32le", "", StringComparison.Ordinal).Split('(')[0]);
    }

    [Fact]
    public async Task A_job_cancelled_mid_decode_leaves_no_ffmpeg_running_and_no_pipe_behind()
    {
        await using var h = await WorkerHarness.StartAsync(settings: new Dictionary<string, string> { ["Storytelling__Transcription__WindowSeconds"] = "30" });
        var pipesBefore = FFMpegCorePipes();
        var blob = await StoreLongRecordingAsync(h);
        using var cancel = new CancellationTokenSource();

        var windows = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in h.Get<AudioDecoder>().DecodeAsync(blob, "matroska,webm", cancel.Token))
            {
                // ffmpeg is still at work: 80 s of audio do not fit in the window and the buffer behind it.
                Assert.NotEmpty(ProcessTable.Naming(h.MediaRoot));
                windows++;
                await cancel.CancelAsync();
            }
        });

        Assert.Equal(1, windows);
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(h.MediaRoot).Count == 0), "ffmpeg still runs");
        Assert.True(await ProcessTable.EventuallyAsync(() => !FFMpegCorePipes().Except(pipesBefore).Any()), "a pipe socket was left in the temp folder");
    }

    [Fact]
    public async Task A_reader_that_stops_after_one_window_leaves_no_ffmpeg_running()
    {
        await using var h = await WorkerHarness.StartAsync(settings: new Dictionary<string, string> { ["Storytelling__Transcription__WindowSeconds"] = "30" });
        var blob = await StoreLongRecordingAsync(h);

        await foreach (var window in h.Get<AudioDecoder>().DecodeAsync(blob, "matroska,webm", CancellationToken.None))
        {
            Assert.Equal(0, window.StartSample);
            break;
        }

        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Naming(h.MediaRoot).Count == 0), "ffmpeg still runs");
    }

    [Fact]
    public async Task A_refused_recording_leaves_no_ffmpeg_and_no_pipe_behind()
    {
        await using var h = await WorkerHarness.StartAsync();
        var pipesBefore = FFMpegCorePipes();

        await Assert.ThrowsAsync<AudioDecodeException>(() => DecodeAsync(h, corpus[MediaCorpus.Text], "mp4"));

        Assert.Empty(ProcessTable.Naming(h.MediaRoot));
        Assert.True(await ProcessTable.EventuallyAsync(() => !FFMpegCorePipes().Except(pipesBefore).Any()), "a pipe socket was left in the temp folder");
    }

    [Fact]
    public async Task Without_ffmpeg_the_sentence_names_the_setting()
    {
        var folder = Repo.NewTempFolder("decoder-no-ffmpeg");
        try
        {
            await using var h = await WorkerHarness.StartAsync(settings: new Dictionary<string, string> { ["Storytelling__Media__FfmpegPath"] = Path.Combine(folder, "ffmpeg") });
            var e = await Assert.ThrowsAsync<AudioDecodeException>(() => DecodeAsync(h, corpus[MediaCorpus.Wav], "wav"));
            Assert.Contains("FfmpegPath", e.Message);
            Assert.DoesNotContain(folder, e.Message);
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }

    // 10 × 8 s = 80 s of speech with pauses, as Opus in WebM, stored on the harness's disk store.
    private async Task<string> StoreLongRecordingAsync(WorkerHarness h)
    {
        var longFile = Path.Combine(Path.GetTempPath(), "decoder-long-" + Guid.NewGuid().ToString("N") + ".webm");
        try
        {
            await RunAsync("ffmpeg", "-nostdin", "-v", "error", "-stream_loop", "9", "-i", corpus[MediaCorpus.Wav], "-c:a", "libopus", "-f", "webm", longFile);
            await using var source = File.OpenRead(longFile);
            return (await h.Get<IMediaStore>().SaveAsync(source, "application/octet-stream", CancellationToken.None)).BlobName;
        }
        finally
        {
            File.Delete(longFile);
        }
    }

    private static string[] FFMpegCorePipes() => Directory.GetFiles(Path.GetTempPath(), "CoreFxPipe_FFMpegCore_*");

    [Fact]
    public void The_cut_falls_in_the_quietest_stretch_of_the_last_two_seconds()
    {
        var random = new Random(7);
        var samples = Enumerable.Range(0, 10 * 16000).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        Array.Clear(samples, 9 * 16000, 1600); // 100 ms of silence at 9.0 s
        var cut = AudioDecoder.QuietestCut(samples);
        Assert.InRange(cut, 9 * 16000, 9 * 16000 + 1600);
    }

    internal static async Task RunAsync(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {err}");
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class AzureAudioDecoderTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task From_Azure_an_m4a_goes_through_a_temporary_copy_and_a_webm_streams_and_nothing_is_left_behind()
    {
        await using var h = await WorkerHarness.StartAsync(settings: new Dictionary<string, string>
        {
            ["Storytelling__Storage__Provider"] = "AzureBlob",
            ["Storytelling__Storage__AzureBlobStore__ConnectionString"] = azurite.ConnectionString,
            ["Storytelling__Storage__AzureBlobStore__ContainerName"] = "decoder-test",
        });
        var folder = Repo.NewTempFolder("decoder-azure");
        try
        {
            var wav = Path.Combine(folder, "s.wav");
            await AudioDecoderTests.RunAsync("espeak-ng", "-v", "nl", "-w", wav, "Op zaterdag haalde iedereen daar brood.");
            await AudioDecoderTests.RunAsync("ffmpeg", "-nostdin", "-v", "error", "-i", wav, "-af", "apad", "-t", "5", "-c:a", "aac", "-f", "ipod", Path.Combine(folder, "s.m4a"));
            await AudioDecoderTests.RunAsync("ffmpeg", "-nostdin", "-v", "error", "-i", wav, "-af", "apad", "-t", "5", "-c:a", "libopus", "-f", "webm", Path.Combine(folder, "s.webm"));
            var before = Directory.GetFiles(Path.GetTempPath(), "storytelling-decode-*").Length;
            foreach (var (file, format) in new[] { ("s.m4a", "mov,mp4,m4a,3gp,3g2,mj2"), ("s.webm", "matroska,webm") })
            {
                StoredMedia stored;
                await using (var source = File.OpenRead(Path.Combine(folder, file)))
                    stored = await h.Get<IMediaStore>().SaveAsync(source, "application/octet-stream", CancellationToken.None);
                Assert.Null(h.Get<IMediaStore>().LocalPathOf(stored.BlobName));
                long total = 0;
                await foreach (var w in h.Get<AudioDecoder>().DecodeAsync(stored.BlobName, format, CancellationToken.None)) total += w.Samples.Length;
                Assert.InRange(total, 16000 * 5 - 1600, 16000 * 5 + 1600);
            }
            Assert.Equal(before, Directory.GetFiles(Path.GetTempPath(), "storytelling-decode-*").Length);
        }
        finally
        {
            Repo.DeleteFolder(folder);
        }
    }
}
