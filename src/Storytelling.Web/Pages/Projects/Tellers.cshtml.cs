using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Tellers;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// The facilitator's side of the teller's page: write "what happened with the stories", and withdraw a story when a
/// teller asks by phone (they read out their receipt code). Plain forms over the same methods as the API.
/// </summary>
[Authorize(Policy = Policies.Facilitate)]
public sealed class TellersModel(StorytellingDbContext db, StoryWithdrawal withdrawal, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid ProjectId { get; set; }
    [BindProperty] public string? UpdateText { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public bool Asked { get; set; }

    public string ProjectName { get; private set; } = "";
    public DateTimeOffset? PublishedAt { get; private set; }
    public string? Error { get; private set; }
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(bool saved, bool withdrawn, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        Done = saved ? "Het bericht is bijgewerkt." : withdrawn ? "Het verhaal is ingetrokken en overal gewist." : null;
        return Page();
    }

    public async Task<IActionResult> OnPostUpdateAsync(CancellationToken ct)
    {
        var result = await TellerApi.PutUpdate(ProjectId, new PublishedUpdateRequest(UpdateText), HttpContext, db, time, ct);
        if (result.Result is ValidationProblem problem)
        {
            await LoadAsync(ct);
            Error = problem.ProblemDetails.Errors.Values.SelectMany(v => v).First();
            return Page();
        }
        return result.Result is NotFound ? NotFound() : Redirect($"/projects/{ProjectId}/vertellers?saved=true");
    }

    public async Task<IActionResult> OnPostWithdrawAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        var code = ReceiptCode.Normalize(Code);
        var storyId = code is null ? (Guid?)null : await db.Stories.Where(s => s.ReceiptCode == code && s.ProjectId == ProjectId)
            .Select(s => (Guid?)s.Id).SingleOrDefaultAsync(ct);
        if (storyId is null) Error = "Met deze code is er geen verhaal in dit project. Vraag de verteller de code nog eens voor te lezen.";
        else if (!Asked) Error = "Vink aan dat de verteller je dit gevraagd heeft; intrekken kan niet worden teruggedraaid.";
        if (Error is not null) return Page();
        await withdrawal.WithdrawAsync(storyId!.Value, User.PersonId(), ct);
        return Redirect($"/projects/{ProjectId}/vertellers?withdrawn=true");
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId)
            .Select(p => new { p.Name, p.PublishedUpdate, p.PublishedUpdateAt }).SingleOrDefaultAsync(ct);
        if (project is null) return false;
        ProjectName = project.Name;
        UpdateText ??= project.PublishedUpdate;
        PublishedAt = project.PublishedUpdateAt;
        return true;
    }
}
