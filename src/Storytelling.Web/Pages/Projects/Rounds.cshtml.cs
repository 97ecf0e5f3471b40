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
public sealed class RoundsModel(StorytellingDbContext db, TimeProvider time, InvitationService invitations, CaptureWindow window) : ProjectPageModel
{
    public string ProjectName { get; private set; } = "";
    public ProjectPhase Phase { get; private set; }
    public bool CanLead { get; private set; }
    public List<RoundDto> Rounds { get; private set; } = [];
    public RoundComparisonDto Comparison { get; private set; } = null!;
    /// <summary>A capture link just made; shown once, since only its hash is stored.</summary>
    public string? NewLink { get; private set; }
    public string? NewLinkQr { get; private set; }
    public int? NewLinkRound { get; private set; }
    /// <summary>Messages for what was refused: resource keys of the page, with their arguments.</summary>
    public List<(string Key, object[] Args)> Errors { get; private set; } = [];
    /// <summary>The resource key of the message after an action; its argument is the round's number.</summary>
    public string? Message { get; private set; }
    public int MessageRound { get; private set; }

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
        if (outcome.Errors is { } errors) Errors = errors.Keys.Select(OpenError).ToList();
        else
        {
            ShowLink(outcome.Token!, outcome.Round!.Number);
            (Message, MessageRound) = ("RoundOpened", outcome.Round.Number);
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
        (Message, MessageRound) = ("RoundClosed", round.Number);
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostLinkAsync(Guid roundId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanLead) return Forbid();
        var (round, token, error) = await RoundsApi.RenewLinkAsync(db, time, invitations, ProjectId, roundId, User.PersonId()!.Value, ct);
        if (round is null && error is null) return NotFound();
        // The only refusal here is a closed round (the API's message is English, for API clients).
        if (error is not null) Errors.Add(("ErrorRoundClosed", []));
        else
        {
            ShowLink(token!, round!.Number);
            (Message, MessageRound) = ("LinkRenewed", round.Number);
        }
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>
    /// The page's own message for a field that opening a round refused; the API's messages are English for API
    /// clients. Called before the page reloads, so <see cref="Rounds"/> still shows the round that was open.
    /// </summary>
    private (string Key, object[] Args) OpenError(string field) => field switch
    {
        "question" => ("ErrorQuestion", [RoundsApi.MaxQuestionLength]),
        "closesAt" => ("ErrorClosesAt", []),
        "phase" => ("ErrorPhase", []),
        "round" when Rounds.LastOrDefault(r => r.IsOpen) is { } open => ("ErrorRoundOpen", [open.Number]),
        "round" => ("ErrorOpenedMeanwhile", []),
        _ => ("ErrorOther", []),
    };

    private void ShowLink(string token, int number)
    {
        NewLink = RoundsApi.CaptureUrl(HttpContext, token);
        NewLinkQr = Features.Workshops.WorkshopLinks.QrSvg(NewLink);
        NewLinkRound = number;
    }

    private static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => new { p.Name, p.Phase }).FirstOrDefaultAsync(ct);
        if (project is null) return false;
        ProjectName = project.Name;
        Phase = project.Phase;
        var roles = await MyRolesAsync(ct);
        CanLead = roles.Any(Policies.ProjectRoles[Policies.LeadEvaluation].Contains);
        Rounds = await RoundsApi.ListAsync(db, time, ProjectId, ct);
        Comparison = await RoundsApi.CompareAsync(db, ProjectId, ct);
        return true;
    }
}
