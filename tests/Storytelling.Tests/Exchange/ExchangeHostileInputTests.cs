using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Exchange;

/// <summary>
/// Files a hostile or careless sender could upload: each is refused with 400 and one sentence, and nothing — no theme,
/// no story, no stored byte — is left behind. Limits are set small here so the bombs stay small.
/// </summary>
public sealed class ExchangeHostileInputTests : IAsyncLifetime
{
    private readonly string _media = Repo.NewTempFolder("exchange-media");
    private TestApp _app = null!;
    private HttpClient _client = null!;
    private Guid _projectId;

    public async Task InitializeAsync()
    {
        _app = new TestApp(new Dictionary<string, string?>
        {
            ["Storytelling:Storage:DiskStore:RootPath"] = _media,
            ["Storytelling:Exchange:MaxUploadBytes"] = "200000",
            ["Storytelling:Exchange:MaxUncompressedBytes"] = "1000000",
            ["Storytelling:Exchange:MaxEntries"] = "20",
            ["Storytelling:Exchange:MaxCodes"] = "50",
        });
        await _app.MigrateAsync();
        var person = await _app.CreatePersonAsync("begeleider@example.org");
        _projectId = (await _app.CreateProjectAsync("Houten", (person.Id, ProjectRole.Begeleider))).Id;
        _client = await _app.SignedInClientAsync("begeleider@example.org");
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _app.Dispose();
        Repo.DeleteFolder(_media);
        return Task.CompletedTask;
    }

    private static byte[] Valid(string xml, string text = "Werk is alles") =>
        Qdpx.Zip(("project.qde", Qdpx.Utf8(xml)), ("Sources/a.txt", Qdpx.Utf8(text)));

    public static TheoryData<string, string> Hostile()
    {
        return new TheoryData<string, string>
        {
            { "empty", "geen geldig .qdpx" },
            { "not-a-zip", "geen geldig .qdpx" },
            { "no-project-qde", "geen project.qde" },
            { "xxe", "geen geldig XML" },
            { "not-xml", "geen geldig XML" },
            { "wrong-root", "hoofdelement Project" },
            { "invalid-code-guid", "geen geldige GUID" },
            { "path-traversal", "buiten het archief" },
            { "absolute-path", "buiten het archief" },
            { "zip-bomb", "groter dan" },
            { "too-many-entries", "meer dan 20 bestanden" },
            { "too-large-upload", "groter dan" },
            { "duplicate-guid", "twee keer" },
        };
    }

    private static byte[] Build(string kind) => kind switch
    {
        "empty" => [],
        "not-a-zip" => Qdpx.Utf8("dit is tekst, geen zip"),
        "no-project-qde" => Qdpx.Zip(("Sources/a.txt", Qdpx.Utf8("Werk"))),
        "xxe" => Valid(Qdpx.ProjectXml(prolog: "\n<!DOCTYPE Project [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>")),
        "not-xml" => Valid("<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\"><Sources>"),
        "wrong-root" => Valid("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"/>"),
        "invalid-code-guid" => Valid(Qdpx.ProjectXml(codeGuid: "not-a-guid")),
        "path-traversal" => Qdpx.Zip(("project.qde", Qdpx.Utf8(Qdpx.ProjectXml())), ("Sources/../../evil.txt", Qdpx.Utf8("x"))),
        "absolute-path" => Qdpx.Zip(("project.qde", Qdpx.Utf8(Qdpx.ProjectXml())), ("/etc/evil.txt", Qdpx.Utf8("x"))),
        // 2 MB of one letter compresses to a few kB: small upload, too large unpacked.
        "zip-bomb" => Qdpx.Zip(("project.qde", Qdpx.Utf8(Qdpx.ProjectXml())), ("Sources/a.txt", new byte[2_000_000].Select(_ => (byte)'a').ToArray())),
        "too-many-entries" => Qdpx.Zip([("project.qde", Qdpx.Utf8(Qdpx.ProjectXml())), ("Sources/a.txt", Qdpx.Utf8("Werk is alles")),
            .. Enumerable.Range(0, 25).Select(i => ($"Sources/extra{i}.txt", Qdpx.Utf8("x")))]),
        "too-large-upload" => Qdpx.Zip(("project.qde", Qdpx.Utf8(Qdpx.ProjectXml())), ("Sources/a.txt", Qdpx.Utf8("Werk is alles")),
            ("Sources/noise.bin", Enumerable.Range(0, 300_000).Select(i => (byte)Random.Shared.Next(256)).ToArray())),
        "duplicate-guid" => Valid(Qdpx.ProjectXml().Replace("</Codes>",
            "<Code guid=\"11111111-2222-3333-4444-555555555555\" name=\"Ander\" isCodable=\"true\"/></Codes>", StringComparison.Ordinal)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_or_broken_qdpx_is_refused_in_one_sentence_and_nothing_is_written(string kind, string expected)
    {
        var response = await _client.PostAsync($"/api/projects/{_projectId}/exchange/project?consentConfirmed=true",
            Typed(Build(kind), "application/zip"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>();
        var sentence = Assert.Single(problem!.Errors["file"]);
        Assert.Contains(expected, sentence, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", sentence, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task A_damaged_archive_is_refused_in_one_sentence_and_nothing_is_written()
    {
        var zip = Valid(Qdpx.ProjectXml(), string.Concat(Enumerable.Repeat("Werk is alles voor mij. ", 200)));
        // Overwrite the middle of the compressed data (the central directory at the end stays intact).
        for (var i = 80; i < 200; i++) zip[i] ^= 0x5A;
        var response = await _client.PostAsync($"/api/projects/{_projectId}/exchange/project?consentConfirmed=true", Typed(zip, "application/zip"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>();
        Assert.Single(problem!.Errors["file"]);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task A_valid_hand_made_qdpx_is_accepted_so_the_refusals_above_are_about_their_flaw()
    {
        var response = await _client.PostAsync($"/api/projects/{_projectId}/exchange/project?consentConfirmed=true",
            Typed(Valid(Qdpx.ProjectXml()), "application/zip"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _app.WithDbAsync(async db =>
        {
            var coding = await db.Codings.AsNoTracking().Include(c => c.Theme).SingleAsync();
            Assert.Equal(("Werk", "#112233", 0, 4), (coding.Theme!.Name, coding.Theme.Colour, coding.StartChar, coding.EndChar));
            Assert.Equal("Anna", (await db.Stories.SingleAsync()).TellerPseudonym); // "Anna.txt" without its extension
        });
    }

    [Theory]
    [InlineData("", "leeg")]
    [InlineData("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>", "geen geldig XML")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE CodeBook [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"11111111-2222-3333-4444-555555555555\" name=\"&b;\" isCodable=\"true\"/></Codes></CodeBook>", "geen geldig XML")]
    [InlineData("<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\"/>", "geen REFI-QDA-codeboek")]
    [InlineData("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"1234\" name=\"Werk\" isCodable=\"true\"/></Codes></CodeBook>", "geen geldige GUID")]
    [InlineData("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"11111111-2222-3333-4444-555555555555\" name=\" \" isCodable=\"true\"/></Codes></CodeBook>", "geen naam")]
    [InlineData("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes></Codes></CodeBook>", "geen codes")]
    public async Task A_broken_or_hostile_qdc_is_refused_in_one_sentence_and_nothing_is_written(string qdc, string expected)
    {
        var response = await _client.PostAsync($"/api/projects/{_projectId}/exchange/codebook", Typed(Qdpx.Utf8(qdc), "application/xml"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>();
        Assert.Contains(expected, Assert.Single(problem!.Errors["file"]), StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task A_qdc_with_more_codes_than_allowed_or_an_overlong_name_is_refused()
    {
        var many = "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>"
            + string.Concat(Enumerable.Range(0, 60).Select(i => $"<Code guid=\"{Guid.NewGuid()}\" name=\"Thema {i}\" isCodable=\"true\"/>"))
            + "</Codes></CodeBook>";
        var response = await _client.PostAsync($"/api/projects/{_projectId}/exchange/codebook", Typed(Qdpx.Utf8(many), "application/xml"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("meer dan 50 codes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var longName = $"<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"{Guid.NewGuid()}\" name=\"{new string('x', 201)}\" isCodable=\"true\"/></Codes></CodeBook>";
        response = await _client.PostAsync($"/api/projects/{_projectId}/exchange/codebook", Typed(Qdpx.Utf8(longName), "application/xml"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingWrittenAsync();
    }

    private async Task AssertNothingWrittenAsync()
    {
        await _app.WithDbAsync(async db =>
        {
            Assert.False(await db.Themes.AnyAsync(t => t.ProjectId == _projectId));
            Assert.False(await db.Stories.AnyAsync(s => s.ProjectId == _projectId));
        });
        Assert.Empty(Directory.Exists(_media) ? Directory.GetFiles(_media, "*", SearchOption.AllDirectories) : []);
    }

    private static ByteArrayContent Typed(byte[] bytes, string mediaType) =>
        new(bytes) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType) } };
}
