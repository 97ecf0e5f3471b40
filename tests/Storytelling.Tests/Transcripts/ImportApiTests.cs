using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Transcripts;

public sealed class ImportApiTests(ImportWorld world) : IClassFixture<ImportWorld>
{
    private const string Vtt = "WEBVTT\n\nNOTE geïmporteerd uit een oud project\n\n"
        + "00:00.000 --> 00:03.500\n<v verteller>Vroeger stond hier een bakker.\n\n"
        + "00:03.500 --> 00:08.300\n<v interviewer>En nu?\n";

    private static readonly Dictionary<string, string> Consent = new()
    {
        ["consentAnalysis"] = "true", ["consentConfirmed"] = "on", ["consentQuotesInReports"] = "true",
    };

    private static MultipartFormDataContent Form(byte[]? audio, byte[]? transcript, string transcriptName = "verhaal.vtt",
        IDictionary<string, string>? fields = null)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields ?? Consent) form.Add(new StringContent(value), name);
        if (audio is not null)
        {
            var part = new ByteArrayContent(audio);
            part.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
            form.Add(part, "audio", "opname.wav");
        }
        if (transcript is not null) form.Add(new ByteArrayContent(transcript), "transcript", transcriptName);
        return form;
    }

    private static Dictionary<string, string> With(params (string Key, string Value)[] extra)
    {
        var fields = new Dictionary<string, string>(Consent);
        foreach (var (key, value) in extra) fields[key] = value;
        return fields;
    }

    private string Url(Guid? projectId = null) => $"/api/projects/{projectId ?? world.ProjectId}/imports";

    private async Task<int> StoriesAsync()
    {
        var n = 0;
        await world.App.WithDbAsync(async db => n = await db.Stories.CountAsync());
        return n;
    }

    [Fact]
    public async Task A_Windows_1252_srt_without_BOM_is_read_with_its_accents_and_the_answer_says_how_it_was_read()
    {
        var srt = Encoding.Latin1.GetBytes("1\r\n00:00:00,500 --> 00:00:01,500\r\nCafé op de hoek\r\n\r\n2\r\n00:00:01,500 --> 00:00:02,000\r\nDéjà vu");
        var response = await world.Clients["begeleider"].PostAsync(Url(), Form(world.Audio, srt, "verhaal.srt"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var imported = (await response.Content.ReadFromJsonAsync<ImportedStoryDto>(TestJson.Options))!;
        Assert.Equal((TranscriptFileFormat.Srt, 2), (imported.TranscriptFormat, imported.Segments));
        Assert.Contains("Windows-1252", Assert.Single(imported.Notices!), StringComparison.Ordinal);
        await world.App.WithDbAsync(async db => Assert.Equal(["Café op de hoek", "Déjà vu"],
            (await db.Transcripts.Include(t => t.Segments).SingleAsync(t => t.StoryId == imported.StoryId)).Segments.OrderBy(x => x.Position).Select(x => x.Text)));
    }

    [Fact]
    public async Task A_facilitator_imports_a_WebVtt_story_with_its_audio_and_gets_a_receipt_code_without_a_transcription_job()
    {
        var response = await world.Clients["begeleider"].PostAsync(Url(), Form(world.Audio, Encoding.UTF8.GetBytes(Vtt),
            fields: With(("tellerPseudonym", "Mevrouw Bakker"), ("language", "nl"), ("consentGivenOn", "2019-05-04"))));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var imported = (await response.Content.ReadFromJsonAsync<ImportedStoryDto>(TestJson.Options))!;
        Assert.Equal(ReceiptCode.Normalize(imported.ReceiptCode), imported.ReceiptCode);
        Assert.Equal(TranscriptFileFormat.WebVtt, imported.TranscriptFormat);
        Assert.Equal(2, imported.Segments);
        Assert.InRange(imported.DurationMs, ImportWorld.AudioMs - 100, ImportWorld.AudioMs + 100);

        await world.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.Include(s => s.Recordings).SingleAsync(s => s.Id == imported.StoryId);
            Assert.Equal("Mevrouw Bakker", story.TellerPseudonym);
            Assert.Equal(StoryStatus.Transcribed, story.Status);
            Assert.Equal(ConsentMethod.Imported, story.Consent.Method);
            Assert.Equal(ConsentScopes.Analysis | ConsentScopes.QuotesInReports, story.Consent.Scopes);
            Assert.Equal(world.People["begeleider"], story.Consent.RecordedByPersonId);
            Assert.Equal(new DateTimeOffset(2019, 5, 4, 0, 0, 0, TimeSpan.Zero), story.Consent.GivenAt);
            Assert.Equal("wav", Assert.Single(story.Recordings).Format);
            Assert.False(await db.TranscriptionJobs.AnyAsync(j => j.RecordingId == story.Recordings[0].Id));
            Assert.True(await db.AuditLog.AnyAsync(a => a.Action == "story.imported" && a.SubjectId == story.Id && a.ActorPersonId == world.People["begeleider"]));
        });

        // The teller's receipt code and the workspace see it like any other story.
        var transcript = (await world.Clients["bewoner"].GetFromJsonAsync<TranscriptDto>(
            $"/api/projects/{world.ProjectId}/stories/{imported.StoryId}/transcript", TestJson.Options))!;
        Assert.Equal(TranscriptOrigin.Imported, transcript.Origin);
        Assert.Equal(1, transcript.Version);
        Assert.Equal("nl", transcript.Language);
        Assert.True(transcript.AudioAvailable);
        // The last cue ran 300 ms past the audio (encoder padding): trimmed to its end, not refused.
        Assert.Equal([(0L, 3_500L, "Vroeger stond hier een bakker.", "verteller"), (3_500L, transcript.DurationMs!.Value, "En nu?", "interviewer")],
            transcript.Segments.Select(s => (s.StartMs, s.EndMs, s.Text, s.SpeakerLabel)));
        var audio = await world.Clients["bewoner"].GetAsync($"/api/projects/{world.ProjectId}/stories/{imported.StoryId}/audio");
        Assert.Equal(world.Audio, await audio.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Plain_text_and_Srt_in_Arabic_are_imported_with_times_spread_or_kept()
    {
        var plain = await world.Clients["begeleider"].PostAsync(Url(), Form(world.Audio,
            Encoding.UTF8.GetBytes("Eerste alinea.\r\n\r\nTweede alinea, even lang"), "oud.txt"));
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        var story = (await plain.Content.ReadFromJsonAsync<ImportedStoryDto>(TestJson.Options))!;
        Assert.Equal(TranscriptFileFormat.PlainText, story.TranscriptFormat);
        Assert.StartsWith("Verteller ", story.TellerPseudonym, StringComparison.Ordinal);
        await world.App.WithDbAsync(async db =>
        {
            var segments = await db.Transcripts.Where(t => t.StoryId == story.StoryId).SelectMany(t => t.Segments).OrderBy(s => s.Position).ToListAsync();
            Assert.Equal(["Eerste alinea.", "Tweede alinea, even lang"], segments.Select(s => s.Text));
            Assert.Equal(0, segments[0].StartMs);
            Assert.Equal(story.DurationMs * 14 / 38, segments[0].EndMs);
            Assert.Equal(story.DurationMs, segments[1].EndMs);
        });

        var srt = "1\r\n00:00:00,000 --> 00:00:04,000\r\n[تولك] كنت أعمل في المخبز\r\n\r\n2\r\n00:00:04,000 --> 00:00:07,999\r\nكل صباح\r\n";
        var arabic = await world.Clients["begeleider"].PostAsync(Url(), Form(world.Audio, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(srt)], "قصة.srt",
            With(("language", "ar"))));
        Assert.Equal(HttpStatusCode.Created, arabic.StatusCode);
        var arabicStory = (await arabic.Content.ReadFromJsonAsync<ImportedStoryDto>(TestJson.Options))!;
        await world.App.WithDbAsync(async db =>
        {
            var transcript = await db.Transcripts.Include(t => t.Segments).SingleAsync(t => t.StoryId == arabicStory.StoryId);
            Assert.Equal("ar", transcript.Language);
            Assert.Equal([("تولك", "كنت أعمل في المخبز", 4_000L), (null, "كل صباح", 7_999L)],
                transcript.Segments.OrderBy(s => s.Position).Select(s => (s.SpeakerLabel, s.Text, s.EndMs)));
        });
    }

    public static TheoryData<string, int, string> Refusals => new()
    {
        { "not-audio", 415, "not a sound recording" },
        { "broken-transcript", 422, "Line 3" },
        { "past-the-end", 422, "past the end of the audio" },
        { "no-consent", 400, "agreed to its analysis" },
        { "not-confirmed", 400, "Confirm that the teller" },
        { "language", 400, "one of this project's languages" },
        { "binary", 400, "not a text file" },
        { "no-transcript", 400, "Add the transcript" },
        { "no-audio", 400, "Add the audio" },
        { "empty-audio", 400, "empty" },
        { "too-large", 413, "larger than this project allows" },
        { "bad-date", 400, "yyyy-mm-dd" },
        { "future-date", 400, "future" },
        { "format", 400, "'vtt', 'srt', 'text'" },
        { "long-pseudonym", 400, "at most 100 characters" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_import_says_why_and_leaves_no_story_and_no_stored_audio(string kind, int status, string reason)
    {
        var vtt = Encoding.UTF8.GetBytes(Vtt);
        var (content, projectId) = kind switch
        {
            "not-audio" => (Form(Encoding.UTF8.GetBytes("dit is tekst, geen geluid. " + new string('x', 5000)), vtt), world.ProjectId),
            "broken-transcript" => (Form(world.Audio, Encoding.UTF8.GetBytes("WEBVTT\n\n00:01.000 --> kapot\nx")), world.ProjectId),
            "past-the-end" => (Form(world.Audio, Encoding.UTF8.GetBytes("WEBVTT\n\n00:02.000 --> 00:20.000\nte laat")), world.ProjectId),
            "no-consent" => (Form(world.Audio, vtt, fields: new Dictionary<string, string> { ["consentConfirmed"] = "on" }), world.ProjectId),
            "not-confirmed" => (Form(world.Audio, vtt, fields: new Dictionary<string, string> { ["consentAnalysis"] = "true" }), world.ProjectId),
            "language" => (Form(world.Audio, vtt, fields: With(("language", "fr"))), world.ProjectId),
            "binary" => (Form(world.Audio, [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00]), world.ProjectId),
            "no-transcript" => (Form(world.Audio, null), world.ProjectId),
            "no-audio" => (Form(null, vtt), world.ProjectId),
            "empty-audio" => (Form([], vtt), world.ProjectId),
            "too-large" => (Form(world.LongAudio, vtt), world.SmallProjectId),
            "bad-date" => (Form(world.Audio, vtt, fields: With(("consentGivenOn", "gisteren"))), world.ProjectId),
            "future-date" => (Form(world.Audio, vtt, fields: With(("consentGivenOn", "2030-01-01"))), world.ProjectId),
            "format" => (Form(world.Audio, vtt, fields: With(("format", "docx"))), world.ProjectId),
            "long-pseudonym" => (Form(world.Audio, vtt, fields: With(("tellerPseudonym", new string('a', 101)))), world.ProjectId),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var (stories, files) = (await StoriesAsync(), world.StoredFiles());
        var response = await world.Clients["begeleider"].PostAsync(Url(projectId), content);
        Assert.Equal(status, (int)response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(reason, problem.GetProperty("errors").ToString(), StringComparison.Ordinal);
        Assert.Equal(stories, await StoriesAsync());
        Assert.Equal(files, world.StoredFiles());
    }

    [Fact]
    public async Task Only_a_facilitator_of_the_project_may_import()
    {
        var (stories, files) = (await StoriesAsync(), world.StoredFiles());
        foreach (var caller in new[] { "beleidsmedewerker", "bewoner", "interviewer", "beheerder", "outsider" })
        {
            var response = await world.Clients[caller].PostAsync(Url(), Form(world.Audio, Encoding.UTF8.GetBytes(Vtt)));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Clients["anonymous"].PostAsync(Url(), Form(world.Audio, Encoding.UTF8.GetBytes(Vtt)))).StatusCode);
        Assert.Equal(stories, await StoriesAsync());
        Assert.Equal(files, world.StoredFiles());
    }

    [Fact]
    public async Task A_body_that_is_not_a_multipart_form_is_refused()
    {
        var json = await world.Clients["begeleider"].PostAsJsonAsync(Url(), new { audio = "AAAA" });
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        var broken = new ByteArrayContent(Encoding.UTF8.GetBytes("--b\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n\r\nRIFF"));
        broken.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        var files = world.StoredFiles();
        var response = await world.Clients["begeleider"].PostAsync(Url(), broken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(files, world.StoredFiles());
    }

    private static string Token(string html) =>
        System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;

    [Fact]
    public async Task The_import_page_imports_a_story_shows_the_receipt_code_once_and_explains_a_refusal_in_Dutch()
    {
        var client = world.Clients["begeleider"];
        var path = $"/projects/{world.ProjectId}/import";
        // The project navigation leads there from "Mensen en instellingen".
        Assert.Contains($"href=\"{path}\"", await client.GetStringAsync($"/projects/{world.ProjectId}/people"), StringComparison.Ordinal);
        var residentsView = await world.Clients["bewoner"].GetStringAsync($"/projects/{world.ProjectId}/stories");
        Assert.DoesNotContain($"href=\"{path}\"", residentsView, StringComparison.Ordinal);
        Assert.DoesNotContain("codings.csv", residentsView, StringComparison.Ordinal);
        Assert.Contains("codings.csv", await world.Clients["beleidsmedewerker"].GetStringAsync($"/projects/{world.ProjectId}/stories"), StringComparison.Ordinal);
        var page = await client.GetStringAsync(path);
        Assert.Contains("enctype=\"multipart/form-data\"", page, StringComparison.Ordinal);

        MultipartFormDataContent PageForm(string transcript)
        {
            var form = new MultipartFormDataContent
            {
                { new StringContent(Token(page)), "__RequestVerificationToken" },
                { new StringContent("true"), "ConsentAnalysis" },
                { new StringContent("true"), "ConsentConfirmed" },
                { new StringContent("Meneer Visser"), "TellerPseudonym" },
                { new ByteArrayContent(world.Audio), "Audio", "opname.wav" },
                { new ByteArrayContent(Encoding.UTF8.GetBytes(transcript)), "Transcript", "verhaal.vtt" },
            };
            return form;
        }

        var (stories, files) = (await StoriesAsync(), world.StoredFiles());
        var refused = await client.PostAsync(path, PageForm("WEBVTT\n\n00:01.000 --> kapot\nx"));
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Het importeren is niet gelukt; er is niets bewaard.", refusedHtml, StringComparison.Ordinal);
        Assert.Contains("Transcript: Line 3", refusedHtml, StringComparison.Ordinal);
        Assert.Equal(stories, await StoriesAsync());
        Assert.Equal(files, world.StoredFiles());

        var done = await client.PostAsync(path, PageForm(Vtt));
        var html = await done.Content.ReadAsStringAsync();
        var code = System.Text.RegularExpressions.Regex.Match(html, "<output aria-label=\"Ontvangstcode\">([^<]+)</output>").Groups[1].Value;
        Assert.NotNull(ReceiptCode.Normalize(code));
        await world.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.SingleAsync(s => s.ReceiptCodeHash == ReceiptCode.Hash(code));
            Assert.Equal("Meneer Visser", story.TellerPseudonym);
            Assert.Equal(ConsentMethod.Imported, story.Consent.Method);
        });
        Assert.DoesNotContain(code, await client.GetStringAsync(path), StringComparison.Ordinal);

        foreach (var caller in new[] { "beleidsmedewerker", "bewoner" })
        {
            var denied = await world.Clients[caller].GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
            Assert.Contains("/account/denied", denied.Headers.Location?.OriginalString, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_retention_page_lets_a_facilitator_set_or_clear_the_period_and_refuses_other_values()
    {
        var client = world.Clients["begeleider"];
        var path = $"/projects/{world.SmallProjectId}/retention";
        async Task<(HttpResponseMessage Response, int? Stored)> SetAsync(string days)
        {
            var page = await client.GetStringAsync(path);
            var response = await Forms.PostAsync(client, path, page, null, new() { ["Days"] = days });
            int? stored = null;
            await world.App.WithDbAsync(async db => stored = await db.Projects.Where(p => p.Id == world.SmallProjectId).Select(p => p.AudioRetentionDays).SingleAsync());
            return (response, stored);
        }

        var (saved, stored) = await SetAsync("45");
        Assert.Contains("Audio ouder dan 45 dagen", await saved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(45, stored);
        foreach (var bad in new[] { "0", "3651", "veel", "-1" })
        {
            var (refused, unchanged) = await SetAsync(bad);
            Assert.Contains("1 tot 3650", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(45, unchanged);
        }
        Assert.Null((await SetAsync("")).Stored);
        Assert.Equal(HttpStatusCode.Redirect, (await world.Clients["bewoner"].GetAsync($"/projects/{world.ProjectId}/retention")).StatusCode);
    }
}
