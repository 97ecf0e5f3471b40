using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// A withdrawn story leaves the live room at once: the withdrawal clears any spotlight on its fragments in the
/// database, and after it committed this tells every open session of the project — on every web node, through the
/// backplane — that the spotlight went dark and the story's codings are gone, so no board keeps showing its words.
/// </summary>
public sealed class WorkshopWithdrawalListener(StorytellingDbContext db, IHubContext<WorkshopHub> hub) : IStoryWithdrawalListener
{
    private List<Guid> _dark = [];
    private List<Guid> _open = [];
    private List<Guid> _codings = [];

    public async Task OnStoryWithdrawingAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken)
    {
        // Called again when the withdrawal's transaction is retried: each call starts afresh.
        var codingIds = db.Codings.Where(c => c.Transcript!.StoryId == storyId).Select(c => c.Id);
        _codings = await codingIds.ToListAsync(cancellationToken);
        var open = db.WorkshopSessions.AsNoTracking().Where(s => s.ProjectId == projectId && s.ClosedAt == null);
        _open = await open.Select(s => s.Id).ToListAsync(cancellationToken);
        _dark = await open.Where(s => s.SpotlightCodingId != null && codingIds.Contains(s.SpotlightCodingId.Value))
            .Select(s => s.Id).ToListAsync(cancellationToken);
    }

    public async Task OnStoryWithdrawnAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken)
    {
        foreach (var sessionId in _dark)
            await hub.Clients.Group(WorkshopPush.Group(sessionId)).SendAsync(WorkshopPush.Spotlight, null, cancellationToken);
        foreach (var sessionId in _open)
        foreach (var codingId in _codings)
            await hub.Clients.Group(WorkshopPush.Group(sessionId)).SendAsync(WorkshopPush.CodingRemoved, codingId, cancellationToken);
    }
}
