// The decoder as it was on main before issue 14 (commit d29945a): ffmpeg started by our own process code, samples
// read from its stdout. Kept only as the reference the media benchmark measures FFMpegCore against.
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Options;
using Storytelling.Core.Media;
using Storytelling.Core.Storage;
using Storytelling.Core.Transcription;

namespace Storytelling.Benchmarks.Baseline;

/// <summary>A stretch of decoded audio: 16 kHz mono float32, starting at <see cref="StartSample"/> of the recording.</summary>
internal readonly record struct AudioWindow(ReadOnlyMemory<float> Samples, long StartSample)
{
    public long StartMs => StartSample / (ProcessAudioDecoder.SampleRate / 1000);
}

/// <summary>The recording could not be decoded; <see cref="Exception.Message"/> is a sentence for a facilitator.</summary>
internal sealed class AudioDecodeException(string message) : Exception(message);

/// <summary>
/// Decodes a recording with ffmpeg to 16 kHz mono float32 and hands it out in windows of at most
/// <see cref="TranscriptionOptions.WindowSeconds"/>, so a 2-hour story needs one window of memory, not 460 MB.
/// A window ends at the quietest 20 ms of its last two seconds, so a cut rarely falls inside a word.
/// </summary>
internal sealed partial class ProcessAudioDecoder(IMediaStore store, IOptions<MediaOptions> media, IOptions<TranscriptionOptions> options, ILogger<ProcessAudioDecoder> logger)
{
    public const int SampleRate = 16000;
    private const int CutSearchSamples = 2 * SampleRate;
    private const int FrameSamples = SampleRate / 50;
    private const int MaxErrorChars = 2048;

    // MP4-family files may keep their index at the end, which ffmpeg cannot reach through a pipe: those are read
    // from a file (the store's own, or a temporary copy for remote stores); other formats stream through stdin.
    private static readonly HashSet<string> NeedsSeeking = new(StringComparer.OrdinalIgnoreCase)
        { "mov,mp4,m4a,3gp,3g2,mj2", "mp4", "m4a", "mov", "3gp", "3g2" };

    public async IAsyncEnumerable<AudioWindow> DecodeAsync(string blobName, string format, [EnumeratorCancellation] CancellationToken ct)
    {
        string? temp = null;
        var input = store.LocalPathOf(blobName);
        if (input is null && NeedsSeeking.Contains(format))
        {
            temp = Path.Combine(Path.GetTempPath(), "storytelling-decode-" + Guid.NewGuid().ToString("N"));
            await using (var source = await store.OpenReadAsync(blobName, 0, null, ct))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 128 * 1024, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(file, ct);
            }
            input = temp;
        }
        try
        {
            await foreach (var window in RunFfmpegAsync(blobName, input, ct)) yield return window;
        }
        finally
        {
            if (temp is not null) File.Delete(temp);
        }
    }

    private async IAsyncEnumerable<AudioWindow> RunFfmpegAsync(string blobName, string? inputPath, [EnumeratorCancellation] CancellationToken ct)
    {
        var start = new ProcessStartInfo(media.Value.FfmpegPath)
        {
            RedirectStandardInput = inputPath is null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // "file:" keeps a path from being read as an option or a protocol; first audio stream only, video ignored.
        foreach (var a in (string[])["-hide_banner", "-nostats", "-loglevel", "error"]) start.ArgumentList.Add(a);
        if (inputPath is not null) start.ArgumentList.Add("-nostdin");
        foreach (var a in (string[])["-i", inputPath is null ? "pipe:0" : "file:" + inputPath, "-map", "0:a:0", "-vn", "-sn", "-dn",
                     "-ac", "1", "-ar", SampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", "f32le", "pipe:1"])
            start.ArgumentList.Add(a);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new AudioDecodeException("ffmpeg kon niet worden gestart.");
        }
        catch (Win32Exception)
        {
            throw new AudioDecodeException($"ffmpeg is niet gevonden ({nameof(MediaOptions.FfmpegPath)}); installeer ffmpeg op de computer van het werkproces.");
        }

        using var _ = process;
        var errors = new StringBuilder();
        var stderr = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int n;
            while ((n = await process.StandardError.ReadAsync(buffer, CancellationToken.None)) > 0)
                if (errors.Length < MaxErrorChars) errors.Append(buffer, 0, Math.Min(n, MaxErrorChars - errors.Length));
        }, CancellationToken.None);
        var stdin = inputPath is null ? FeedAsync(blobName, process, ct) : Task.CompletedTask;

        var windowSamples = options.Value.WindowSeconds * SampleRate;
        var buffer = new byte[windowSamples * sizeof(float)];
        var filled = 0;
        long consumedSamples = 0;
        var output = process.StandardOutput.BaseStream;
        try
        {
            var eof = false;
            while (!eof)
            {
                while (filled < buffer.Length)
                {
                    var n = await output.ReadAsync(buffer.AsMemory(filled), ct);
                    if (n == 0)
                    {
                        eof = true;
                        break;
                    }
                    filled += n;
                }
                var samples = filled / sizeof(float);
                if (samples == 0) break;
                var floats = MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, samples * sizeof(float)));
                var cut = eof ? samples : QuietestCut(floats);
                yield return new AudioWindow(ToMemory(buffer, cut), consumedSamples);
                consumedSamples += cut;
                var keep = filled - cut * sizeof(float);
                Buffer.BlockCopy(buffer, cut * sizeof(float), buffer, 0, keep);
                filled = keep;
            }
            await process.WaitForExitAsync(ct);
            await stderr;
            await stdin;
            if (process.ExitCode != 0)
            {
                LogDecodeFailed(logger, process.ExitCode);
                throw new AudioDecodeException(DescribeFailure(errors.ToString(), inputPath));
            }
            if (consumedSamples == 0) LogNoAudio(logger);
        }
        finally
        {
            if (!process.HasExited)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
        }
    }

    private async Task FeedAsync(string blobName, Process process, CancellationToken ct)
    {
        try
        {
            await using var source = await store.OpenReadAsync(blobName, 0, null, ct);
            await source.CopyToAsync(process.StandardInput.BaseStream, 256 * 1024, ct);
        }
        catch (IOException)
        {
            // ffmpeg stopped reading (it failed or the job was cancelled); its exit code tells the story.
        }
        finally
        {
            try { process.StandardInput.Close(); } catch (IOException) { }
        }
    }

    private static ReadOnlyMemory<float> ToMemory(byte[] buffer, int samples)
    {
        // A byte[] cannot be viewed as Memory<float> without a copy-free manager; the window is transcribed before
        // the buffer is refilled, so a cast manager over the same array is safe.
        return new CastMemoryManager(buffer, samples).Memory;
    }

    /// <summary>Index (in samples) of the start of the quietest 20 ms frame in the window's last two seconds.</summary>
    internal static int QuietestCut(ReadOnlySpan<float> samples)
    {
        var from = Math.Max(0, samples.Length - CutSearchSamples);
        var best = samples.Length;
        var bestEnergy = double.MaxValue;
        for (var f = from; f + FrameSamples <= samples.Length; f += FrameSamples)
        {
            double energy = 0;
            foreach (var s in samples.Slice(f, FrameSamples)) energy += s * s;
            if (energy < bestEnergy)
            {
                bestEnergy = energy;
                best = f + FrameSamples / 2;
            }
        }
        return Math.Max(best, 1);
    }

    private static string DescribeFailure(string stderr, string? inputPath)
    {
        var line = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        if (inputPath is not null) line = line.Replace("file:" + inputPath, "opname", StringComparison.Ordinal).Replace(inputPath, "opname", StringComparison.Ordinal);
        line = line.Replace("pipe:0", "opname", StringComparison.Ordinal);
        if (line.Length > 200) line = line[..200] + "…";
        return line.Length == 0
            ? "De opname kon niet worden omgezet naar geluid dat Whisper leest (ffmpeg gaf een fout)."
            : $"De opname kon niet worden omgezet naar geluid dat Whisper leest (ffmpeg: {line}).";
    }

    private sealed class CastMemoryManager(byte[] buffer, int samples) : System.Buffers.MemoryManager<float>
    {
        public override Span<float> GetSpan() => MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, samples * sizeof(float)));
        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ffmpeg could not decode a recording (exit code {ExitCode})")]
    private static partial void LogDecodeFailed(ILogger logger, int exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "The recording decoded to no audio samples")]
    private static partial void LogNoAudio(ILogger logger);
}
