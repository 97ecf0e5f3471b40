using Storytelling.Core.Stories;

namespace Storytelling.Core.Transcripts;

/// <summary>
/// One version of a story's text. Version 1 is the machine transcript and is never edited;
/// every human correction is saved as the next version, so nothing said is ever silently rewritten.
/// </summary>
public sealed class Transcript
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid StoryId { get; set; }
    public Story? Story { get; set; }
    public int Version { get; set; }
    public TranscriptOrigin Origin { get; set; }
    /// <summary>Language of the whole transcript (ISO 639-1), detected or chosen.</summary>
    public string? Language { get; set; }
    /// <summary>The Whisper model that produced version 1, e.g. "ggml-base.bin"; null for human versions.</summary>
    public string? ModelName { get; set; }
    public Guid? CreatedByPersonId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public List<TranscriptSegment> Segments { get; set; } = [];
}

public enum TranscriptOrigin
{
    Machine,
    HumanCorrection,
    Imported,
}

/// <summary>
/// A timed stretch of speech. Character offsets of codings count UTF-16 code units in the transcript's plain text,
/// i.e. the segments' texts joined with "\n" in <see cref="Position"/> order.
/// </summary>
public sealed class TranscriptSegment
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid TranscriptId { get; set; }
    public int Position { get; set; }
    public long StartMs { get; set; }
    public long EndMs { get; set; }
    public required string Text { get; set; }
    public string? Language { get; set; }
    /// <summary>Mean token probability from Whisper (0..1); null for human text.</summary>
    public float? Confidence { get; set; }
    /// <summary>"verteller", "interviewer", … ; null when unknown.</summary>
    public string? SpeakerLabel { get; set; }
    /// <summary>
    /// When each word was spoken (<see cref="Transcripts.WordTimes"/>), kept on the machine version only: a correction
    /// changes text, not what the recording says when, so silencing a name always uses the machine's word times.
    /// Null for human and imported versions and for machine versions from before word times were stored.
    /// </summary>
    public string? WordTimes { get; set; }
}
