using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// Which phone connections are in which session (this node's; the hub has no backplane), so that closing a session
/// can put its participants out of the room: they get "closed" and are removed from the session's group, so nothing
/// pushed to the group afterwards reaches them, and their hub calls are refused (the hub checks the session is open).
/// </summary>
public sealed class WorkshopRoom(IHubContext<WorkshopHub> hub)
{
    private readonly ConcurrentDictionary<string, Guid> _phones = new();

    internal void Entered(string connectionId, Guid sessionId) => _phones[connectionId] = sessionId;

    internal void Left(string connectionId) => _phones.TryRemove(connectionId, out _);

    /// <summary>Connections of participants (not the board) currently in the session.</summary>
    public int PhonesIn(Guid sessionId) => _phones.Count(p => p.Value == sessionId);

    /// <summary>Tells the room the session closed and puts every participant's connection out of its group.</summary>
    public async Task ClosedAsync(Guid sessionId, CancellationToken ct)
    {
        var group = WorkshopPush.Group(sessionId);
        await hub.Clients.Group(group).SendAsync(WorkshopPush.Closed, ct);
        foreach (var (connectionId, session) in _phones)
        {
            if (session != sessionId) continue;
            await hub.Groups.RemoveFromGroupAsync(connectionId, group, ct);
            _phones.TryRemove(connectionId, out _);
        }
    }
}
