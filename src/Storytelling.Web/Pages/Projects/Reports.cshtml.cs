using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Reports;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// The reports of a project and a new report in one form: themes pre-ordered by the workshop's votes, moved with
/// up/down buttons (plain submits, so keyboard and no-script work), quotes picked per theme by checkbox.
/// </summary>
[Authorize(Policy = Policies.Export)]
public sealed class ReportsModel(StorytellingDbContext db, ReportsService reports) : ProjectPageModel
{
    [BindProperty] public string? ReportTitle { get; set; }
    /// <summary>The theme order as the form carries it (all themes, chosen or not).</summary>
    [BindProperty] public List<Guid> Order { get; set; } = [];
    [BindProperty] public List<Guid> Include { get; set; } = [];
    [BindProperty] public List<Guid> Quote { get; set; } = [];

    public string ProjectName { get; private set; } = "";
    public List<ReportSummaryDto> Reports { get; private set; } = [];
    public List<ThemeCandidateDto> Themes { get; private set; } = [];
    /// <summary>What the service refused, by field (its sentences are Dutch; the view words them for other languages); the key "" with no sentence: not made, no reason known.</summary>
    public Dictionary<string, string[]> Errors { get; private set; } = [];
    /// <summary>The button that was just pressed, so focus returns to it after the page reloads.</summary>
    public string? FocusButton { get; private set; }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var name = await db.Projects.Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return false;
        ProjectName = name;
        Reports = await reports.ListAsync(ProjectId, ct);
        var candidates = await reports.CandidatesAsync(ProjectId, ct);
        // Keep the order the form sent; themes it did not know (new since) go at the end in vote order.
        var position = Order.Select((id, i) => (id, i)).DistinctBy(x => x.id).ToDictionary(x => x.id, x => x.i);
        Themes = candidates.OrderBy(t => position.GetValueOrDefault(t.ThemeId, int.MaxValue)).ToList();
        return true;
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        // A first suggestion: the themes the workshop voted for are in.
        Include = Themes.Where(t => t.Votes > 0).Select(t => t.ThemeId).ToList();
        return Page();
    }

    public async Task<IActionResult> OnPostMoveAsync(string move, CancellationToken ct)
    {
        var parts = (move ?? "").Split(':');
        if (parts.Length == 2 && Guid.TryParse(parts[1], out var themeId) && Order.IndexOf(themeId) is var i and >= 0)
        {
            var j = parts[0] == "up" ? i - 1 : i + 1;
            if (j >= 0 && j < Order.Count) (Order[i], Order[j]) = (Order[j], Order[i]);
            else j = i;
            // Focus returns to the button pressed, or to its twin when the theme reached the end and that one is disabled.
            var atEnd = parts[0] == "up" ? j == 0 : j == Order.Count - 1;
            FocusButton = $"{(atEnd ? (parts[0] == "up" ? "down" : "up") : parts[0])}-{themeId}";
        }
        if (!await LoadAsync(ct)) return NotFound();
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        var chosen = Themes.Where(t => Include.Contains(t.ThemeId))
            .Select(t => new ChosenTheme(t.ThemeId, t.Quotes.Where(q => Quote.Contains(q.CodingId)).Select(q => q.CodingId).ToList()))
            .ToList();
        var result = await reports.CreateAsync(ProjectId, new CreateReportRequest(ReportTitle, chosen), ReportsService.BaseUrl(Request), User.PersonId(), ct);
        if (result.Report is { } created) return Redirect($"/projects/{ProjectId}/reports/{created.Summary.Id}");
        Errors = result.Errors ?? new() { [""] = [] };
        return Page();
    }
}
