using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Exchange;
using Storytelling.Web.Features.Transcripts;
using UglyToad.PdfPig.Writer;

namespace Storytelling.Tests.Exchange;

/// <summary>
/// Projects laid out the way ATLAS.ti, NVivo, MAXQDA and QualCoder write them (the folders under Exchange/Foreign, written
/// by hand after each tool's documented layout; Word and PDF files are made here): each imports with the expected
/// stories, texts, times and codings, and the answer names what it left out and why.
/// </summary>
public sealed class ForeignQdpxTests : IAsyncLifetime
{
    private static readonly string Folder = Path.Combine(Repo.Root, "tests", "Storytelling.Tests", "Exchange", "Foreign");
    private readonly string _media = Repo.NewTempFolder("foreign-media");
    private TestApp _app = null!;
    private HttpClient _client = null!;
    private Guid _me;

    public async Task InitializeAsync()
    {
        _app = new TestApp(new Dictionary<string, string?> { ["Storytelling:Storage:DiskStore:RootPath"] = _media });
        await _app.MigrateAsync();
        _me = (await _app.CreatePersonAsync("begeleider@example.org")).Id;
        _client = await _app.SignedInClientAsync("begeleider@example.org");
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _app.Dispose();
        Repo.DeleteFolder(_media);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_ATLAS_ti_project_without_its_audio_brings_each_transcript_with_its_times_and_says_the_audio_is_missing()
    {
        var (project, result) = await ImportAsync(Zip("atlasti-audio-without-media"));
        Assert.Equal((3, 0, 2, 2), (result.Stories, result.Recordings, result.Codings, result.ThemesCreated));
        var stories = await StoriesAsync(project);
        Assert.Equal(["Interview Ans - deel 1", "Interview Ans - deel 2", "Interview Ans - deel 3"], stories.Select(s => s.Name));
        var first = stories[0];
        Assert.Equal(["I: Hoe kwam u in Houten?", "A: Via mijn zus. Werk vond ik bij de bakker.", "I: En nu?", "A: Nu help ik bij de voedselbank."],
            first.Segments.Select(s => s.Text));
        Assert.Equal([(0L, 4500L), (5000L, 9500L), (10000L, 14500L), (15000L, 19500L)], first.Segments.Select(s => (s.StartMs, s.EndMs)));
        // ATLAS.ti counts CRLF as one character: the quotation lands on the same words, not one letter off.
        Assert.Equal([("Vrijwilligerswerk", "A: Nu help ik bij de voedselbank."), ("Werk", "Werk vond ik bij de bakker")], first.Codings);
        Assert.Equal(3, result.Skipped.Count(s => s.Code == "audio-not-included"));
        Assert.Contains(result.Skipped, s => s is { Code: "audio-not-included", Source: "Interview Ans - deel 2" });
        Assert.All(result.Skipped, s => Assert.Equal("audio-not-included", s.Code));

        // The story itself says so to whoever opens it, not only the import answer.
        var storyId = Guid.Empty;
        await _app.WithDbAsync(async db => storyId = await db.Stories.Where(s => s.ProjectId == project).OrderBy(s => s.CreatedAt).Select(s => s.Id).FirstAsync());
        var page = await _client.GetStringAsync($"/projects/{project}/stories/{storyId}");
        Assert.Contains("Deze tekst kwam binnen zonder opname", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_ATLAS_ti_project_with_its_audio_gives_every_transcript_a_playable_recording()
    {
        var (project, result) = await ImportAsync(Zip("atlasti-audio-without-media",
            ("Sources/000000AD-1111-4111-8111-000000000001.m4a", Wave.Seconds(20))));
        Assert.Equal((3, 3, 2), (result.Stories, result.Recordings, result.Codings));
        Assert.Empty(result.Skipped);
        await _app.WithDbAsync(async db => Assert.Equal(3, await db.Recordings.CountAsync(r => r.Story!.ProjectId == project)));
    }

    [Fact]
    public async Task A_QualCoder_project_with_relative_and_absolute_source_paths_comes_in_whole()
    {
        var (project, result) = await ImportAsync(Zip("qualcoder-paths"));
        Assert.Equal((2, 2, 2), (result.Stories, result.Codings, result.ThemesCreated));
        Assert.Empty(result.Skipped);
        var stories = await StoriesAsync(project);
        Assert.Equal([("Buren", "De buren hielpen")], stories.Single(s => s.Name == "interview_1").Codings);
        Assert.Equal([("Taal", "Taal leren")], stories.Single(s => s.Name == "Interview 2").Codings);
    }

    [Fact]
    public async Task An_NVivo_project_reads_the_Word_document_beside_an_empty_txt_and_keeps_notes_sets_and_duplicate_names_apart()
    {
        var docx = Path.Combine(Folder, "nvivo-docx", "Sources");
        var (project, result) = await ImportAsync(Zip("nvivo-docx",
            ("Sources/00000065-2222-4222-8222-000000000065.docx", Docx(File.ReadAllText(Path.Combine(docx, "00000065-2222-4222-8222-000000000065.docx.paragraphs")))),
            ("Sources/00000066-2222-4222-8222-000000000066.docx", Docx(File.ReadAllText(Path.Combine(docx, "00000066-2222-4222-8222-000000000066.docx.paragraphs"))))));
        Assert.Equal((2, 3, 2), (result.Stories, result.Codings, result.Notes));
        var stories = await StoriesAsync(project);
        Assert.Equal(["Interview", "Interview (2)"], stories.Select(s => s.Name));
        Assert.Equal(["Ik woon hier nu tien jaar.", "de buren. Werk is belangrijk."], stories[0].Segments.Select(s => s.Text));
        Assert.Equal([("Buren", "de buren"), ("Memo's zonder code", "Werk")], stories[0].Codings);
        Assert.Equal([("Werk", "werk")], stories[1].Codings);
        await _app.WithDbAsync(async db =>
        {
            var memos = await db.Codings.Where(c => c.Theme!.ProjectId == project && c.Memo != null).Select(c => c.Memo).OrderBy(m => m).ToListAsync();
            Assert.Equal(["Memo: Betaald of vrijwillig?", "Vergelijk met interview 2."], memos);
            var home = await db.Themes.SingleAsync(t => t.ProjectId == project && t.Name == "Thuis voelen");
            Assert.Equal("Definitie: Gevoel ergens bij te horen.", home.Description);
        });
        Assert.Contains(result.Skipped, s => s is { Code: "set", Source: "Hoofdthema's" });
        Assert.Contains(result.Skipped, s => s is { Code: "note-unplaced", Source: "Over dit interview" });
        Assert.Contains(result.Skipped, s => s is { Code: "source-renamed", Source: "Interview" });
    }

    [Fact]
    public async Task A_MAXQDA_project_with_a_BOM_reads_PDF_text_and_says_which_PDF_is_a_scan_and_which_source_is_a_picture()
    {
        var (project, result) = await ImportAsync(Zip("maxqda-pdf",
            ("Sources/00000065-3333-4333-8333-000000000065.pdf", Pdf("Nota wonen Houten", "Er zijn te weinig huurwoningen.")),
            ("Sources/00000066-3333-4333-8333-000000000066.pdf", Pdf())));
        Assert.Equal((2, 1), (result.Stories, result.Codings));
        var stories = await StoriesAsync(project);
        Assert.Equal(["Nota met tekst", "Nota wonen"], stories.Select(s => s.Name));
        Assert.Contains("te weinig huurwoningen", string.Join("\n", stories[1].Segments.Select(s => s.Text)), StringComparison.Ordinal);
        Assert.Equal([("Beleid", "Huren")], stories[0].Codings);
        Assert.Contains(result.Skipped, s => s is { Code: "source-pdf-no-text", Source: "Scan brief" });
        Assert.Contains(result.Skipped, s => s is { Code: "source-type", Source: "Foto wijk" });
        Assert.Contains(result.Skipped, s => s is { Code: "selection-pdf", Source: "Nota wonen" });
        Assert.Contains("tekstherkenning", result.Skipped.Single(s => s.Code == "source-pdf-no-text").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_project_without_a_usable_source_brings_its_codebook_and_lists_each_source_with_its_reason()
    {
        var (project, result) = await ImportAsync(Zip("codebook-only"));
        Assert.Equal((0, 2), (result.Stories, result.ThemesCreated));
        Assert.Equal([("source-text-missing", "Kwijt"), ("source-type", "Foto"), ("source-media-missing", "Opname")],
            result.Skipped.Select(s => (s.Code, s.Source)));
        Assert.Equal(3, result.SourcesSkipped);
        await _app.WithDbAsync(async db => Assert.Equal(2, await db.Themes.CountAsync(t => t.ProjectId == project)));
    }

    [Fact]
    public async Task Careless_parts_are_left_out_and_named_while_the_rest_comes_in()
    {
        const string xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <Project xmlns="urn:QDA-XML:project:1.0" name="Slordig">
              <CodeBook><Codes><Code guid="11111111-2222-3333-4444-555555555555" name="Werk" isCodable="true" color="#112233"/></Codes></CodeBook>
              <Sources>
                <TextSource guid="AAAAAAAA-2222-3333-4444-555555555555" name="Anna.txt" plainTextPath="internal://a.txt">
                  <PlainTextSelection guid="BBBBBBBB-2222-3333-4444-000000000001" startPosition="0" endPosition="4">
                    <Coding guid="CCCCCCCC-2222-3333-4444-000000000001"><CodeRef targetGUID="11111111-2222-3333-4444-555555555555"/></Coding>
                  </PlainTextSelection>
                  <PlainTextSelection guid="BBBBBBBB-2222-3333-4444-000000000002" startPosition="5" endPosition="500">
                    <Coding guid="CCCCCCCC-2222-3333-4444-000000000002"><CodeRef targetGUID="11111111-2222-3333-4444-555555555555"/></Coding>
                  </PlainTextSelection>
                  <PlainTextSelection guid="BBBBBBBB-2222-3333-4444-000000000003" startPosition="-1" endPosition="3">
                    <Coding guid="CCCCCCCC-2222-3333-4444-000000000003"><CodeRef targetGUID="11111111-2222-3333-4444-555555555555"/></Coding>
                  </PlainTextSelection>
                  <PlainTextSelection guid="BBBBBBBB-2222-3333-4444-000000000004" startPosition="5" endPosition="7">
                    <Coding guid="CCCCCCCC-2222-3333-4444-000000000004"><CodeRef targetGUID="99999999-2222-3333-4444-555555555555"/></Coding>
                  </PlainTextSelection>
                  <PlainTextSelection guid="BBBBBBBB-2222-3333-4444-000000000005" startPosition="3" endPosition="3"/>
                </TextSource>
                <TextSource guid="AAAAAAAA-2222-3333-4444-555555555555" name="Anna.txt" plainTextPath="internal://a.txt"/>
                <TextSource guid="AAAAAAAA-2222-3333-4444-000000000002" name="Bert.txt" plainTextPath="internal://b.txt"/>
                <TextSource guid="AAAAAAAA-2222-3333-4444-000000000003" name="Buiten.txt" plainTextPath="absolute:///etc/passwd"/>
              </Sources>
            </Project>
            """;
        var (project, result) = await ImportAsync(Qdpx.Zip(("project.qde", Qdpx.Utf8(xml)), ("Sources/a.txt", Qdpx.Utf8("Werk is alles"))));
        Assert.Equal((1, 1), (result.Stories, result.Codings));
        var skipped = result.Skipped.ToDictionary(s => (s.Code, s.Source), s => s.Count);
        Assert.Equal(3, skipped[("selection-outside", "Anna")]);
        Assert.Equal(1, skipped[("coding-unknown-code", "Anna")]);
        Assert.Equal(1, skipped[("source-duplicate", "Anna")]);
        Assert.Equal(1, skipped[("source-text-missing", "Bert")]);
        Assert.Equal(1, skipped[("source-text-missing", "Buiten")]);
        Assert.Equal([("Werk", "Werk")], (await StoriesAsync(project)).Single().Codings);
    }

    [Fact]
    public async Task The_report_is_shown_on_the_exchange_page_with_each_source_and_reason()
    {
        var project = await NewProjectAsync();
        var page = await _client.GetStringAsync($"/projects/{project}/exchange");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("true"), "consentConfirmed" },
            { new ByteArrayContent(Zip("codebook-only")), "file", "leeg.qdpx" },
        };
        var response = await _client.PostAsync($"/projects/{project}/exchange?handler=Project", form);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("0 verhalen", html, StringComparison.Ordinal);
        Assert.Contains("<strong>Foto</strong>", html, StringComparison.Ordinal);
        Assert.Contains("Afbeeldingen kunnen hier niet worden geanalyseerd", html, StringComparison.Ordinal);
    }

    // ---------- helpers ----------

    private async Task<Guid> NewProjectAsync() =>
        (await _app.CreateProjectAsync("Import " + Guid.NewGuid().ToString("N")[..6], (_me, ProjectRole.Begeleider))).Id;

    private async Task<(Guid Project, QdpxImportResult Result)> ImportAsync(byte[] qdpx)
    {
        var project = await NewProjectAsync();
        var content = new ByteArrayContent(qdpx);
        content.Headers.ContentType = new("application/zip");
        var response = await _client.PostAsync($"/api/projects/{project}/exchange/project?consentConfirmed=true", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (project, (await response.Content.ReadFromJsonAsync<QdpxImportResult>(TestJson.Options))!);
    }

    internal sealed record StoryView(string Name, List<(long StartMs, long EndMs, string Text)> Segments, List<(string Theme, string Quote)> Codings);

    /// <summary>The project's stories in the order they were made, with segments and codings (theme, quoted text).</summary>
    private async Task<List<StoryView>> StoriesAsync(Guid project)
    {
        var result = new List<StoryView>();
        await _app.WithDbAsync(async db =>
        {
            var stories = await db.Stories.AsNoTracking().Include(s => s.Transcripts).ThenInclude(t => t.Segments)
                .Where(s => s.ProjectId == project).ToListAsync();
            foreach (var story in stories.OrderBy(s => s.CreatedAt).ThenBy(s => s.TellerPseudonym, StringComparer.Ordinal))
            {
                var transcript = story.Transcripts.Single();
                var text = TranscriptText.From(transcript.Segments);
                var codings = await db.Codings.AsNoTracking().Include(c => c.Theme).Where(c => c.TranscriptId == transcript.Id).ToListAsync();
                result.Add(new StoryView(story.TellerPseudonym,
                    transcript.Segments.OrderBy(s => s.Position).Select(s => (s.StartMs, s.EndMs, s.Text)).ToList(),
                    codings.Select(c => (Theme: c.Theme!.Name, Quote: text.Text[c.StartChar..c.EndChar])).OrderBy(c => c.Theme, StringComparer.Ordinal).ToList()));
            }
        });
        return result;
    }

    /// <summary>A folder under Foreign as a .qdpx (paths as they lie, so capitals stay), plus generated entries;
    /// ".paragraphs" files are the source of generated Word documents and stay out.</summary>
    internal static byte[] Zip(string folder, params (string Name, byte[] Content)[] extra)
    {
        var root = Path.Combine(Folder, folder);
        var entries = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".paragraphs", StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllBytes(f)))
            .Concat(extra).ToArray();
        return Qdpx.Zip(entries);
    }

    /// <summary>A Word document with one paragraph per line of <paramref name="text"/>.</summary>
    internal static byte[] Docx(string text)
    {
        var buffer = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(buffer, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            main.Document = new Document(new Body(text.Split('\n').Select(line => new Paragraph(new Run(new Text(line) { Space = SpaceProcessingModeValues.Preserve })))));
        }
        return buffer.ToArray();
    }

    /// <summary>A one-page PDF with the lines as text; with no lines, a page without any text (what a scan is to a reader).</summary>
    internal static byte[] Pdf(params string[] lines)
    {
        var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
        if (lines.Length > 0)
        {
            var font = builder.AddStandard14Font(UglyToad.PdfPig.Fonts.Standard14Fonts.Standard14Font.Helvetica);
            for (var i = 0; i < lines.Length; i++) page.AddText(lines[i], 12, new UglyToad.PdfPig.Core.PdfPoint(50, 750 - i * 20), font);
        }
        else page.DrawRectangle(new UglyToad.PdfPig.Core.PdfPoint(50, 50), 200, 300);
        return builder.Build();
    }
}
