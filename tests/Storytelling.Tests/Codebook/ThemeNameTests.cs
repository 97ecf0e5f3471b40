using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Tests.Exchange;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Workspace;

namespace Storytelling.Tests.Codebook;

/// <summary>
/// A theme name is unique among its siblings, compared without regard to case, surrounding or doubled white space and
/// Unicode composition; every way a theme gets a name or a place keeps the rule, and doubles from before still export
/// and import.
/// </summary>
public sealed class ThemeNameTests(TranscriptWorld world) : IClassFixture<TranscriptWorld>
{
    private HttpClient Facilitator => world.Clients["begeleider"];

    private async Task<Guid> ProjectAsync() =>
        (await world.App.CreateProjectAsync("Namen " + Guid.NewGuid().ToString("N")[..6], (world.People["begeleider"], ProjectRole.Begeleider))).Id;

    private async Task<HttpResponseMessage> ProposeAsync(Guid projectId, string name, Guid? parentId = null) =>
        await Facilitator.PostAsJsonAsync($"/api/projects/{projectId}/themes", new { name, parentId });

    private async Task<Guid> ThemeAsync(Guid projectId, string name, Guid? parentId = null)
    {
        var response = await ProposeAsync(projectId, name, parentId);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ThemeRef>(TestJson.Options))!.Id;
    }

    private async Task<List<string>> NamesAsync(Guid projectId)
    {
        var names = new List<string>();
        await world.App.WithDbAsync(async db => names = await db.Themes.Where(t => t.ProjectId == projectId && t.MergedIntoId == null)
            .OrderBy(t => t.CreatedAt).ThenBy(t => t.Name).Select(t => t.Name).ToListAsync());
        return names;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(TestJson.Options);
        Assert.True(problem!.Errors.TryGetValue(field, out var messages), await response.Content.ReadAsStringAsync());
        Assert.Contains("Dubbel", messages[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dubbel")]
    [InlineData("DUBBEL")]
    [InlineData("  Dubbel  ")]
    public async Task A_second_theme_with_the_same_name_under_the_same_parent_is_refused_whatever_its_case(string second)
    {
        var projectId = await ProjectAsync();
        await ThemeAsync(projectId, "Dubbel");

        await AssertRefusedAsync(await ProposeAsync(projectId, second), "name");
        Assert.Equal(["Dubbel"], await NamesAsync(projectId));
    }

    [Fact]
    public async Task Names_are_compared_after_Unicode_composition_and_collapsing_white_space()
    {
        var projectId = await ProjectAsync();
        await ThemeAsync(projectId, "Caf\u00E9 en  buurt");

        var response = await ProposeAsync(projectId, "CAFE\u0301 EN BUURT");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(await NamesAsync(projectId));
    }

    [Fact]
    public async Task The_same_name_under_another_parent_is_allowed()
    {
        var projectId = await ProjectAsync();
        var werk = await ThemeAsync(projectId, "Werk");
        await ThemeAsync(projectId, "Dubbel");

        await ThemeAsync(projectId, "dubbel", werk);

        Assert.Equal(3, (await NamesAsync(projectId)).Count);
    }

    [Fact]
    public async Task Renaming_onto_a_siblings_name_is_refused_but_changing_a_themes_own_case_is_not()
    {
        var projectId = await ProjectAsync();
        await ThemeAsync(projectId, "Dubbel");
        var other = await ThemeAsync(projectId, "Anders");

        await AssertRefusedAsync(await Facilitator.PatchAsJsonAsync($"/api/projects/{projectId}/themes/{other}", new { name = "dubbel" }), "name");
        Assert.Equal(HttpStatusCode.OK, (await Facilitator.PatchAsJsonAsync($"/api/projects/{projectId}/themes/{other}", new { name = "ANDERS" })).StatusCode);
        Assert.Equal(["ANDERS", "Dubbel"], (await NamesAsync(projectId)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Moving_a_theme_next_to_one_of_the_same_name_is_refused()
    {
        var projectId = await ProjectAsync();
        var werk = await ThemeAsync(projectId, "Werk");
        await ThemeAsync(projectId, "Dubbel", werk);
        var top = await ThemeAsync(projectId, "dubbel");

        await AssertRefusedAsync(await Facilitator.PatchAsJsonAsync($"/api/projects/{projectId}/themes/{top}", new { parentId = werk }), "parentId");
        await world.App.WithDbAsync(async db => Assert.Null((await db.Themes.SingleAsync(t => t.Id == top)).ParentId));
    }

    [Fact]
    public async Task Splitting_off_a_theme_with_a_siblings_name_is_refused()
    {
        var projectId = await ProjectAsync();
        await ThemeAsync(projectId, "Dubbel");
        var werk = await ThemeAsync(projectId, "Werk");

        await AssertRefusedAsync(await Facilitator.PostAsJsonAsync($"/api/projects/{projectId}/themes/{werk}/split", new { name = "DUBBEL", codingIds = Array.Empty<Guid>() }), "name");
        Assert.Equal(2, (await NamesAsync(projectId)).Count);
    }

    [Fact]
    public async Task A_merge_that_would_put_two_sub_themes_of_one_name_under_the_target_is_refused_and_changes_nothing()
    {
        var projectId = await ProjectAsync();
        var a = await ThemeAsync(projectId, "Wonen");
        var b = await ThemeAsync(projectId, "Werk");
        await ThemeAsync(projectId, "Dubbel", a);
        await ThemeAsync(projectId, "dubbel", b);

        var response = await Facilitator.PostAsJsonAsync($"/api/projects/{projectId}/themes/{a}/merge", new { intoThemeId = b });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(TestJson.Options);
        Assert.Contains("intoThemeId", problem!.Errors.Keys);
        Assert.Equal(4, (await NamesAsync(projectId)).Count);
    }

    [Fact]
    public async Task A_project_that_already_holds_doubles_still_exports_and_imports_and_an_import_merges_into_the_oldest()
    {
        var projectId = await ProjectAsync();
        Guid oldest = Guid.Empty;
        await world.App.WithDbAsync(async db =>
        {
            var at = world.App.Time.GetUtcNow();
            var first = new Theme { ProjectId = projectId, Name = "Dubbel", Colour = "#D62728", CreatedAt = at };
            var second = new Theme { ProjectId = projectId, Name = "dubbel", Colour = "#1F77B4", CreatedAt = at.AddMinutes(1) };
            db.Themes.AddRange(first, second,
                new Theme { ProjectId = projectId, ParentId = first.Id, Name = "Kind", Colour = "#808080", CreatedAt = at },
                new Theme { ProjectId = projectId, ParentId = second.Id, Name = "kind", Colour = "#808080", CreatedAt = at });
            await db.SaveChangesAsync();
            oldest = first.Id;
        });
        await AnalysisSeed.StoryAsync(world.App, projectId, "Anna", ["Werk is alles voor mij."]);

        var qdc = await Facilitator.GetAsync($"/api/projects/{projectId}/exchange/codebook.qdc");
        Assert.Equal(HttpStatusCode.OK, qdc.StatusCode);
        var codebook = await qdc.Content.ReadAsByteArrayAsync();
        Assert.Empty(Qdpx.Validate(codebook, Qdpx.CodebookNs.NamespaceName, "Codebook.xsd"));
        var qdpx = await Facilitator.GetAsync($"/api/projects/{projectId}/exchange/project.qdpx?audio=false");
        Assert.Equal(HttpStatusCode.OK, qdpx.StatusCode);
        var project = await qdpx.Content.ReadAsByteArrayAsync();

        // Its own export comes back in: every code finds an existing theme (the doubles land on the oldest).
        var codebookImport = await Facilitator.PostAsync($"/api/projects/{projectId}/exchange/codebook", Typed(codebook, "application/xml"));
        Assert.Equal(HttpStatusCode.OK, codebookImport.StatusCode);
        var counts = await codebookImport.Content.ReadFromJsonAsync<ImportCounts>(TestJson.Options);
        Assert.Equal((0, 4), (counts!.Created, counts.Merged));
        var projectImport = await Facilitator.PostAsync($"/api/projects/{projectId}/exchange/project?consentConfirmed=true", Typed(project, "application/zip"));
        Assert.Equal(HttpStatusCode.OK, projectImport.StatusCode);
        Assert.Equal(4, (await NamesAsync(projectId)).Count);

        // A file with two codes that differ only in case, into a fresh project: one theme.
        var fresh = await ProjectAsync();
        var doubled = Encoding.UTF8.GetBytes("""
            <?xml version="1.0" encoding="utf-8"?>
            <CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
              <Code guid="11111111-2222-3333-4444-555555555555" name="Dubbel" isCodable="true"/>
              <Code guid="11111111-2222-3333-4444-666666666666" name=" DUBBEL " isCodable="true"/>
            </Codes></CodeBook>
            """.Trim());
        var freshImport = await Facilitator.PostAsync($"/api/projects/{fresh}/exchange/codebook", Typed(doubled, "application/xml"));
        Assert.Equal(HttpStatusCode.OK, freshImport.StatusCode);
        Assert.Equal(["Dubbel"], await NamesAsync(fresh));
        Assert.NotEqual(Guid.Empty, oldest);
    }

    private sealed record ThemeRef(Guid Id);

    private sealed record ImportCounts(int Created, int Merged);

    private sealed record Problem(Dictionary<string, string[]> Errors);

    /// <summary>A file as API clients send it: with its real type (the API refuses untyped bodies as cross-site posts).</summary>
    private static ByteArrayContent Typed(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        return content;
    }
}
