using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Reports;
using Storytelling.Web.Features.Reports.Charts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>One report: edit its Markdown, see the sanitised preview, download it, regenerate it; a stale report says why.</summary>
[Authorize(Policy = Policies.Export)]
public sealed class ReportModel(StorytellingDbContext db, ReportsService reports) : ProjectPageModel
{
    public Guid ReportId => RouteId("reportId");

    public string ProjectName { get; private set; } = "";
    public ReportDto Report { get; private set; } = null!;
    /// <summary>The text in the editor: the saved one, or, after a refused save, what the person typed (never lost).</summary>
    public string EditorText { get; private set; } = "";
    public int BaseVersion { get; private set; }
    public string PreviewHtml { get; private set; } = "";
    /// <summary>Sentences the service gave for a refused regeneration (Dutch; other languages show <c>ErrorRegenerate</c>).</summary>
    public List<string> Errors { get; } = [];
    /// <summary>Problems worded by this page's resources: a key of Report.resx and its arguments.</summary>
    public List<(string Key, object[] Args)> ErrorKeys { get; } = [];
    /// <summary>The key of the notice to show (its words are in Report.resx).</summary>
    public string? Message { get; private set; }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var name = await db.Projects.Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return false;
        ProjectName = name;
        if (await reports.GetAsync(ProjectId, ReportId, ct) is not { } report) return false;
        Report = report;
        EditorText = Report.Markdown;
        BaseVersion = Report.Summary.Version;
        PreviewHtml = ReportCharts.ToHtml(Report.Markdown, await reports.ThemeColoursAsync(ProjectId, ct));
        return true;
    }

    public async Task<IActionResult> OnGetAsync(bool saved, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (saved) Message = "Saved";
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(int baseVersion, string? markdown, CancellationToken ct)
    {
        var result = await reports.UpdateMarkdownAsync(ProjectId, ReportId, new UpdateMarkdownRequest(baseVersion, markdown?.ReplaceLineEndings("\n")),
            User.PersonId(), ct);
        if (result.NotFound) return NotFound();
        if (result.Report is not null) return Redirect($"/projects/{ProjectId}/reports/{ReportId}?saved=true");
        if (!await LoadAsync(ct)) return NotFound();
        EditorText = markdown ?? "";
        if (result.LatestVersion is { } latest)
        {
            ErrorKeys.Add(("ErrorConflict", [baseVersion, latest]));
            BaseVersion = baseVersion;
        }
        // The only validation problem of a save is the text's length.
        else ErrorKeys.Add(("ErrorMarkdown", [ReportsService.MaxMarkdownLength]));
        return Page();
    }

    public async Task<IActionResult> OnPostRegenerateAsync(CancellationToken ct)
    {
        var result = await reports.RegenerateAsync(ProjectId, ReportId, ReportsService.BaseUrl(Request), User.PersonId(), ct);
        if (result.Report is { } created) return Redirect($"/projects/{ProjectId}/reports/{created.Summary.Id}");
        if (result.NotFound) return NotFound();
        if (!await LoadAsync(ct)) return NotFound();
        Errors.AddRange((result.Errors ?? []).SelectMany(e => e.Value));
        return Page();
    }
}
