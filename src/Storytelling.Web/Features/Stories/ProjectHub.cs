using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Stories;

/// <summary>
/// The live door of a project's pages. The stories list calls <see cref="Watch"/> with the project of its address and
/// from then on receives "job" messages (<see cref="JobMessage"/>) as stories are queued, transcribed and finished, so
/// no page polls. The analyse rule of the rights table decides who may watch, as for the list itself; a reader without
/// see-all-stories hears only of stories whose teller allowed analysis, the ones their list shows.
/// </summary>
[Authorize]
public sealed class ProjectHub(IAuthorizationService authorization, JobAudience audience) : Hub
{
    /// <summary>One answer for a project that does not exist and one the caller may not read.</summary>
    public const string NotAllowed = "Je kunt de verhalen van dit traject niet volgen. Log in met een account dat dit traject analyseert.";

    public async Task Watch(Guid projectId)
    {
        var user = Context.User ?? new();
        var scope = new ProjectScope(projectId);
        if (!(await authorization.AuthorizeAsync(user, scope, Policies.Analyse)).Succeeded) throw new HubException(NotAllowed);
        var seesAll = (await authorization.AuthorizeAsync(user, scope, Policies.SeeAllStories)).Succeeded;
        audience.Watch(Context.ConnectionId, projectId, seesAll);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        audience.Leave(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
