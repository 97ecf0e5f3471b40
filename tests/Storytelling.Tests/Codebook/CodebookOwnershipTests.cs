using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Codebook;
using Storytelling.Web.Features.Exchange;

namespace Storytelling.Tests.Codebook;

/// <summary>
/// The codebook service changes only the project the caller took from the address. The facilitator here belongs to
/// both projects, the hardest case: every role check passes, so only the ownership check can keep B's codebook apart.
/// </summary>
public sealed class CodebookOwnershipTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private Project _a = null!, _b = null!;
    private Guid _facilitatorId;
    private Guid _themeA, _themeB, _storyA, _storyB, _codingA, _codingB;
    private HttpClient _facilitator = null!;

    public async Task InitializeAsync()
    {
        _app = await new TestApp().MigrateAsync();
        var f = await _app.CreatePersonAsync("begeleider@example.org");
        _facilitatorId = f.Id;
        _a = await _app.CreateProjectAsync("Houten", (f.Id, ProjectRole.Begeleider));
        _b = await _app.CreateProjectAsync("Elders", (f.Id, ProjectRole.Begeleider));
        _themeA = await AnalysisSeed.ThemeAsync(_app, _a.Id, "Werk");
        _themeB = await AnalysisSeed.ThemeAsync(_app, _b.Id, "Wonen");
        _storyA = await AnalysisSeed.StoryAsync(_app, _a.Id, "Karim", ["Ik zoek al twee jaar werk."]);
        _storyB = await AnalysisSeed.StoryAsync(_app, _b.Id, "Noor", ["Mijn huis is te klein."]);
        _codingA = await AnalysisSeed.CodingAsync(_app, _a.Id, _storyA, _themeA, 0, 6, f.Id, ProjectRole.Begeleider);
        _codingB = await AnalysisSeed.CodingAsync(_app, _b.Id, _storyB, _themeB, 0, 9, f.Id, ProjectRole.Begeleider);
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<T> WithServiceAsync<T>(Func<CodebookService, Task<T>> action)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<CodebookService>());
    }

    private async Task<(List<Theme> Themes, List<Coding> Codings, int Events)> ProjectBAsync()
    {
        (List<Theme>, List<Coding>, int) state = default;
        await _app.WithDbAsync(async db => state = (
            await db.Themes.AsNoTracking().Where(t => t.ProjectId == _b.Id).OrderBy(t => t.Name).ToListAsync(),
            await db.Codings.AsNoTracking().Where(c => c.Theme!.ProjectId == _b.Id).ToListAsync(),
            await db.ThemeEvents.CountAsync(e => e.ProjectId == _b.Id)));
        return state;
    }

    [Fact]
    public async Task Another_projects_theme_cannot_become_the_parent_of_a_new_or_moved_theme()
    {
        var proposed = await WithServiceAsync(s => s.ProposeAsync(_a.Id, new ProposeThemeRequest("Vrijwilligerswerk", null, null, null, _themeB), _facilitatorId, default));
        var moved = await WithServiceAsync(s => s.EditAsync(_a.Id, _themeA, new EditThemeRequest(null, null, null, null, _themeB), _facilitatorId, default));
        var overApi = await _facilitator.PostAsJsonAsync($"/api/projects/{_a.Id}/themes", new { name = "Vrijwilligerswerk", parentId = _themeB });

        Assert.Contains("parentId", proposed.Errors!.Keys);
        Assert.Contains("parentId", moved!.Errors!.Keys);
        Assert.Equal(HttpStatusCode.BadRequest, overApi.StatusCode);
        Assert.Contains("parentId", await overApi.Content.ReadAsStringAsync());
        var a = await WithServiceAsync(s => s.ListAsync(_a.Id, default));
        Assert.Equal("Werk", Assert.Single(a).Name);
        Assert.Null(a[0].ParentId);
        var b = await ProjectBAsync();
        Assert.Equal(_themeB, Assert.Single(b.Themes).Id);
        Assert.Equal(0, b.Events);
    }

    [Fact]
    public async Task Merging_into_another_projects_theme_is_refused_and_moves_no_coding()
    {
        var result = await WithServiceAsync(s => s.MergeAsync(_a.Id, _themeA, new MergeThemeRequest(_themeB), _facilitatorId, default));

        Assert.Equal(["intoThemeId"], result!.Errors!.Keys);
        var b = await ProjectBAsync();
        Assert.Equal(_codingB, Assert.Single(b.Codings).Id);
        Assert.Equal(0, b.Events);
        var a = Assert.Single(await WithServiceAsync(s => s.ListAsync(_a.Id, default)));
        Assert.Null(a.MergedIntoId);
        Assert.Equal(1, a.CodingCount);
    }

    [Fact]
    public async Task A_split_cannot_take_codings_of_another_project()
    {
        var result = await WithServiceAsync(s => s.SplitAsync(_a.Id, _themeA,
            new SplitThemeRequest("Betaald werk", null, null, null, [_codingA, _codingB]), _facilitatorId, default));
        var overApi = await _facilitator.PostAsJsonAsync($"/api/projects/{_a.Id}/themes/{_themeA}/split", new { name = "Betaald werk", codingIds = new[] { _codingB } });

        Assert.Equal(["codingIds"], result!.Errors!.Keys);
        Assert.Equal(HttpStatusCode.BadRequest, overApi.StatusCode);
        var b = await ProjectBAsync();
        var coding = Assert.Single(b.Codings);
        Assert.Equal(_themeB, coding.ThemeId);
        Assert.Equal(0, b.Events);
        Assert.Single(await WithServiceAsync(s => s.ListAsync(_a.Id, default)));
    }

    [Fact]
    public async Task Another_projects_theme_under_this_projects_address_is_not_found_by_service_api_and_page()
    {
        Assert.Null(await WithServiceAsync(s => s.EditAsync(_a.Id, _themeB, new EditThemeRequest("Overgenomen", null, null, null, null), _facilitatorId, default)));
        Assert.Null(await WithServiceAsync(s => s.MergeAsync(_a.Id, _themeB, new MergeThemeRequest(_themeA), _facilitatorId, default)));
        Assert.Null(await WithServiceAsync(s => s.SplitAsync(_a.Id, _themeB, new SplitThemeRequest("Deel", null, null, null, [_codingB]), _facilitatorId, default)));
        Assert.Null(await WithServiceAsync(s => s.HistoryAsync(_a.Id, _themeB, default)));

        var themes = $"/api/projects/{_a.Id}/themes";
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PatchAsJsonAsync($"{themes}/{_themeB}", new { name = "Overgenomen" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PostAsJsonAsync($"{themes}/{_themeB}/merge", new { intoThemeId = _themeA })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.GetAsync($"{themes}/{_themeB}/history")).StatusCode);

        var pagePath = $"/projects/{_a.Id}/codebook";
        var page = await _facilitator.GetStringAsync(pagePath);
        var edit = await Forms.PostAsync(_facilitator, pagePath, page, "Edit", new() { ["themeId"] = _themeB.ToString(), ["name"] = "Overgenomen", ["colour"] = "#808080" });
        var merge = await Forms.PostAsync(_facilitator, pagePath, page, "Merge", new() { ["themeId"] = _themeB.ToString(), ["intoThemeId"] = _themeA.ToString() });
        Assert.Equal(HttpStatusCode.NotFound, edit.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, merge.StatusCode);

        var b = await ProjectBAsync();
        var theme = Assert.Single(b.Themes);
        Assert.Equal("Wonen", theme.Name);
        Assert.Null(theme.MergedIntoId);
        Assert.Equal(_themeB, Assert.Single(b.Codings).ThemeId);
        Assert.Equal(0, b.Events);
    }

    [Fact]
    public async Task The_codebook_page_refuses_another_projects_theme_as_parent_and_shows_why()
    {
        var pagePath = $"/projects/{_a.Id}/codebook";
        var page = await _facilitator.GetStringAsync(pagePath);
        var response = await Forms.PostAsync(_facilitator, pagePath, page, "Propose", new() { ["name"] = "Vrijwilligerswerk", ["parentId"] = _themeB.ToString() });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Een thema valt onder een actief thema uit dit codeboek", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        Assert.Single(await WithServiceAsync(s => s.ListAsync(_a.Id, default)));
        Assert.Single((await ProjectBAsync()).Themes);
    }

    [Fact]
    public async Task A_codebook_file_carrying_another_projects_theme_ids_makes_new_themes_in_this_project_only()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var exchange = scope.ServiceProvider.GetRequiredService<ExchangeService>();
        var file = await exchange.ExportCodebookAsync(_b.Id, default);
        await using var qdc = file!.Content;

        var result = await exchange.ImportCodebookAsync(_a.Id, qdc, _facilitatorId, default);

        Assert.Equal(new CodebookImportDto(1, 0), result.Imported);
        var a = await WithServiceAsync(s => s.ListAsync(_a.Id, default));
        Assert.Equal(["Werk", "Wonen"], a.Select(t => t.Name));
        Assert.DoesNotContain(a, t => t.Id == _themeB);
        var b = await ProjectBAsync();
        Assert.Equal(_themeB, Assert.Single(b.Themes).Id);
        Assert.Equal(_themeB, Assert.Single(b.Codings).ThemeId);
        Assert.Equal(0, b.Events);
    }
}
