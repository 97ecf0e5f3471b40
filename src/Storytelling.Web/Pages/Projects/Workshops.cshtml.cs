using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Workshops;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>The facilitator opens and closes live sessions here and gets the code, the join link and the QR code.</summary>
[Authorize(Policy = Policies.RunWorkshop)]
public sealed class WorkshopsModel(StorytellingDbContext db, WorkshopService workshops, WorkshopRoom room) : ProjectPageModel
{
    [BindProperty] public string? Title { get; set; }
    [BindProperty] public int VotesPerParticipant { get; set; } = 3;

    public string ProjectName { get; private set; } = "";
    public List<WorkshopSession> Sessions { get; private set; } = [];
    /// <summary>The resource key of the message to show (Workshops.resx); TitleTooLong takes the longest title as {0}.</summary>
    public string? Error { get; private set; }

    public string JoinUrl(WorkshopSession s) => WorkshopService.JoinUrl(WorkshopLinks.BaseUrl(HttpContext), s.Code);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostOpenAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        var (session, errors) = await workshops.OpenAsync(ProjectId, new OpenWorkshopRequest(Title, VotesPerParticipant),
            User.PersonId()!.Value, WorkshopLinks.BaseUrl(HttpContext), ct);
        if (session is null)
        {
            Error = errors!.ContainsKey("title") ? "TitleTooLong" : "VotesRange";
            return Page();
        }
        return Redirect($"/projects/{ProjectId}/workshops");
    }

    public async Task<IActionResult> OnPostCloseAsync(Guid sessionId, CancellationToken ct)
    {
        if (await workshops.CloseAsync(ProjectId, sessionId, User.PersonId()!.Value, ct))
            await room.ClosedAsync(sessionId, ct);
        return Redirect($"/projects/{ProjectId}/workshops");
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var name = await db.Projects.Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return false;
        ProjectName = name;
        Sessions = await workshops.ListAsync(ProjectId, ct);
        return true;
    }
}
