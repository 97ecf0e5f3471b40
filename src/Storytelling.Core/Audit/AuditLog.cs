using Storytelling.Core.Persistence;

namespace Storytelling.Core.Audit;

public static class AuditLog
{
    /// <summary>Adds an audit entry to the unit of work, so it is saved together with the change it describes.</summary>
    public static void Record(this StorytellingDbContext db, TimeProvider time, string action,
        Guid? actorPersonId, Guid? projectId, string? subjectType = null, Guid? subjectId = null) =>
        db.AuditLog.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Action = action,
            ActorPersonId = actorPersonId,
            ProjectId = projectId,
            SubjectType = subjectType,
            SubjectId = subjectId,
        });
}
