using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>The project's audio retention period, set by whoever manages the project; the same validation as
/// <c>PUT /api/projects/{id}</c>, through <see cref="ProjectInput"/>.</summary>
[Authorize(Policy = Policies.ManageProject)]
public sealed class RetentionModel(StorytellingDbContext db, TimeProvider time) : ProjectPageModel
{
    [BindProperty] public string? Days { get; set; }

    public string ProjectName { get; private set; } = "";
    public int? CurrentDays { get; private set; }
    public int Deleted { get; private set; }
    /// <summary>A resource key of the page (Retention.resx).</summary>
    public string? Error { get; private set; }
    public bool Saved { get; private set; }
    public int? SavedDays { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == ProjectId, ct);
        if (project is null) return NotFound();
        int? days = null;
        if (!string.IsNullOrWhiteSpace(Days))
        {
            if (!int.TryParse(Days.Trim(), out var parsed))
            {
                Error = "ErrorNotANumber";
                await LoadAsync(ct);
                return Page();
            }
            days = parsed;
        }
        var input = new ProjectInput(project.Name, project.GuidingQuestion, project.DefaultLanguage, project.AllowedLanguages, project.Phase,
            project.MaxRecordingBytes, project.MaxRecordingSeconds, project.AllowVideo, days);
        if (input.Validate().ContainsKey("audioRetentionDays"))
        {
            Error = "ErrorOutOfRange";
            await LoadAsync(ct);
            return Page();
        }
        project.AudioRetentionDays = days;
        db.Record(time, "project.updated", User.PersonId(), project.Id, "project", project.Id);
        await db.SaveChangesAsync(ct);
        await LoadAsync(ct);
        Saved = true;
        SavedDays = days;
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId)
            .Select(p => new { p.Name, p.AudioRetentionDays }).FirstOrDefaultAsync(ct);
        if (project is null) return false;
        ProjectName = project.Name;
        CurrentDays = project.AudioRetentionDays;
        Days ??= CurrentDays?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Deleted = await db.Recordings.CountAsync(r => r.Story!.ProjectId == ProjectId && r.AudioDeletedAt != null, ct);
        return true;
    }
}
