using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Workspace;

public sealed class TranscriptApiTests(TranscriptWorld world) : IClassFixture<TranscriptWorld>
{
    private async Task<TranscriptDto> ReadAsync(string caller, Guid storyId, int? version = null)
    {
        var response = await world.Clients[caller].GetAsync(world.Base(storyId) + "/transcript" + (version is null ? "" : $"?version={version}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TranscriptDto>(TestJson.Options))!;
    }

    /// <summary>Codes <paramref name="fragment"/> as found in the text <paramref name="caller"/> sees.</summary>
    private async Task<CodingDto> CodeAsync(string caller, Guid storyId, string fragment)
    {
        var seen = await ReadAsync(caller, storyId);
        var text = string.Join("\n", seen.Segments.Select(s => s.Text));
        var start = text.IndexOf(fragment, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{fragment}' not in the text {caller} sees");
        var response = await world.Clients[caller].PostAsJsonAsync(world.Base(storyId) + "/codings",
            new { themeId = world.ThemeId, startChar = start, endChar = start + fragment.Length, memo = "belangrijk" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CodingDto>(TestJson.Options))!;
    }

    private static object Body(int baseVersion, IEnumerable<SegmentDto> segments) =>
        new { baseVersion, segments = segments.Select(s => new { s.Position, s.StartMs, s.EndMs, s.Text, s.SpeakerLabel }) };

    [Fact]
    public async Task A_policy_officer_and_a_resident_never_receive_the_original_name_and_a_facilitator_does()
    {
        var storyId = await world.SeedStoryAsync();
        foreach (var caller in new[] { "beleidsmedewerker", "bewoner" })
        {
            var raw = await world.Clients[caller].GetStringAsync(world.Base(storyId) + "/transcript");
            Assert.DoesNotContain("Vries", raw, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Ik ben Peter en ik woon in Houten.", raw, StringComparison.Ordinal);
        }
        var facilitator = await ReadAsync("begeleider", storyId);
        Assert.True(facilitator.ShowsOriginals);
        Assert.Equal(TranscriptWorld.Machine[0], facilitator.Segments[0].Text);
        Assert.Equal(TranscriptOrigin.Machine, facilitator.Origin);
        Assert.Equal("ggml-base.bin", facilitator.Model);
        Assert.True(facilitator.AudioAvailable);
        Assert.Equal([0L, 10_000L, 20_000L], facilitator.Segments.Select(s => s.StartMs));
    }

    [Fact]
    public async Task A_coding_made_on_the_pseudonym_covers_the_original_name_and_quotes_it_per_reader()
    {
        var storyId = await world.SeedStoryAsync();
        var officer = await ReadAsync("beleidsmedewerker", storyId);
        var coding = await CodeAsync("beleidsmedewerker", storyId, "Peter en ik woon");
        Assert.Equal("Peter en ik woon", coding.Text);
        Assert.Equal(nameof(ProjectRole.Beleidsmedewerker), coding.AuthorRole);

        var facilitator = await ReadAsync("begeleider", storyId);
        var seenByFacilitator = Assert.Single(facilitator.Codings);
        Assert.Equal("Jan de Vries en ik woon", seenByFacilitator.Text);
        Assert.Equal(facilitator.Segments[0].Text.IndexOf("Jan", StringComparison.Ordinal), seenByFacilitator.StartChar);
        var raw = await world.Clients["beleidsmedewerker"].GetStringAsync(world.Base(storyId) + "/transcript");
        Assert.DoesNotContain("Vries", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Stories_of_other_projects_or_without_analysis_consent_are_not_found()
    {
        var elsewhere = await world.SeedStoryAsync(projectId: world.OtherProjectId);
        var noConsent = await world.SeedStoryAsync(consent: ConsentScopes.QuotesInReports);
        foreach (var storyId in new[] { elsewhere, noConsent })
        {
            var client = world.Clients["begeleider"];
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(world.Base(storyId) + "/transcript")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(world.Base(storyId) + "/audio")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync(world.Base(storyId) + "/codings",
                new { themeId = world.ThemeId, startChar = 0, endChar = 3 })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync(world.Base(storyId) + "/corrections",
                new { baseVersion = 1, segments = new[] { new { startMs = 0, endMs = 10, text = "x" } } })).StatusCode);
        }
        // The outsider facilitates the other project, and still gets nothing from this one.
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["outsider"].GetAsync(world.Base(noConsent) + "/transcript")).StatusCode);
    }

    [Fact]
    public async Task A_correction_adds_a_version_and_the_machine_version_stays_readable()
    {
        var storyId = await world.SeedStoryAsync();
        var v1 = await ReadAsync("bewoner", storyId);
        var segments = v1.Segments.ToList();
        segments[1] = segments[1] with { Text = "Werk betekent voor mij dat ik er echt toe doe.", SpeakerLabel = "interviewer" };
        var response = await world.Clients["bewoner"].PostAsJsonAsync(world.Base(storyId) + "/corrections", Body(1, segments));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<CorrectionResultDto>(TestJson.Options))!;
        Assert.Equal(2, result.Transcript.Version);
        Assert.Equal(TranscriptOrigin.HumanCorrection, result.Transcript.Origin);
        Assert.Equal("interviewer", result.Transcript.Segments[1].SpeakerLabel);

        var facilitatorLatest = await ReadAsync("begeleider", storyId);
        Assert.Equal(2, facilitatorLatest.Version);
        Assert.Equal([1, 2], facilitatorLatest.Versions.Select(v => v.Version));
        // The resident saw "Peter" and left it alone: the stored text keeps the spoken name.
        Assert.Equal(TranscriptWorld.Machine[0], facilitatorLatest.Segments[0].Text);
        Assert.Equal(TranscriptWorld.Machine[1], (await ReadAsync("begeleider", storyId, 1)).Segments[1].Text);
        await world.App.WithDbAsync(async db =>
        {
            var v2 = await db.Transcripts.SingleAsync(t => t.StoryId == storyId && t.Version == 2);
            Assert.Equal(world.People["bewoner"], v2.CreatedByPersonId);
        });
    }

    [Fact]
    public async Task A_correction_on_a_stale_version_is_refused_with_409()
    {
        var storyId = await world.SeedStoryAsync();
        var v1 = await ReadAsync("begeleider", storyId);
        var mine = v1.Segments.Select((s, i) => i == 2 ? s with { Text = s.Text + " Echt." } : s).ToList();
        var theirs = v1.Segments.Select((s, i) => i == 0 ? s with { Text = "Ik ben Jan de Vries." } : s).ToList();
        Assert.Equal(HttpStatusCode.Created, (await world.Clients["begeleider"].PostAsJsonAsync(world.Base(storyId) + "/corrections", Body(1, theirs))).StatusCode);
        var stale = await world.Clients["bewoner"].PostAsJsonAsync(world.Base(storyId) + "/corrections", Body(1, mine));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("Version 2 is now the latest", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, (await ReadAsync("begeleider", storyId)).LatestVersion);
    }

    public static TheoryData<string, string> HostileCorrections => new()
    {
        { "no segments", """{"baseVersion":1,"segments":[]}""" },
        { "missing segments", """{"baseVersion":1}""" },
        { "empty text", """{"baseVersion":1,"segments":[{"startMs":0,"endMs":1000,"text":"   "}]}""" },
        { "huge text", $$"""{"baseVersion":1,"segments":[{"startMs":0,"endMs":1000,"text":"{{new string('a', 5001)}}"}]}""" },
        { "line break", """{"baseVersion":1,"segments":[{"startMs":0,"endMs":1000,"text":"een\ntwee"}]}""" },
        { "control character", """{"baseVersion":1,"segments":[{"startMs":0,"endMs":1000,"text":"een\u0000twee"}]}""" },
        { "lone surrogate", """{"baseVersion":1,"segments":[{"startMs":0,"endMs":1000,"text":"een \ud800 twee"}]}""" },
        { "past the recording", """{"baseVersion":1,"segments":[{"startMs":0,"endMs":3600000,"text":"een"}]}""" },
        { "negative time", """{"baseVersion":1,"segments":[{"startMs":-5,"endMs":1000,"text":"een"}]}""" },
        { "end before start", """{"baseVersion":1,"segments":[{"startMs":5000,"endMs":1000,"text":"een"}]}""" },
        { "out of order", """{"baseVersion":1,"segments":[{"startMs":5000,"endMs":6000,"text":"een"},{"startMs":1000,"endMs":2000,"text":"twee"}]}""" },
        { "long speaker", $$"""{"baseVersion":1,"segments":[{"startMs":0,"endMs":1000,"text":"een","speakerLabel":"{{new string('s', 51)}}"}]}""" },
        { "too many segments", """{"baseVersion":1,"segments":[""" + string.Join(",", Enumerable.Range(0, 10_001).Select(i => $$"""{"startMs":0,"endMs":1,"text":"x"}""")) + "]}" },
    };

    [Theory]
    [MemberData(nameof(HostileCorrections))]
    public async Task Hostile_huge_or_empty_corrections_are_refused_and_make_no_version(string what, string json)
    {
        var storyId = await world.SeedStoryAsync();
        var response = await world.Clients["bewoner"].PostAsync(world.Base(storyId) + "/corrections",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {response.StatusCode}");
        Assert.Equal(1, (await ReadAsync("begeleider", storyId)).LatestVersion);
    }

    [Fact]
    public async Task Markup_in_a_correction_is_kept_as_text_and_an_unchanged_correction_is_refused()
    {
        var storyId = await world.SeedStoryAsync();
        var v1 = await ReadAsync("begeleider", storyId);
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Clients["begeleider"].PostAsJsonAsync(world.Base(storyId) + "/corrections", Body(1, v1.Segments))).StatusCode);
        var hostile = v1.Segments.Select((s, i) => i == 1 ? s with { Text = "<script>alert(1)</script> & \"werk\"" } : s);
        Assert.Equal(HttpStatusCode.Created, (await world.Clients["begeleider"].PostAsJsonAsync(world.Base(storyId) + "/corrections", Body(1, hostile))).StatusCode);
        Assert.Equal("<script>alert(1)</script> & \"werk\"", (await ReadAsync("begeleider", storyId)).Segments[1].Text);
    }

    [Fact]
    public async Task Codings_move_with_corrected_text_and_a_coding_whose_text_was_deleted_stays_behind_and_is_reported()
    {
        var storyId = await world.SeedStoryAsync();
        var v1 = await ReadAsync("begeleider", storyId);
        var inside = await CodeAsync("bewoner", storyId, "leerde ik Nederlands");
        var after = await CodeAsync("bewoner", storyId, "woon in Houten");
        var deleted = await CodeAsync("beleidsmedewerker", storyId, "dat ik ertoe doe");

        var corrected = v1.Segments.ToList();
        corrected[0] = corrected[0] with { Text = "Hallo. Ik ben Jan de Vries en ik woon al jaren in Houten." };
        corrected[1] = corrected[1] with { Text = "Werk betekent voor mij." };
        corrected[2] = corrected[2] with { Text = "Bij de voedselbank leerde ik snel Nederlands." };
        var response = await world.Clients["begeleider"].PostAsJsonAsync(world.Base(storyId) + "/corrections", Body(1, corrected));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<CorrectionResultDto>(TestJson.Options))!;

        Assert.Equal(2, result.ReanchoredCodings);
        Assert.Equal(deleted.Id, Assert.Single(result.NotReanchored).Id);
        var quotes = result.Transcript.Codings.ToDictionary(c => c.Id, c => c.Text);
        Assert.Equal("leerde ik snel Nederlands", quotes[inside.Id]);
        Assert.Equal("woon al jaren in Houten", quotes[after.Id]);
        Assert.Equal(TranscriptWorld.Machine[1].IndexOf("dat", StringComparison.Ordinal) + TranscriptWorld.Machine[0].Length + 1,
            Assert.Single((await ReadAsync("begeleider", storyId, 1)).Codings).StartChar);
        // The time range follows the words: the moved coding now starts in segment 2 (20 s onwards).
        Assert.InRange(result.Transcript.Codings.Single(c => c.Id == inside.Id).StartMs, 20_000, 29_000);
    }

    [Fact]
    public async Task Audio_answers_range_requests_byte_exact()
    {
        var audio = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 31 + 7)).ToArray();
        var storyId = await world.SeedStoryAsync(audio);
        var client = world.Clients["beleidsmedewerker"];
        var url = world.Base(storyId) + "/audio";

        var full = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal("bytes", full.Headers.AcceptRanges.Single());
        Assert.Equal("audio/webm", full.Content.Headers.ContentType!.MediaType);
        Assert.Equal(audio, await full.Content.ReadAsByteArrayAsync());

        foreach (var (range, from, to) in new[] { ("bytes=100-199", 100, 199), ("bytes=9990-", 9990, 9999), ("bytes=-50", 9950, 9999), ("bytes=9000-20000", 9000, 9999) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Range", range);
            var partial = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(new ContentRangeHeaderValue(from, to, 10_000), partial.Content.Headers.ContentRange);
            Assert.Equal(audio[from..(to + 1)], await partial.Content.ReadAsByteArrayAsync());
        }

        foreach (var range in new[] { "bytes=10000-", "bytes=20000-30000", "bytes=-0" })
        {
            using var bad = new HttpRequestMessage(HttpMethod.Get, url);
            bad.Headers.TryAddWithoutValidation("Range", range);
            var refused = await client.SendAsync(bad);
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, refused.StatusCode);
            Assert.Equal("bytes */10000", refused.Content.Headers.ContentRange?.ToString());
        }

        await world.App.WithDbAsync(async db =>
        {
            await db.Recordings.Where(r => r.StoryId == storyId).ExecuteUpdateAsync(s => s.SetProperty(r => r.AudioDeletedAt, world.App.Time.GetUtcNow()));
        });
        // Deleted on purpose by retention: 410 Gone with the reason, not a 404.
        Assert.Equal(HttpStatusCode.Gone, (await client.GetAsync(url)).StatusCode);
        Assert.False((await ReadAsync("beleidsmedewerker", storyId)).AudioAvailable);
    }

    [Theory]
    [InlineData("bewoner", HttpStatusCode.Created)]
    [InlineData("beleidsmedewerker", HttpStatusCode.Created)]
    [InlineData("begeleider", HttpStatusCode.Created)]
    [InlineData("interviewer", HttpStatusCode.Forbidden)]
    [InlineData("outsider", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    public async Task Who_may_code_a_story(string caller, HttpStatusCode expected)
    {
        var storyId = await world.SeedStoryAsync();
        var response = await world.Clients[caller].PostAsJsonAsync(world.Base(storyId) + "/codings",
            new { themeId = world.ThemeId, startChar = 0, endChar = 6 });
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.Created ? HttpStatusCode.OK : expected,
            (await world.Clients[caller].GetAsync(world.Base(storyId) + "/transcript")).StatusCode);
    }

    [Fact]
    public async Task Only_the_author_or_a_facilitator_removes_a_coding()
    {
        var storyId = await world.SeedStoryAsync();
        var v1 = await ReadAsync("bewoner", storyId);
        var residents = await CodeAsync("bewoner", storyId, "Werk betekent");
        var officers = await CodeAsync("beleidsmedewerker", storyId, "voedselbank");
        var another = await CodeAsync("bewoner", storyId, "Nederlands");
        Assert.Equal(nameof(ProjectRole.Bewoner), residents.AuthorRole);
        Assert.Equal(new[] { residents.Id, another.Id }.Order(), (await ReadAsync("bewoner", storyId)).RemovableCodingIds.Order());

        string Url(CodingDto c) => world.Base(storyId) + "/codings/" + c.Id;
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["beleidsmedewerker"].DeleteAsync(Url(residents))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["interviewer"].DeleteAsync(Url(residents))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Clients["anonymous"].DeleteAsync(Url(residents))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await world.Clients["bewoner"].DeleteAsync(Url(residents))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await world.Clients["begeleider"].DeleteAsync(Url(officers))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Clients["begeleider"].DeleteAsync(Url(officers))).StatusCode);
        Assert.Equal([another.Id], (await ReadAsync("begeleider", storyId)).Codings.Select(c => c.Id));
    }

    [Fact]
    public async Task A_selection_outside_the_text_or_an_unknown_theme_is_a_validation_problem()
    {
        var storyId = await world.SeedStoryAsync();
        var client = world.Clients["bewoner"];
        foreach (var body in new object[]
                 {
                     new { themeId = world.ThemeId, startChar = 5, endChar = 5 },
                     new { themeId = world.ThemeId, startChar = -1, endChar = 5 },
                     new { themeId = world.ThemeId, startChar = 0, endChar = 100_000 },
                     new { themeId = Guid.NewGuid(), startChar = 0, endChar = 5 },
                 })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync(world.Base(storyId) + "/codings", body)).StatusCode);
        }
    }

    [Fact]
    public async Task Relabelling_a_speaker_makes_a_new_version_and_keeps_the_text_and_codings()
    {
        var storyId = await world.SeedStoryAsync();
        var coding = await CodeAsync("beleidsmedewerker", storyId, "Peter en ik");
        var response = await world.Clients["beleidsmedewerker"].PutAsJsonAsync(world.Base(storyId) + "/segments/1/speaker",
            new { baseVersion = 1, speakerLabel = "interviewer" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var v2 = await ReadAsync("begeleider", storyId);
        Assert.Equal(2, v2.Version);
        Assert.Equal(["verteller", "interviewer", "verteller"], v2.Segments.Select(s => s.SpeakerLabel));
        Assert.Equal(TranscriptWorld.Machine, v2.Segments.Select(s => s.Text));
        Assert.Equal("Jan de Vries en ik", Assert.Single(v2.Codings, c => c.Id == coding.Id).Text);

        Assert.Equal(HttpStatusCode.Conflict, (await world.Clients["bewoner"].PutAsJsonAsync(world.Base(storyId) + "/segments/1/speaker",
            new { baseVersion = 1, speakerLabel = "tolk" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Clients["bewoner"].PutAsJsonAsync(world.Base(storyId) + "/segments/1/speaker",
            new { baseVersion = 2, speakerLabel = new string('x', 51) })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Clients["bewoner"].PutAsJsonAsync(world.Base(storyId) + "/segments/9/speaker",
            new { baseVersion = 2, speakerLabel = "tolk" })).StatusCode);
    }

    [Fact]
    public async Task The_transcript_page_opens_for_analysts_only_and_not_for_stories_without_consent()
    {
        var storyId = await world.SeedStoryAsync();
        var noConsent = await world.SeedStoryAsync(consent: ConsentScopes.None);
        var page = $"/projects/{world.ProjectId}/stories/{storyId}";
        var html = await world.Clients["bewoner"].GetStringAsync(page);
        Assert.Contains("Verhaal van Anna", html, StringComparison.Ordinal);
        Assert.Contains("Fragment coderen", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await world.Clients["interviewer"].GetAsync(page)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await world.Clients["anonymous"].GetAsync(page)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Clients["begeleider"].GetAsync($"/projects/{world.ProjectId}/stories/{noConsent}")).StatusCode);
        // The project page links each analysable story to its transcript.
        Assert.Contains($"href=\"{page}\"", await world.Clients["beleidsmedewerker"].GetStringAsync($"/projects/{world.ProjectId}/stories"), StringComparison.Ordinal);
        // Marking names and places is offered only to the role that sees originals.
        Assert.DoesNotContain("Namen en plaatsen vervangen", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Namen en plaatsen vervangen", await world.Clients["beleidsmedewerker"].GetStringAsync(page), StringComparison.Ordinal);
        Assert.Contains("Namen en plaatsen vervangen", await world.Clients["begeleider"].GetStringAsync(page), StringComparison.Ordinal);
    }
}
