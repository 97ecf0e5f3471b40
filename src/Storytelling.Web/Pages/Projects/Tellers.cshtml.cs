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
public sealed class TellersModel(StorytellingDbContext db, StoryWithdrawal withdrawal, StoryConsentChange consent, TimeProvider time) : ProjectPageModel
{
    [BindProperty] public string? UpdateText { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public bool Asked { get; set; }
    [BindProperty] public bool Quotes { get; set; }
    [BindProperty] public bool Audio { get; set; }

    public string ProjectName { get; private set; } = "";
    public DateTimeOffset? PublishedAt { get; private set; }
    /// <summary>Resource keys of the page (Tellers.resx).</summary>
    public string? Error { get; private set; }
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(bool saved, bool withdrawn, bool consentChanged, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        Done = saved ? "Saved" : withdrawn ? "Withdrawn" : consentChanged ? "ConsentChanged" : null;
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
        var storyId = await StoryAskedForAsync(ct);
        if (storyId is null) return Page();
        await withdrawal.WithdrawAsync(storyId.Value, User.PersonId(), ct);
        return Redirect($"/projects/{ProjectId}/vertellers?withdrawn=true");
    }

    /// <summary>What a teller asked for on the phone: quotes and playback on or off, recorded with who heard it.</summary>
    public async Task<IActionResult> OnPostConsentAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        var storyId = await StoryAskedForAsync(ct);
        if (storyId is null) return Page();
        var wanted = (Quotes ? ConsentScopes.QuotesInReports : 0) | (Audio ? ConsentScopes.AudioInWorkshops : 0);
        await consent.ChangeAsync(storyId.Value, wanted, User.PersonId(), ct);
        return Redirect($"/projects/{ProjectId}/vertellers?consentChanged=true");
    }

    /// <summary>The story of the receipt code in this project, if the facilitator confirmed the teller asked; else sets Error.</summary>
    private async Task<Guid?> StoryAskedForAsync(CancellationToken ct)
    {
        var code = ReceiptCode.Normalize(Code);
        var hash = code is null ? null : ReceiptCode.Hash(code);
        var storyId = hash is null ? null : await db.Stories.Where(s => s.ReceiptCodeHash == hash && s.ProjectId == ProjectId)
            .Select(s => (Guid?)s.Id).SingleOrDefaultAsync(ct);
        if (storyId is null) Error = "ErrorUnknownCode";
        else if (!Asked) Error = "ErrorNotAsked";
        return Error is null ? storyId : null;
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
