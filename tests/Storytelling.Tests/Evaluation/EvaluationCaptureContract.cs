using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Tests.Capture;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Evaluation;

namespace Storytelling.Tests.Evaluation;

/// <summary>
/// What the phase opens and closes for capture, through the real upload flow a phone uses (create, chunks, complete)
/// with real speech audio: plain links only while gathering, a round's own link while the round is open.
/// </summary>
public abstract class EvaluationCaptureContract : IAsyncLifetime
{
    protected abstract TestApp NewApp();

    private TestApp _app = null!;
    private Guid _project;
    private HttpClient _facilitator = null!, _interviewer = null!;
    private string _plainToken = "";
    private static byte[]? s_wav;
    private string Api => $"/api/projects/{_project}";

    public virtual async Task InitializeAsync()
    {
        _app = await NewApp().MigrateAsync();
        var f = await _app.CreatePersonAsync("begeleider@example.org");
        var i = await _app.CreatePersonAsync("interviewer@example.org");
        _project = (await _app.CreateProjectAsync("Werk", (f.Id, ProjectRole.Begeleider), (i.Id, ProjectRole.Interviewer))).Id;
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
        _interviewer = await _app.SignedInClientAsync("interviewer@example.org");
        var link = await _facilitator.PostAsJsonAsync($"{Api}/invitations", new { kind = "Capture", role = "Bewoner" });
        _plainToken = TokenOf((await link.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!);
        s_wav ??= await TestAudio.SpeechWavAsync("Er is veel veranderd sinds vorig jaar.");
    }

    public virtual Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private static string TokenOf(string url) => url[(url.LastIndexOf('/') + 1)..];

    private HttpClient Phone(string language = "nl")
    {
        var client = _app.AnonymousClient();
        client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(language));
        return client;
    }

    private static object Upload(long size) =>
        new { sizeBytes = size, mediaType = "audio/wav", consent = new { analysis = true, quotesInReports = false, audioInWorkshops = false }, language = "nl" };

    private static async Task<HttpResponseMessage> SendAndCompleteAsync(HttpClient client, HttpResponseMessage created)
    {
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var uploadId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;
        const int chunk = 64 * 1024;
        for (var offset = 0; offset < s_wav!.Length; offset += chunk)
        {
            var content = new ByteArrayContent(s_wav, offset, Math.Min(chunk, s_wav.Length - offset));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/api/uploads/{uploadId}/chunks?offset={offset}", content)).StatusCode);
        }
        return await client.PostAsync($"/api/uploads/{uploadId}/complete", null);
    }

    private Task<HttpResponseMessage> StartAsync(HttpClient phone, string token) =>
        phone.PostAsJsonAsync($"/api/capture/{token}/uploads", Upload(s_wav!.Length));

    private async Task MoveAsync(string to) =>
        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PostAsJsonAsync($"{Api}/phase", new { to, note = "test" })).StatusCode);

    [Fact]
    public async Task While_gathering_a_plain_link_takes_stories_into_the_first_gathering()
    {
        var phone = Phone();
        var done = await SendAndCompleteAsync(phone, await StartAsync(phone, _plainToken));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        await _app.WithDbAsync(async db => Assert.Null((await db.Stories.SingleAsync()).EvaluationRoundId));
    }

    [Fact]
    public async Task After_gathering_the_plain_link_says_plainly_in_three_languages_that_no_stories_are_collected()
    {
        await MoveAsync("Analyse");

        var refused = await StartAsync(Phone("ar"), _plainToken);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("not_collecting", problem.GetProperty("code").GetString());
        Assert.Contains("لا يجمع القصص", problem.GetProperty("detail").GetString());
        var dutch = await (await StartAsync(Phone("nl"), _plainToken)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("Dit project verzamelt op dit moment geen verhalen", dutch.GetProperty("detail").GetString());

        var page = await Phone().GetAsync($"/c/{_plainToken}");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("We verzamelen nu geen verhalen", html);
        Assert.Contains("<p lang=\"en\">This project is not collecting stories at the moment.", html);
        Assert.Contains("lang=\"ar\" dir=\"rtl\"", html);
        Assert.DoesNotContain("capture.js", html);
        Assert.Equal(HttpStatusCode.Conflict, (await Phone().GetAsync($"/api/capture/{_plainToken}")).StatusCode);

        // An interviewer recording on the spot is held to the same rule.
        var onBehalf = await _interviewer.PostAsJsonAsync($"{Api}/uploads",
            new { sizeBytes = 1000, mediaType = "audio/wav", consent = new { analysis = true }, tellerPseudonym = "Verteller Z", consentGivenVerbally = true });
        Assert.Equal(HttpStatusCode.Conflict, onBehalf.StatusCode);
        await _app.WithDbAsync(async db => Assert.Equal(0, await db.UploadSessions.CountAsync()));
        var recordPage = await (await _interviewer.GetAsync($"/projects/{_project}/record")).Content.ReadAsStringAsync();
        Assert.Contains("We verzamelen nu geen verhalen", recordPage);
        Assert.DoesNotContain("capture.js", recordPage);
    }

    [Fact]
    public async Task An_open_round_takes_stories_through_its_own_link_with_its_own_question_and_stores_the_round()
    {
        await MoveAsync("CoEvaluate");
        var opened = await _facilitator.PostAsJsonAsync($"{Api}/rounds", new { question = "Wat is er voor jou veranderd?" });
        var round = (await opened.Content.ReadFromJsonAsync<RoundWithLinkDto>(TestJson.Options))!;
        var token = TokenOf(round.CaptureUrl);

        var html = await (await Phone().GetAsync($"/c/{token}")).Content.ReadAsStringAsync();
        Assert.Contains("Wat is er voor jou veranderd?", html);
        Assert.DoesNotContain("Wat betekent werk voor jou?", html);
        var recordPage = await (await _interviewer.GetAsync($"/projects/{_project}/record")).Content.ReadAsStringAsync();
        Assert.Contains("Wat is er voor jou veranderd?", recordPage);   // the interviewer asks the round's question
        var resolved = await Phone().GetFromJsonAsync<JsonElement>($"/api/capture/{token}");
        Assert.Equal("Wat is er voor jou veranderd?", resolved.GetProperty("guidingQuestion").GetString());

        var phone = Phone();
        Assert.Equal(HttpStatusCode.OK, (await SendAndCompleteAsync(phone, await StartAsync(phone, token))).StatusCode);
        // The plain link of the first gathering stays closed meanwhile.
        Assert.Equal(HttpStatusCode.Conflict, (await StartAsync(Phone(), _plainToken)).StatusCode);
        // An interviewer's recording goes into the open round.
        var onBehalf = await _interviewer.PostAsJsonAsync($"{Api}/uploads",
            new { sizeBytes = s_wav!.Length, mediaType = "audio/wav", consent = new { analysis = true }, tellerPseudonym = "Verteller Z", consentGivenVerbally = true });
        Assert.Equal(HttpStatusCode.OK, (await SendAndCompleteAsync(_interviewer, onBehalf)).StatusCode);

        await _app.WithDbAsync(async db =>
        {
            var stories = await db.Stories.ToListAsync();
            Assert.Equal(2, stories.Count);
            Assert.All(stories, s => Assert.Equal(round.Round.Id, s.EvaluationRoundId));
        });
    }

    [Fact]
    public async Task Closing_a_round_stops_its_link_but_a_story_already_being_sent_still_arrives()
    {
        await MoveAsync("CoEvaluate");
        var round = (await (await _facilitator.PostAsJsonAsync($"{Api}/rounds", new { question = "Wat is er veranderd?" }))
            .Content.ReadFromJsonAsync<RoundWithLinkDto>(TestJson.Options))!;
        var token = TokenOf(round.CaptureUrl);
        var phone = Phone();
        var started = await StartAsync(phone, token);

        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PostAsync($"{Api}/rounds/{round.Round.Id}/close", null)).StatusCode);

        // The phone holds the only copy: an upload begun while the round was open is finished, in that round.
        Assert.Equal(HttpStatusCode.OK, (await SendAndCompleteAsync(phone, started)).StatusCode);
        await _app.WithDbAsync(async db => Assert.Equal(round.Round.Id, (await db.Stories.SingleAsync()).EvaluationRoundId));
        var after = await StartAsync(Phone(), token);
        Assert.Equal(HttpStatusCode.Gone, after.StatusCode);
    }

    [Fact]
    public async Task A_round_that_passed_its_closing_date_takes_no_new_stories()
    {
        await MoveAsync("CoEvaluate");
        var closesAt = _app.Time.GetUtcNow().AddDays(7);
        var round = (await (await _facilitator.PostAsJsonAsync($"{Api}/rounds", new { question = "Wat is er veranderd?", closesAt }))
            .Content.ReadFromJsonAsync<RoundWithLinkDto>(TestJson.Options))!;
        Assert.Equal(HttpStatusCode.Created, (await StartAsync(Phone(), TokenOf(round.CaptureUrl))).StatusCode);
        _app.Time.Advance(TimeSpan.FromDays(8));
        Assert.NotEqual(HttpStatusCode.Created, (await StartAsync(Phone(), TokenOf(round.CaptureUrl))).StatusCode);
    }
}

public sealed class SqliteEvaluationCaptureTests : EvaluationCaptureContract
{
    protected override TestApp NewApp() => new();
}

public sealed class PostgresEvaluationCaptureTests : EvaluationCaptureContract
{
    private readonly PostgresFixture _postgres = new();

    protected override TestApp NewApp() => new(new Dictionary<string, string?>
    {
        ["Storytelling:Database:Provider"] = "Postgres",
        ["Storytelling:Database:ConnectionString"] = _postgres.ConnectionString,
    });

    public override async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
