namespace Storytelling.Worker.Transcription;

/// <summary>
/// The seam between the queue and the recogniser: Whisper in production (<see cref="WhisperSpeechEngine"/>),
/// a scripted fake only in unit tests of the queue.
/// </summary>
internal interface ISpeechEngine
{
    /// <summary>Null when transcription can run; otherwise one sentence telling an administrator how to fix it.</summary>
    string? CheckReady();

    /// <summary>File name of the loaded model, stored with each machine transcript.</summary>
    string ModelName { get; }

    /// <summary>The native runtime that loaded ("cpu", "cuda", …), null until <see cref="CheckReady"/> loaded one.</summary>
    string? Runtime { get; }

    /// <summary>
    /// Transcribes 16 kHz mono samples; segment and word times are relative to the first sample. One call at a time.
    /// </summary>
    Task<EngineResult> TranscribeAsync(ReadOnlyMemory<float> samples, string language, Action<int>? progressPercent, CancellationToken cancellationToken);
}

internal sealed record EngineResult(IReadOnlyList<OutcomeSegment> Segments, string? Language, bool SpeechFound);

/// <summary>Thrown when the engine cannot work on this recording; the message is for a facilitator.</summary>
internal sealed class EngineFailedException(string message, bool permanent) : Exception(message)
{
    public bool Permanent { get; } = permanent;
}
