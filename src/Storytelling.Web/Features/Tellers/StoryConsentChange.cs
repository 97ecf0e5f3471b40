using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;

namespace Storytelling.Web.Features.Tellers;

/// <summary>
/// A teller changes what may be done with the story without taking it back: quotes in reports and playing the audio
/// in workshops can be switched off (and on again). Consent for the analysis itself is the condition for the story
/// being here at all, so ending it is a withdrawal (<see cref="StoryWithdrawal"/>). Taking back quote consent also
/// takes the story's quotes out of reports already written, in the same transaction; later reports and workshops
/// read the new scopes. The audit log keeps that it changed and when; the log line the scopes. No words anywhere.
/// </summary>
public sealed partial class StoryConsentChange(StorytellingDbContext db, TimeProvider time,
    IEnumerable<IStoryConsentListener> listeners, ILogger<StoryConsentChange> logger)
{
    public const ConsentScopes Changeable = ConsentScopes.QuotesInReports | ConsentScopes.AudioInWorkshops;

    [LoggerMessage(Level = LogLevel.Information, Message = "Consent of story {StoryId} changed from {From} to {To}")]
    private static partial void LogChanged(ILogger logger, Guid storyId, ConsentScopes from, ConsentScopes to);

    /// <summary>Sets the changeable scopes; returns false when the story is gone. Analysis consent is never changed here.</summary>
    public async Task<bool> ChangeAsync(Guid storyId, ConsentScopes wanted, Guid? actorPersonId, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var story = await db.Stories.SingleOrDefaultAsync(s => s.Id == storyId, ct);
            if (story is null) return false;
            var before = story.Consent.Scopes;
            var after = (before & ~Changeable) | (wanted & Changeable);
            if (after == before) return true;
            story.Consent.Scopes = after;
            story.Consent.GivenAt = time.GetUtcNow();
            // The teller on their page, or a facilitator who heard it from the teller (on the phone, at the door).
            story.Consent.Method = actorPersonId is null ? ConsentMethod.GivenOnline : ConsentMethod.GivenVerbally;
            story.Consent.RecordedByPersonId = actorPersonId;
            if (before.HasFlag(ConsentScopes.QuotesInReports) && !after.HasFlag(ConsentScopes.QuotesInReports))
                foreach (var listener in listeners) await listener.OnQuotesConsentWithdrawnAsync(story.ProjectId, storyId, ct);
            db.Record(time, "story.consent.changed", actorPersonId, story.ProjectId, "story", storyId);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            LogChanged(logger, storyId, before, after);
            return true;
        });
    }
}
