using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storytelling.Core.Workshops;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>The projector view with the facilitator's controls (spotlight). The board itself is drawn by board.js.</summary>
[Authorize(Policy = Policies.RunWorkshop)]
public sealed class BoardModel(WorkshopService workshops) : ProjectPageModel
{
    public Guid SessionId => RouteId("sessionId");
    public WorkshopSession Session { get; private set; } = null!;
    public string JoinUrl { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await workshops.FindAsync(ProjectId, SessionId, ct) is not { } session) return NotFound();
        Session = session;
        JoinUrl = WorkshopService.JoinUrl(WorkshopLinks.BaseUrl(HttpContext), session.Code);
        return Page();
    }
}
