using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Security;

/// <summary>
/// What a page on another site can make a signed-in browser send without a CORS preflight: a urlencoded, multipart or
/// text/plain form, or a body without Content-Type. The API refuses each of them and changes nothing.
/// </summary>
public sealed class CrossSiteFormTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private Guid _project;
    private HttpClient _victim = null!;
    /// <summary>A real .qdc file, exported from another project of the same facilitator.</summary>
    private string _codebook = "";

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var facilitator = await _app.CreatePersonAsync("begeleider@example.org");
        _project = (await _app.CreateProjectAsync("Werk", (facilitator.Id, ProjectRole.Begeleider))).Id;
        var elsewhere = (await _app.CreateProjectAsync("Elders", (facilitator.Id, ProjectRole.Begeleider))).Id;
        // A browser signed in through the page: the sign-in cookie, but no antiforgery header of its own.
        _victim = _app.AnonymousClient();
        (await _victim.PostAsJsonAsync("/api/account/login", new { email = "begeleider@example.org", password = TestApp.Password })).EnsureSuccessStatusCode();
        (await _victim.PostAsJsonAsync($"/api/projects/{elsewhere}/themes", new { name = "Binnengesmokkeld" })).EnsureSuccessStatusCode();
        _codebook = await _victim.GetStringAsync($"/api/projects/{elsewhere}/exchange/codebook.qdc");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private static HttpContent CrossSite(string kind, string body) => kind switch
    {
        "text/plain" => new StringContent(body, Encoding.UTF8, "text/plain"),
        "urlencoded" => new FormUrlEncodedContent(new Dictionary<string, string> { [body] = "" }),
        "multipart" => new MultipartFormDataContent { { new StringContent(body), "file", "codebook.qdc" } },
        _ => new ByteArrayContent(Encoding.UTF8.GetBytes(body)), // a fetch() with a bare body: no Content-Type at all
    };

    private async Task<(int Themes, int Stories, int Invitations)> CountsAsync()
    {
        var counts = (0, 0, 0);
        await _app.WithDbAsync(async db => counts = (
            await db.Themes.CountAsync(t => t.ProjectId == _project),
            await db.Stories.CountAsync(s => s.ProjectId == _project),
            await db.Invitations.CountAsync(i => i.ProjectId == _project)));
        return counts;
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("urlencoded")]
    [InlineData("multipart")]
    [InlineData("none")]
    public async Task A_cross_site_post_of_a_codebook_file_is_refused_and_adds_no_theme(string kind)
    {
        var response = await _victim.PostAsync($"/api/projects/{_project}/exchange/codebook", CrossSite(kind, _codebook));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal((0, 0, 0), await CountsAsync());

        // The same file with its own type goes in: the refusal was about the door, not the file.
        var xml = new StringContent(_codebook, Encoding.UTF8, "application/xml");
        Assert.Equal(HttpStatusCode.OK, (await _victim.PostAsync($"/api/projects/{_project}/exchange/codebook", xml)).StatusCode);
        Assert.Equal(1, (await CountsAsync()).Themes);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("urlencoded")]
    [InlineData("multipart")]
    public async Task A_cross_site_form_to_a_json_or_bodiless_endpoint_is_refused_and_changes_nothing(string kind)
    {
        var theme = await _victim.PostAsync($"/api/projects/{_project}/themes", CrossSite(kind, """{"name":"Binnengesmokkeld"}"""));
        var invitation = await _victim.PostAsync($"/api/projects/{_project}/invitations", CrossSite(kind, """{"kind":"Membership","role":"Begeleider"}"""));
        var logout = await _victim.PostAsync("/api/account/logout", CrossSite(kind, "x"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, theme.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, invitation.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, logout.StatusCode);
        Assert.Equal((0, 0, 0), await CountsAsync());
        Assert.Equal(HttpStatusCode.OK, (await _victim.GetAsync("/api/account/me")).StatusCode); // still signed in
    }

    [Fact]
    public async Task A_multipart_import_without_the_antiforgery_token_is_refused_and_stores_nothing()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("true"), "consentAnalysis" },
            { new StringContent("on"), "consentConfirmed" },
            { new ByteArrayContent(new byte[2048]) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } }, "audio", "opname.wav" },
            { new StringContent("WEBVTT\n\n00:00.000 --> 00:01.000\nHallo\n"), "transcript", "verhaal.vtt" },
        };
        var response = await _victim.PostAsync($"/api/projects/{_project}/imports", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("RequestVerificationToken", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A forged token is no better than none.
        using var forged = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{_project}/imports") { Content = form };
        forged.Headers.Add("RequestVerificationToken", "CfDJ8forged");
        Assert.Equal(HttpStatusCode.BadRequest, (await _victim.SendAsync(forged)).StatusCode);
        Assert.Equal((0, 0, 0), await CountsAsync());
    }
}
