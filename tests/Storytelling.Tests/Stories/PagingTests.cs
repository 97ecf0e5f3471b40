using System.Net;
using System.Net.Http.Json;
using Storytelling.Core.Projects;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Workspace;

namespace Storytelling.Tests.Stories;

/// <summary>Paging never wraps round: a page past the last is empty (the total still says how many there are), a page
/// number below 1 or a page size outside 1..200 is refused naming the parameter.</summary>
public sealed class PagingTests(TranscriptWorld world) : IClassFixture<TranscriptWorld>
{
    private HttpClient Facilitator => world.Clients["begeleider"];

    private async Task<Guid> ProjectWithStoriesAsync(params string[] tellers)
    {
        var projectId = (await world.App.CreateProjectAsync("Pagina's " + Guid.NewGuid().ToString("N")[..6], (world.People["begeleider"], ProjectRole.Begeleider))).Id;
        foreach (var teller in tellers) await AnalysisSeed.StoryAsync(world.App, projectId, teller, ["Een verhaal over werk."]);
        return projectId;
    }

    [Theory]
    [InlineData("page=2147483647")]
    [InlineData("page=2147483647&pageSize=200")]
    [InlineData("page=2147483646&pageSize=2")]
    [InlineData("page=43000000&pageSize=50")]
    [InlineData("page=3&pageSize=2")]
    public async Task A_page_past_the_last_is_empty_and_never_the_first_page(string query)
    {
        var projectId = await ProjectWithStoriesAsync("Anna", "Bram", "Cem");

        var response = await Facilitator.GetAsync($"/api/projects/{projectId}/stories?{query}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty((await response.Content.ReadFromJsonAsync<List<StoryRef>>(TestJson.Options))!);
        Assert.Equal("3", response.Headers.GetValues("X-Total-Count").Single());
    }

    [Fact]
    public async Task The_last_page_holds_the_rest()
    {
        var projectId = await ProjectWithStoriesAsync("Anna", "Bram", "Cem");

        var stories = await Facilitator.GetFromJsonAsync<List<StoryRef>>($"/api/projects/{projectId}/stories?page=2&pageSize=2", TestJson.Options);

        Assert.Equal(["Anna"], stories!.Select(s => s.TellerPseudonym));
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=-1", "page")]
    [InlineData("page=-2147483648", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=2147483647", "pageSize")]
    public async Task A_page_below_one_or_a_page_size_out_of_range_is_refused(string query, string field)
    {
        var response = await Facilitator.GetAsync($"/api/projects/{world.ProjectId}/stories?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_project_page_pages_and_far_past_the_last_page_lists_no_story_and_links_back_to_the_last()
    {
        // 51 stories: page 1 holds the 50 newest, page 2 the oldest.
        var projectId = await ProjectWithStoriesAsync(Enumerable.Range(0, 51).Select(i => $"Teller {i:00}").ToArray());

        var first = await Facilitator.GetStringAsync($"/projects/{projectId}/stories");
        var second = await Facilitator.GetStringAsync($"/projects/{projectId}/stories?page=2");
        var far = await Facilitator.GetAsync($"/projects/{projectId}/stories?page=2147483647");
        var notANumber = await Facilitator.GetStringAsync($"/projects/{projectId}/stories?page=99999999999");

        Assert.Contains(">Teller 50</a>", first, StringComparison.Ordinal);
        Assert.DoesNotContain(">Teller 00</a>", first, StringComparison.Ordinal);
        Assert.Contains(">Teller 00</a>", second, StringComparison.Ordinal);
        Assert.DoesNotContain(">Teller 50</a>", second, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, far.StatusCode);
        var html = await far.Content.ReadAsStringAsync();
        Assert.DoesNotContain(">Teller ", html, StringComparison.Ordinal);
        Assert.Contains("page=2#stories", html, StringComparison.Ordinal);
        // A number too large for a page number is refused like page 0: the first page, with the page's own error.
        Assert.Contains(">Teller 50</a>", notANumber, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", notANumber, StringComparison.Ordinal);
    }

    private sealed record StoryRef(Guid Id, string TellerPseudonym);
}
