using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Core.Workshops;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Stories;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Workspace;

/// <summary>
/// Stories, transcripts, the tussenruimte and workshops are read and changed only in the project the address names.
/// The facilitator belongs to both projects, so every role check passes and only the services' ownership checks
/// stand between project A's address and project B's data.
/// </summary>
public sealed class StoryOwnershipTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private Project _a = null!, _b = null!;
    private Guid _facilitatorId, _themeA, _themeB, _storyA, _storyB;
    private HttpClient _facilitator = null!;

    public async Task InitializeAsync()
    {
        _app = await new TestApp().MigrateAsync();
        var f = await _app.CreatePersonAsync("begeleider@example.org");
        var r = await _app.CreatePersonAsync("bewoner@example.org");
        _facilitatorId = f.Id;
        _a = await _app.CreateProjectAsync("Houten", (f.Id, ProjectRole.Begeleider), (r.Id, ProjectRole.Bewoner));
        _b = await _app.CreateProjectAsync("Elders", (f.Id, ProjectRole.Begeleider), (r.Id, ProjectRole.Bewoner));
        _themeA = await AnalysisSeed.ThemeAsync(_app, _a.Id, "Werk");
        _themeB = await AnalysisSeed.ThemeAsync(_app, _b.Id, "Wonen");
        _storyA = await AnalysisSeed.StoryAsync(_app, _a.Id, "Karim", ["Ik zoek al twee jaar werk."]);
        _storyB = await AnalysisSeed.StoryAsync(_app, _b.Id, "Noor", ["Mijn huis is te klein."]);
        await AnalysisSeed.CodingAsync(_app, _a.Id, _storyA, _themeA, 0, 6, f.Id, ProjectRole.Begeleider);
        await AnalysisSeed.CodingAsync(_app, _a.Id, _storyA, _themeA, 0, 6, r.Id, ProjectRole.Bewoner);
        await AnalysisSeed.CodingAsync(_app, _b.Id, _storyB, _themeB, 0, 9, f.Id, ProjectRole.Begeleider);
        await AnalysisSeed.CodingAsync(_app, _b.Id, _storyB, _themeB, 0, 9, r.Id, ProjectRole.Bewoner);
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<T> WithAsync<TService, T>(Func<TService, Task<T>> action) where TService : notnull
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }

    [Fact]
    public async Task Filtering_stories_by_another_projects_theme_is_refused_on_the_api_and_the_stories_page()
    {
        var result = await WithAsync<StoriesService, StorySearchResult>(s => s.SearchAsync(_a.Id, _facilitatorId, new StoryFilter(ThemeId: _themeB), default));
        var own = await WithAsync<StoriesService, StorySearchResult>(s => s.SearchAsync(_a.Id, _facilitatorId, new StoryFilter(ThemeId: _themeA), default));
        var overApi = await _facilitator.GetAsync($"/api/projects/{_a.Id}/stories?themeId={_themeB}");
        var page = WebUtility.HtmlDecode(await _facilitator.GetStringAsync($"/projects/{_a.Id}/stories?themeId={_themeB}"));

        Assert.Equal(["themeId"], result.Errors!.Keys);
        Assert.Equal(_storyA, Assert.Single(own.Page!.Items).Id);
        Assert.Equal(HttpStatusCode.BadRequest, overApi.StatusCode);
        Assert.Contains("Deze filter klopt niet; alle verhalen staan hieronder.", page);
        Assert.Contains("Karim", page);
        Assert.DoesNotContain("Noor", page);
    }

    [Fact]
    public async Task Another_projects_story_under_this_projects_address_is_not_found_and_not_corrected()
    {
        Assert.Null(await WithAsync<TranscriptService, Core.Stories.Story?>(s => s.FindStoryAsync(_a.Id, _storyB, default)));
        Assert.NotNull(await WithAsync<TranscriptService, Core.Stories.Story?>(s => s.FindStoryAsync(_b.Id, _storyB, default)));

        var story = $"/projects/{_a.Id}/stories/{_storyB}";
        var api = $"/api/projects/{_a.Id}/stories/{_storyB}";
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.GetAsync(story)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.GetAsync($"{api}/transcript")).StatusCode);
        var correction = await _facilitator.PostAsJsonAsync($"{api}/corrections",
            new { baseVersion = 1, segments = new[] { new { startMs = 0, endMs = 4000, text = "Overgeschreven." } } });
        var speaker = await _facilitator.PutAsJsonAsync($"{api}/segments/0/speaker", new { baseVersion = 1, speakerLabel = "Spreker 2" });
        Assert.Equal(HttpStatusCode.NotFound, correction.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, speaker.StatusCode);

        await _app.WithDbAsync(async db =>
        {
            var versions = await db.Transcripts.AsNoTracking().Where(t => t.StoryId == _storyB).Include(t => t.Segments).ToListAsync();
            var only = Assert.Single(versions);
            Assert.Equal("Mijn huis is te klein.", Assert.Single(only.Segments).Text);
            Assert.Null(Assert.Single(only.Segments).SpeakerLabel);
        });
    }

    [Fact]
    public async Task The_tussenruimte_of_a_project_counts_only_its_own_themes_and_stories()
    {
        var a = await WithAsync<TussenruimteService, TussenruimteDto>(s => s.ComputeAsync(_a.Id, default));
        var overApi = await _facilitator.GetFromJsonAsync<TussenruimteDto>($"/api/projects/{_a.Id}/tussenruimte", TestJson.Options);

        var theme = Assert.Single(a.Themes);
        Assert.Equal(_themeA, theme.Id);
        Assert.Equal((1, 1), (theme.ResidentCodings, theme.ProfessionalCodings));
        Assert.DoesNotContain(a.Differences, d => d.StoryId == _storyB);
        Assert.Equal(_themeA, Assert.Single(overApi!.Themes).Id);
        var page = WebUtility.HtmlDecode(await _facilitator.GetStringAsync($"/projects/{_a.Id}/tussenruimte"));
        Assert.Contains("Werk", page);
        Assert.DoesNotContain("Wonen", page);
    }

    [Fact]
    public async Task Another_projects_workshop_cannot_be_shown_or_closed_under_this_projects_address()
    {
        var (opened, _) = await WithAsync<WorkshopService, (WorkshopDto?, Dictionary<string, string[]>?)>(
            s => s.OpenAsync(_b.Id, new OpenWorkshopRequest("Avond in Elders", 3), _facilitatorId, "http://localhost", default));
        var sessionB = opened!.Id;

        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.GetAsync($"/projects/{_a.Id}/workshops/{sessionB}/board")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.GetAsync($"/api/projects/{_a.Id}/workshops/{sessionB}/board")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PostAsync($"/api/projects/{_a.Id}/workshops/{sessionB}/close", null)).StatusCode);
        var pagePath = $"/projects/{_a.Id}/workshops";
        var page = await _facilitator.GetStringAsync(pagePath);
        Assert.DoesNotContain("Avond in Elders", page);
        await Forms.PostAsync(_facilitator, pagePath, page, "Close", new() { ["sessionId"] = sessionB.ToString() });

        await _app.WithDbAsync(async db =>
            Assert.Null((await db.WorkshopSessions.AsNoTracking().SingleAsync(s => s.Id == sessionB)).ClosedAt));
        Assert.Equal(HttpStatusCode.OK, (await _facilitator.GetAsync($"/projects/{_b.Id}/workshops/{sessionB}/board")).StatusCode);
    }
}
