using Storytelling.Core.Projects;
using Storytelling.Core.Transcripts;

namespace Storytelling.Core.Analysis;

/// <summary>
/// A theme applied to a span of one transcript version: a character range (UTF-16, end exclusive, see
/// <see cref="TranscriptSegment"/>) plus the matching time range, so a quote leads back to the second of audio.
/// </summary>
public sealed class Coding
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ThemeId { get; set; }
    public Theme? Theme { get; set; }
    public Guid TranscriptId { get; set; }
    public Transcript? Transcript { get; set; }
    public int StartChar { get; set; }
    public int EndChar { get; set; }
    public long StartMs { get; set; }
    public long EndMs { get; set; }
    /// <summary>Null for a guest in a live workshop, who has no account.</summary>
    public Guid? AuthorPersonId { get; set; }
    /// <summary>The role the author held when coding; kept so residents and officials can be compared later.</summary>
    public ProjectRole AuthorRole { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? Memo { get; set; }
    /// <summary>Set when the coding was made in a live workshop, with the participant (member or guest) who made it.</summary>
    public Guid? WorkshopSessionId { get; set; }
    public Guid? ParticipantId { get; set; }
}
