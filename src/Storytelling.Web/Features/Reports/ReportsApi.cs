using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Storytelling.Web.Features.Reports.Charts;
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
/// the Markdown, regenerate, and download as Markdown, HTML or Word. The endpoints map <see cref="ReportsService"/>'s
/// results to HTTP; the rules live in the service.
/// </summary>
public static class ReportsApi
{
    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/reports").RequireAuthorization(Policies.Export).WithTags("Reports");
        group.MapGet("/", List);
        group.MapGet("/candidates", Candidates);
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

    private static async Task<Ok<List<ReportSummaryDto>>> List(Guid projectId, ReportsService reports, CancellationToken ct) =>
        TypedResults.Ok(await reports.ListAsync(projectId, ct));

    private static async Task<Ok<List<ThemeCandidateDto>>> Candidates(Guid projectId, ReportsService reports, CancellationToken ct) =>
        TypedResults.Ok(await reports.CandidatesAsync(projectId, ct));

    private static async Task<Results<Created<ReportDto>, ValidationProblem>> Create(Guid projectId, CreateReportRequest request, HttpContext http,
        ReportsService reports, CancellationToken ct)
    {
        var result = await reports.CreateAsync(projectId, request, ReportsService.BaseUrl(http.Request), http.User.PersonId(), ct);
        if (result.Report is not { } report) return TypedResults.ValidationProblem(result.Errors!);
        return TypedResults.Created($"/api/projects/{projectId}/reports/{report.Summary.Id}", report);
    }

    private static async Task<Results<Ok<ReportDto>, NotFound>> Get(Guid projectId, Guid reportId, ReportsService reports, CancellationToken ct) =>
        await reports.GetAsync(projectId, reportId, ct) is { } report ? TypedResults.Ok(report) : TypedResults.NotFound();

    private static async Task<Results<Ok<ReportDto>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateMarkdown(Guid projectId, Guid reportId,
        UpdateMarkdownRequest request, HttpContext http, ReportsService reports, CancellationToken ct)
    {
        var result = await reports.UpdateMarkdownAsync(projectId, reportId, request, http.User.PersonId(), ct);
        if (result.Report is { } report) return TypedResults.Ok(report);
        if (result.NotFound) return TypedResults.NotFound();
        if (result.LatestVersion is { } latest)
            return TypedResults.Problem(
                $"Je bewerkte versie {request.BaseVersion}, maar de laatste is versie {latest}. Laad het rapport opnieuw en breng je wijziging daarin aan.",
                statusCode: StatusCodes.Status409Conflict, title: "Iemand anders heeft dit rapport intussen bewaard.",
                extensions: new Dictionary<string, object?> { ["latestVersion"] = latest });
        return TypedResults.ValidationProblem(result.Errors!);
    }

    private static async Task<Results<Created<ReportDto>, NotFound, ValidationProblem>> Regenerate(Guid projectId, Guid reportId, HttpContext http,
        ReportsService reports, CancellationToken ct)
    {
        var result = await reports.RegenerateAsync(projectId, reportId, ReportsService.BaseUrl(http.Request), http.User.PersonId(), ct);
        if (result.NotFound) return TypedResults.NotFound();
        if (result.Report is not { } report) return TypedResults.ValidationProblem(result.Errors!);
        return TypedResults.Created($"/api/projects/{projectId}/reports/{report.Summary.Id}", report);
    }

    private static async Task<IResult> Markdown(Guid projectId, Guid reportId, ReportsService reports, CancellationToken ct) =>
        await reports.FindAsync(projectId, reportId, ct) is { } r
            ? TypedResults.File(Encoding.UTF8.GetBytes(r.Markdown), "text/markdown; charset=utf-8", ReportsService.FileName(r, "md"))
            : TypedResults.NotFound();

    private static async Task<IResult> Html(Guid projectId, Guid reportId, ReportsService reports, CancellationToken ct)
    {
        if (await reports.FindAsync(projectId, reportId, ct) is not { } r) return TypedResults.NotFound();
        var body = ReportCharts.ToHtml(r.Markdown, await reports.ThemeColoursAsync(projectId, ct));
        var page = $$"""
            <!DOCTYPE html>
            <html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{System.Net.WebUtility.HtmlEncode(r.Title)}}</title>
            <style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}blockquote{border-left:4px solid #6b7a99;margin:1rem 0;padding:.25rem 1rem;font-style:italic}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.25rem .5rem}th{hyphens:manual;word-break:normal;overflow-wrap:normal}.table-scroll{overflow-x:auto;max-width:100%}figure{margin:1.5rem 0 .5rem}svg.chart{max-width:100%;height:auto}figcaption{font-weight:600}.footnote-back-ref{margin-inline-start:.35em;text-decoration:none}</style>
            </head><body>
            {{body}}
            </body></html>
            """;
        // The body is sanitised, and the CSP forbids scripts outright, so a report opened from disk or the server cannot run code.
        return new HtmlFile(page, ReportsService.FileName(r, "html"));
    }

    private static async Task<IResult> Docx(Guid projectId, Guid reportId, ReportsService reports, CancellationToken ct)
    {
        if (await reports.FindAsync(projectId, reportId, ct) is not { } r) return TypedResults.NotFound();
        var buffer = new MemoryStream();
        ReportDocx.Write(buffer, r.Markdown, r.Title, r.UpdatedAt, await reports.ThemeColoursAsync(projectId, ct));
        buffer.Position = 0;
        return TypedResults.File(buffer, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ReportsService.FileName(r, "docx"));
    }

    private static async Task<Results<NoContent, NotFound>> Delete(Guid projectId, Guid reportId, HttpContext http, ReportsService reports,
        CancellationToken ct) =>
        await reports.DeleteAsync(projectId, reportId, http.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();

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
