using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Reports;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>One report: edit its Markdown, see the sanitised preview, download it, regenerate it; a stale report says why.</summary>
[Authorize(Policy = Policies.Export)]
public sealed class ReportModel(StorytellingDbContext db, ReportDrafting drafting, TimeProvider time) : ProjectPageModel
{
    public Guid ReportId => RouteId("reportId");

    public string ProjectName { get; private set; } = "";
    public ReportDto Report { get; private set; } = null!;
    /// <summary>The text in the editor: the saved one, or, after a refused save, what the person typed (never lost).</summary>
    public string EditorText { get; private set; } = "";
    public int BaseVersion { get; private set; }
    public string PreviewHtml { get; private set; } = "";
    /// <summary>Sentences the API gave for a refused regeneration (Dutch; other languages show <c>ErrorRegenerate</c>).</summary>
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
        if ((await ReportsApi.Get(ProjectId, ReportId, db, ct)).Result is not Ok<ReportDto> ok) return false;
        Report = ok.Value!;
        EditorText = Report.Markdown;
        BaseVersion = Report.Summary.Version;
        PreviewHtml = ReportMarkdown.ToSafeHtml(Report.Markdown);
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
        var result = await ReportsApi.UpdateMarkdown(ProjectId, ReportId, new UpdateMarkdownRequest(baseVersion, markdown?.ReplaceLineEndings("\n")),
            HttpContext, db, time, ct);
        switch (result.Result)
        {
            case Microsoft.AspNetCore.Http.HttpResults.NotFound: return NotFound();
            case Ok<ReportDto>: return Redirect($"/projects/{ProjectId}/reports/{ReportId}?saved=true");
        }
        if (!await LoadAsync(ct)) return NotFound();
        EditorText = markdown ?? "";
        // The only validation problem of a save is the text's length.
        if (result.Result is ValidationProblem) ErrorKeys.Add(("ErrorMarkdown", [ReportsApi.MaxMarkdownLength]));
        if (result.Result is ProblemHttpResult conflict)
        {
            var latest = conflict.ProblemDetails.Extensions.TryGetValue("latestVersion", out var v) ? v : Report.Summary.Version;
            ErrorKeys.Add(("ErrorConflict", [baseVersion, latest ?? Report.Summary.Version]));
            BaseVersion = baseVersion;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostRegenerateAsync(CancellationToken ct)
    {
        var result = await ReportsApi.Regenerate(ProjectId, ReportId, HttpContext, db, drafting, time, ct);
        switch (result.Result)
        {
            case Created<ReportDto> created: return Redirect($"/projects/{ProjectId}/reports/{created.Value!.Summary.Id}");
            case Microsoft.AspNetCore.Http.HttpResults.NotFound: return NotFound();
        }
        if (!await LoadAsync(ct)) return NotFound();
        if (result.Result is ValidationProblem problem) Errors.AddRange(problem.ProblemDetails.Errors.SelectMany(e => e.Value));
        return Page();
    }
}
