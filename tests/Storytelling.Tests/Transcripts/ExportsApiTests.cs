using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Workspace;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Transcripts;

public sealed class ExportsApiTests(TranscriptWorld world) : IClassFixture<TranscriptWorld>
{
    [Fact]
    public async Task A_WebVtt_download_carries_the_pseudonyms_even_for_the_facilitator_and_is_named_after_the_story()
    {
        var storyId = await world.SeedStoryAsync();
        var response = await world.Clients["begeleider"].GetAsync(world.Base(storyId) + "/transcript.vtt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/vtt", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Anna-v1.vtt", response.Content.Headers.ContentDisposition?.FileNameStar);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Vries", body, StringComparison.Ordinal);
        Assert.Contains("NOTE\nModel: ggml-base.bin\nLanguage: nl\n", body, StringComparison.Ordinal);
        Assert.Contains("00:00:00.000 --> 00:00:09.000\n<v verteller>Ik ben Peter en ik woon in Houten.\n", body, StringComparison.Ordinal);

        var parsed = TranscriptFormats.ParseVtt(body);
        Assert.Null(parsed.Error);
        Assert.Equal([0L, 10_000L, 20_000L], parsed.Cues.Select(c => c.StartMs));
        Assert.Equal(TranscriptWorld.Machine[1], parsed.Cues[1].Text);
        Assert.All(parsed.Cues, c => Assert.Equal("verteller", c.Speaker));
    }

    [Fact]
    public async Task An_Srt_download_gives_the_latest_version_pseudonymised_for_a_resident()
    {
        var storyId = await world.SeedStoryAsync();
        await world.App.WithDbAsync(async db =>
        {
            db.Transcripts.Add(new Transcript
            {
                StoryId = storyId, Version = 2, Origin = TranscriptOrigin.HumanCorrection, Language = "nl", CreatedAt = world.App.Time.GetUtcNow(),
                Segments = [new TranscriptSegment { Position = 0, StartMs = 500, EndMs = 3_725_250, Text = "Jan de Vries vertelt, een uur lang.", SpeakerLabel = "Jan de Vries" }],
            });
            await db.SaveChangesAsync();
        });
        var response = await world.Clients["bewoner"].GetAsync(world.Base(storyId) + "/transcript.srt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Anna-v2.srt", response.Content.Headers.ContentDisposition?.FileNameStar);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("1\n00:00:00,500 --> 01:02:05,250\n[Peter] Peter vertelt, een uur lang.\n\n", body);
        Assert.Equal([new Cue(500, 3_725_250, "Peter vertelt, een uur lang.", "Peter")], TranscriptFormats.ParseSrt(body).Cues);
    }

    [Fact]
    public async Task Transcript_files_are_refused_to_roles_that_do_not_analyse_and_hidden_without_consent_or_transcript()
    {
        var storyId = await world.SeedStoryAsync();
        foreach (var format in new[] { "vtt", "srt" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["interviewer"].GetAsync(world.Base(storyId) + "/transcript." + format)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["outsider"].GetAsync(world.Base(storyId) + "/transcript." + format)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await world.Clients["anonymous"].GetAsync(world.Base(storyId) + "/transcript." + format)).StatusCode);
        }
        var noConsent = await world.SeedStoryAsync(consent: ConsentScopes.QuotesInReports);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Clients["begeleider"].GetAsync(world.Base(noConsent) + "/transcript.vtt")).StatusCode);
        var elsewhere = await world.SeedStoryAsync(projectId: world.OtherProjectId);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Clients["begeleider"].GetAsync(world.Base(elsewhere, world.ProjectId) + "/transcript.vtt")).StatusCode);
        var untranscribed = await world.SeedStoryAsync();
        await world.App.WithDbAsync(db => db.Transcripts.Where(t => t.StoryId == untranscribed).ExecuteDeleteAsync());
        var missing = await world.Clients["begeleider"].GetAsync(world.Base(untranscribed) + "/transcript.srt");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no transcript yet", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_codings_csv_is_excel_ready_quoted_defused_pseudonymised_and_leaves_out_stories_without_analysis_consent()
    {
        var storyId = await world.SeedStoryAsync(segments: ["Ik ben Jan de Vries, zei ik: \"hallo\".", "-1 punt voor mij", "gewoon"]);
        var formulaTheme = Guid.Empty;
        await world.App.WithDbAsync(async db =>
        {
            var theme = new Theme { ProjectId = world.ProjectId, Name = "=HYPERLINK(\"http://x\")", CreatedAt = world.App.Time.GetUtcNow() };
            db.Themes.Add(theme);
            formulaTheme = theme.Id;
            var transcriptId = await db.Transcripts.Where(t => t.StoryId == storyId).Select(t => t.Id).SingleAsync();
            db.Codings.Add(Coding(transcriptId, world.ThemeId, 0, 37, 0, 9_000, ProjectRole.Bewoner));
            db.Codings.Add(Coding(transcriptId, theme.Id, 38, 54, 10_000, 3_600_000 + 19_000, ProjectRole.Beleidsmedewerker));
            // Across two segments, starting on the hidden name.
            db.Codings.Add(Coding(transcriptId, world.ThemeId, 7, 45, 0, 19_000, ProjectRole.Begeleider));
            await db.SaveChangesAsync();
        });
        var hidden = await world.SeedStoryAsync(consent: ConsentScopes.QuotesInReports);
        await world.App.WithDbAsync(async db =>
        {
            var transcriptId = await db.Transcripts.Where(t => t.StoryId == hidden).Select(t => t.Id).SingleAsync();
            db.Codings.Add(Coding(transcriptId, world.ThemeId, 0, 10, 0, 1_000, ProjectRole.Begeleider));
            await db.SaveChangesAsync();
        });

        var response = await world.Clients["begeleider"].GetAsync($"/api/projects/{world.ProjectId}/codings.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Werk-in-Houten-coderingen.csv", response.Content.Headers.ContentDisposition?.FileNameStar);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes[3..]);
        Assert.DoesNotContain("Vries", text, StringComparison.Ordinal);
        var rows = Csv(text, ',');
        Assert.Equal(["story_id", "story_pseudonym", "theme", "text", "start", "start_ms", "end", "end_ms", "author_role", "created", "transcript_version"], rows[0]);
        Assert.DoesNotContain(rows, r => r[0] == hidden.ToString());
        var mine = rows.Where(r => r[0] == storyId.ToString()).ToList();
        Assert.Equal(3, mine.Count);
        Assert.Equal(["Anna", "Erbij horen", "Ik ben Peter, zei ik: \"hallo\".", "00:00:00.000", "0", "00:00:09.000", "9000", "Bewoner", "2026-11-22T09:00:00Z", "1"], mine[0][1..]);
        Assert.Equal(["Erbij horen", "Peter, zei ik: \"hallo\". -1 punt", "Begeleider"], [mine[1][2], mine[1][3], mine[1][8]]);
        Assert.Equal(["'=HYPERLINK(\"http://x\")", "'-1 punt voor mij", "00:00:10.000", "10000", "01:00:19.000", "3619000", "Beleidsmedewerker"], mine[2][2..9]);
        Assert.Contains("\"Ik ben Peter, zei ik: \"\"hallo\"\".\"", text, StringComparison.Ordinal);
        Assert.NotEqual(Guid.Empty, formulaTheme);
    }

    [Fact]
    public async Task The_codings_csv_is_for_facilitators_and_policy_officers_and_takes_a_semicolon_for_dutch_excel()
    {
        var url = $"/api/projects/{world.ProjectId}/codings.csv";
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["bewoner"].GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["interviewer"].GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["outsider"].GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Clients["anonymous"].GetAsync(url)).StatusCode);
        var semicolon = await world.Clients["beleidsmedewerker"].GetByteArrayAsync(url + "?separator=semicolon");
        Assert.StartsWith("\uFEFFstory_id;story_pseudonym;theme;text;", new UTF8Encoding(false).GetString(semicolon), StringComparison.Ordinal);
        foreach (var separator in new[] { "%09", "pipe", "%3D" })
        {
            var bad = await world.Clients["beleidsmedewerker"].GetAsync(url + "?separator=" + separator);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("semicolon", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private Coding Coding(Guid transcriptId, Guid themeId, int start, int end, long startMs, long endMs, ProjectRole role) => new()
    {
        TranscriptId = transcriptId, ThemeId = themeId, StartChar = start, EndChar = end, StartMs = startMs, EndMs = endMs,
        AuthorPersonId = world.People["begeleider"], AuthorRole = role, CreatedAt = world.App.Time.GetUtcNow(),
    };

    /// <summary>An RFC 4180 reader, so the test checks that the file parses, not just that some substrings occur.</summary>
    private static List<string[]> Csv(string text, char separator)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == separator) { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else field.Append(c);
        }
        Assert.False(quoted, "an unterminated quoted field");
        Assert.Equal(0, field.Length + row.Count);
        return rows;
    }
}
