using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using FFMpegCore;
using FFMpegCore.Pipes;
using Microsoft.Extensions.Options;
using Storytelling.Core.Media;
using Storytelling.Core.Storage;
using Storytelling.Core.Transcription;

namespace Storytelling.Worker.Transcription;

/// <summary>A stretch of decoded audio: 16 kHz mono float32, starting at <see cref="StartSample"/> of the recording.</summary>
internal readonly record struct AudioWindow(ReadOnlyMemory<float> Samples, long StartSample)
{
    public long StartMs => StartSample / (AudioDecoder.SampleRate / 1000);
}

/// <summary>The recording could not be decoded; <see cref="Exception.Message"/> is a sentence for a facilitator.</summary>
internal sealed class AudioDecodeException(string message) : Exception(message);

/// <summary>
/// Decodes a recording with ffmpeg, run by FFMpegCore (<c>FFMpegArguments</c> with a pipe sink), to 16 kHz mono
/// float32 and hands it out in windows of at most <see cref="TranscriptionOptions.WindowSeconds"/>, so a 2-hour story
/// needs one window of memory, not 460 MB.
/// A window ends at the quietest 20 ms of its last two seconds, so a cut rarely falls inside a word.
/// </summary>
internal sealed partial class AudioDecoder(IMediaStore store, IOptions<MediaOptions> media, IOptions<TranscriptionOptions> options, ILogger<AudioDecoder> logger)
{
    public const int SampleRate = 16000;
    private const int CutSearchSamples = 2 * SampleRate;
    private const int FrameSamples = SampleRate / 50;
    // About 16 s of decoded audio between ffmpeg and the window being filled.
    private const int BufferBytes = 1024 * 1024;
    private const int ChunkBytes = 64 * 1024;

    // MP4-family files may keep their index at the end, which ffmpeg cannot reach through a pipe: those are read
    // from a file (the store's own, or a temporary copy for remote stores); other formats stream through FFMpegCore's
    // input pipe.
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
        FFOptions ffmpeg;
        try
        {
            ffmpeg = MediaTools.FfmpegOptions(media.Value);
        }
        catch (InvalidOperationException)
        {
            throw new AudioDecodeException(MissingFfmpeg);
        }

        // ffmpeg writes into FFMpegCore's pipe sink, the sink into this bounded buffer, and the windows are read out
        // of it: while the worker transcribes, the buffer fills and ffmpeg waits, so memory stays bounded.
        var samples = new Pipe(new PipeOptions(pauseWriterThreshold: BufferBytes, resumeWriterThreshold: BufferBytes / 2, useSynchronizationContext: false));
        var sink = new StreamPipeSink((stream, token) => FillAsync(stream, samples.Writer, token)) { Format = "f32le" };
        await using var source = inputPath is null ? await store.OpenReadAsync(blobName, 0, null, ct) : null;
        // "file:" keeps a path from being read as an option or a protocol; first audio stream only, video ignored.
        var arguments = source is null
            ? FFMpegArguments.FromFileInput("file:" + inputPath, verifyExists: false, NoStdin)
            : FFMpegArguments.FromPipeInput(new StreamPipeSource(source) { BlockSize = 256 * 1024 }, NoStdin);
        var processor = arguments
            // -flush_packets 0: ffmpeg fills its 32 KB output buffer before writing, rather than one write per frame.
            .OutputToPipe(sink, o => o.WithCustomArgument($"-map 0:a:0 -vn -sn -dn -ac 1 -ar {SampleRate.ToString(CultureInfo.InvariantCulture)} -flush_packets 0"));
        // The pipe FFMpegCore made for this call names this ffmpeg among the worker's children.
        var marker = PipeName().Match(processor.Arguments).Value;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = new ToolCancellation(marker, stop.Token);

        var run = processor
            // No grace after "q": the run token would give ffmpeg 5 s; the decoded audio is not wanted any more.
            .CancellableThrough(call.Token, TimeSpan.Zero)
            .ProcessAsynchronously(throwOnError: false, ffmpeg, CancellationToken.None);
        // However the run ends (also before ffmpeg ever connected to the sink), the reader sees the end of the audio.
        var finished = run.ContinueWith(_ => samples.Writer.Complete(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

        var windowSamples = options.Value.WindowSeconds * SampleRate;
        var buffer = TakeWindowBuffer(windowSamples * sizeof(float));
        var filled = 0;
        long consumedSamples = 0;
        var output = samples.Reader.AsStream();
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
                var count = filled / sizeof(float);
                if (count == 0) break;
                var floats = MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, count * sizeof(float)));
                var cut = eof ? count : QuietestCut(floats);
                yield return new AudioWindow(ToMemory(buffer, cut), consumedSamples);
                consumedSamples += cut;
                var keep = filled - cut * sizeof(float);
                Buffer.BlockCopy(buffer, cut * sizeof(float), buffer, 0, keep);
                filled = keep;
            }
            FFMpegResult result;
            try
            {
                result = await run;
            }
            catch (Exception e) when (MediaTools.IsToolMissing(e))
            {
                throw new AudioDecodeException(MissingFfmpeg);
            }
            ct.ThrowIfCancellationRequested();
            if (result.ExitCode != 0)
            {
                LogDecodeFailed(logger, result.ExitCode);
                throw new AudioDecodeException(DescribeFailure(result.StandardError, inputPath, marker));
            }
            if (consumedSamples == 0) LogNoAudio(logger);
        }
        finally
        {
            // Cancelled, failed, or the caller stopped reading: ffmpeg (and anything it started) goes before we return.
            if (!run.IsCompleted) await stop.CancelAsync();
            await samples.Reader.CompleteAsync();
            await finished;
            Volatile.Write(ref _spareWindow, buffer);
        }
    }

    // The window buffer (19 MB at 300 s) is kept for the next job instead of left to the garbage collector: large
    // arrays wait for a full collection, and a worker with a few of them waiting holds tens of megabytes for nothing.
    private byte[]? _spareWindow;

    private byte[] TakeWindowBuffer(int bytes) =>
        Interlocked.Exchange(ref _spareWindow, null) is { } spare && spare.Length == bytes ? spare : GC.AllocateUninitializedArray<byte>(bytes);

    private static void NoStdin(FFMpegInputOptions o) => o.WithCustomArgument("-hide_banner -v error -nostdin -nostats");

    private static async Task FillAsync(Stream ffmpegOutput, PipeWriter samples, CancellationToken token)
    {
        while (true)
        {
            // ffmpeg writes one frame (tens of milliseconds) at a time; gathering 64 KB before handing it on wakes the
            // reader a few times a second instead of fifty.
            var memory = samples.GetMemory(ChunkBytes);
            var n = await ffmpegOutput.ReadAtLeastAsync(memory[..ChunkBytes], ChunkBytes, throwOnEndOfStream: false, token);
            if (n == 0) return;
            samples.Advance(n);
            // Completed: the reader is gone (the job was cancelled) and ffmpeg is being stopped.
            if ((await samples.FlushAsync(token)).IsCompleted) return;
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

    private const string MissingFfmpeg =
        $"ffmpeg is niet gevonden ({nameof(MediaOptions.FfmpegPath)}); installeer ffmpeg op de computer van het werkproces.";

    private static string DescribeFailure(IReadOnlyList<string> stderr, string? inputPath, string pipeName)
    {
        var line = stderr.Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
        if (inputPath is not null) line = line.Replace("file:" + inputPath, "opname", StringComparison.Ordinal).Replace(inputPath, "opname", StringComparison.Ordinal);
        // FFMpegCore's pipes are sockets in the temp folder: "unix:/tmp/CoreFxPipe_FFMpegCore_…".
        line = PipePath().Replace(line, "opname");
        if (pipeName.Length > 0) line = line.Replace(pipeName, "opname", StringComparison.Ordinal);
        if (line.Length > 200) line = line[..200] + "…";
        return line.Length == 0
            ? "De opname kon niet worden omgezet naar geluid dat Whisper leest (ffmpeg gaf een fout)."
            : $"De opname kon niet worden omgezet naar geluid dat Whisper leest (ffmpeg: {line}).";
    }

    [GeneratedRegex("CoreFxPipe_FFMpegCore_[0-9a-f]+")]
    private static partial Regex PipeName();

    [GeneratedRegex(@"(unix:)?[^\s""']*CoreFxPipe_FFMpegCore_[0-9a-f]+")]
    private static partial Regex PipePath();

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
