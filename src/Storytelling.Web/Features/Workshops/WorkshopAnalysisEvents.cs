using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// Pushes every analysis change in a project — from a phone, the transcript page or the API — to everyone in that
/// project's open workshop sessions. <see cref="CodingService"/> hands over codings already pseudonymised and only
/// for stories with analysis consent, so what guests receive here is safe for them. (It reads the database itself:
/// depending on WorkshopService would close a cycle through CodingService's listeners.)
/// </summary>
public sealed class WorkshopAnalysisEvents(StorytellingDbContext db, IHubContext<WorkshopHub> hub, CodingPacer pacer) : IAnalysisEvents
{
    public async Task CodingAddedAsync(Guid projectId, CodingDto coding, CancellationToken cancellationToken)
    {
        foreach (var id in await OpenSessionsAsync(projectId, cancellationToken))
            await pacer.AnnounceAsync(id, WorkshopPush.ForRoom(coding), cancellationToken);
    }

    public async Task CodingRemovedAsync(Guid projectId, Guid codingId, CancellationToken cancellationToken)
    {
        foreach (var id in await OpenSessionsAsync(projectId, cancellationToken))
            await hub.Clients.Group(WorkshopPush.Group(id)).SendAsync(WorkshopPush.CodingRemoved, codingId, cancellationToken);
    }

    public async Task CodebookChangedAsync(Guid projectId, CancellationToken cancellationToken)
    {
        var sessions = await OpenSessionsAsync(projectId, cancellationToken);
        if (sessions.Count == 0) return;
        var themes = await WorkshopService.ThemesAsync(db, projectId, cancellationToken);
        foreach (var id in sessions)
            await hub.Clients.Group(WorkshopPush.Group(id)).SendAsync(WorkshopPush.CodebookChanged, themes, cancellationToken);
    }

    private Task<List<Guid>> OpenSessionsAsync(Guid projectId, CancellationToken ct) =>
        db.WorkshopSessions.AsNoTracking().Where(s => s.ProjectId == projectId && s.ClosedAt == null).Select(s => s.Id).ToListAsync(ct);
}
