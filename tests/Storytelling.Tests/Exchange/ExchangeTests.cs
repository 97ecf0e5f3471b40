using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Workspace;
using Storytelling.Web.Features.Exchange;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Exchange;

/// <summary>REFI-QDA export and import through the real API, against the standard's own schemas.</summary>
public sealed class ExchangeTests(TranscriptWorld world) : IClassFixture<TranscriptWorld>
{
    private static readonly string[] Segments =
    [
        "Ik ben Jan de Vries en ik woon in Houten.",
        "Werk 😀 betekent voor mij dat ik ertoe doe.",
        "Bij de voedselbank leerde ik Nederlands.",
    ];

    private sealed record Scenario(Guid ProjectId, Guid Werk, Guid ErbijHoren, Guid StoryId, Guid HiddenStoryId);

    /// <summary>A project of its own (so tests do not see each other's stories) with every role of the world as member,
    /// a pseudonym, a two-level codebook plus a merged theme, a coded story and a story without analysis consent.</summary>
    private async Task<Scenario> ScenarioAsync(byte[]? audio = null)
    {
        var p = world.People;
        var projectId = (await world.App.CreateProjectAsync("Werk in Houten " + Guid.NewGuid().ToString("N")[..6],
            (p["bewoner"], ProjectRole.Bewoner), (p["interviewer"], ProjectRole.Interviewer),
            (p["begeleider"], ProjectRole.Begeleider), (p["beleidsmedewerker"], ProjectRole.Beleidsmedewerker))).Id;
        Guid werk = Guid.Empty, erbij = Guid.Empty;
        await world.App.WithDbAsync(async db =>
        {
            var at = world.App.Time.GetUtcNow();
            var w = new Theme { ProjectId = projectId, Name = "Werk", Description = "Wat werk betekent", Colour = "#D62728", Kind = ThemeKind.Knelpunt, CreatedAt = at };
            var e = new Theme { ProjectId = projectId, ParentId = w.Id, Name = "Erbij horen", Colour = "#1F77B4", Kind = ThemeKind.Kracht, CreatedAt = at };
            var merged = new Theme { ProjectId = projectId, Name = "Oud thema", Colour = "#000000", CreatedAt = at, MergedIntoId = w.Id };
            db.Themes.AddRange(w, e, merged);
            db.Pseudonyms.Add(new Pseudonym { ProjectId = projectId, Original = "Jan de Vries", Replacement = "Peter", CreatedAt = at });
            await db.SaveChangesAsync();
            (werk, erbij) = (w.Id, e.Id);
        });
        var storyId = await world.SeedStoryAsync(audio, projectId: projectId, segments: Segments);
        var hidden = await world.SeedStoryAsync(consent: ConsentScopes.QuotesInReports, projectId: projectId, segments: ["Geheim verhaal zonder toestemming."]);
        var text = string.Join("\n", Segments);
        await AnalysisSeed.CodingAsync(world.App, projectId, storyId, erbij, Index(text, "ertoe doe"), Index(text, "ertoe doe") + 9, p["bewoner"], ProjectRole.Bewoner);
        await AnalysisSeed.CodingAsync(world.App, projectId, storyId, werk, Index(text, "Jan de Vries en ik woon"), Index(text, "Jan de Vries en ik woon") + 23,
            p["begeleider"], ProjectRole.Begeleider);
        return new Scenario(projectId, werk, erbij, storyId, hidden);
    }

    private static int Index(string text, string fragment) => text.IndexOf(fragment, StringComparison.Ordinal);

    private async Task<Guid> FreshProjectAsync() =>
        (await world.App.CreateProjectAsync("Fris " + Guid.NewGuid().ToString("N")[..6], (world.People["begeleider"], ProjectRole.Begeleider),
            (world.People["beleidsmedewerker"], ProjectRole.Beleidsmedewerker), (world.People["bewoner"], ProjectRole.Bewoner))).Id;

    private async Task<byte[]> ExportAsync(string caller, Guid projectId, bool audio = false)
    {
        var response = await world.Clients[caller].GetAsync($"/api/projects/{projectId}/exchange/project.qdpx?audio={audio.ToString().ToLowerInvariant()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<HttpResponseMessage> ImportAsync(string caller, Guid projectId, byte[] qdpx, bool consent = true) =>
        await world.Clients[caller].PostAsync($"/api/projects/{projectId}/exchange/project?consentConfirmed={consent.ToString().ToLowerInvariant()}",
            Typed(qdpx, "application/zip"));

    private sealed record CodingView(string Theme, string Quote);

    /// <summary>The project's codings as (theme, quoted stored text).</summary>
    private async Task<List<CodingView>> CodingsAsync(Guid projectId)
    {
        var result = new List<CodingView>();
        await world.App.WithDbAsync(async db =>
        {
            var codings = await db.Codings.AsNoTracking().Include(c => c.Theme).Where(c => c.Theme!.ProjectId == projectId).ToListAsync();
            foreach (var c in codings)
            {
                var segments = await db.TranscriptSegments.AsNoTracking().Where(s => s.TranscriptId == c.TranscriptId).ToListAsync();
                result.Add(new CodingView(c.Theme!.Name, TranscriptText.From(segments).Text[c.StartChar..c.EndChar]));
            }
        });
        return result.OrderBy(c => c.Theme, StringComparer.Ordinal).ThenBy(c => c.Quote, StringComparer.Ordinal).ToList();
    }

    private async Task<List<(string Name, string? Parent, string Colour, ThemeKind Kind, string? Description)>> ThemesAsync(Guid projectId)
    {
        var result = new List<(string Name, string? Parent, string Colour, ThemeKind Kind, string? Description)>();
        await world.App.WithDbAsync(async db =>
        {
            var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null).ToListAsync();
            result = themes.Select(t => (Name: t.Name, Parent: themes.FirstOrDefault(x => x.Id == t.ParentId)?.Name, t.Colour, t.Kind, t.Description))
                .OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        });
        return result;
    }

    [Fact]
    public async Task A_project_export_validates_against_the_REFI_QDA_project_schema_with_audio_text_and_codings()
    {
        var s = await ScenarioAsync();
        var entries = Qdpx.Entries(await ExportAsync("begeleider", s.ProjectId, audio: true));

        var qde = entries["project.qde"];
        Assert.Empty(Qdpx.Validate(qde, Qdpx.Ns.NamespaceName, "Project.xsd"));
        Assert.False(qde.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "project.qde must be UTF-8 without BOM");
        var doc = XDocument.Load(new MemoryStream(qde));
        var ns = Qdpx.Ns;

        var source = Assert.Single(doc.Descendants(ns + "TextSource"));
        Assert.Equal(s.StoryId, Guid.Parse((string)source.Attribute("guid")!));
        Assert.Equal("Anna", (string?)source.Attribute("name"));
        var textBytes = entries[((string)source.Attribute("plainTextPath")!).Replace("internal://", "sources/", StringComparison.Ordinal)];
        Assert.False(textBytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }));
        var text = Encoding.UTF8.GetString(textBytes);
        Assert.Equal(string.Join("\n", Segments), text);

        // Positions count code points: the emoji before "ertoe doe" is one character, not two UTF-16 units.
        var codePoints = text.EnumerateRunes().Select(r => r.ToString()).ToArray();
        var quotes = source.Elements(ns + "PlainTextSelection").Select(sel =>
            string.Concat(codePoints[(int)sel.Attribute("startPosition")!..(int)sel.Attribute("endPosition")!])).ToList();
        Assert.Equal(["Jan de Vries en ik woon", "ertoe doe"], quotes);
        var coding = source.Descendants(ns + "Coding").First();
        Assert.NotNull(coding.Attribute("creatingUser"));
        Assert.Equal("2026-11-22", ((string)coding.Attribute("creationDateTime")!)[..10]);

        // The codebook: tree, colours, kind in the description; the merged theme stays home.
        var codes = doc.Descendants(ns + "Code").ToList();
        Assert.Equal(["Werk", "Erbij horen"], codes.Select(c => (string)c.Attribute("name")!));
        Assert.Equal("Werk", (string?)codes[1].Parent!.Attribute("name"));
        Assert.Equal("#D62728", (string?)codes[0].Attribute("color"));
        Assert.Contains("[Soort: Knelpunt]", codes[0].Element(ns + "Description")!.Value, StringComparison.Ordinal);

        // The recording as an audio source with a transcript on the same text and sync points at segment edges.
        var audio = Assert.Single(doc.Descendants(ns + "AudioSource"));
        Assert.True(entries.ContainsKey(((string)audio.Attribute("path")!).Replace("internal://", "sources/", StringComparison.Ordinal)));
        var transcript = audio.Element(ns + "Transcript")!;
        Assert.Equal((string?)source.Attribute("plainTextPath"), (string?)transcript.Attribute("plainTextPath"));
        Assert.Equal([0L, 9_000L, 10_000L, 19_000L, 20_000L, 29_000L], transcript.Elements(ns + "SyncPoint").Select(p => (long)p.Attribute("timeStamp")!));

        // The users who coded, by name for a facilitator (who sees originals).
        Assert.Equal(["bewoner", "begeleider"], doc.Descendants(ns + "User").Select(u => (string)u.Attribute("name")!));
    }

    [Fact]
    public async Task Two_exports_carry_the_same_GUIDs_in_lowercase_sources_without_basePath_rich_text_or_empty_selections()
    {
        var s = await ScenarioAsync(audio: Wave.Seconds(3));
        // A zero-length coding (old data) must not become a zero-length selection that ATLAS.ti and NVivo refuse.
        await world.App.WithDbAsync(async db =>
        {
            var transcript = await db.Transcripts.Where(t => t.StoryId == s.StoryId).OrderByDescending(t => t.Version).FirstAsync();
            db.Codings.Add(new Coding { ThemeId = s.Werk, TranscriptId = transcript.Id, StartChar = 5, EndChar = 5, CreatedAt = world.App.Time.GetUtcNow() });
            await db.SaveChangesAsync();
        });
        var first = Qdpx.Entries(await ExportAsync("beleidsmedewerker", s.ProjectId, audio: true));
        var second = Qdpx.Entries(await ExportAsync("beleidsmedewerker", s.ProjectId, audio: true));

        Assert.All(first.Keys.Where(k => k != "project.qde"), k => Assert.StartsWith("sources/", k, StringComparison.Ordinal));
        static List<string> Guids(byte[] qde) => XDocument.Load(new MemoryStream(qde)).Descendants()
            .SelectMany(e => e.Attributes().Where(a => a.Name.LocalName is "guid" or "creatingUser" or "targetGUID"))
            .Select(a => $"{a.Parent!.Name.LocalName}:{a.Value}").ToList();
        var guids = Guids(first["project.qde"]);
        Assert.Equal(guids, Guids(second["project.qde"]));
        Assert.Contains(guids, g => g.StartsWith("SyncPoint:", StringComparison.Ordinal));
        Assert.Contains(guids, g => g.StartsWith("User:", StringComparison.Ordinal));

        var doc = XDocument.Load(new MemoryStream(first["project.qde"]));
        Assert.Null(doc.Root!.Attribute("basePath"));
        Assert.DoesNotContain(doc.Descendants(), e => e.Attribute("richTextPath") is not null);
        var selections = doc.Descendants(Qdpx.Ns + "PlainTextSelection").ToList();
        Assert.Equal(2, selections.Count);
        Assert.All(selections, sel => Assert.True((int)sel.Attribute("endPosition")! > (int)sel.Attribute("startPosition")!));
        Assert.Empty(Qdpx.Validate(first["project.qde"], Qdpx.Ns.NamespaceName, "Project.xsd"));
    }

    [Fact]
    public void The_schema_check_itself_catches_an_invalid_document()
    {
        // Guards the validator: a Project without its required name, and a code with a bad colour, must be reported.
        var errors = Qdpx.Validate(Qdpx.Utf8("<Project xmlns=\"urn:QDA-XML:project:1.0\"><CodeBook><Codes><Code guid=\"x\" name=\"a\" isCodable=\"true\" color=\"red\"/></Codes></CodeBook></Project>"),
            Qdpx.Ns.NamespaceName, "Project.xsd");
        Assert.True(errors.Count >= 3, string.Join("; ", errors));
        Assert.NotEmpty(Qdpx.Validate(Qdpx.Utf8("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes/></CodeBook>"), Qdpx.CodebookNs.NamespaceName, "Codebook.xsd"));
    }

    [Fact]
    public async Task Only_stories_whose_teller_agreed_to_analysis_are_exported_and_audio_false_leaves_recordings_out()
    {
        var s = await ScenarioAsync();
        var entries = Qdpx.Entries(await ExportAsync("beleidsmedewerker", s.ProjectId, audio: false));
        var qde = Encoding.UTF8.GetString(entries["project.qde"]);
        Assert.DoesNotContain(s.HiddenStoryId.ToString(), qde, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(entries.Values, bytes => Encoding.UTF8.GetString(bytes).Contains("Geheim", StringComparison.Ordinal));
        Assert.DoesNotContain("AudioSource", qde, StringComparison.Ordinal);
        Assert.Equal(2, entries.Count); // project.qde and one text
    }

    [Fact]
    public async Task A_policy_officer_gets_pseudonyms_in_text_and_quotes_and_role_names_instead_of_staff_names()
    {
        var s = await ScenarioAsync();
        var entries = Qdpx.Entries(await ExportAsync("beleidsmedewerker", s.ProjectId));
        var all = string.Concat(entries.Values.Select(Encoding.UTF8.GetString));
        Assert.DoesNotContain("Vries", all, StringComparison.Ordinal);
        Assert.DoesNotContain("begeleider\"", all, StringComparison.Ordinal);
        Assert.DoesNotContain(world.People["begeleider"].ToString(), all, StringComparison.OrdinalIgnoreCase);

        var doc = XDocument.Load(new MemoryStream(entries["project.qde"]));
        Assert.Empty(Qdpx.Validate(entries["project.qde"], Qdpx.Ns.NamespaceName, "Project.xsd"));
        Assert.Equal(["Bewoner 1", "Begeleider 1"], doc.Descendants(Qdpx.Ns + "User").Select(u => (string)u.Attribute("name")!));
        var text = Encoding.UTF8.GetString(entries.Single(e => e.Key.EndsWith(".txt", StringComparison.Ordinal)).Value);
        Assert.StartsWith("Ik ben Peter en ik woon in Houten.", text, StringComparison.Ordinal);
        var codePoints = text.EnumerateRunes().Select(r => r.ToString()).ToArray();
        var quotes = doc.Descendants(Qdpx.Ns + "PlainTextSelection").Select(sel =>
            string.Concat(codePoints[(int)sel.Attribute("startPosition")!..(int)sel.Attribute("endPosition")!])).ToList();
        Assert.Equal(["Peter en ik woon", "ertoe doe"], quotes);
    }

    [Fact]
    public async Task A_codebook_export_validates_against_the_REFI_QDA_codebook_schema()
    {
        var s = await ScenarioAsync();
        var response = await world.Clients["bewoner"].GetAsync($"/api/projects/{s.ProjectId}/exchange/codebook.qdc");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var qdc = await response.Content.ReadAsByteArrayAsync();
        Assert.Empty(Qdpx.Validate(qdc, Qdpx.CodebookNs.NamespaceName, "Codebook.xsd"));
        var doc = XDocument.Load(new MemoryStream(qdc));
        Assert.Equal(["Werk", "Erbij horen"], doc.Descendants(Qdpx.CodebookNs + "Code").Select(c => (string)c.Attribute("name")!));
        Assert.DoesNotContain("Oud thema", Encoding.UTF8.GetString(qdc), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_then_import_into_a_fresh_project_gives_the_same_themes_selections_and_codings()
    {
        var s = await ScenarioAsync();
        var fresh = await FreshProjectAsync();
        var response = await ImportAsync("begeleider", fresh, await ExportAsync("begeleider", s.ProjectId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<QdpxImportResult>(TestJson.Options))!;
        Assert.Equal((1, 0, 2, 2, 0, 0), (result.Stories, result.Recordings, result.Codings, result.ThemesCreated, result.ThemesMerged, result.Notes));
        Assert.Empty(result.Skipped);

        Assert.Equal(await ThemesAsync(s.ProjectId), await ThemesAsync(fresh));
        Assert.Equal(await CodingsAsync(s.ProjectId), await CodingsAsync(fresh));
        await world.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.AsNoTracking().Include(x => x.Transcripts).ThenInclude(t => t.Segments).SingleAsync(x => x.ProjectId == fresh);
            Assert.Equal("Anna", story.TellerPseudonym);
            Assert.Equal(ConsentScopes.Analysis, story.Consent.Scopes);
            var transcript = Assert.Single(story.Transcripts);
            Assert.Equal(TranscriptOrigin.Imported, transcript.Origin);
            Assert.Equal(Segments, transcript.Segments.OrderBy(x => x.Position).Select(x => x.Text));
        });

        // Importing the same codebook again merges by name: no theme is doubled (stories are added again, by design).
        var again = await ImportAsync("begeleider", fresh, await ExportAsync("begeleider", s.ProjectId));
        var second = (await again.Content.ReadFromJsonAsync<QdpxImportResult>(TestJson.Options))!;
        Assert.Equal((0, 2), (second.ThemesCreated, second.ThemesMerged));
        Assert.Equal(2, (await ThemesAsync(fresh)).Count);
    }

    [Theory]
    [InlineData("capitalised folders")]
    [InlineData("CRLF")]
    [InlineData("docx beside an empty txt")]
    public async Task Our_export_rewritten_the_way_other_tools_write_it_comes_back_with_the_same_text_and_codings(string variant)
    {
        var s = await ScenarioAsync();
        var entries = Qdpx.Entries(await ExportAsync("begeleider", s.ProjectId));
        var text = entries.Single(e => e.Key.EndsWith(".txt", StringComparison.Ordinal));
        var rewritten = variant switch
        {
            "capitalised folders" => entries.ToDictionary(e => e.Key == "project.qde" ? "Project.qde" : e.Key.Replace("sources/", "Sources/", StringComparison.Ordinal), e => e.Value),
            "CRLF" => entries.ToDictionary(e => e.Key, e => e.Key == text.Key ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(e.Value).Replace("\n", "\r\n", StringComparison.Ordinal)) : e.Value),
            _ => Docx(entries, text.Key),
        };
        var fresh = await FreshProjectAsync();
        var response = await ImportAsync("begeleider", fresh, Qdpx.Zip(rewritten.Select(e => (e.Key, e.Value)).ToArray()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<QdpxImportResult>(TestJson.Options))!;
        Assert.Equal((1, 2), (result.Stories, result.Codings));
        Assert.Empty(result.Skipped);
        Assert.Equal(await CodingsAsync(s.ProjectId), await CodingsAsync(fresh));
        await world.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.AsNoTracking().Include(x => x.Transcripts).ThenInclude(t => t.Segments).SingleAsync(x => x.ProjectId == fresh);
            Assert.Equal(Segments, story.Transcripts.Single().Segments.OrderBy(x => x.Position).Select(x => x.Text));
        });

        static Dictionary<string, byte[]> Docx(Dictionary<string, byte[]> entries, string textEntry)
        {
            var docxEntry = textEntry[..^4] + ".docx";
            var result = new Dictionary<string, byte[]>(entries) { [textEntry] = [], [docxEntry] = ForeignQdpxTests.Docx(Encoding.UTF8.GetString(entries[textEntry])) };
            var doc = XDocument.Load(new MemoryStream(entries["project.qde"]));
            foreach (var source in doc.Descendants(Qdpx.Ns + "TextSource"))
                source.SetAttributeValue("richTextPath", "internal://" + docxEntry["sources/".Length..]);
            var qde = new MemoryStream();
            doc.Save(qde);
            result["project.qde"] = qde.ToArray();
            return result;
        }
    }

    [Fact]
    public async Task A_recording_travels_with_its_transcript_and_sync_points_restore_segment_times()
    {
        var s = await ScenarioAsync(audio: Wave.Seconds(3));
        var fresh = await FreshProjectAsync();
        var response = await ImportAsync("begeleider", fresh, await ExportAsync("begeleider", s.ProjectId, audio: true));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<QdpxImportResult>(TestJson.Options))!;
        Assert.Equal((1, 1, 2), (result.Stories, result.Recordings, result.Codings));
        await world.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.AsNoTracking().Include(x => x.Recordings).Include(x => x.Transcripts).ThenInclude(t => t.Segments)
                .SingleAsync(x => x.ProjectId == fresh);
            var recording = Assert.Single(story.Recordings);
            Assert.Equal("wav", recording.Format);
            Assert.InRange(recording.DurationMs, 2900, 3100);
            var segments = story.Transcripts.Single().Segments.OrderBy(x => x.Position).ToList();
            Assert.Equal([0L, 10_000L, 20_000L], segments.Select(x => x.StartMs));
            Assert.Equal([9_000L, 19_000L, 29_000L], segments.Select(x => x.EndMs));
        });
        // The audio is playable in the new project through the transcript view's endpoint.
        var storyId = Guid.Empty;
        await world.App.WithDbAsync(async db => storyId = await db.Stories.Where(x => x.ProjectId == fresh).Select(x => x.Id).SingleAsync());
        var audio = await world.Clients["begeleider"].GetAsync($"/api/projects/{fresh}/stories/{storyId}/audio");
        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
    }

    [Fact]
    public async Task A_recording_that_is_not_audio_refuses_the_whole_import_and_writes_nothing()
    {
        var s = await ScenarioAsync(); // the seeded recording is random bytes
        var fresh = await FreshProjectAsync();
        var response = await ImportAsync("begeleider", fresh, await ExportAsync("begeleider", s.ProjectId, audio: true));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("geen bruikbaar geluidsbestand", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await ThemesAsync(fresh));
        await world.App.WithDbAsync(async db => Assert.False(await db.Stories.AnyAsync(x => x.ProjectId == fresh)));
    }

    [Fact]
    public async Task Import_needs_the_facilitator_to_confirm_consent()
    {
        var s = await ScenarioAsync();
        var fresh = await FreshProjectAsync();
        var response = await ImportAsync("begeleider", fresh, await ExportAsync("begeleider", s.ProjectId), consent: false);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("toestemming", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_codebook_import_merges_names_under_the_same_parent_and_reports_the_counts()
    {
        var s = await ScenarioAsync();
        var qdc = await world.Clients["begeleider"].GetByteArrayAsync($"/api/projects/{s.ProjectId}/exchange/codebook.qdc");
        var fresh = await FreshProjectAsync();
        await AnalysisSeed.ThemeAsync(world.App, fresh, "werk"); // same name, other case: merged, not doubled

        var first = await world.Clients["begeleider"].PostAsync($"/api/projects/{fresh}/exchange/codebook", Typed(qdc, "application/xml"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(new CodebookImportDto(1, 1), await first.Content.ReadFromJsonAsync<CodebookImportDto>(TestJson.Options));
        var second = await world.Clients["begeleider"].PostAsync($"/api/projects/{fresh}/exchange/codebook", Typed(qdc, "application/xml"));
        Assert.Equal(new CodebookImportDto(0, 2), await second.Content.ReadFromJsonAsync<CodebookImportDto>(TestJson.Options));
        var themes = await ThemesAsync(fresh);
        Assert.Equal(["Erbij horen", "werk"], themes.Select(t => t.Name));
        Assert.Equal(("werk", ThemeKind.Kracht, "#1F77B4"), (themes[0].Parent!, themes[0].Kind, themes[0].Colour));
    }

    [Theory]
    [InlineData("bewoner", HttpStatusCode.Forbidden)]
    [InlineData("interviewer", HttpStatusCode.Forbidden)]
    [InlineData("outsider", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("beleidsmedewerker", HttpStatusCode.OK)]
    public async Task Only_facilitators_and_policy_officers_export_the_project(string caller, HttpStatusCode expected)
    {
        var response = await world.Clients[caller].GetAsync($"/api/projects/{world.ProjectId}/exchange/project.qdpx");
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task An_empty_codebook_is_not_exported_as_an_invalid_file()
    {
        var fresh = await FreshProjectAsync();
        var response = await world.Clients["bewoner"].GetAsync($"/api/projects/{fresh}/exchange/codebook.qdc");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("nog leeg", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A project export without themes or stories still validates: the schema lets those sections be absent.
        var entries = Qdpx.Entries(await ExportAsync("begeleider", fresh));
        Assert.Empty(Qdpx.Validate(entries["project.qde"], Qdpx.Ns.NamespaceName, "Project.xsd"));
    }

    [Theory]
    [InlineData("bewoner", HttpStatusCode.OK)]
    [InlineData("interviewer", HttpStatusCode.Forbidden)]
    [InlineData("outsider", HttpStatusCode.Forbidden)]
    public async Task Everyone_who_analyses_exports_the_codebook(string caller, HttpStatusCode expected)
    {
        var response = await world.Clients[caller].GetAsync($"/api/projects/{world.ProjectId}/exchange/codebook.qdc");
        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("bewoner")]
    [InlineData("beleidsmedewerker")]
    [InlineData("interviewer")]
    [InlineData("outsider")]
    public async Task Only_the_facilitator_imports(string caller)
    {
        var qdpx = Qdpx.Zip(("project.qde", Qdpx.Utf8(Qdpx.ProjectXml())), ("Sources/a.txt", Qdpx.Utf8("Werk is alles")));
        var project = await world.Clients[caller].PostAsync($"/api/projects/{world.ProjectId}/exchange/project?consentConfirmed=true", Typed(qdpx, "application/zip"));
        var codebook = await world.Clients[caller].PostAsync($"/api/projects/{world.ProjectId}/exchange/codebook", Typed(Qdpx.Utf8("<x/>"), "application/xml"));
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (project.StatusCode, codebook.StatusCode));
    }

    [Fact]
    public async Task A_facilitator_imports_a_codebook_and_a_project_through_the_page_forms_and_reads_what_happened()
    {
        var s = await ScenarioAsync();
        var qdc = await world.Clients["begeleider"].GetByteArrayAsync($"/api/projects/{s.ProjectId}/exchange/codebook.qdc");
        var qdpx = await ExportAsync("begeleider", s.ProjectId);
        var fresh = await FreshProjectAsync();
        var path = $"/projects/{fresh}/exchange";
        var client = world.Clients["begeleider"];

        var codebook = await PostFileAsync(client, path, "Codebook", "codeboek.qdc", qdc, consent: false);
        Assert.Contains("2 nieuwe thema’s, 0 bestonden al", codebook, StringComparison.Ordinal);

        var withoutConsent = await PostFileAsync(client, path, "Project", "project.qdpx", qdpx, consent: false);
        Assert.Contains("toestemming", withoutConsent, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", withoutConsent, StringComparison.Ordinal);

        var project = await PostFileAsync(client, path, "Project", "project.qdpx", qdpx, consent: true);
        Assert.Contains("Project geïmporteerd: 1 verhalen, 0 opnames, 2 coderingen, 0 nieuwe thema’s (2 bestonden al), 0 notities", project, StringComparison.Ordinal);
        Assert.Equal(await CodingsAsync(s.ProjectId), await CodingsAsync(fresh));
    }

    private static async Task<string> PostFileAsync(HttpClient client, string path, string handler, string fileName, byte[] content, bool consent)
    {
        var page = await client.GetStringAsync(path);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent(content), "file", fileName },
        };
        if (consent) form.Add(new StringContent("true"), "consentConfirmed");
        var response = await client.PostAsync($"{path}?handler={handler}", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_exchange_page_offers_downloads_to_analysts_and_uploads_to_the_facilitator_only()
    {
        var facilitator = await world.Clients["begeleider"].GetStringAsync($"/projects/{world.ProjectId}/exchange");
        Assert.Contains("project.qdpx", facilitator, StringComparison.Ordinal);
        Assert.Contains("Project importeren", facilitator, StringComparison.Ordinal);
        var resident = await world.Clients["bewoner"].GetStringAsync($"/projects/{world.ProjectId}/exchange");
        Assert.Contains("codebook.qdc", resident, StringComparison.Ordinal);
        Assert.DoesNotContain("project.qdpx", resident, StringComparison.Ordinal);
        Assert.DoesNotContain("Project importeren", resident, StringComparison.Ordinal);
    }

    private static ByteArrayContent Typed(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        return content;
    }
}

/// <summary>A real, decodable WAV (16 kHz mono PCM, a 440 Hz tone), built in memory.</summary>
internal static class Wave
{
    public static byte[] Seconds(int seconds)
    {
        const int rate = 16_000;
        var samples = rate * seconds;
        var m = new MemoryStream();
        var w = new BinaryWriter(m);
        w.Write("RIFF"u8); w.Write(36 + samples * 2); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(samples * 2);
        for (var i = 0; i < samples; i++) w.Write((short)(Math.Sin(2 * Math.PI * 440 * i / rate) * 8000));
        w.Flush();
        return m.ToArray();
    }
}
