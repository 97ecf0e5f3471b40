using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Features.Stories;

namespace Storytelling.Tests.Pseudonyms;

/// <summary>Names and places replaced by stand-ins: only the facilitator sees or sets originals; nobody else ever receives one.</summary>
public sealed class PseudonymTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private Project _project = null!;
    private HttpClient _facilitator = null!, _officer = null!, _resident = null!;
    private Guid _story1, _story2;
    private string Url => $"/api/projects/{_project.Id}/pseudonyms";

    public async Task InitializeAsync()
    {
        _app = await new TestApp().MigrateAsync();
        var f = await _app.CreatePersonAsync("begeleider@example.org");
        var o = await _app.CreatePersonAsync("beleid@example.org");
        var r = await _app.CreatePersonAsync("bewoner@example.org");
        _project = await _app.CreateProjectAsync("Houten", (f.Id, ProjectRole.Begeleider), (o.Id, ProjectRole.Beleidsmedewerker), (r.Id, ProjectRole.Bewoner));
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
        _officer = await _app.SignedInClientAsync("beleid@example.org");
        _resident = await _app.SignedInClientAsync("bewoner@example.org");
        _story1 = await AnalysisSeed.StoryAsync(_app, _project.Id, "Anna", ["Fatima werkt bij de bakker in Utrecht.", "Daar verdient ze haar eigen geld."]);
        _story2 = await AnalysisSeed.StoryAsync(_app, _project.Id, "Bram", ["Fatima woont in Utrecht en werkt graag bij de bakker."]);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<PseudonymDto> CreateAsync(object body)
    {
        var response = await _facilitator.PostAsJsonAsync(Url, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PseudonymDto>(TestJson.Options))!;
    }

    [Fact]
    public async Task Only_the_facilitator_creates_lists_and_deletes_pseudonyms()
    {
        var p = await CreateAsync(new { original = "Fatima", storyId = _story1 });
        foreach (var client in new[] { _officer, _resident })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(Url)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync(Url, new { original = "Jan" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"{Url}/{p.Id}")).StatusCode);
        }
        Assert.Equal("Fatima", Assert.Single((await _facilitator.GetFromJsonAsync<List<PseudonymDto>>(Url, TestJson.Options))!).Original);
        Assert.Equal(HttpStatusCode.NoContent, (await _facilitator.DeleteAsync($"{Url}/{p.Id}")).StatusCode);
        Assert.Empty((await _facilitator.GetFromJsonAsync<List<PseudonymDto>>(Url, TestJson.Options))!);
    }

    [Fact]
    public async Task Stand_ins_are_suggested_numbered_per_project_and_stay_consistent_for_the_same_name()
    {
        Assert.Equal("Persoon A", (await CreateAsync(new { original = "Fatima", storyId = _story1 })).Replacement);
        Assert.Equal("Persoon B", (await CreateAsync(new { original = "Jan de Vries" })).Replacement);
        Assert.Equal("Plaats A", (await CreateAsync(new { original = "Utrecht", kind = "Plaats", silenceAudio = true })).Replacement);
        // The same person in the other story keeps the same stand-in.
        Assert.Equal("Persoon A", (await CreateAsync(new { original = "fatima", storyId = _story2 })).Replacement);
        Assert.Equal("Mevrouw K", (await CreateAsync(new { original = "Karin", replacement = "Mevrouw K" })).Replacement);

        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync(Url, new { original = "Fatima", storyId = _story1 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync(Url, new { original = new string('x', 300) })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync(Url, new { original = "Piet", storyId = Guid.NewGuid() })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync(Url, new { original = "Piet", kind = "Dier" })).StatusCode);
    }

    [Fact]
    public async Task A_policy_officer_never_receives_an_original_in_the_overview_search_or_snippets()
    {
        await CreateAsync(new { original = "Utrecht", kind = "Plaats" });           // the whole project
        await CreateAsync(new { original = "Fatima", storyId = _story1 });           // story 1 only

        var officerBody = await _officer.GetStringAsync($"/api/projects/{_project.Id}/stories?q=bakker");
        var found = System.Text.Json.JsonSerializer.Deserialize<List<StorySummaryDto>>(officerBody, TestJson.Options)!;
        Assert.Equal(2, found.Count);
        var anna = found.Single(s => s.Id == _story1).Snippet!;
        var bram = found.Single(s => s.Id == _story2).Snippet!;
        Assert.Contains("Persoon A werkt bij de bakker in Plaats A", anna);
        // Story-only pseudonym: "Fatima" stays in story 2, the project-wide place does not.
        Assert.Contains("Plaats A", bram);
        Assert.Contains("Fatima", bram);
        Assert.DoesNotContain("Utrecht", officerBody);

        // Searching for a hidden original (or the start of one) must not reveal where it occurs.
        Assert.Empty((await _officer.GetFromJsonAsync<List<StorySummaryDto>>($"/api/projects/{_project.Id}/stories?q=utrecht", TestJson.Options))!);
        Assert.Empty((await _officer.GetFromJsonAsync<List<StorySummaryDto>>($"/api/projects/{_project.Id}/stories?q=Utre", TestJson.Options))!);
        Assert.Empty((await _resident.GetFromJsonAsync<List<StorySummaryDto>>($"/api/projects/{_project.Id}/stories?q=fatima", TestJson.Options))!);

        // The facilitator (see-originals) reads the text as spoken.
        var facilitator = (await _facilitator.GetFromJsonAsync<List<StorySummaryDto>>($"/api/projects/{_project.Id}/stories?q=utrecht", TestJson.Options))!;
        Assert.Contains("Fatima werkt bij de bakker in Utrecht", facilitator.Single(s => s.Id == _story1).Snippet);

        // The stories page shows the same pseudonymised snippets.
        var page = WebUtility.HtmlDecode(await _officer.GetStringAsync($"/projects/{_project.Id}/stories?q=bakker"));
        Assert.Contains("Persoon A werkt bij de bakker in Plaats A", page);
        Assert.DoesNotContain("Utrecht", page);
    }

    [Fact]
    public async Task A_name_that_must_not_be_heard_withholds_the_recording_from_readers_without_originals_only()
    {
        await CreateAsync(new { original = "Utrecht", kind = "Plaats", silenceAudio = true });
        await CreateAsync(new { original = "Fatima" });   // text only: the audio may say it
        var plain = await AnalysisSeed.StoryAsync(_app, _project.Id, "Chaima", ["Fatima werkt in de bibliotheek."]);
        string Audio(Guid story) => $"/api/projects/{_project.Id}/stories/{story}/audio";
        async Task<Storytelling.Web.Features.Transcripts.TranscriptDto> TranscriptAsync(HttpClient client, Guid story) =>
            (await client.GetFromJsonAsync<Storytelling.Web.Features.Transcripts.TranscriptDto>($"/api/projects/{_project.Id}/stories/{story}/transcript", TestJson.Options))!;

        foreach (var reader in new[] { _officer, _resident })
        {
            var refused = await reader.GetAsync(Audio(_story1));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("audio_withheld", await refused.Content.ReadAsStringAsync());
            var dto = await TranscriptAsync(reader, _story1);
            Assert.True(dto.AudioWithheld);
            Assert.False(dto.AudioAvailable);
            // A story that only says a text-only pseudonym keeps its audio (here: no recording was seeded, so 404, not 403).
            Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync(Audio(plain))).StatusCode);
            Assert.False((await TranscriptAsync(reader, plain)).AudioWithheld);
        }
        // The facilitator sees originals and may listen.
        Assert.NotEqual(HttpStatusCode.Forbidden, (await _facilitator.GetAsync(Audio(_story1))).StatusCode);
        Assert.False((await TranscriptAsync(_facilitator, _story1)).AudioWithheld);
    }

    [Fact]
    public async Task The_reader_filter_applies_project_wide_and_story_pseudonyms_unless_the_reader_sees_originals()
    {
        await CreateAsync(new { original = "Utrecht", kind = "Plaats" });
        await CreateAsync(new { original = "Fatima", storyId = _story1 });
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<PseudonymService>();
        const string text = "Fatima uit Utrecht";
        Assert.Equal("Persoon A uit Plaats A", (await service.ForReaderAsync(_project.Id, _story1, false, CancellationToken.None)).Apply(text));
        Assert.Equal("Fatima uit Plaats A", (await service.ForReaderAsync(_project.Id, _story2, false, CancellationToken.None)).Apply(text));
        Assert.Equal(text, (await service.ForReaderAsync(_project.Id, _story1, true, CancellationToken.None)).Apply(text));
    }
}
