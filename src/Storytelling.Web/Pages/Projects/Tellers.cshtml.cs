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
    /// <summary>Resource keys of the page (Tellers.resx).</summary>
    public string? Error { get; private set; }
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(bool saved, bool withdrawn, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        Done = saved ? "Saved" : withdrawn ? "Withdrawn" : null;
        return Page();
    }

    public async Task<IActionResult> OnPostUpdateAsync(CancellationToken ct)
    {
        var result = await TellerApi.PutUpdate(ProjectId, new PublishedUpdateRequest(UpdateText), HttpContext, db, time, ct);
        if (result.Result is ValidationProblem problem)
        {
            await LoadAsync(ct);
            // The API's message is one language; the page says the same in the reader's.
            Error = UpdateText?.Replace("\r\n", "\n", StringComparison.Ordinal).Trim().Length > TellerApi.MaxPublishedUpdateLength
                ? "ErrorUpdateTooLong" : "ErrorUpdateControl";
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
        if (storyId is null) Error = "ErrorUnknownCode";
        else if (!Asked) Error = "ErrorNotAsked";
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
