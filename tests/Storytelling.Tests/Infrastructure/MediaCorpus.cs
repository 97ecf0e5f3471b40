using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Storytelling.Tests.Infrastructure;

/// <summary>
/// Recordings good and bad, generated at test time with espeak-ng and ffmpeg into a temp folder and deleted
/// afterwards, so no binary test data lives in the repository. Names carry a misleading extension on purpose
/// where that is the point (text.m4a, elf.mp3): the probe must judge by content.
/// </summary>
public sealed class MediaCorpus : IAsyncLifetime
{
    /// <summary>Every speech file is padded to exactly this length, so durations are known by construction.</summary>
    public const long SpeechMs = 8000;
    public const long SilenceMs = 30000;

    // Good: each must be accepted.
    public const string Wav = "speech.wav";
    public const string M4a = "speech.m4a";
    public const string M4aFaststart = "speech-faststart.m4a";
    public const string WebmOpus = "speech.webm";
    public const string OggVorbis = "speech.ogg";
    public const string WhatsAppOpus = "whatsapp-voice.ogg";
    public const string Mp3 = "speech.mp3";
    public const string Mp3WithCoverArt = "cover-art.mp3";
    public const string ThreeGp = "speech.3gp";
    public const string VideoMp4 = "video.mp4";
    public const string VideoWebm = "video.webm";
    public const string LongSilence = "silence.m4a";
    public const string Mp3NamedM4a = "mp3-content.m4a";

    // Bad: each must be rejected with one exact reason.
    public const string Empty = "empty.m4a";
    public const string Text = "text.m4a";
    public const string Zip = "archive.m4a";
    public const string RandomBytes = "random.mp3";
    public const string Html = "page.webm";
    public const string Json = "json.m4a";
    public const string Pdf = "pdf.m4a";
    public const string Zeros = "zeros.m4a";
    public const string Elf = "elf.mp3";
    public const string Image = "image.m4a";
    public const string VideoOnlyMp4 = "video-only.mp4";
    public const string VideoOnlyWebm = "video-only.webm";
    public const string TruncatedM4a = "truncated.m4a";
    public const string TruncatedFaststartM4a = "truncated-faststart.m4a";
    public const string TruncatedMp3 = "truncated.mp3";
    public const string TruncatedMp3Partial = "truncated-30.mp3";
    public const string TruncatedWebm = "truncated.webm";
    public const string WavHeaderOnly = "header-only.wav";

    private const string Story =
        "Vroeger stond hier een bakker op de hoek. Op zaterdag haalde iedereen daar brood.";

    public string Folder { get; private set; } = "";

    /// <summary>The full path of a corpus file by its name (one of the constants above).</summary>
    public string this[string name] => Path.Combine(Folder, name);

    public async Task InitializeAsync()
    {
        Folder = Repo.NewTempFolder("media-corpus");
        var raw = this["raw.wav"];
        await RunAsync("espeak-ng", "-v", "nl", "-w", raw, Story);
        // Pad the speech with silence to a fixed length; espeak's own length varies with its version.
        await FfmpegAsync("-i", raw, "-af", "apad", "-t", "8", "-c:a", "pcm_s16le", "-f", "wav", this[Wav]);
        File.Delete(raw);

        await FfmpegAsync("-i", this[Wav], "-c:a", "aac", "-f", "ipod", this[M4a]);
        await FfmpegAsync("-i", this[Wav], "-c:a", "aac", "-movflags", "+faststart", "-f", "ipod", this[M4aFaststart]);
        await FfmpegAsync("-i", this[Wav], "-c:a", "libopus", "-f", "webm", this[WebmOpus]);
        await FfmpegAsync("-i", this[Wav], "-c:a", "libvorbis", "-f", "ogg", this[OggVorbis]);
        // WhatsApp voice notes: mono Opus at 48 kHz and a low bit rate in an Ogg container.
        await FfmpegAsync("-i", this[Wav], "-c:a", "libopus", "-ar", "48000", "-ac", "1", "-b:a", "16k", "-f", "ogg", this[WhatsAppOpus]);
        await FfmpegAsync("-i", this[Wav], "-c:a", "libmp3lame", "-f", "mp3", this[Mp3]);
        // Debian's ffmpeg has no AMR encoder (libopencore_amrnb is decode-only there), so phones' 3GP gets AAC.
        await FfmpegAsync("-i", this[Wav], "-ar", "8000", "-ac", "1", "-c:a", "aac", "-f", "3gp", this[ThreeGp]);
        await FfmpegAsync("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "30", "-c:a", "aac", "-f", "ipod", this[LongSilence]);
        await FfmpegAsync("-i", this[Wav], "-c:a", "libmp3lame", "-f", "mp3", this[Mp3NamedM4a]);

        var png = this["image.png"];
        await FfmpegAsync("-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", "-f", "image2", png);
        await FfmpegAsync("-i", this[Wav], "-i", png, "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "png",
            "-disposition:v", "attached_pic", "-id3v2_version", "3", "-f", "mp3", this[Mp3WithCoverArt]);
        File.Move(png, this[Image]);

        await FfmpegAsync("-f", "lavfi", "-i", "color=c=blue:s=160x120:r=25", "-i", this[Wav], "-t", "8",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mp4", this[VideoMp4]);
        await FfmpegAsync("-f", "lavfi", "-i", "color=c=blue:s=160x120:r=25", "-i", this[Wav], "-t", "8",
            "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", "-f", "webm", this[VideoWebm]);
        await FfmpegAsync("-f", "lavfi", "-i", "color=c=green:s=160x120:r=25", "-t", "2",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4", this[VideoOnlyMp4]);
        await FfmpegAsync("-f", "lavfi", "-i", "color=c=green:s=160x120:r=25", "-t", "2",
            "-c:v", "libvpx", "-deadline", "realtime", "-f", "webm", this[VideoOnlyWebm]);

        await File.WriteAllBytesAsync(this[Empty], []);
        await File.WriteAllTextAsync(this[Text], "Dit is geen opname maar een tekstbestand.\n");
        using (var zip = ZipFile.Open(this[Zip], ZipArchiveMode.Create))
        {
            await using var entry = zip.CreateEntry("verhaal.txt").Open();
            await entry.WriteAsync(Encoding.UTF8.GetBytes("Een verhaal in een zip."));
        }
        var random = new byte[64 * 1024];
        new Random(20250611).NextBytes(random);
        await File.WriteAllBytesAsync(this[RandomBytes], random);
        await File.WriteAllTextAsync(this[Html],
            "<!DOCTYPE html><html><head><title>Sessie verlopen</title></head><body><p>Log opnieuw in.</p></body></html>\n");
        await File.WriteAllTextAsync(this[Json], "{\"story\":\"niet echt\",\"durationMs\":8000}\n");
        await File.WriteAllTextAsync(this[Pdf],
            "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        await File.WriteAllBytesAsync(this[Zeros], new byte[1024 * 1024]);
        File.Copy("/bin/true", this[Elf]);

        // ffmpeg writes the moov atom last unless told otherwise, so the first 30% of speech.m4a has no index at
        // all; the faststart copy keeps its index and loses its audio instead. Both must count as damaged.
        await TruncateAsync(M4a, TruncatedM4a, fraction: 0.3);
        await TruncateAsync(M4aFaststart, TruncatedFaststartM4a, fraction: 0.3);
        await TruncateAsync(Mp3, TruncatedMp3, bytes: 200);
        await TruncateAsync(Mp3, TruncatedMp3Partial, fraction: 0.3);
        await TruncateAsync(WebmOpus, TruncatedWebm, fraction: 0.3);
        await TruncateAsync(Wav, WavHeaderOnly, bytes: 44);
    }

    public Task DisposeAsync()
    {
        Repo.DeleteFolder(Folder);
        return Task.CompletedTask;
    }

    private async Task TruncateAsync(string source, string target, double fraction = 0, int bytes = 0)
    {
        var all = await File.ReadAllBytesAsync(this[source]);
        var keep = bytes > 0 ? bytes : (int)(all.Length * fraction);
        await File.WriteAllBytesAsync(this[target], all.AsSpan(0, keep).ToArray());
    }

    private static Task FfmpegAsync(params string[] arguments) =>
        RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-y", .. arguments]);

    private static async Task RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not on PATH; infra/test.sh installs ffmpeg and espeak-ng.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            await stdout;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {await stderr}");
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MediaCorpusCollection : ICollectionFixture<MediaCorpus>
{
    public const string Name = "media corpus";
}
