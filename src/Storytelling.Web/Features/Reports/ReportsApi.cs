using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Reports;
using Storytelling.Core.Stories;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Reports;

public sealed record CreateReportRequest(string? Title, IReadOnlyList<ChosenTheme>? Themes);

public sealed record UpdateMarkdownRequest(int BaseVersion, string? Markdown);

public sealed record ReportSummaryDto(Guid Id, string Title, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset GeneratedAt, bool Stale, DateTimeOffset? StaleAt, string? StaleReason, Guid? RegeneratedFromId, int Themes, int Quotes);

public sealed record ReportQuoteDto(Guid CodingId, Guid StoryId, int Position);

public sealed record ReportThemeDto(Guid ThemeId, int Position, IReadOnlyList<ReportQuoteDto> Quotes);

public sealed record ReportDto(ReportSummaryDto Summary, string Markdown, IReadOnlyList<ReportThemeDto> Themes, IReadOnlyList<Guid> NewerReportIds);

/// <summary>
/// Theme reports for policy officers and facilitators (the export policy): draft from chosen themes and quotes, edit
/// the Markdown, regenerate, and download as Markdown, HTML or Word.
/// </summary>
public static partial class ReportsApi
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Report {ReportId} drafted in project {ProjectId} with {QuoteCount} quotes")]
    private static partial void LogDrafted(ILogger logger, Guid reportId, Guid projectId, int quoteCount);

    public const int MaxTitleLength = 200;
    /// <summary>About 100 pages of text; a report longer than that is not a memo section any more.</summary>
    public const int MaxMarkdownLength = 200_000;

    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/reports").RequireAuthorization(Policies.Export).WithTags("Reports");
        group.MapGet("/", List);
        group.MapGet("/candidates", async (Guid projectId, ReportDrafting drafting, CancellationToken ct) =>
            TypedResults.Ok(await drafting.CandidatesAsync(projectId, ct)));
        group.MapPost("/", Create);
        group.MapGet("/{reportId:guid}", Get);
        group.MapPut("/{reportId:guid}/markdown", UpdateMarkdown);
        group.MapPost("/{reportId:guid}/regenerate", Regenerate);
        group.MapGet("/{reportId:guid}.md", Markdown);
        group.MapGet("/{reportId:guid}.html", Html);
        group.MapGet("/{reportId:guid}.docx", Docx);
        group.MapDelete("/{reportId:guid}", Delete);
        return group;
    }

    public static IServiceCollection AddStorytellingReports(this IServiceCollection services) =>
        services.AddScoped<ReportDrafting>().AddScoped<ReportWithdrawalListener>()
            .AddScoped<IStoryWithdrawalListener>(sp => sp.GetRequiredService<ReportWithdrawalListener>())
            .AddScoped<IStoryConsentListener>(sp => sp.GetRequiredService<ReportWithdrawalListener>());

    /// <summary>The address the links in a report point to: this request's scheme, host and base path.</summary>
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static async Task<Ok<List<ReportSummaryDto>>> List(Guid projectId, StorytellingDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ListAsync(db, projectId, ct));

    public static async Task<List<ReportSummaryDto>> ListAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct) =>
        (await db.Reports.AsNoTracking().Where(r => r.ProjectId == projectId)
            .Select(r => new ReportSummaryDto(r.Id, r.Title, r.Version, r.CreatedAt, r.UpdatedAt, r.GeneratedAt, r.StaleAt != null, r.StaleAt,
                r.StaleReason, r.RegeneratedFromId, r.Themes.Count, r.Quotes.Count))
            .ToListAsync(ct))
        .OrderByDescending(r => r.UpdatedAt).ToList();

    public static async Task<Results<Created<ReportDto>, ValidationProblem>> Create(Guid projectId, CreateReportRequest request, HttpContext http,
        StorytellingDbContext db, ReportDrafting drafting, TimeProvider time, ILoggerFactory logs, CancellationToken ct)
    {
        var title = string.IsNullOrWhiteSpace(request.Title) ? "Wat bewoners ons vertelden" : request.Title.Trim();
        if (title.Length > MaxTitleLength)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["title"] = [$"Een titel kan hoogstens {MaxTitleLength} tekens hebben."] });
        var report = await NewReportAsync(db, drafting, projectId, title, request.Themes, BaseUrl(http.Request), http.User.PersonId(), null, time, ct);
        if (report.Errors is not null) return TypedResults.ValidationProblem(report.Errors);
        var (reportId, quoteCount) = (report.Report!.Id, report.Report.Quotes.Count);
        var logger = logs.CreateLogger(typeof(ReportsApi));
        LogDrafted(logger, reportId, projectId, quoteCount);
        return TypedResults.Created($"/api/projects/{projectId}/reports/{report.Report!.Id}", await ToDtoAsync(db, report.Report, ct));
    }

    private static async Task<(Report? Report, Dictionary<string, string[]>? Errors)> NewReportAsync(StorytellingDbContext db, ReportDrafting drafting,
        Guid projectId, string title, IReadOnlyList<ChosenTheme>? themes, string baseUrl, Guid? me, Guid? from, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var draft = await drafting.DraftAsync(projectId, title, themes, baseUrl, now, ct);
        if (draft.Errors is not null) return (null, draft.Errors);
        var report = new Report
        {
            ProjectId = projectId, Title = title, Markdown = draft.Markdown!, CreatedByPersonId = me, CreatedAt = now,
            UpdatedByPersonId = me, UpdatedAt = now, GeneratedAt = now, RegeneratedFromId = from,
            Themes = themes!.Select((t, i) => new ReportTheme { ThemeId = t.ThemeId, Position = i }).ToList(),
            Quotes = [.. draft.Quotes],
        };
        db.Reports.Add(report);
        db.Record(time, from is null ? "report.created" : "report.regenerated", me, projectId, "report", report.Id);
        await db.SaveChangesAsync(ct);
        return (report, null);
    }

    private static Task<Report?> FindAsync(StorytellingDbContext db, Guid projectId, Guid reportId, CancellationToken ct, bool tracking = false)
    {
        var query = db.Reports.Include(r => r.Themes).Include(r => r.Quotes).Where(r => r.Id == reportId && r.ProjectId == projectId);
        return (tracking ? query : query.AsNoTracking()).SingleOrDefaultAsync(ct);
    }

    public static async Task<ReportDto> ToDtoAsync(StorytellingDbContext db, Report r, CancellationToken ct)
    {
        var newer = await db.Reports.AsNoTracking().Where(x => x.RegeneratedFromId == r.Id).OrderBy(x => x.CreatedAt).Select(x => x.Id).ToListAsync(ct);
        return new ReportDto(
            new ReportSummaryDto(r.Id, r.Title, r.Version, r.CreatedAt, r.UpdatedAt, r.GeneratedAt, r.StaleAt != null, r.StaleAt, r.StaleReason,
                r.RegeneratedFromId, r.Themes.Count, r.Quotes.Count),
            r.Markdown,
            r.Themes.OrderBy(t => t.Position).Select(t => new ReportThemeDto(t.ThemeId, t.Position,
                r.Quotes.Where(q => q.ThemeId == t.ThemeId).OrderBy(q => q.Position).Select(q => new ReportQuoteDto(q.CodingId, q.StoryId, q.Position)).ToList())).ToList(),
            newer);
    }

    public static async Task<Results<Ok<ReportDto>, NotFound>> Get(Guid projectId, Guid reportId, StorytellingDbContext db, CancellationToken ct) =>
        await FindAsync(db, projectId, reportId, ct) is { } report ? TypedResults.Ok(await ToDtoAsync(db, report, ct)) : TypedResults.NotFound();

    public static async Task<Results<Ok<ReportDto>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateMarkdown(Guid projectId, Guid reportId,
        UpdateMarkdownRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (request.Markdown is null || request.Markdown.Length > MaxMarkdownLength)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["markdown"] = [$"De tekst moet er zijn en kan hoogstens {MaxMarkdownLength} tekens hebben."] });
        var report = await FindAsync(db, projectId, reportId, ct, tracking: true);
        if (report is null) return TypedResults.NotFound();
        var me = http.User.PersonId();
        // A guarded UPDATE: only the version the editor started from may be replaced, so two editors never overwrite each other.
        var changed = await db.Reports.Where(r => r.Id == reportId && r.Version == request.BaseVersion)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Markdown, request.Markdown).SetProperty(r => r.Version, r => r.Version + 1)
                .SetProperty(r => r.UpdatedAt, time.GetUtcNow()).SetProperty(r => r.UpdatedByPersonId, me), ct);
        if (changed == 0)
            return TypedResults.Problem(
                $"Je bewerkte versie {request.BaseVersion}, maar de laatste is versie {report.Version}. Laad het rapport opnieuw en breng je wijziging daarin aan.",
                statusCode: StatusCodes.Status409Conflict, title: "Iemand anders heeft dit rapport intussen bewaard.",
                extensions: new Dictionary<string, object?> { ["latestVersion"] = report.Version });
        db.Record(time, "report.edited", me, projectId, "report", reportId);
        await db.SaveChangesAsync(ct);
        await db.Entry(report).ReloadAsync(ct);
        return TypedResults.Ok(await ToDtoAsync(db, report, ct));
    }

    /// <summary>A fresh draft from the same choices, without what was withdrawn since; the old report stays as it was, so edits are never lost.</summary>
    public static async Task<Results<Created<ReportDto>, NotFound, ValidationProblem>> Regenerate(Guid projectId, Guid reportId, HttpContext http,
        StorytellingDbContext db, ReportDrafting drafting, TimeProvider time, CancellationToken ct)
    {
        var old = await FindAsync(db, projectId, reportId, ct);
        if (old is null) return TypedResults.NotFound();
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
        var created = await NewReportAsync(db, drafting, projectId, old.Title, themes, BaseUrl(http.Request), http.User.PersonId(), old.Id, time, ct);
        if (created.Errors is not null) return TypedResults.ValidationProblem(created.Errors);
        return TypedResults.Created($"/api/projects/{projectId}/reports/{created.Report!.Id}", await ToDtoAsync(db, created.Report, ct));
    }

    private static async Task<IResult> Markdown(Guid projectId, Guid reportId, StorytellingDbContext db, CancellationToken ct) =>
        await FindAsync(db, projectId, reportId, ct) is { } r
            ? TypedResults.File(Encoding.UTF8.GetBytes(r.Markdown), "text/markdown; charset=utf-8", FileName(r, "md"))
            : TypedResults.NotFound();

    private static async Task<IResult> Html(Guid projectId, Guid reportId, StorytellingDbContext db, CancellationToken ct)
    {
        if (await FindAsync(db, projectId, reportId, ct) is not { } r) return TypedResults.NotFound();
        var page = $$"""
            <!DOCTYPE html>
            <html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{System.Net.WebUtility.HtmlEncode(r.Title)}}</title>
            <style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}blockquote{border-left:4px solid #6b7a99;margin:1rem 0;padding:.25rem 1rem;font-style:italic}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.25rem .5rem}</style>
            </head><body>
            {{ReportMarkdown.ToSafeHtml(r.Markdown)}}
            </body></html>
            """;
        // The body is sanitised, and the CSP forbids scripts outright, so a report opened from disk or the server cannot run code.
        return new HtmlFile(page, FileName(r, "html"));
    }

    private static async Task<IResult> Docx(Guid projectId, Guid reportId, StorytellingDbContext db, CancellationToken ct)
    {
        if (await FindAsync(db, projectId, reportId, ct) is not { } r) return TypedResults.NotFound();
        var buffer = new MemoryStream();
        ReportDocx.Write(buffer, r.Markdown, r.Title, r.UpdatedAt);
        buffer.Position = 0;
        return TypedResults.File(buffer, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", FileName(r, "docx"));
    }

    private static async Task<Results<NoContent, NotFound>> Delete(Guid projectId, Guid reportId, HttpContext http, StorytellingDbContext db,
        TimeProvider time, CancellationToken ct)
    {
        var deleted = await db.Reports.Where(r => r.Id == reportId && r.ProjectId == projectId).ExecuteDeleteAsync(ct);
        if (deleted == 0) return TypedResults.NotFound();
        db.Record(time, "report.deleted", http.User.PersonId(), projectId, "report", reportId);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>A file name from the title with only letters, digits and dashes, so no header or path trick survives.</summary>
    public static string FileName(Report r, string extension)
    {
        var name = new string(r.Title.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        while (name.Contains("--", StringComparison.Ordinal)) name = name.Replace("--", "-", StringComparison.Ordinal);
        return (name.Length == 0 ? "rapport" : name[..Math.Min(name.Length, 80)]) + "." + extension;
    }

    private sealed class HtmlFile(string html, string fileName) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'";
            http.Response.Headers.ContentDisposition = $"inline; filename=\"{fileName}\"";
            return http.Response.WriteAsync(html, http.RequestAborted);
        }
    }
}
