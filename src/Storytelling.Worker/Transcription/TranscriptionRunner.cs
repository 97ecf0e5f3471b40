namespace Storytelling.Worker.Transcription;

/// <summary>
/// One recording, start to end: decode window by window, transcribe each, shift its segment and word times to the
/// recording's time line, and report overall progress. Whisper.net runs each window on a thread of its own that ends
/// afterwards, so native per-thread memory (ggml's OpenMP team, a glibc malloc arena) is given back after every window
/// instead of piling up on thread-pool threads.
/// </summary>
internal sealed class TranscriptionRunner(AudioDecoder decoder, ISpeechEngine engine)
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
            var result = await engine.TranscribeAsync(window.Samples, job.Language,
                p => progress(Percent(done + length * (long)p / 100, totalSamples)), ct);
            language ??= result.SpeechFound ? result.Language : null;
            foreach (var s in result.Segments)
            {
                var text = s.Text.Trim();
                if (text.Length == 0) continue;
                segments.Add(new OutcomeSegment(s.StartMs + offsetMs, s.EndMs + offsetMs, text, s.Probability,
                    [.. s.Words.Select(w => w with { StartMs = w.StartMs + offsetMs, EndMs = w.EndMs + offsetMs })]));
            }
            progress(Percent(done + length, totalSamples));
        }
        return new TranscriptionOutcome(segments, language ?? (job.Language == "auto" ? null : job.Language), engine.ModelName);
    }

    private static int Percent(long done, long total) => (int)Math.Clamp(done * 100 / total, 0, 99);
}
