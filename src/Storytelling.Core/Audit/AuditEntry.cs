namespace Storytelling.Core.Audit;

/// <summary>
/// Who did what to which object, and when. Holds identifiers only, never names, text or paths, so that a
/// withdrawal can delete the story and leave the audit trail standing without personal data in it.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public Guid? ActorPersonId { get; set; }
    public Guid? ProjectId { get; set; }
    /// <summary>Dotted verb, e.g. "project.created", "invitation.accepted", "story.withdrawn".</summary>
    public required string Action { get; set; }
    public string? SubjectType { get; set; }
    public Guid? SubjectId { get; set; }
}
