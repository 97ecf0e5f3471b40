namespace Storytelling.Core.Analysis;

/// <summary>
/// A name or place in a story replaced by a consistent stand-in. The stored transcript keeps the original; every
/// reader without the right to see originals (policy officers, guests, every export) gets the replacement.
/// </summary>
public sealed class Pseudonym
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    /// <summary>Null: applies to every story of the project.</summary>
    public Guid? StoryId { get; set; }
    /// <summary>The text as spoken (personal data: visible only to roles allowed to see originals).</summary>
    public required string Original { get; set; }
    public required string Replacement { get; set; }
    /// <summary>Silence the matching stretches in the audio that others hear.</summary>
    public bool SilenceAudio { get; set; }
    public Guid? CreatedByPersonId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
