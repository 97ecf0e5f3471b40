using System.Globalization;
using System.Text.Json;
using FFMpegCore;
using FFMpegCore.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Storytelling.Core.Media;

/// <summary>
/// Reads the container with FFMpegCore's <c>FFProbe.AnalyseAsync</c>, then has ffmpeg (through
/// <c>FFMpegArguments</c>) decode the audio to nowhere: a truncated file often has an intact header (WebM, faststart
/// MP4, MP3 with a Xing frame), and only decoding to the end shows the damage.
/// </summary>
public sealed partial class FfprobeMediaProbe(IOptions<MediaOptions> options, TimeProvider time, ILogger<FfprobeMediaProbe> logger)
    : IMediaProbe, IDisposable
{
    private readonly MediaOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(options.Value.MaxConcurrentProbes, options.Value.MaxConcurrentProbes);

    public async Task<MediaProbeResult> ProbeAsync(string filePath, CancellationToken cancellationToken)
    {
        var file = new FileInfo(filePath);
        if (!file.Exists) throw new FileNotFoundException("The file to probe does not exist.");
        if (file.Length == 0) return Rejected(MediaProbeFailure.Empty);
        // Both throw, naming the setting, when it names no usable tool.
        var ffprobe = MediaTools.FfprobeOptions(_options);
        var ffmpeg = MediaTools.FfmpegOptions(_options);

        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var timeout = new CancellationTokenSource(_options.ProbeTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                var result = await ProbeCoreAsync(file, ffprobe, ffmpeg, linked.Token);
                // A tool killed by the timeout fails like a broken file; the timeout is the reason.
                linked.Token.ThrowIfCancellationRequested();
                return result;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return Rejected(MediaProbeFailure.TimedOut);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<MediaProbeResult> ProbeCoreAsync(FileInfo file, FFOptions ffprobe, FFOptions ffmpeg, CancellationToken cancellationToken)
    {
        IMediaAnalysis analysis;
        // FFMpegCore quotes the path and checks that it exists, so it cannot take ffmpeg's "file:" prefix; the path is
        // absolute (it starts with '/'), so it is never read as an option.
        using (var call = new ToolCancellation(file.FullName, cancellationToken))
        {
            try
            {
                analysis = await FFProbe.AnalyseAsync(file.FullName, ffprobe, cancellationToken: call.Token);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                // Killed by the timeout or the caller: ffprobe's exit is not the file's fault.
                throw new OperationCanceledException(cancellationToken);
            }
            catch (Exception e) when (MediaTools.IsToolMissing(e))
            {
                throw new InvalidOperationException(MediaTools.CannotStart(nameof(MediaOptions.FfprobePath), _options.FfprobePath), e);
            }
            catch (Exception e) when (e is FFProbeProcessException or FormatNullException or JsonException)
            {
                return await DamagedOrNotMediaAsync(file, cancellationToken);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();

        var result = MediaClassification.ToResult(analysis);
        if (result.Failure == MediaProbeFailure.NoAudio) return Rejected(result.Failure);
        // Unreadable here means "length unknown": a browser's MediaRecorder writes WebM without a duration, since it
        // cannot seek back. Such a file is judged by decoding alone, and its length is how far it decoded.
        var lengthUnknown = result.Failure == MediaProbeFailure.Unreadable;

        var (decodeSucceeded, decodedMs) = await DecodeToNowhereAsync(file, ffmpeg, cancellationToken);
        if (!decodeSucceeded) return await DamagedOrNotMediaAsync(file, cancellationToken);
        if (lengthUnknown)
        {
            if (decodedMs is not > 0) return await DamagedOrNotMediaAsync(file, cancellationToken);
            result = MediaClassification.ToResult(analysis, decodedMs);
        }
        else if (EndsEarly(decodedMs, MediaClassification.AudioDurationMs(analysis) ?? result.DurationMs))
        {
            return await DamagedOrNotMediaAsync(file, cancellationToken);
        }

        LogAccepted(logger, result.FormatName, result.MediaType, result.AudioCodec, result.DurationMs);
        return result;
    }

    // -xerror stops at the first broken packet, so a damaged file costs no more than a good one. -progress reports how
    // far decoding got: a file cut at a frame boundary decodes cleanly but ends early. Any error text means failure.
    private async Task<(bool Succeeded, long? DecodedMs)> DecodeToNowhereAsync(FileInfo file, FFOptions ffmpeg, CancellationToken cancellationToken)
    {
        long? decodedMs = null;
        var input = "file:" + file.FullName;
        using var call = new ToolCancellation(input, cancellationToken);
        try
        {
            var result = await FFMpegArguments
                .FromFileInput(input, verifyExists: false, o => o.WithCustomArgument("-hide_banner -v error -nostdin -nostats -xerror -progress pipe:1"))
                .OutputToNull(o => o.WithCustomArgument("-map 0:a:0"))
                .NotifyOnStandardOutput(line => decodedMs = ProgressMs(line) ?? decodedMs)
                // Cancelled through this token with no grace: the run token would give ffmpeg 5 s to stop after "q".
                .CancellableThrough(call.Token, TimeSpan.Zero)
                .ProcessAsynchronously(throwOnError: false, ffmpeg, CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return (result.ExitCode == 0 && result.StandardError.All(string.IsNullOrWhiteSpace), decodedMs);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (Exception e) when (MediaTools.IsToolMissing(e))
        {
            throw new InvalidOperationException(MediaTools.CannotStart(nameof(MediaOptions.FfmpegPath), _options.FfmpegPath), e);
        }
    }

    // Encoders pad and round; a real recording decodes to within a fraction of a second of what it declares.
    internal static bool EndsEarly(long? decodedMs, long expectedMs) =>
        decodedMs is not { } decoded || decoded < expectedMs - Math.Max(1000, expectedMs / 50);

    // One line of ffmpeg's -progress output: "out_time_us=2353152" is how far it decoded; "N/A" before the first frame.
    internal static long? ProgressMs(string line) =>
        line.StartsWith("out_time_us=", StringComparison.Ordinal)
        && long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var us)
            ? us / 1000
            : null;

    // ffmpeg guesses generously (an ELF binary named .mp3 "is" MPEG layer 1 audio), so when the tools fail the
    // file's own first bytes decide between a damaged recording and something that never was one.
    private async Task<MediaProbeResult> DamagedOrNotMediaAsync(FileInfo file, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var head = new byte[MediaSignature.Length];
        int read;
        await using (var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true))
        {
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }
        return Rejected(MediaSignature.LooksLikeMedia(head.AsSpan(0, read))
            ? MediaProbeFailure.Unreadable
            : MediaProbeFailure.NotMedia);
    }

    private MediaProbeResult Rejected(MediaProbeFailure failure)
    {
        LogRejected(logger, failure);
        return MediaProbeResult.Failed(failure);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Media probe accepted {FormatName} {MediaType} with {AudioCodec}, {DurationMs} ms")]
    private static partial void LogAccepted(ILogger logger, string formatName, string mediaType, string audioCodec, long durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Media probe rejected a file: {Failure}")]
    private static partial void LogRejected(ILogger logger, MediaProbeFailure failure);
}
