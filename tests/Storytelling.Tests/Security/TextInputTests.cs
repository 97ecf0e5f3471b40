using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Exchange;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Workshops;
using Storytelling.Tests.Workspace;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Security;

/// <summary>
/// Control characters are refused at every door (JSON bodies, API query strings, page forms, page queries, file
/// names, hand-read multipart forms), naming the field; text that got in before (or by another way) still exports as
/// valid REFI-QDA XML.
/// </summary>
public sealed class TextInputTests(TranscriptWorld world) : IClassFixture<TranscriptWorld>
{
    private const string Hostile = "a\u0000b\u0001c\u001Fd\u0085e\uFFFEf\uD800g";

    private HttpClient Facilitator => world.Clients["begeleider"];

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<Guid> ProjectAsync(string name = "Tekst") =>
        (await world.App.CreateProjectAsync(name + " " + Guid.NewGuid().ToString("N")[..6], (world.People["begeleider"], ProjectRole.Begeleider),
            (world.People["interviewer"], ProjectRole.Interviewer))).Id;

    private async Task<int> ThemeCountAsync(Guid projectId)
    {
        var count = 0;
        await world.App.WithDbAsync(async db => count = await db.Themes.CountAsync(t => t.ProjectId == projectId));
        return count;
    }

    public static TheoryData<string, string> RefusedThemes() => new()
    {
        { """{"name":"Werk\u0000"}""", "name" },
        { """{"name":"Werk\u0001"}""", "name" },
        { """{"name":"Werk\u007F"}""", "name" },
        { """{"name":"Werk\u0085"}""", "name" },
        { """{"name":"Werk\n2"}""", "name" },
        { """{"name":"Werk\t2"}""", "name" },
        { """{"name":"Werk","description":"Regel\u0000"}""", "description" },
        { """{"name":"Werk","description":"Regel\u001B[31m"}""", "description" },
        { """{"name":"Werk","description":"Regel\uFFFF"}""", "description" },
    };

    [Theory]
    [MemberData(nameof(RefusedThemes))]
    public async Task A_control_character_in_a_JSON_body_is_a_validation_problem_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        var projectId = await ProjectAsync();
        var response = await Facilitator.PostAsync($"/api/projects/{projectId}/themes", Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(TestJson.Options);
        Assert.True(problem!.Errors.ContainsKey(field), await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await ThemeCountAsync(projectId));
    }

    [Fact]
    public async Task A_description_keeps_its_line_breaks_and_tabs()
    {
        var projectId = await ProjectAsync();
        var response = await Facilitator.PostAsync($"/api/projects/{projectId}/themes",
            Json("""{"name":"Werk","description":"Eerste regel\r\nTweede\tregel"}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await world.App.WithDbAsync(async db =>
            Assert.Equal("Eerste regel\r\nTweede\tregel", (await db.Themes.SingleAsync(t => t.ProjectId == projectId)).Description));
    }

    [Fact]
    public async Task A_field_inside_a_list_is_named_by_its_path()
    {
        var admin = await AdminAsync();
        var response = await admin.PostAsync("/api/projects",
            Json("""{"name":"Werk","guidingQuestion":"Vraag?","allowedLanguages":["nl","e\u0002n"]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(TestJson.Options);
        Assert.Contains("allowedLanguages[1]", problem!.Errors.Keys);
    }

    [Fact]
    public async Task The_capture_API_refuses_a_NUL_in_the_tellers_pseudonym()
    {
        var projectId = await ProjectAsync();
        var response = await world.Clients["interviewer"].PostAsync($"/api/projects/{projectId}/uploads",
            Json("""{"sizeBytes":1000,"mediaType":"audio/webm","consent":{"analysis":true},"tellerPseudonym":"Anna\u0000","consentGivenVerbally":true}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(TestJson.Options);
        Assert.Contains("tellerPseudonym", problem!.Errors.Keys);
        await world.App.WithDbAsync(async db => Assert.False(await db.UploadSessions.AnyAsync(u => u.ProjectId == projectId)));
    }

    [Fact]
    public async Task A_control_character_in_an_API_query_string_is_refused_naming_the_parameter()
    {
        var response = await Facilitator.GetAsync($"/api/projects/{world.ProjectId}/stories?q=werk%01");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(TestJson.Options);
        Assert.Contains("q", problem!.Errors.Keys);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_still_gets_its_400_and_a_wrong_content_type_its_415()
    {
        var projectId = await ProjectAsync();
        var broken = await Facilitator.PostAsync($"/api/projects/{projectId}/themes", Json("{\"name\":"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var text = await Facilitator.PostAsync($"/api/projects/{projectId}/themes", new StringContent("""{"name":"Werk"}""", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
    }

    [Fact]
    public async Task A_page_form_with_a_control_character_gets_the_pages_400_naming_the_field_and_nothing_is_stored()
    {
        var projectId = await ProjectAsync();
        var path = $"/projects/{projectId}/codebook";
        var html = await Facilitator.GetStringAsync(path);

        var response = await Forms.PostAsync(Facilitator, path, html, "Propose",
            new() { ["name"] = "Werk\u0001", ["description"] = "", ["colour"] = "#808080", ["kind"] = "Overig" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("Deze tekst kan niet worden opgeslagen", page, StringComparison.Ordinal);
        Assert.Contains("‘name’", page, StringComparison.Ordinal);
        Assert.Equal(0, await ThemeCountAsync(projectId));

        var lineBreak = await Forms.PostAsync(Facilitator, path, html, "Propose",
            new() { ["name"] = "Werk\nWonen", ["description"] = "", ["colour"] = "#808080", ["kind"] = "Overig" });
        Assert.Equal(HttpStatusCode.BadRequest, lineBreak.StatusCode);
        Assert.Contains("één regel", WebUtility.HtmlDecode(await lineBreak.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        var fine = await Forms.PostAsync(Facilitator, path, html, "Propose",
            new() { ["name"] = "Werk", ["description"] = "Twee\r\nregels", ["colour"] = "#808080", ["kind"] = "Overig" });
        Assert.NotEqual(HttpStatusCode.BadRequest, fine.StatusCode);
        Assert.Equal(1, await ThemeCountAsync(projectId));
    }

    [Fact]
    public async Task A_page_query_with_a_control_character_is_refused()
    {
        var response = await Facilitator.GetAsync($"/projects/{world.ProjectId}/stories?q=werk%00");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("‘q’", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_uploaded_file_name_with_a_control_character_is_refused_on_the_page()
    {
        var projectId = await ProjectAsync();
        var path = $"/projects/{projectId}/exchange";
        var html = await Facilitator.GetStringAsync(path);
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var form = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" } };
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"/>"));
        file.Headers.ContentDisposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("form-data")
        {
            Name = "\"file\"", FileNameStar = "code\u0001boek.qdc",
        };
        form.Add(file);

        var response = await Facilitator.PostAsync(path + "?handler=Codebook", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("‘file’", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hand_read_import_form_refuses_a_control_character_in_the_pseudonym()
    {
        var projectId = await ProjectAsync();
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Wave.Seconds(1)), "audio", "verhaal.wav" },
            { new StringContent("Hallo"), "transcript", "verhaal.txt" },
            { new StringContent("Anna\u0000"), "tellerPseudonym" },
            { new StringContent("true"), "consentAnalysis" },
            { new StringContent("true"), "consentConfirmed" },
        };

        var response = await Facilitator.PostAsync($"/api/projects/{projectId}/imports", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(TestJson.Options);
        Assert.Contains("tellerPseudonym", problem!.Errors.Keys);
    }

    [Fact]
    public async Task The_workshop_hub_refuses_a_noncharacter_in_a_proposed_theme_name()
    {
        await using var workshop = await WorkshopWorld.CreateAsync();
        var (code, _) = await workshop.OpenSessionAsync();
        var (_, cookie) = await workshop.JoinAsync(code, "Bea", await workshop.LoginCookieAsync(WorkshopWorld.Begeleider));
        await using var member = await workshop.ConnectAsync(cookie);
        await member.InvokeAsync<WorkshopStateDto>("JoinSession", code);

        // U+FFFE is no control character to the workshop's own name check, but no text either: the hub's JSON refuses it.
        await Assert.ThrowsAsync<HubException>(() => member.InvokeAsync<WorkshopThemeDto>("ProposeTheme", "Werk\uFFFE", ThemeKind.Overig));

        var made = await member.InvokeAsync<WorkshopThemeDto>("ProposeTheme", "Werk en zorg", ThemeKind.Overig);
        Assert.Equal("Werk en zorg", made.Name);
        await workshop.App.WithDbAsync(async db =>
            Assert.False(await db.Themes.AnyAsync(t => t.ProjectId == workshop.Project.Id && t.Name.StartsWith("Werk\uFFFE"))));
    }

    [Fact]
    public async Task A_REFI_QDA_file_with_control_characters_imports_with_each_replaced_and_its_selection_in_place()
    {
        var projectId = await ProjectAsync();
        var xml = Qdpx.ProjectXml(start: 0, end: 4).Replace("name=\"Werk\"", "name=\"We\u0085rk\"", StringComparison.Ordinal)
            .Replace("name=\"Anna.txt\"", "name=\"An&#x9;na.txt\"", StringComparison.Ordinal);
        var qdpx = Qdpx.Zip(("project.qde", Qdpx.Utf8(xml)), ("Sources/a.txt", Qdpx.Utf8("W\u0000rk is alles")));

        var response = await Facilitator.PostAsync($"/api/projects/{projectId}/exchange/project?consentConfirmed=true", Zip(qdpx));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await world.App.WithDbAsync(async db =>
        {
            Assert.Equal("We\uFFFDrk", (await db.Themes.SingleAsync(t => t.ProjectId == projectId)).Name);
            var story = await db.Stories.SingleAsync(s => s.ProjectId == projectId);
            Assert.Equal("An na", story.TellerPseudonym);
            var transcriptIds = db.Transcripts.Where(t => t.StoryId == story.Id).Select(t => t.Id);
            var segments = await db.TranscriptSegments.Where(x => transcriptIds.Contains(x.TranscriptId)).OrderBy(x => x.Position).ToListAsync();
            var text = Storytelling.Web.Features.Transcripts.TranscriptText.From(segments).Text;
            Assert.Equal("W\uFFFDrk is alles", text);
            var coding = await db.Codings.SingleAsync(c => c.Transcript!.StoryId == story.Id);
            Assert.Equal("W\uFFFDrk", text[coding.StartChar..coding.EndChar]);
        });
    }

    [Fact]
    public async Task Old_data_with_control_characters_in_every_name_and_description_exports_as_valid_REFI_QDA()
    {
        var author = await world.App.CreatePersonAsync($"hostile-{Guid.NewGuid():N}@example.org", name: "Staf" + Hostile);
        var projectId = (await world.App.CreateProjectAsync("Project" + Hostile, (world.People["begeleider"], ProjectRole.Begeleider),
            (author.Id, ProjectRole.Begeleider))).Id;
        Guid parent = Guid.Empty, child = Guid.Empty;
        await world.App.WithDbAsync(async db =>
        {
            var at = world.App.Time.GetUtcNow();
            var project = await db.Projects.SingleAsync(p => p.Id == projectId);
            project.GuidingQuestion = "Vraag" + Hostile;
            var p = new Theme { ProjectId = projectId, Name = "Thema" + Hostile, Description = "Uitleg" + Hostile, Colour = "#D62728", Kind = ThemeKind.Knelpunt, CreatedAt = at };
            var c = new Theme { ProjectId = projectId, ParentId = p.Id, Name = "Sub" + Hostile, Description = Hostile, Colour = "#1F77B4", CreatedAt = at };
            db.Themes.AddRange(p, c);
            await db.SaveChangesAsync();
            (parent, child) = (p.Id, c.Id);
        });
        var storyId = await AnalysisSeed.StoryAsync(world.App, projectId, "Verteller" + Hostile, ["Tekst" + Hostile + " van het verhaal."]);
        await using (var scope = world.App.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<CodingService>().CreateAsync(projectId,
                new NewCoding(storyId, child, 0, 12, "Memo" + Hostile), new CodingAuthor(author.Id, ProjectRole.Begeleider, "x"), CancellationToken.None);
            Assert.NotNull(result.Coding);
        }

        var qdpx = await Facilitator.GetAsync($"/api/projects/{projectId}/exchange/project.qdpx?audio=false");
        Assert.Equal(HttpStatusCode.OK, qdpx.StatusCode);
        var qde = Qdpx.Entries(await qdpx.Content.ReadAsByteArrayAsync())["project.qde"];
        Assert.Empty(Qdpx.Validate(qde, Qdpx.Ns.NamespaceName, "Project.xsd"));
        var doc = XDocument.Load(new MemoryStream(qde));
        Assert.Equal("Project" + Replaced, (string?)doc.Root!.Attribute("name"));
        Assert.Equal(["Thema" + Replaced, "Sub" + Replaced], doc.Descendants(Qdpx.Ns + "Code").Select(c => (string)c.Attribute("name")!));
        Assert.Equal("Verteller" + Replaced, (string?)doc.Descendants(Qdpx.Ns + "TextSource").Single().Attribute("name"));
        Assert.Contains(doc.Descendants(Qdpx.Ns + "User"), u => (string?)u.Attribute("name") == "Staf" + Replaced);
        Assert.Contains("Memo" + Replaced, doc.Descendants(Qdpx.Ns + "PlainTextSelection").Single().Element(Qdpx.Ns + "Description")!.Value,
            StringComparison.Ordinal);

        var qdc = await Facilitator.GetAsync($"/api/projects/{projectId}/exchange/codebook.qdc");
        Assert.Equal(HttpStatusCode.OK, qdc.StatusCode);
        var codebook = await qdc.Content.ReadAsByteArrayAsync();
        Assert.Empty(Qdpx.Validate(codebook, Qdpx.CodebookNs.NamespaceName, "Codebook.xsd"));
        Assert.StartsWith("Uitleg" + Replaced, XDocument.Load(new MemoryStream(codebook)).Descendants(Qdpx.CodebookNs + "Description").First().Value,
            StringComparison.Ordinal);

        // What went out comes back in: the export is a file other tools, and this one, can read.
        var fresh = await ProjectAsync("Terug");
        var back = await Facilitator.PostAsync($"/api/projects/{fresh}/exchange/project?consentConfirmed=true",
            Zip(await (await Facilitator.GetAsync($"/api/projects/{projectId}/exchange/project.qdpx?audio=false")).Content.ReadAsByteArrayAsync()));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.NotEqual(Guid.Empty, parent);
    }

    /// <summary><see cref="Hostile"/> as the exports write it: each character XML cannot hold is U+FFFD (NEL, U+0085, is
    /// a character XML allows).</summary>
    private const string Replaced = "a\uFFFDb\uFFFDc\uFFFDd\u0085e\uFFFDf\uFFFDg";

    private async Task<HttpClient> AdminAsync()
    {
        var email = $"admin-{Guid.NewGuid():N}@example.org";
        await world.App.CreatePersonAsync(email, administrator: true);
        return await world.App.SignedInClientAsync(email);
    }

    private sealed record Problem(Dictionary<string, string[]> Errors);

    /// <summary>A .qdpx as API clients send it: the API refuses bodies without their real type (cross-site form guard).</summary>
    private static ByteArrayContent Zip(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        return content;
    }
}
