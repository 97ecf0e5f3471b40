namespace Storytelling.Worker.Transcription;

/// <summary>
/// One recording, start to end: decode window by window, transcribe each, shift its timestamps to the recording's
/// time line, and report overall progress. Windows are transcribed on the one <see cref="WhisperThread"/>, because
/// whisper blocks and its native memory stays bounded only when every window runs on the same thread.
/// </summary>
internal sealed class TranscriptionRunner(AudioDecoder decoder, ISpeechEngine engine, WhisperThread whisperThread)
{
    public async Task<TranscriptionOutcome> RunAsync(ClaimedJob job, Action<int> progress, CancellationToken ct)
    {
        var segments = new List<OutcomeSegment>();
        string? language = null;
        var totalSamples = Math.Max(1, job.DurationMs * (AudioDecoder.SampleRate / 1000));
        await foreach (var window in decoder.DecodeAsync(job.BlobName, job.Format, ct))
        {
            var offsetMs = window.StartMs;
            var done = window.StartSample;
            var length = window.Samples.Length;
            var result = await whisperThread.RunAsync(() => engine.Transcribe(window.Samples.Span, job.Language,
                p => progress(Percent(done + length * (long)p / 100, totalSamples)), ct), ct);
            language ??= result.SpeechFound ? result.Language : null;
            foreach (var s in result.Segments)
            {
                var text = s.Text.Trim();
                if (text.Length == 0) continue;
                segments.Add(s with { StartMs = s.StartMs + offsetMs, EndMs = s.EndMs + offsetMs, Text = text });
            }
            progress(Percent(done + length, totalSamples));
        }
        return new TranscriptionOutcome(segments, language ?? (job.Language == "auto" ? null : job.Language), engine.ModelName);
    }

    private static int Percent(long done, long total) => (int)Math.Clamp(done * 100 / total, 0, 99);
}
