using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Invitations;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// Co-evaluation rounds: the facilitator opens a round with its own question and capture link, and everyone who
/// analyses compares the themes of the first gathering with each round.
/// </summary>
[Authorize(Policy = Policies.Analyse)]
public sealed class RoundsModel(StorytellingDbContext db, TimeProvider time, InvitationService invitations, CaptureWindow window) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid ProjectId { get; set; }
    public string ProjectName { get; private set; } = "";
    public ProjectPhase Phase { get; private set; }
    public bool CanLead { get; private set; }
    public List<RoundDto> Rounds { get; private set; } = [];
    public RoundComparisonDto Comparison { get; private set; } = null!;
    /// <summary>A capture link just made; shown once, since only its hash is stored.</summary>
    public string? NewLink { get; private set; }
    public string? NewLinkQr { get; private set; }
    public int? NewLinkRound { get; private set; }
    public Dictionary<string, string[]> Errors { get; private set; } = [];
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostOpenAsync(string? question, DateOnly? closesOn, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanLead) return Forbid();
        // A closing date means "open through that day" in the Netherlands.
        DateTimeOffset? closesAt = closesOn is { } day
            ? new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), Amsterdam.GetUtcOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue)))
            : null;
        var outcome = await RoundsApi.OpenAsync(db, time, invitations, window, ProjectId, new OpenRoundRequest(question, closesAt), User.PersonId()!.Value, ct);
        if (outcome.Errors is { } errors) Errors = errors;
        else
        {
            ShowLink(outcome.Token!, outcome.Round!.Number);
            Message = $"Ronde {outcome.Round.Number} staat open.";
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCloseAsync(Guid roundId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanLead) return Forbid();
        var round = await RoundsApi.CloseAsync(db, time, ProjectId, roundId, User.PersonId(), ct);
        if (round is null) return NotFound();
        Message = $"Ronde {round.Number} is gesloten; de link werkt niet meer.";
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostLinkAsync(Guid roundId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanLead) return Forbid();
        var (round, token, error) = await RoundsApi.RenewLinkAsync(db, time, invitations, ProjectId, roundId, User.PersonId()!.Value, ct);
        if (round is null && error is null) return NotFound();
        if (error is not null) Errors["round"] = [error];
        else
        {
            ShowLink(token!, round!.Number);
            Message = $"Nieuwe link voor ronde {round.Number}; de vorige werkt niet meer.";
        }
        await LoadAsync(ct);
        return Page();
    }

    private void ShowLink(string token, int number)
    {
        NewLink = RoundsApi.CaptureUrl(HttpContext, token);
        NewLinkQr = Features.Workshops.WorkshopsApi.QrSvg(NewLink);
        NewLinkRound = number;
    }

    private static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => new { p.Name, p.Phase }).FirstOrDefaultAsync(ct);
        if (project is null) return false;
        ProjectName = project.Name;
        Phase = project.Phase;
        var roles = await ProjectsApi.MyRolesAsync(db, ProjectId, User.PersonId(), ct);
        CanLead = roles.Any(Policies.ProjectRoles[Policies.LeadEvaluation].Contains);
        Rounds = await RoundsApi.ListAsync(db, time, ProjectId, ct);
        Comparison = await RoundsApi.CompareAsync(db, ProjectId, ct);
        return true;
    }
}
