using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Reports;

namespace Storytelling.Tests.Reports;

/// <summary>
/// Two projects with the same team: a report, theme or quote of project B named under project A is not found or
/// refused — by the service itself, through the API and through the page — and B's report stays as it was.
/// </summary>
public sealed class ReportOwnershipTests(ReportWorld world) : IClassFixture<ReportWorld>
{
    private HttpClient Officer => world.Clients["beleidsmedewerker"];

    private async Task<T> WithServiceAsync<T>(Func<ReportsService, Task<T>> action)
    {
        await using var scope = world.App.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ReportsService>());
    }

    private async Task AssertUnchangedAsync(ReportDto b, Guid projectA)
    {
        await world.App.WithDbAsync(async db =>
        {
            var stored = await db.Reports.AsNoTracking().SingleAsync(r => r.Id == b.Summary.Id);
            Assert.Equal(b.Summary.Version, stored.Version);
            Assert.Equal(b.Markdown, stored.Markdown);
            Assert.Equal(0, await db.Reports.CountAsync(r => r.ProjectId == projectA));
            Assert.Equal(0, await db.AuditLog.CountAsync(a => a.ProjectId == projectA && EF.Functions.Like(a.Action, "report.%")));
        });
    }

    [Fact]
    public async Task The_service_does_not_find_another_projects_report_and_refuses_its_themes_and_quotes()
    {
        var a = await world.NewProjectAsync();
        var b = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(b);
        var me = world.People["beleidsmedewerker"];

        Assert.Null(await WithServiceAsync(s => s.GetAsync(a.ProjectId, report.Summary.Id, CancellationToken.None)));
        Assert.Null(await WithServiceAsync(s => s.FindAsync(a.ProjectId, report.Summary.Id, CancellationToken.None)));
        Assert.True((await WithServiceAsync(s => s.UpdateMarkdownAsync(a.ProjectId, report.Summary.Id,
            new UpdateMarkdownRequest(report.Summary.Version, "# Overschreven"), me, CancellationToken.None))).NotFound);
        Assert.True((await WithServiceAsync(s => s.RegenerateAsync(a.ProjectId, report.Summary.Id, "http://localhost", me, CancellationToken.None))).NotFound);
        Assert.False(await WithServiceAsync(s => s.DeleteAsync(a.ProjectId, report.Summary.Id, me, CancellationToken.None)));
        Assert.DoesNotContain(await WithServiceAsync(s => s.ListAsync(a.ProjectId, CancellationToken.None)), r => r.Id == report.Summary.Id);

        // B's theme under A, and B's quote under A's own theme: refused by field, nothing drafted.
        var foreignTheme = await WithServiceAsync(s => s.CreateAsync(a.ProjectId,
            new CreateReportRequest("X", [new ChosenTheme(b.Money, [])]), "http://localhost", me, CancellationToken.None));
        Assert.Null(foreignTheme.Report);
        Assert.Contains(b.Money.ToString(), Assert.Single(foreignTheme.Errors!["themes"]));
        var foreignQuote = await WithServiceAsync(s => s.CreateAsync(a.ProjectId,
            new CreateReportRequest("X", [new ChosenTheme(a.Money, [b.TessaMoney])]), "http://localhost", me, CancellationToken.None));
        Assert.Null(foreignQuote.Report);
        Assert.Equal($"{b.TessaMoney} is geen fragment van dit thema in dit project.", Assert.Single(foreignQuote.Errors!["codingIds"]));
        // A's quote under A's other theme is no better.
        var wrongTheme = await WithServiceAsync(s => s.CreateAsync(a.ProjectId,
            new CreateReportRequest("X", [new ChosenTheme(a.Belonging, [a.TessaMoney])]), "http://localhost", me, CancellationToken.None));
        Assert.True(wrongTheme.Errors!.ContainsKey("codingIds"));

        await AssertUnchangedAsync(report, a.ProjectId);
    }

    [Fact]
    public async Task Through_the_api_another_projects_report_is_404_and_its_themes_and_quotes_are_refused()
    {
        var a = await world.NewProjectAsync();
        var b = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(b);
        var crossed = $"/api/projects/{a.ProjectId}/reports/{report.Summary.Id}";

        Assert.Equal(HttpStatusCode.NotFound, (await Officer.GetAsync(crossed)).StatusCode);
        foreach (var download in new[] { ".md", ".html", ".docx" })
            Assert.Equal(HttpStatusCode.NotFound, (await Officer.GetAsync(crossed + download)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await Officer.PutAsJsonAsync($"{crossed}/markdown", new UpdateMarkdownRequest(report.Summary.Version, "# Overschreven"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Officer.PostAsync($"{crossed}/regenerate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Officer.DeleteAsync(crossed)).StatusCode);

        foreach (var (field, themes) in new (string, ChosenTheme[])[]
        {
            ("themes", [new ChosenTheme(b.Money, [b.TessaMoney])]),
            ("themes", [new ChosenTheme(a.Money, []), new ChosenTheme(b.Belonging, [])]),
            ("codingIds", [new ChosenTheme(a.Money, [b.TessaMoney])]),
            ("codingIds", [new ChosenTheme(a.Belonging, [a.TessaBelonging, b.NoorBelonging])]),
        })
        {
            var response = await Officer.PostAsJsonAsync($"/api/projects/{a.ProjectId}/reports", new CreateReportRequest("X", themes));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), field);
        }

        await AssertUnchangedAsync(report, a.ProjectId);
        // B's own door still works: the report was only out of reach, not damaged.
        Assert.Equal(HttpStatusCode.OK, (await Officer.GetAsync($"/api/projects/{b.ProjectId}/reports/{report.Summary.Id}")).StatusCode);
    }

    [Fact]
    public async Task Through_the_page_another_projects_report_is_404_and_a_save_or_regeneration_changes_nothing()
    {
        var a = await world.NewProjectAsync();
        var b = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(b);
        var crossed = $"/projects/{a.ProjectId}/reports/{report.Summary.Id}";
        Assert.Equal(HttpStatusCode.NotFound, (await Officer.GetAsync(crossed)).StatusCode);

        // Any page of project A gives the officer a valid antiforgery token for the posts.
        var listPage = await Officer.GetStringAsync($"/projects/{a.ProjectId}/reports");
        var save = await Forms.PostAsync(Officer, crossed, listPage, "Save",
            new() { ["baseVersion"] = report.Summary.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), ["markdown"] = "# Overschreven" });
        Assert.Equal(HttpStatusCode.NotFound, save.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Forms.PostAsync(Officer, crossed, listPage, "Regenerate", new())).StatusCode);

        await AssertUnchangedAsync(report, a.ProjectId);
    }
}
