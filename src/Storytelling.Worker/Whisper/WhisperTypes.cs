namespace Storytelling.Worker.Whisper;

/// <summary>How one recording is transcribed.</summary>
public sealed record WhisperOptions
{
    /// <summary>Spoken language as a Whisper code ("nl", "en", …), or "auto" to detect it.</summary>
    public string Language { get; init; } = "nl";
    public int Threads { get; init; } = 2;
    /// <summary>Upper bound on tokens per segment; 0 keeps whisper.cpp's default (no limit).</summary>
    public int MaxTokensPerSegment { get; init; }
    /// <summary>
    /// Whisper's retry at higher temperatures when a window decodes badly (on by default, as in whisper.cpp).
    /// Random-weight test models always decode "badly", so tests and benchmarks turn it off (whisper-cli: -nf).
    /// </summary>
    public bool TemperatureFallback { get; init; } = true;
}

/// <param name="Segments">Text segments in time order, timestamps in milliseconds of the original audio.</param>
/// <param name="DetectedLanguage">The detected language with "auto", else the requested one; null when nothing was transcribed with "auto".</param>
/// <param name="SpeechFound">False when voice detection found no speech (or nothing was transcribed): there is no text, by design.</param>
public sealed record WhisperResult(IReadOnlyList<WhisperSegment> Segments, string? DetectedLanguage, bool SpeechFound);

/// <param name="Probability">Mean probability of the segment's text tokens, 0..1.</param>
/// <param name="Words">When each word was spoken, inside the segment's bounds, in the same time as the segment.</param>
public readonly record struct WhisperSegment(long StartMs, long EndMs, string Text, float Probability, IReadOnlyList<WhisperWord> Words);

/// <summary>One spoken word; <see cref="Text"/> has no surrounding spaces.</summary>
public readonly record struct WhisperWord(long StartMs, long EndMs, string Text);

public readonly record struct SpeechRegion(long StartMs, long EndMs);

/// <summary>whisper.cpp (through Whisper.net) refused something (a model that is missing or not a ggml model, a failed run); the message is one readable sentence.</summary>
public sealed class WhisperException : Exception
{
    public WhisperException() { }
    public WhisperException(string message) : base(message) { }
    public WhisperException(string message, Exception innerException) : base(message, innerException) { }
}
