using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Storytelling.Core.Analysis;
using Storytelling.Core.Media;
using Storytelling.Core.Storage;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>
/// Makes a silenced copy of a recording with ffmpeg: the audio track only, with ffmpeg's volume filter at 0 inside each
/// span, encoded as AAC in MP4 (one fixed format every browser and phone plays, seekable by byte ranges thanks to
/// faststart), and stores it in the media store. One per recording at a time, and at most
/// <see cref="SilencedAudioOptions.MaxConcurrentRenders"/> in all; a render past its timeout is killed with its tree.
/// </summary>
public sealed partial class RenditionRenderer(IMediaStore store, IOptions<MediaOptions> media, IOptions<SilencedAudioOptions> options,
    TimeProvider time, IHostApplicationLifetime lifetime, ILogger<RenditionRenderer> logger) : IDisposable
{
    public const string MediaType = "audio/mp4";
    /// <summary>Part of every rendition's key: changing the encoding makes every rendition again.</summary>
    public const string Format = "aac-128k-mp4-v1";

    /// <summary>
    /// ffmpeg's volume filter is switched per frame, by the frame's start time. Frames are cut to 256 samples, and a
    /// span starts that much earlier (256 samples at 8 kHz, the lowest rate we accept), so a frame that begins just
    /// before a name and runs into it is silenced too.
    /// </summary>
    private const int FrameSamples = 256;
    private const double FrameSeconds = FrameSamples / 8000.0;

    private readonly SemaphoreSlim _gate = new(options.Value.MaxConcurrentRenders, options.Value.MaxConcurrentRenders);
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _perRecording = new();

    /// <summary>Holds the recording's lock until disposed, so one copy is made while other listeners wait for it.</summary>
    public async Task<IDisposable> LockAsync(Guid recordingId, CancellationToken ct)
    {
        var gate = _perRecording.GetOrAdd(recordingId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    /// <summary>
    /// Only the wait for a free slot follows <paramref name="waiting"/>: once started, a copy is finished (within the
    /// timeout) even when the listener who asked went away, since a browser cancels audio requests whenever it seeks.
    /// </summary>
    public async Task<StoredMedia> RenderAsync(string blobName, IReadOnlyList<AudioSpan> spans, CancellationToken waiting)
    {
        BlobNames.EnsureValid(blobName);
        await _gate.WaitAsync(waiting);
        var ct = lifetime.ApplicationStopping;
        DirectoryInfo? folder = null;
        try
        {
            folder = Directory.CreateTempSubdirectory("storytelling-render-");
            var input = store.LocalPathOf(blobName);
            if (input is null)
            {
                // A remote store: ffmpeg needs to seek (an MP4 may keep its index at the end), so the original comes down first.
                input = Path.Combine(folder.FullName, "original");
                await using var source = await store.OpenReadAsync(blobName, 0, null, ct);
                await using var target = File.Create(input);
                await source.CopyToAsync(target, ct);
            }
            var script = Path.Combine(folder.FullName, "filter.txt");
            await File.WriteAllTextAsync(script, FilterOf(spans), ct);
            var output = Path.Combine(folder.FullName, "silenced.m4a");
            using (var timeout = new CancellationTokenSource(options.Value.RenderTimeout, time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
            {
                var exit = await RunAsync(["-nostdin", "-v", "error", "-y", "-i", input, "-map", "0:a:0", "-vn", "-sn", "-dn",
                    "-map_metadata", "-1", "-filter_script:a", script, "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart",
                    "-f", "mp4", output], linked.Token, timeout.Token);
                if (exit != 0)
                {
                    LogFailed(logger, exit);
                    throw new RenditionFailedException();
                }
            }
            await using var made = File.OpenRead(output);
            return await store.SaveAsync(made, MediaType, ct);
        }
        finally
        {
            _gate.Release();
            // The temporary copies hold the teller's voice: gone whatever happened.
            try
            {
                folder?.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Nothing more to do; the system's temp cleaning takes it.
            }
        }
    }

    /// <summary>The ffmpeg filter: times from the start of the audio, small frames, volume 0 inside any span.</summary>
    internal static string FilterOf(IReadOnlyList<AudioSpan> spans)
    {
        var between = string.Join("+", spans.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"between(t,{Math.Max(0, s.StartMs / 1000.0 - FrameSeconds):0.000},{s.EndMs / 1000.0:0.000})")));
        return $"asetpts=PTS-STARTPTS,asetnsamples=n={FrameSamples}:p=0,volume=volume=0:enable='{between}'";
    }

    private async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct, CancellationToken timedOut)
    {
        var start = new ProcessStartInfo(media.Value.FfmpegPath)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, StandardErrorEncoding = Encoding.UTF8,
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
                $"Setting {MediaOptions.Section}:FfmpegPath is '{media.Value.FfmpegPath}', which cannot be started; install ffmpeg or point the setting at it.", e);
        }
        // Drained so ffmpeg never blocks on a full pipe; its messages name files, so they are not logged.
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
        var stderr = process.StandardError.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the cancellation and the kill.
            }
            await process.WaitForExitAsync(CancellationToken.None);
            if (timedOut.IsCancellationRequested) LogTimedOut(logger, options.Value.RenderTimeout);
            throw;
        }
        await Task.WhenAll(stdout, stderr);
        return process.ExitCode;
    }

    public void Dispose()
    {
        _gate.Dispose();
        foreach (var gate in _perRecording.Values) gate.Dispose();
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ffmpeg could not make a silenced copy (exit code {ExitCode})")]
    private static partial void LogFailed(ILogger logger, int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Making a silenced copy took longer than {Timeout} and was stopped")]
    private static partial void LogTimedOut(ILogger logger, TimeSpan timeout);
}

/// <summary>ffmpeg refused to make the silenced copy (a damaged original); the listener is told to try later.</summary>
public sealed class RenditionFailedException() : Exception("The silenced copy of the recording could not be made.");
