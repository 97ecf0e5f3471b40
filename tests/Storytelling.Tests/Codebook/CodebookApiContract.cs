using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Codebook;

namespace Storytelling.Tests.Codebook;

/// <summary>The shared codebook: proposing for everyone who analyses, reshaping for the facilitator, history for all.
/// Runs on SQLite and PostgreSQL (merge uses a transaction and bulk updates).</summary>
public abstract class CodebookApiContract : IAsyncLifetime
{
    protected abstract TestApp NewApp();

    private TestApp _app = null!;
    private Project _project = null!;
    private Project _other = null!;
    private Guid _facilitatorId;
    private HttpClient _facilitator = null!, _resident = null!, _officer = null!, _interviewer = null!;
    private string Themes => $"/api/projects/{_project.Id}/themes";

    public virtual async Task InitializeAsync()
    {
        _app = await NewApp().MigrateAsync();
        var f = await _app.CreatePersonAsync("begeleider@example.org", name: "Femke");
        var r = await _app.CreatePersonAsync("bewoner@example.org");
        var o = await _app.CreatePersonAsync("beleid@example.org");
        var i = await _app.CreatePersonAsync("interviewer@example.org");
        _facilitatorId = f.Id;
        _project = await _app.CreateProjectAsync("Houten", (f.Id, ProjectRole.Begeleider), (r.Id, ProjectRole.Bewoner),
            (o.Id, ProjectRole.Beleidsmedewerker), (i.Id, ProjectRole.Interviewer));
        _other = await _app.CreateProjectAsync("Elders", (f.Id, ProjectRole.Begeleider));
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
        _resident = await _app.SignedInClientAsync("bewoner@example.org");
        _officer = await _app.SignedInClientAsync("beleid@example.org");
        _interviewer = await _app.SignedInClientAsync("interviewer@example.org");
    }

    public virtual Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<ThemeDto> ProposeAsync(HttpClient client, string name, Guid? parentId = null, string? colour = null, ThemeKind? kind = null)
    {
        var response = await client.PostAsJsonAsync(Themes, new { name, parentId, colour, kind }, TestJson.Options);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ThemeDto>(TestJson.Options))!;
    }

    private async Task<List<ThemeEventDto>> HistoryAsync(Guid themeId) =>
        (await _resident.GetFromJsonAsync<List<ThemeEventDto>>($"{Themes}/{themeId}/history", TestJson.Options))!;

    private async Task<List<ThemeDto>> ListAsync() => (await _officer.GetFromJsonAsync<List<ThemeDto>>(Themes, TestJson.Options))!;

    [Fact]
    public async Task Residents_and_officers_propose_themes_with_a_proposed_event_but_an_interviewer_may_not()
    {
        var byResident = await ProposeAsync(_resident, "Geen vervoer", kind: ThemeKind.Knelpunt, colour: "#aa3300");
        await ProposeAsync(_officer, "Taalcafé", kind: ThemeKind.Kracht);
        Assert.Equal("#AA3300", byResident.Colour);

        var history = await HistoryAsync(byResident.Id);
        Assert.Equal(ThemeEventKind.Proposed, Assert.Single(history).Kind);
        Assert.Equal(HttpStatusCode.Forbidden, (await _interviewer.PostAsJsonAsync(Themes, new { name = "Mag niet" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _interviewer.GetAsync(Themes)).StatusCode);
    }

    [Fact]
    public async Task Only_the_facilitator_renames_merges_and_splits()
    {
        var a = await ProposeAsync(_resident, "Werk");
        var b = await ProposeAsync(_resident, "Arbeid");
        foreach (var client in new[] { _resident, _officer, _interviewer })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PatchAsJsonAsync($"{Themes}/{a.Id}", new { name = "X" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"{Themes}/{a.Id}/merge", new { intoThemeId = b.Id })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"{Themes}/{a.Id}/split", new { name = "Y" })).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PatchAsJsonAsync($"{Themes}/{a.Id}", new { name = "Betaald werk" })).StatusCode);
        Assert.Equal(["Arbeid", "Betaald werk"], (await ListAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task Rename_and_edits_are_kept_in_the_history_with_who_did_it()
    {
        var theme = await ProposeAsync(_resident, "Werk");
        var response = await _facilitator.PatchAsJsonAsync($"{Themes}/{theme.Id}",
            new { name = "Betaald werk", colour = "#00ff00", kind = "Wens", description = "Werk waar je voor betaald wordt" }, TestJson.Options);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var history = await HistoryAsync(theme.Id);
        Assert.Equal([ThemeEventKind.Proposed, ThemeEventKind.Renamed, ThemeEventKind.Edited], history.Select(e => e.Kind));
        var renamed = history[1];
        Assert.Equal(("Werk", "Betaald werk", "Femke"), (renamed.Before, renamed.After, renamed.ByName));
        var now = Assert.Single(await ListAsync());
        Assert.Equal(("#00FF00", ThemeKind.Wens, "Werk waar je voor betaald wordt"), (now.Colour, now.Kind, now.Description));
    }

    [Fact]
    public async Task A_theme_moves_in_the_tree_but_never_under_itself_or_its_own_descendant()
    {
        var root = await ProposeAsync(_resident, "Werk");
        var child = await ProposeAsync(_resident, "Vrijwilligerswerk", root.Id);
        var grandchild = await ProposeAsync(_resident, "Buurthuis", child.Id);
        var other = await ProposeAsync(_resident, "Geld");

        var loop = await _facilitator.PatchAsJsonAsync($"{Themes}/{root.Id}", new { parentId = grandchild.Id });
        Assert.Equal(HttpStatusCode.BadRequest, loop.StatusCode);
        Assert.Contains("under itself or under one of its own sub-themes", await loop.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PatchAsJsonAsync($"{Themes}/{root.Id}", new { parentId = root.Id })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PatchAsJsonAsync($"{Themes}/{child.Id}", new { parentId = other.Id })).StatusCode);
        var list = await ListAsync();
        Assert.Equal(["Geld", "Vrijwilligerswerk", "Buurthuis", "Werk"], list.Select(t => t.Name));
        Assert.Equal([0, 1, 2, 0], list.Select(t => t.Depth));
        Assert.Contains(await HistoryAsync(child.Id), e => e.Kind == ThemeEventKind.Moved && e.Before == "Werk" && e.After == "Geld");

        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PatchAsJsonAsync($"{Themes}/{child.Id}", new { moveToRoot = true })).StatusCode);
        Assert.Null((await ListAsync()).Single(t => t.Id == child.Id).ParentId);
    }

    [Fact]
    public async Task A_parent_theme_counts_its_own_and_its_sub_themes_codings_with_each_story_once()
    {
        var anna = await AnalysisSeed.StoryAsync(_app, _project.Id, "Anna", ["Ik werk graag in de tuin.", "Werk geeft me rust."]);
        var bram = await AnalysisSeed.StoryAsync(_app, _project.Id, "Bram", ["Zonder werk verveel ik me."]);
        var parent = await ProposeAsync(_resident, "Werk en inkomen");
        var schulden = await ProposeAsync(_resident, "Schulden", parent.Id);
        var toeslag = await ProposeAsync(_resident, "Toeslagen", schulden.Id);
        var tuin = await ProposeAsync(_resident, "Tuinieren", parent.Id);
        await AnalysisSeed.CodingAsync(_app, _project.Id, anna, schulden.Id, 0, 10, _facilitatorId, ProjectRole.Begeleider);
        await AnalysisSeed.CodingAsync(_app, _project.Id, anna, toeslag.Id, 26, 44, _facilitatorId, ProjectRole.Begeleider);
        await AnalysisSeed.CodingAsync(_app, _project.Id, anna, tuin.Id, 0, 25, _facilitatorId, ProjectRole.Begeleider);
        await AnalysisSeed.CodingAsync(_app, _project.Id, bram, tuin.Id, 0, 12, _facilitatorId, ProjectRole.Begeleider);

        var list = await ListAsync();
        (int, int, int, int) Counts(Guid id) => list.Where(t => t.Id == id)
            .Select(t => (t.CodingCount, t.StoryCount, t.SubtreeCodingCount, t.SubtreeStoryCount)).Single();
        // Anna's story carries three sub-themes of "Werk en inkomen" and counts once; Bram's adds the second story.
        Assert.Equal((0, 0, 4, 2), Counts(parent.Id));
        Assert.Equal((1, 1, 2, 1), Counts(schulden.Id));
        Assert.Equal((1, 1, 1, 1), Counts(toeslag.Id));
        Assert.Equal((2, 2, 2, 2), Counts(tuin.Id));

        var page = WebUtility.HtmlDecode(await _resident.GetStringAsync($"/projects/{_project.Id}/codebook"));
        Assert.Contains("met subthema’s: 4 fragmenten · 2 verhalen", page);
        Assert.Contains("met subthema’s: 2 fragmenten · 1 verhaal", page);
    }

    [Fact]
    public async Task Merging_moves_every_coding_to_the_target_and_keeps_the_merged_theme_as_history()
    {
        var story1 = await AnalysisSeed.StoryAsync(_app, _project.Id, "Anna", ["Ik werk graag in de tuin.", "Werk geeft me rust."]);
        var story2 = await AnalysisSeed.StoryAsync(_app, _project.Id, "Bram", ["Zonder werk verveel ik me."]);
        var a = await ProposeAsync(_resident, "Werk als rust");
        var b = await ProposeAsync(_resident, "Zingeving");
        var sub = await ProposeAsync(_resident, "Tuinieren", a.Id);
        await AnalysisSeed.CodingAsync(_app, _project.Id, story1, a.Id, 0, 10, _facilitatorId, ProjectRole.Begeleider);
        await AnalysisSeed.CodingAsync(_app, _project.Id, story2, a.Id, 0, 12, _facilitatorId, ProjectRole.Begeleider);
        await AnalysisSeed.CodingAsync(_app, _project.Id, story1, b.Id, 26, 44, _facilitatorId, ProjectRole.Begeleider);
        Assert.Equal((2, 2), (await ListAsync()).Where(t => t.Id == a.Id).Select(t => (t.CodingCount, t.StoryCount)).Single());

        var response = await _facilitator.PostAsJsonAsync($"{Themes}/{a.Id}/merge", new { intoThemeId = b.Id });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var list = await ListAsync();
        var merged = list.Single(t => t.Id == a.Id);
        var target = list.Single(t => t.Id == b.Id);
        Assert.Equal(b.Id, merged.MergedIntoId);
        Assert.Equal((0, 3, 2), (merged.CodingCount, target.CodingCount, target.StoryCount));
        Assert.Equal(b.Id, list.Single(t => t.Id == sub.Id).ParentId);
        Assert.Contains(await HistoryAsync(a.Id), e => e.Kind == ThemeEventKind.Merged && e.OtherThemeId == b.Id);
        Assert.Contains(await HistoryAsync(b.Id), e => e.Kind == ThemeEventKind.Merged && e.OtherThemeId == a.Id);

        // The merged theme is history: no second merge, no merging into it, no renaming it.
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync($"{Themes}/{a.Id}/merge", new { intoThemeId = b.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync($"{Themes}/{sub.Id}/merge", new { intoThemeId = a.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PatchAsJsonAsync($"{Themes}/{a.Id}", new { name = "Terug" })).StatusCode);
    }

    [Fact]
    public async Task Merging_into_itself_or_into_another_projects_theme_is_refused()
    {
        var a = await ProposeAsync(_resident, "Werk");
        var foreign = await AnalysisSeed.ThemeAsync(_app, _other.Id, "Elders");
        var self = await _facilitator.PostAsJsonAsync($"{Themes}/{a.Id}/merge", new { intoThemeId = a.Id });
        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        Assert.Contains("cannot be merged into itself", await self.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync($"{Themes}/{a.Id}/merge", new { intoThemeId = foreign })).StatusCode);
        // A theme of another project is not found through this project, even by its facilitator.
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PostAsJsonAsync($"{Themes}/{foreign}/merge", new { intoThemeId = a.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.GetAsync($"{Themes}/{foreign}/history")).StatusCode);
    }

    [Fact]
    public async Task Splitting_moves_only_the_chosen_codings_to_the_new_theme()
    {
        var story = await AnalysisSeed.StoryAsync(_app, _project.Id, "Anna", ["Ik zoek werk.", "Mijn buurvrouw helpt met geld."]);
        var a = await ProposeAsync(_resident, "Werk en geld");
        var other = await ProposeAsync(_resident, "Buren");
        var keep = await AnalysisSeed.CodingAsync(_app, _project.Id, story, a.Id, 0, 12, _facilitatorId, ProjectRole.Begeleider);
        var move = await AnalysisSeed.CodingAsync(_app, _project.Id, story, a.Id, 13, 42, _facilitatorId, ProjectRole.Begeleider);
        var foreignCoding = await AnalysisSeed.CodingAsync(_app, _project.Id, story, other.Id, 13, 42, _facilitatorId, ProjectRole.Begeleider);

        var refused = await _facilitator.PostAsJsonAsync($"{Themes}/{a.Id}/split", new { name = "Geld", codingIds = new[] { move, foreignCoding } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var response = await _facilitator.PostAsJsonAsync($"{Themes}/{a.Id}/split", new { name = "Geld", codingIds = new[] { move } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<ThemeDto>(TestJson.Options))!;
        await _app.WithDbAsync(async db =>
        {
            Assert.Equal(a.Id, (await db.Codings.SingleAsync(c => c.Id == keep)).ThemeId);
            Assert.Equal(created.Id, (await db.Codings.SingleAsync(c => c.Id == move)).ThemeId);
            Assert.Equal(other.Id, (await db.Codings.SingleAsync(c => c.Id == foreignCoding)).ThemeId);
        });
        Assert.Contains(await HistoryAsync(a.Id), e => e.Kind == ThemeEventKind.Split && e.OtherThemeId == created.Id && e.After == "Geld");
        Assert.Contains(await HistoryAsync(created.Id), e => e.Kind == ThemeEventKind.Split && e.OtherThemeId == a.Id);
    }

    [Fact]
    public async Task Hostile_input_is_refused_with_one_sentence_per_field()
    {
        var foreign = await AnalysisSeed.ThemeAsync(_app, _other.Id, "Elders");
        var theme = await ProposeAsync(_resident, "Werk");
        var cases = new object[]
        {
            new { name = new string('x', 100_000) },
            new { name = "   " },
            new { name = "Rood", colour = "red" },
            new { name = "Rood", colour = "#12345G" },
            new { name = "Rood", colour = "#FF0000;background:url(x)" },
            new { name = "Kind", parentId = foreign },
            new { name = "Lang", description = new string('y', 5000) },
        };
        foreach (var body in cases)
        {
            var response = await _resident.PostAsJsonAsync(Themes, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PatchAsJsonAsync($"{Themes}/{theme.Id}", new { colour = "blue" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PatchAsJsonAsync($"{Themes}/{theme.Id}", new { parentId = foreign })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync($"{Themes}/{theme.Id}/split", new { name = "" })).StatusCode);
        Assert.Single(await ListAsync());
    }

    [Fact]
    public async Task The_codebook_page_shows_curation_controls_to_the_facilitator_only()
    {
        await ProposeAsync(_resident, "Werk");
        var forFacilitator = WebUtility.HtmlDecode(await _facilitator.GetStringAsync($"/projects/{_project.Id}/codebook"));
        var forResident = WebUtility.HtmlDecode(await _resident.GetStringAsync($"/projects/{_project.Id}/codebook"));
        Assert.Contains("Bewerken, samenvoegen of splitsen: ‘Werk’", forFacilitator);
        Assert.Contains("Thema voorstellen", forResident);
        Assert.DoesNotContain("Bewerken, samenvoegen of splitsen", forResident);
        // Pages send a person without the right to the "no access" page rather than a bare 403.
        var denied = await _interviewer.GetAsync($"/projects/{_project.Id}/codebook");
        Assert.Equal(HttpStatusCode.Found, denied.StatusCode);
        Assert.Contains("denied", denied.Headers.Location!.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class SqliteCodebookApiTests : CodebookApiContract
{
    protected override TestApp NewApp() => new();
}

public sealed class PostgresCodebookApiTests : CodebookApiContract
{
    private readonly PostgresFixture _postgres = new();

    protected override TestApp NewApp() => new(new Dictionary<string, string?>
    {
        ["Storytelling:Database:Provider"] = "Postgres",
        ["Storytelling:Database:ConnectionString"] = _postgres.ConnectionString,
    });

    public override async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
