using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Reports;
using Storytelling.Core.Stories;

namespace Storytelling.Web.Features.Reports;

/// <summary>
/// What a report operation came to: the report, or why not — field errors (a 400), not found in this project (a 404),
/// or, for an edit, someone else's newer version (<see cref="LatestVersion"/>, a 409).
/// </summary>
public sealed record ReportResult(ReportDto? Report, Dictionary<string, string[]>? Errors = null, bool NotFound = false, int? LatestVersion = null)
{
    public static ReportResult Missing { get; } = new(null, NotFound: true);

    public static ReportResult Invalid(string field, string message) => new(null, new() { [field] = [message] });
}

/// <summary>
/// The report operations of one project, for the API and the pages alike. The project id is the one the caller's
/// address named and the policy checked; every report, theme and coding an operation touches must belong to it —
/// one of another project is not found (a report) or refused by field (themes, quotes), and stays as it was.
/// </summary>
public sealed partial class ReportsService(StorytellingDbContext db, ReportDrafting drafting, TimeProvider time, ILogger<ReportsService> logger)
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Report {ReportId} drafted in project {ProjectId} with {QuoteCount} quotes")]
    private static partial void LogDrafted(ILogger logger, Guid reportId, Guid projectId, int quoteCount);

    public const int MaxTitleLength = 200;
    /// <summary>About 100 pages of text; a report longer than that is not a memo section any more.</summary>
    public const int MaxMarkdownLength = 200_000;
    public const string DefaultTitle = "Wat bewoners ons vertelden";

    /// <summary>The address the links in a report point to: this request's scheme, host and base path.</summary>
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    public async Task<List<ReportSummaryDto>> ListAsync(Guid projectId, CancellationToken ct) =>
        (await db.Reports.AsNoTracking().Where(r => r.ProjectId == projectId)
            .Select(r => new ReportSummaryDto(r.Id, r.Title, r.Version, r.CreatedAt, r.UpdatedAt, r.GeneratedAt, r.StaleAt != null, r.StaleAt,
                r.StaleReason, r.RegeneratedFromId, r.Themes.Count, r.Quotes.Count))
            .ToListAsync(ct))
        .OrderByDescending(r => r.UpdatedAt).ToList();

    public Task<List<ThemeCandidateDto>> CandidatesAsync(Guid projectId, CancellationToken ct) => drafting.CandidatesAsync(projectId, ct);

    /// <summary>The codebook colour of each active theme by name, for the charts a report draws from its tables.</summary>
    public async Task<Dictionary<string, string>> ThemeColoursAsync(Guid projectId, CancellationToken ct) =>
        (await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null).Select(t => new { t.Name, t.Colour }).ToListAsync(ct))
        .GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Colour, StringComparer.OrdinalIgnoreCase);

    /// <summary>The report, or null when there is none with this id in this project.</summary>
    public async Task<ReportDto?> GetAsync(Guid projectId, Guid reportId, CancellationToken ct) =>
        await FindAsync(projectId, reportId, ct) is { } report ? await ToDtoAsync(report, ct) : null;

    /// <summary>The stored report for a download, or null when there is none with this id in this project.</summary>
    public Task<Report?> FindAsync(Guid projectId, Guid reportId, CancellationToken ct) =>
        WithChoices(ReportOfProject(projectId, reportId)).AsNoTracking().SingleOrDefaultAsync(ct);

    public async Task<ReportResult> CreateAsync(Guid projectId, CreateReportRequest request, string baseUrl, Guid? by, CancellationToken ct)
    {
        var title = string.IsNullOrWhiteSpace(request.Title) ? DefaultTitle : request.Title.Trim();
        if (title.Length > MaxTitleLength) return ReportResult.Invalid("title", $"Een titel kan hoogstens {MaxTitleLength} tekens hebben.");
        var created = await NewReportAsync(projectId, title, request.Themes, baseUrl, by, null, ct);
        if (created.Report is { } report) LogDrafted(logger, report.Summary.Id, projectId, report.Summary.Quotes);
        return created;
    }

    /// <summary>
    /// Replaces the report's text, but only the version the editor started from (a guarded UPDATE), so two editors
    /// never overwrite each other: the later one gets the latest version number back.
    /// </summary>
    public async Task<ReportResult> UpdateMarkdownAsync(Guid projectId, Guid reportId, UpdateMarkdownRequest request, Guid? by, CancellationToken ct)
    {
        if (request.Markdown is null || request.Markdown.Length > MaxMarkdownLength)
            return ReportResult.Invalid("markdown", $"De tekst moet er zijn en kan hoogstens {MaxMarkdownLength} tekens hebben.");
        var report = await WithChoices(ReportOfProject(projectId, reportId)).SingleOrDefaultAsync(ct);
        if (report is null) return ReportResult.Missing;
        var changed = await ReportOfProject(projectId, reportId).Where(r => r.Version == request.BaseVersion)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Markdown, request.Markdown).SetProperty(r => r.Version, r => r.Version + 1)
                .SetProperty(r => r.UpdatedAt, time.GetUtcNow()).SetProperty(r => r.UpdatedByPersonId, by), ct);
        if (changed == 0) return new ReportResult(null, LatestVersion: report.Version);
        db.Record(time, "report.edited", by, projectId, "report", reportId);
        await db.SaveChangesAsync(ct);
        await db.Entry(report).ReloadAsync(ct);
        return new ReportResult(await ToDtoAsync(report, ct));
    }

    /// <summary>A fresh draft from the same choices, without what was withdrawn since; the old report stays as it was, so edits are never lost.</summary>
    public async Task<ReportResult> RegenerateAsync(Guid projectId, Guid reportId, string baseUrl, Guid? by, CancellationToken ct)
    {
        var old = await FindAsync(projectId, reportId, ct);
        if (old is null) return ReportResult.Missing;
        var activeThemes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null).Select(t => t.Id).ToListAsync(ct);
        var codings = await db.Codings.AsNoTracking()
            .Where(c => c.Theme!.ProjectId == projectId && (c.Transcript!.Story!.Consent.Scopes & ConsentScopes.QuotesInReports) == ConsentScopes.QuotesInReports)
            .Select(c => new { c.Id, c.ThemeId }).ToListAsync(ct);
        var stillThere = codings.ToHashSet();
        // Themes merged away and quotes whose story, coding or consent is gone drop out; the rest keep their order.
        var themes = old.Themes.OrderBy(t => t.Position).Where(t => activeThemes.Contains(t.ThemeId))
            .Select(t => new ChosenTheme(t.ThemeId, old.Quotes.Where(q => q.ThemeId == t.ThemeId).OrderBy(q => q.Position)
                .Where(q => stillThere.Contains(new { Id = q.CodingId, t.ThemeId })).Select(q => q.CodingId).ToList()))
            .ToList();
        return await NewReportAsync(projectId, old.Title, themes, baseUrl, by, old.Id, ct);
    }

    /// <summary>Deletes the report; false when there is none with this id in this project.</summary>
    public async Task<bool> DeleteAsync(Guid projectId, Guid reportId, Guid? by, CancellationToken ct)
    {
        var deleted = await ReportOfProject(projectId, reportId).ExecuteDeleteAsync(ct);
        if (deleted == 0) return false;
        db.Record(time, "report.deleted", by, projectId, "report", reportId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>A file name from the title with only letters, digits and dashes, so no header or path trick survives.</summary>
    public static string FileName(Report r, string extension)
    {
        var name = new string(r.Title.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        while (name.Contains("--", StringComparison.Ordinal)) name = name.Replace("--", "-", StringComparison.Ordinal);
        return (name.Length == 0 ? "rapport" : name[..Math.Min(name.Length, 80)]) + "." + extension;
    }

    // ---- ownership: every id an operation takes is looked up within the project ----

    /// <summary>The report with this id, only if it is one of this project's: the one filter every report operation goes through.</summary>
    private IQueryable<Report> ReportOfProject(Guid projectId, Guid reportId) => db.Reports.Where(r => r.Id == reportId && r.ProjectId == projectId);

    private static IQueryable<Report> WithChoices(IQueryable<Report> reports) => reports.Include(r => r.Themes).Include(r => r.Quotes);

    /// <summary>
    /// Checks a choice of themes and quotes before anything is drafted: its shape, that every theme is an active theme
    /// of this project's codebook, and that every quote is a coding of that theme in this project from a story whose
    /// teller allowed quotes. Ids of another project are refused like unknown ones, by field, never drafted.
    /// </summary>
    private async Task<Dictionary<string, string[]>?> CheckChoiceAsync(Guid projectId, IReadOnlyList<ChosenTheme>? chosen, CancellationToken ct)
    {
        static Dictionary<string, string[]> Refuse(string field, params string[] messages) => new() { [field] = messages };
        if (chosen is null || chosen.Count == 0) return Refuse("themes", "Kies minstens één thema.");
        if (chosen.Count > ReportDrafting.MaxThemes) return Refuse("themes", $"Een rapport kan hoogstens {ReportDrafting.MaxThemes} thema's hebben.");
        if (chosen.Select(c => c.ThemeId).Distinct().Count() != chosen.Count) return Refuse("themes", "Elk thema mag maar één keer in het rapport staan.");
        if (chosen.Any(c => c.CodingIds is { Count: > ReportDrafting.MaxQuotesPerTheme }))
            return Refuse("codingIds", $"Kies per thema hoogstens {ReportDrafting.MaxQuotesPerTheme} citaten.");
        if (chosen.Any(c => c.CodingIds is { } ids && ids.Distinct().Count() != ids.Count))
            return Refuse("codingIds", "Een citaat staat twee keer bij hetzelfde thema.");

        var themeIds = chosen.Select(c => c.ThemeId).ToList();
        var known = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null && themeIds.Contains(t.Id))
            .Select(t => t.Id).ToListAsync(ct);
        var unknown = themeIds.Except(known).ToList();
        if (unknown.Count > 0) return Refuse("themes", $"Deze thema's staan niet (meer) in het codeboek van dit project: {string.Join(", ", unknown)}.");

        var codingIds = chosen.SelectMany(c => c.CodingIds ?? []).Distinct().ToList();
        var codings = new Dictionary<Guid, (Guid ThemeId, ConsentScopes Scopes)>();
        // Chunked so a long report stays within every provider's parameter limit.
        foreach (var chunk in codingIds.Chunk(500))
        {
            var rows = await db.Codings.AsNoTracking()
                .Where(c => chunk.Contains(c.Id) && c.Theme!.ProjectId == projectId && c.Transcript!.Story!.ProjectId == projectId)
                .OfAnalysableStories()
                .Select(c => new { c.Id, c.ThemeId, c.Transcript!.Story!.Consent.Scopes }).ToListAsync(ct);
            foreach (var row in rows) codings[row.Id] = (row.ThemeId, row.Scopes);
        }
        var refused = new List<string>();
        foreach (var c in chosen)
        {
            foreach (var id in c.CodingIds ?? [])
            {
                if (!codings.TryGetValue(id, out var row) || row.ThemeId != c.ThemeId)
                    refused.Add($"{id} is geen fragment van dit thema in dit project.");
                else if (!row.Scopes.HasFlag(ConsentScopes.QuotesInReports))
                    refused.Add($"{id} komt uit een verhaal waarvan de verteller geen toestemming gaf voor citaten in rapporten.");
            }
        }
        return refused.Count > 0 ? Refuse("codingIds", [.. refused]) : null;
    }

    private async Task<ReportResult> NewReportAsync(Guid projectId, string title, IReadOnlyList<ChosenTheme>? themes, string baseUrl, Guid? by,
        Guid? from, CancellationToken ct)
    {
        if (await CheckChoiceAsync(projectId, themes, ct) is { } errors) return new ReportResult(null, errors);
        var now = time.GetUtcNow();
        var draft = await drafting.DraftAsync(projectId, title, themes!, baseUrl, now, ct);
        var report = new Report
        {
            ProjectId = projectId, Title = title, Markdown = draft.Markdown, CreatedByPersonId = by, CreatedAt = now,
            UpdatedByPersonId = by, UpdatedAt = now, GeneratedAt = now, RegeneratedFromId = from,
            Themes = themes!.Select((t, i) => new ReportTheme { ThemeId = t.ThemeId, Position = i }).ToList(),
            Quotes = [.. draft.Quotes],
        };
        db.Reports.Add(report);
        db.Record(time, from is null ? "report.created" : "report.regenerated", by, projectId, "report", report.Id);
        await db.SaveChangesAsync(ct);
        return new ReportResult(await ToDtoAsync(report, ct));
    }

    private async Task<ReportDto> ToDtoAsync(Report r, CancellationToken ct)
    {
        var newer = await db.Reports.AsNoTracking().Where(x => x.RegeneratedFromId == r.Id && x.ProjectId == r.ProjectId)
            .OrderBy(x => x.CreatedAt).Select(x => x.Id).ToListAsync(ct);
        return new ReportDto(
            new ReportSummaryDto(r.Id, r.Title, r.Version, r.CreatedAt, r.UpdatedAt, r.GeneratedAt, r.StaleAt != null, r.StaleAt, r.StaleReason,
                r.RegeneratedFromId, r.Themes.Count, r.Quotes.Count),
            r.Markdown,
            r.Themes.OrderBy(t => t.Position).Select(t => new ReportThemeDto(t.ThemeId, t.Position,
                r.Quotes.Where(q => q.ThemeId == t.ThemeId).OrderBy(q => q.Position).Select(q => new ReportQuoteDto(q.CodingId, q.StoryId, q.Position)).ToList())).ToList(),
            newer);
    }
}
