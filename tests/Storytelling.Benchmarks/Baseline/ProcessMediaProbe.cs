// The probe as it was on main before issue 14 (commit d29945a): ffprobe and ffmpeg started by our own process code,
// ffprobe's JSON parsed by hand. Kept only as the reference the media benchmark measures FFMpegCore against.
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using Storytelling.Core.Media;

namespace Storytelling.Benchmarks.Baseline;

/// <summary>
/// Runs ffprobe to read the container, then ffmpeg to decode the audio to nowhere: a truncated file often has an
/// intact header (WebM, faststart MP4, MP3 with a Xing frame), and only decoding to the end shows the damage.
/// </summary>
internal sealed partial class ProcessMediaProbe(IOptions<MediaOptions> options, TimeProvider time, ILogger<ProcessMediaProbe> logger)
    : IMediaProbe, IDisposable
{
    // ffprobe's JSON for one file is a few kilobytes, ffmpeg's progress a few hundred bytes a second; the cap only
    // guards against a file full of metadata.
    private const int MaxOutputChars = 4 * 1024 * 1024;
    // Any error text means failure; the rest is not needed and would name the file, so it is never kept or logged.
    private const int MaxErrorChars = 4 * 1024;

    private readonly MediaOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(options.Value.MaxConcurrentProbes, options.Value.MaxConcurrentProbes);

    public async Task<MediaProbeResult> ProbeAsync(string filePath, CancellationToken cancellationToken)
    {
        var file = new FileInfo(filePath);
        if (!file.Exists) throw new FileNotFoundException("The file to probe does not exist.");
        if (file.Length == 0) return Rejected(MediaProbeFailure.Empty);

        // "file:" keeps a name such as "-i" or "http:x" from being read as an option or a protocol.
        var input = "file:" + file.FullName;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var timeout = new CancellationTokenSource(_options.ProbeTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                return await ProbeCoreAsync(file, input, linked.Token);
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

    private async Task<MediaProbeResult> ProbeCoreAsync(FileInfo file, string input, CancellationToken cancellationToken)
    {
        var probe = await RunAsync(
            _options.FfprobePath, nameof(MediaOptions.FfprobePath),
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", input],
            MaxOutputChars, cancellationToken);
        if (probe.ExitCode != 0) return await DamagedOrNotMediaAsync(file, cancellationToken);

        FfprobeOutput output;
        try
        {
            output = FfprobeOutput.Parse(probe.StandardOutput);
        }
        catch (JsonException)
        {
            return await DamagedOrNotMediaAsync(file, cancellationToken);
        }

        var result = output.ToResult();
        if (result.Failure == MediaProbeFailure.NoAudio) return Rejected(result.Failure);
        // Unreadable here means "length unknown": a browser's MediaRecorder writes WebM without a duration, since it
        // cannot seek back. Such a file is judged by decoding alone, and its length is how far it decoded.
        var lengthUnknown = result.Failure == MediaProbeFailure.Unreadable;

        // -xerror stops at the first broken packet, so a damaged file costs no more than a good one. -progress
        // reports how far decoding got: a file cut at a frame boundary decodes cleanly but ends early.
        var decode = await RunAsync(
            _options.FfmpegPath, nameof(MediaOptions.FfmpegPath),
            ["-nostdin", "-v", "error", "-nostats", "-xerror", "-progress", "pipe:1",
             "-i", input, "-map", "0:a:0", "-f", "null", "-"],
            MaxOutputChars, cancellationToken);
        var decodedMs = DecodedMs(decode.StandardOutput);
        if (decode.ExitCode != 0 || !string.IsNullOrWhiteSpace(decode.StandardError))
        {
            return await DamagedOrNotMediaAsync(file, cancellationToken);
        }
        if (lengthUnknown)
        {
            if (decodedMs is not > 0) return await DamagedOrNotMediaAsync(file, cancellationToken);
            result = output.ToResult(decodedMs);
        }
        else
        {
            var expectedMs = output.AudioDurationSeconds is { } audioSeconds ? (long)Math.Round(audioSeconds * 1000) : result.DurationMs;
            if (EndsEarly(decodedMs, expectedMs)) return await DamagedOrNotMediaAsync(file, cancellationToken);
        }

        LogAccepted(logger, result.FormatName, result.MediaType, result.AudioCodec, result.DurationMs);
        return result;
    }

    // Encoders pad and round; a real recording decodes to within a fraction of a second of what it declares.
    internal static bool EndsEarly(long? decodedMs, long expectedMs) =>
        decodedMs is not { } decoded || decoded < expectedMs - Math.Max(1000, expectedMs / 50);

    // The last "out_time_us=" line of ffmpeg's -progress output; "N/A" when nothing was decoded.
    internal static long? DecodedMs(string progress)
    {
        long? last = null;
        foreach (var line in progress.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("out_time_us=", StringComparison.Ordinal)
                && long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var us))
            {
                last = us / 1000;
            }
        }
        return last;
    }

    // ffmpeg guesses generously (an ELF binary named .mp3 "is" MPEG layer 1 audio), so when the tools fail the
    // file's own first bytes decide between a damaged recording and something that never was one.
    private async Task<MediaProbeResult> DamagedOrNotMediaAsync(FileInfo file, CancellationToken cancellationToken)
    {
        var head = new byte[12];
        int read;
        await using (var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true))
        {
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }
        // MediaSignature is internal to Core; the benchmark probes only good recordings, so this is never reached.
        return Rejected(read > 0 ? MediaProbeFailure.Unreadable : MediaProbeFailure.NotMedia);
    }

    private MediaProbeResult Rejected(MediaProbeFailure failure)
    {
        LogRejected(logger, failure);
        return MediaProbeResult.Failed(failure);
    }

    private static async Task<ToolOutput> RunAsync(
        string tool, string setting, IReadOnlyList<string> arguments, int maxOutputChars, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Setting {MediaOptions.Section}:{setting} is '{tool}', which cannot be started; install ffmpeg or point the setting at it.", e);
        }

        // Both pipes are drained from the start so a chatty tool never blocks on a full pipe.
        var stdout = ReadCappedAsync(process.StandardOutput, maxOutputChars);
        var stderr = ReadCappedAsync(process.StandardError, MaxErrorChars);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The whole tree: a wrapper script must not leave its ffprobe running after we have given up on it.
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the timeout and the kill.
            }
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }
        return new ToolOutput(process.ExitCode, await stdout, await stderr);
    }

    private static async Task<string> ReadCappedAsync(StreamReader reader, int maxChars)
    {
        var text = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            if (text.Length < maxChars) text.Append(buffer, 0, Math.Min(read, maxChars - text.Length));
        }
        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Media probe accepted {FormatName} {MediaType} with {AudioCodec}, {DurationMs} ms")]
    private static partial void LogAccepted(ILogger logger, string formatName, string mediaType, string audioCodec, long durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Media probe rejected a file: {Failure}")]
    private static partial void LogRejected(ILogger logger, MediaProbeFailure failure);

    private sealed record ToolOutput(int ExitCode, string StandardOutput, string StandardError);
}
