using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Persistence;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Demo;

namespace Storytelling.BrowserTests;

/// <summary>The browser app with the demo project loaded, as a newcomer finds it after infra/run.sh.</summary>
public sealed class DemoFixture : BrowserFixture
{
    public const string Password = "demo-Browser-password-1";
    public Guid ProjectId { get; private set; }
    public Guid ReportId { get; private set; }
    public Guid SessionId { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = App.Services.CreateAsyncScope();
        var loader = ActivatorUtilities.CreateInstance<DemoLoader>(scope.ServiceProvider);
        var result = await loader.LoadAsync(Path.Combine(Repo.Root, "samples", "werk", "demo.json"), Password, BaseUrl, CancellationToken.None);
        ProjectId = result.ProjectId;
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        ReportId = await db.Reports.Where(r => r.ProjectId == ProjectId).Select(r => r.Id).SingleAsync();
        SessionId = await db.WorkshopSessions.Where(w => w.ProjectId == ProjectId).Select(w => w.Id).SingleAsync();
    }
}

/// <summary>
/// The pages whose numbers and charts issue 16 put right, on the demo project at phone and laptop width: the codebook
/// (parent counts, disclosure triangles), the tussenruimte and rounds charts, the finished report with its charts and
/// the closed workshop's board. Each page passes axe and is no wider than the viewport.
/// </summary>
public sealed class NumbersAndChartsPageTests(DemoFixture demo) : IClassFixture<DemoFixture>
{
    private const string Facilitator = "begeleider@demo.storytelling.local";

    private async Task<IPage> SignedInAsync(int width, int height)
    {
        var page = await demo.NewPageAsync(width, height);
        await page.SignInAsync(Facilitator, DemoFixture.Password);
        return page;
    }

    private static async Task CheckAsync(IPage page, string name, int width)
    {
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"{name}-{width}");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"{name} is {scrollWidth} px wide at a {width} px viewport");
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task The_codebook_counts_a_parent_with_its_sub_themes_and_its_disclosures_show_a_triangle(int width, int height)
    {
        var page = await SignedInAsync(width, height);
        await page.GotoAsync($"/projects/{demo.ProjectId}/codebook");
        var parent = page.Locator("ul.themes > li.theme:has(> ul.subthemes)").First;
        await Assertions.Expect(parent.Locator(":scope > .theme-head .counts.subtree")).ToContainTextAsync("met subthema’s:");
        var marker = await parent.Locator(":scope > details > summary").First.EvaluateAsync<string>("s => getComputedStyle(s, '::before').content");
        Assert.Equal("\"▸\"", marker);
        await CheckAsync(page, "codebook-counts", width);
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task The_tussenruimte_and_rounds_pages_draw_their_charts_above_the_tables(int width, int height)
    {
        var page = await SignedInAsync(width, height);
        await page.GotoAsync($"/projects/{demo.ProjectId}/tussenruimte");
        await Assertions.Expect(page.Locator("figure.page-chart svg[role=img] title")).ToHaveTextAsync("Verhalen per thema: bij hoeveel verhalen bewoners en professionals het thema gaven");
        await CheckAsync(page, "tussenruimte-chart", width);

        await page.GotoAsync($"/projects/{demo.ProjectId}/rounds");
        await Assertions.Expect(page.Locator("figure.page-chart svg[role=img]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("figure.page-chart svg text").First).ToHaveTextAsync("Eerste ophaalronde");
        await CheckAsync(page, "rounds-chart", width);
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task The_demo_report_is_a_finished_beleidsnota_with_three_charts(int width, int height)
    {
        var page = await SignedInAsync(width, height);
        await page.GotoAsync($"/projects/{demo.ProjectId}/reports/{demo.ReportId}");
        await Assertions.Expect(page.Locator(".report-body figure.report-chart svg")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator(".report-body")).Not.ToContainTextAsync("Grafiek: Verhalen per thema, naar wie het thema gaf\n|");
        // A header keeps its words whole: "Verhalen" is one line, as wide as the word.
        var header = page.Locator(".report-body th", new() { HasText = "Verhalen" }).First;
        var lines = await header.EvaluateAsync<double>("th => th.getBoundingClientRect().height / parseFloat(getComputedStyle(th).lineHeight || '20')");
        Assert.True(lines < 2, $"the header 'Verhalen' wraps over {lines:0.0} lines");
        await CheckAsync(page, "demo-report", width);
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task A_closed_session_board_offers_no_spotlight_and_lists_unused_themes_in_one_line(int width, int height)
    {
        var page = await SignedInAsync(width, height);
        await page.GotoAsync($"/projects/{demo.ProjectId}/workshops/{demo.SessionId}/board");
        await Assertions.Expect(page.Locator("#board")).ToHaveAttributeAsync("data-ready", "true");
        await Assertions.Expect(page.Locator(".theme-card").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".quotes blockquote").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "In de schijnwerper", Exact = false })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#themes button")).ToHaveCountAsync(0);
        // No passage twice on one card.
        var texts = await page.Locator(".theme-card").EvaluateAllAsync<string[][]>("cards => cards.map(c => [...c.querySelectorAll('blockquote')].map(b => b.textContent))");
        Assert.All(texts, card => Assert.Equal(card.Length, card.Distinct().Count()));
        await CheckAsync(page, "board-closed", width);
    }
}
