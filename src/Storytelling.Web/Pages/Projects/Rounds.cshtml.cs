using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// Co-evaluation rounds: the facilitator opens a round with its own question and capture link, and everyone who
/// analyses compares the themes of the first gathering with each round.
/// </summary>
[Authorize(Policy = Policies.Analyse)]
public sealed class RoundsModel(StorytellingDbContext db, RoundsService rounds) : ProjectPageModel
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
        var result = await rounds.OpenAsync(ProjectId, new OpenRoundRequest(question, closesAt), User.PersonId()!.Value, ct);
        if (result.NotFound) return NotFound();
        if (result.Round is not { } opened) Errors = (result.Errors ?? []).Keys.Select(OpenError).ToList();
        else
        {
            ShowLink(result.Token!, opened.Number);
            (Message, MessageRound) = ("RoundOpened", opened.Number);
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCloseAsync(Guid roundId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanLead) return Forbid();
        var round = await rounds.CloseAsync(ProjectId, roundId, User.PersonId(), ct);
        if (round is null) return NotFound();
        (Message, MessageRound) = ("RoundClosed", round.Number);
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostLinkAsync(Guid roundId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanLead) return Forbid();
        var result = await rounds.RenewLinkAsync(ProjectId, roundId, User.PersonId()!.Value, ct);
        if (result.NotFound) return NotFound();
        // The only refusal here is a closed round (the service's message is English, for API clients).
        if (result.Round is not { } renewed) Errors.Add(("ErrorRoundClosed", []));
        else
        {
            ShowLink(result.Token!, renewed.Number);
            (Message, MessageRound) = ("LinkRenewed", renewed.Number);
        }
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>
    /// The page's own message for a field that opening a round refused; the service's messages are English for API
    /// clients. Called before the page reloads, so <see cref="Rounds"/> still shows the round that was open.
    /// </summary>
    private (string Key, object[] Args) OpenError(string field) => field switch
    {
        "question" => ("ErrorQuestion", [RoundsService.MaxQuestionLength]),
        "closesAt" => ("ErrorClosesAt", []),
        "phase" => ("ErrorPhase", []),
        "round" when Rounds.LastOrDefault(r => r.IsOpen) is { } open => ("ErrorRoundOpen", [open.Number]),
        "round" => ("ErrorOpenedMeanwhile", []),
        _ => ("ErrorOther", []),
    };

    private void ShowLink(string token, int number)
    {
        NewLink = RoundsService.CaptureUrl(HttpContext, token);
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
        Rounds = await rounds.ListAsync(ProjectId, ct);
        Comparison = await rounds.CompareAsync(ProjectId, ct);
        return true;
    }
}
