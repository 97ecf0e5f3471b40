using System.Net;
using System.Net.Http.Json;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Codebook;

namespace Storytelling.Tests.Translation;

/// <summary>The transcript workspace (with its scripts' strings and the pseudonym panel) and the codebook speak
/// English when chosen and stay Dutch by default.</summary>
public sealed class TranscriptLanguageTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private Guid _projectId;
    private Guid _storyId;

    /// <summary>Data the pages show as it was entered: not page text, so not held against the translation.</summary>
    private static readonly string[] Data =
    [
        "Storytelling", "Werk in Houten", "Anna", "Femke", "Erbij horen", "Taal en werk", "Taal", "Buren", "Vervoer",
        "Bij de voedselbank leerde ik Nederlands.",
    ];

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var femke = await _app.CreatePersonAsync("femke@example.org", name: "Femke");
        _projectId = (await _app.CreateProjectAsync("Werk in Houten", (femke.Id, ProjectRole.Begeleider))).Id;
        await _app.WithDbAsync(async db =>
        {
            var at = _app.Time.GetUtcNow();
            db.Projects.Find(_projectId)!.AudioRetentionDays = 30;
            var story = new Story
            {
                ProjectId = _projectId, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at, Status = StoryStatus.Transcribed,
                Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
            };
            db.AddRange(story,
                new Recording
                {
                    StoryId = story.Id, BlobName = "gone", Format = "webm", MediaType = "audio/webm", DurationMs = 9_000, SizeBytes = 1, Sha256 = "00",
                    CreatedAt = at, AudioDeletedAt = at,
                },
                new Transcript
                {
                    StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", CreatedAt = at,
                    Segments = [new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 9_000, Text = Data[^1], SpeakerLabel = "verteller" }],
                });
            await db.SaveChangesAsync();
            _storyId = story.Id;
        });
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_transcript_page_and_its_script_strings_are_English_when_chosen_and_Dutch_by_default()
    {
        var facilitator = await _app.SignedInClientAsync("femke@example.org");
        var page = $"/projects/{_projectId}/stories/{_storyId}";

        var dutch = await facilitator.GetStringAsync(page);
        Assert.Contains("<h1>Verhaal van Anna</h1>", dutch, StringComparison.Ordinal);
        Assert.Contains("Fragment coderen", dutch, StringComparison.Ordinal);
        Assert.Contains("Audio verwijderd na 30 dagen (bewaartermijn)", dutch, StringComparison.Ordinal);
        Assert.Contains("\"CodedAs\":\"Gecodeerd als", dutch, StringComparison.Ordinal);

        var response = await facilitator.GetAsync(page + "?lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Story by Anna</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Story by Anna", html, StringComparison.Ordinal);
        Assert.Contains("Code a passage", html, StringComparison.Ordinal);
        Assert.Contains("Replace names and places", html, StringComparison.Ordinal);
        Assert.Contains("Audio deleted after 30 days (retention period)", html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"storyteller\">", html, StringComparison.Ordinal);
        // The scripts' strings (transcript.js and pseudonyms.js) come with the page, in English.
        Assert.Contains("\"CodedAs\":\"Coded as", html, StringComparison.Ordinal);
        Assert.Contains("\"PseudonymNoneYet\":\"Nothing replaced yet.\"", html, StringComparison.Ordinal);
        Assert.Empty(DutchWords.Find(html, Data));
    }

    [Fact]
    public async Task The_codebook_with_its_history_messages_and_errors_is_English_when_chosen_and_Dutch_by_default()
    {
        var facilitator = await _app.SignedInClientAsync("femke@example.org");
        var themes = $"/api/projects/{_projectId}/themes";
        async Task<ThemeDto> ProposeAsync(string name, ThemeKind kind)
        {
            var created = await facilitator.PostAsJsonAsync(themes, new { name, kind }, TestJson.Options);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            return (await created.Content.ReadFromJsonAsync<ThemeDto>(TestJson.Options))!;
        }
        var belonging = await ProposeAsync("Erbij horen", ThemeKind.Knelpunt);
        var language = await ProposeAsync("Taal", ThemeKind.Overig);
        var neighbours = await ProposeAsync("Buren", ThemeKind.Wens);
        Assert.True((await facilitator.PatchAsJsonAsync($"{themes}/{language.Id}",
            new { name = "Taal en werk", colour = "#2E7D32", kind = ThemeKind.Kracht, description = "Over taal.", parentId = belonging.Id }, TestJson.Options)).IsSuccessStatusCode);
        Assert.True((await facilitator.PostAsJsonAsync($"{themes}/{neighbours.Id}/merge", new { intoThemeId = belonging.Id }, TestJson.Options)).IsSuccessStatusCode);
        var page = $"/projects/{_projectId}/codebook";

        var dutch = WebUtility.HtmlDecode(await facilitator.GetStringAsync(page));
        Assert.Contains("<h1>Codeboek</h1>", dutch, StringComparison.Ordinal);
        Assert.Contains("hernoemd van ‘Taal’ naar ‘Taal en werk’ door Femke", dutch, StringComparison.Ordinal);
        Assert.Contains("verplaatst van (bovenste niveau) naar Erbij horen", dutch, StringComparison.Ordinal);
        Assert.Contains("aangepast: beschrijving; kleur #808080 → #2E7D32; soort Overig → Kracht", dutch, StringComparison.Ordinal);

        var response = await facilitator.GetAsync($"{page}?lang=en&split={belonging.Id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var text = WebUtility.HtmlDecode(html);
        Assert.Contains("<h1>Codebook</h1>", html, StringComparison.Ordinal);
        Assert.Contains("renamed from ‘Taal’ to ‘Taal en werk’ by Femke", text, StringComparison.Ordinal);
        Assert.Contains("moved from (top level) to Erbij horen", text, StringComparison.Ordinal);
        Assert.Contains("changed: description; colour #808080 → #2E7D32; kind Other → Strength", text, StringComparison.Ordinal);
        Assert.Contains("merged into ‘Erbij horen’", text, StringComparison.Ordinal);
        Assert.Contains("Split ‘Erbij horen’", text, StringComparison.Ordinal);
        Assert.Empty(DutchWords.Find(html, [.. Data, "Over taal."]));

        // A proposal and a refused proposal answer in English too (the API's own messages are not shown).
        var proposed = await Forms.PostAsync(facilitator, page, html, "Propose", new() { ["name"] = "Vervoer", ["kind"] = "Overig", ["colour"] = "#808080" });
        var proposedHtml = WebUtility.HtmlDecode(await proposed.Content.ReadAsStringAsync());
        Assert.Contains("Theme ‘Vervoer’ has been proposed.", proposedHtml, StringComparison.Ordinal);
        Assert.Empty(DutchWords.Find(proposedHtml, [.. Data, "Over taal."]));
        var refused = await Forms.PostAsync(facilitator, page, html, "Propose", new() { ["name"] = "", ["kind"] = "Overig", ["colour"] = "blue" });
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Contains("A theme needs a name of 1 to 200 characters.", refusedHtml, StringComparison.Ordinal);
        Assert.Contains("A colour looks like #RRGGBB.", refusedHtml, StringComparison.Ordinal);
        Assert.Empty(DutchWords.Find(refusedHtml, [.. Data, "Over taal."]));

        // Someone who chose nothing gets the same in Dutch.
        var colleague = await _app.SignedInClientAsync("femke@example.org");
        var dutchRefused = await Forms.PostAsync(colleague, page, await colleague.GetStringAsync(page), "Propose", new() { ["name"] = "", ["kind"] = "Overig" });
        Assert.Contains("Een thema heeft een naam van 1 tot 200 tekens nodig.", await dutchRefused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
