using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Core.Telemetry;
using Storytelling.Core.Workshops;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// The live workshop. A phone calls <see cref="JoinSession"/> with the session code (after joining over HTTP, which
/// set its guest cookie or recorded the member); the projector calls <see cref="WatchBoard"/>. Who someone is comes
/// from the connection's cookies, checked again on every call, so a closed session stops accepting work at once.
/// Errors reach the phone as <see cref="HubException"/> messages in plain Dutch.
/// </summary>
[AllowAnonymous]
public sealed class WorkshopHub(WorkshopService workshops, StorytellingDbContext db, WorkshopWriteGate gate, WorkshopJoinLimiter limiter,
    WorkshopRoom room, IAuthorizationService authorization, StorytellingMetrics metrics) : Hub
{
    private const string SessionKey = "session";
    private const string ParticipantKey = "participant";
    private const string BoardKey = "board";

    /// <summary>One answer for an unknown code, a closed session and a phone that has not joined, so the hub tells a
    /// guesser nothing the rate-limited HTTP join would not.</summary>
    public const string NotInSession = "Deze code kennen we niet, de werksessie is gesloten, of je hebt je nog niet aangemeld met je naam.";
    public const string TooManyTries = "Te veel pogingen. Wacht een minuut en probeer het opnieuw.";

    public async Task<WorkshopStateDto> JoinSession(string code)
    {
        var ct = Context.ConnectionAborted;
        // The same per-address budget as the HTTP join: a guessed code costs a try through either door.
        if (!await limiter.TryAcquireAsync(Context.GetHttpContext()?.Connection.RemoteIpAddress, ct)) throw new HubException(TooManyTries);
        var session = await workshops.FindOpenByCodeAsync(code, ct) ?? throw new HubException(NotInSession);
        var http = Context.GetHttpContext();
        var me = await workshops.ParticipantAsync(session.Id, Context.User ?? new(), http?.Request.Cookies[WorkshopService.GuestCookie], ct)
                 ?? throw new HubException(NotInSession);
        Context.Items[SessionKey] = session.Id;
        Context.Items[ParticipantKey] = me.Id;
        await Groups.AddToGroupAsync(Context.ConnectionId, WorkshopPush.Group(session.Id), ct);
        room.Entered(Context.ConnectionId, session.Id);
        return await workshops.StateAsync(session, me, ct);
    }

    /// <summary>The projector and the facilitator's controls: the run-workshop rule in the session's project.</summary>
    public async Task<BoardDto> WatchBoard(Guid projectId, Guid sessionId)
    {
        var ct = Context.ConnectionAborted;
        if (Context.User?.PersonId() is null) throw new HubException("Log eerst in als begeleider.");
        if (!(await authorization.AuthorizeAsync(Context.User, new ProjectScope(projectId), Policies.RunWorkshop)).Succeeded)
            throw new HubException("Alleen een begeleider van dit traject bedient het bord.");
        var session = await workshops.FindAsync(projectId, sessionId, ct) ?? throw new HubException("Deze werksessie bestaat niet.");
        Context.Items[BoardKey] = session.Id;
        await Groups.AddToGroupAsync(Context.ConnectionId, WorkshopPush.Group(session.Id), ct);
        return await workshops.BoardAsync(session, ct);
    }

    public async Task<BoardDto> GetBoard()
    {
        var session = await BoardSessionAsync();
        return await workshops.BoardAsync(session, Context.ConnectionAborted);
    }

    public async Task<List<FragmentDto>> GetFragments(Guid storyId)
    {
        var (session, _) = await MeAsync();
        return await workshops.FragmentsAsync(session.ProjectId, storyId, Context.ConnectionAborted)
               ?? throw new HubException("Dit verhaal is er niet, of de verteller gaf geen toestemming om het te bespreken.");
    }

    public async Task<CodingDto> ApplyTheme(Guid storyId, int position, Guid themeId)
    {
        var (session, me) = await MeAsync();
        var result = await gate.RunAsync(Serialise, () => workshops.ApplyThemeAsync(session, me, storyId, position, themeId, Context.ConnectionAborted), Context.ConnectionAborted);
        if (result.Coding is null) throw new HubException(string.Join(" ", result.Errors!.SelectMany(e => e.Value)));
        return WorkshopPush.ForRoom(result.Coding);
    }

    public async Task<WorkshopThemeDto> ProposeTheme(string name, ThemeKind kind)
    {
        var (session, me) = await MeAsync();
        var (theme, error) = await gate.RunAsync(Serialise, () => workshops.ProposeThemeAsync(session, me, name, kind, Context.ConnectionAborted), Context.ConnectionAborted);
        return theme ?? throw new HubException(error);
    }

    public async Task<IReadOnlyList<Guid>> Vote(Guid themeId)
    {
        var (session, me) = await MeAsync();
        var (mine, error) = await gate.RunAsync(Serialise, () => workshops.VoteAsync(session, me, themeId, Context.ConnectionAborted), Context.ConnectionAborted);
        if (mine is null) throw new HubException(error);
        await PushVotesAsync(session.Id);
        return mine;
    }

    public async Task<IReadOnlyList<Guid>> Unvote(Guid themeId)
    {
        var (session, me) = await MeAsync();
        var mine = await gate.RunAsync(Serialise, () => workshops.UnvoteAsync(session, me, themeId, Context.ConnectionAborted), Context.ConnectionAborted);
        await PushVotesAsync(session.Id);
        return mine;
    }

    /// <summary>The facilitator puts a fragment before the room (null clears it); every phone and the projector get it.</summary>
    public async Task Spotlight(Guid? codingId)
    {
        var session = await BoardSessionAsync();
        if (session.ClosedAt is not null) throw new HubException("De werksessie is gesloten.");
        var (ok, spotlight) = await workshops.SetSpotlightAsync(session, codingId, Context.ConnectionAborted);
        if (!ok) throw new HubException("Dit fragment hoort niet bij dit traject.");
        await Clients.Group(WorkshopPush.Group(session.Id)).SendAsync(WorkshopPush.Spotlight, spotlight, Context.ConnectionAborted);
    }

    public override Task OnConnectedAsync()
    {
        metrics.WorkshopConnected();
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        metrics.WorkshopDisconnected();
        room.Left(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    private bool Serialise => db.Database.IsSqlite();

    private async Task PushVotesAsync(Guid sessionId) =>
        await Clients.Group(WorkshopPush.Group(sessionId)).SendAsync(WorkshopPush.VotesChanged,
            await workshops.VotesAsync(sessionId, Context.ConnectionAborted), Context.ConnectionAborted);

    private async Task<(WorkshopSession Session, WorkshopParticipant Me)> MeAsync()
    {
        if (Context.Items[SessionKey] is not Guid sessionId || Context.Items[ParticipantKey] is not Guid participantId)
            throw new HubException("Doe eerst mee aan een werksessie.");
        var ct = Context.ConnectionAborted;
        var session = await db.WorkshopSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId && s.ClosedAt == null, ct)
                      ?? throw new HubException("De werksessie is gesloten.");
        var me = await db.WorkshopParticipants.AsNoTracking().FirstOrDefaultAsync(p => p.Id == participantId, ct)
                 ?? throw new HubException("Meld je opnieuw aan.");
        return (session, me);
    }

    private async Task<WorkshopSession> BoardSessionAsync()
    {
        if (Context.Items[BoardKey] is not Guid sessionId) throw new HubException("Open eerst het bord.");
        var session = await db.WorkshopSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, Context.ConnectionAborted)
                      ?? throw new HubException("Deze werksessie bestaat niet.");
        // Checked on every call, so a begeleider removed from the project loses the board at once.
        if (!(await authorization.AuthorizeAsync(Context.User ?? new(), new ProjectScope(session.ProjectId), Policies.RunWorkshop)).Succeeded)
            throw new HubException("Alleen een begeleider van dit traject bedient het bord.");
        return session;
    }
}
