using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Invitations;

namespace Storytelling.Tests.Translation;

/// <summary>
/// The guiding question and a round's question in English and Arabic (issue 16): the facilitator gives them on the
/// questions page, the capture page hands the teller's phone every translation (Dutch where there is none), the
/// teller's own page shows it in their language, and a round of another project cannot be touched through this one.
/// </summary>
public sealed partial class QuestionTranslationTests : IAsyncLifetime
{
    private const string English = "What does work mean to you?";
    private const string Arabic = "ماذا يعني العمل بالنسبة لك؟";
    private readonly TestApp _app = new();
    private Guid _a, _b, _roundB;
    private string _tokenA = "", _roundLinkB = "";
    private HttpClient _facilitator = null!;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var facilitator = await _app.CreatePersonAsync("begeleider@example.org", name: "Femke");
        var resident = await _app.CreatePersonAsync("bewoner@example.org", name: "Fatima");
        _a = (await _app.CreateProjectAsync("A", (facilitator.Id, ProjectRole.Begeleider), (resident.Id, ProjectRole.Bewoner))).Id;
        _b = (await _app.CreateProjectAsync("B", (facilitator.Id, ProjectRole.Begeleider))).Id;
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
        await using (var scope = _app.Services.CreateAsyncScope())
            (_, _tokenA) = await scope.ServiceProvider.GetRequiredService<InvitationService>()
                .CreateAsync(_a, InvitationKind.Capture, ProjectRole.Bewoner, null, null, facilitator.Id, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PostAsJsonAsync($"/api/projects/{_b}/phase", new { to = "CoEvaluate" })).StatusCode);
        var round = await _facilitator.PostAsJsonAsync($"/api/projects/{_b}/rounds", new { question = "Wat is er voor jou veranderd?" });
        Assert.Equal(HttpStatusCode.Created, round.StatusCode);
        var made = (await round.Content.ReadFromJsonAsync<RoundWithLinkDto>(TestJson.Options))!;
        (_roundB, _roundLinkB) = (made.Round.Id, new Uri(made.CaptureUrl).PathAndQuery);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<HttpResponseMessage> SaveAsync(Guid project, string handler, Dictionary<string, string> fields)
    {
        var page = await _facilitator.GetStringAsync($"/projects/{project}/questions");
        return await Forms.PostAsync(_facilitator, $"/projects/{project}/questions", page, handler, fields);
    }

    /// <summary>The question by language as the capture page hands it to the phone's script.</summary>
    private async Task<Dictionary<string, string>> QuestionsOnPhoneAsync(string path)
    {
        using var anonymous = _app.CreateClient();
        var html = await anonymous.GetStringAsync(path);
        var attribute = QuestionsAttribute().Match(html);
        Assert.True(attribute.Success, "the capture page carries no questions");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(WebUtility.HtmlDecode(attribute.Groups[1].Value))!;
    }

    [Fact]
    public async Task The_guiding_question_in_English_and_Arabic_reaches_the_phone_and_an_emptied_translation_falls_back_to_Dutch()
    {
        Assert.Equal(new Dictionary<string, string> { ["nl"] = "Wat betekent werk voor jou?" }, await QuestionsOnPhoneAsync($"/c/{_tokenA}"));

        var saved = await SaveAsync(_a, "Project", new() { ["en"] = English, ["ar"] = $"  {Arabic} " });
        Assert.Contains("De vertalingen zijn bewaard.", await saved.Content.ReadAsStringAsync());
        Assert.Equal(new Dictionary<string, string> { ["nl"] = "Wat betekent werk voor jou?", ["en"] = English, ["ar"] = Arabic },
            await QuestionsOnPhoneAsync($"/c/{_tokenA}"));

        await SaveAsync(_a, "Project", new() { ["en"] = "", ["ar"] = Arabic });
        Assert.Equal(new Dictionary<string, string> { ["nl"] = "Wat betekent werk voor jou?", ["ar"] = Arabic }, await QuestionsOnPhoneAsync($"/c/{_tokenA}"));
        // The Dutch question itself is untouched, and the change is in the audit log by id only.
        await _app.WithDbAsync(async db =>
        {
            Assert.Equal("Wat betekent werk voor jou?", (await db.Projects.AsNoTracking().SingleAsync(p => p.Id == _a)).GuidingQuestion);
            Assert.Equal(2, await db.AuditLog.CountAsync(e => e.ProjectId == _a && e.Action == "project.question-translated"));
        });
    }

    [Fact]
    public async Task A_rounds_question_is_translated_for_its_own_link_and_the_project_question_stays_as_it_was()
    {
        var saved = await SaveAsync(_b, "Round", new() { ["roundId"] = _roundB.ToString(), ["en"] = "What has changed for you?", ["ar"] = "" });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(new Dictionary<string, string> { ["nl"] = "Wat is er voor jou veranderd?", ["en"] = "What has changed for you?" },
            await QuestionsOnPhoneAsync(_roundLinkB));
        await _app.WithDbAsync(async db => Assert.Empty((await db.Projects.AsNoTracking().SingleAsync(p => p.Id == _b)).QuestionTranslations ?? []));
    }

    [Fact]
    public async Task Another_projects_round_named_under_this_project_is_not_found_and_stays_untranslated()
    {
        var response = await SaveAsync(_a, "Round", new() { ["roundId"] = _roundB.ToString(), ["en"] = "Overwritten from A" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(new Dictionary<string, string> { ["nl"] = "Wat is er voor jou veranderd?" }, await QuestionsOnPhoneAsync(_roundLinkB));
        await _app.WithDbAsync(async db => Assert.Equal(0, await db.AuditLog.CountAsync(e => e.ProjectId == _a && e.Action == "round.question-translated")));
    }

    [Fact]
    public async Task A_question_longer_than_the_limit_is_refused_with_a_sentence_and_nothing_is_saved()
    {
        var response = await SaveAsync(_a, "Project", new() { ["en"] = new string('x', 1001), ["ar"] = Arabic });
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Een vraag is hoogstens 1000 tekens lang. Maak hem korter.", html);
        Assert.Equal(new Dictionary<string, string> { ["nl"] = "Wat betekent werk voor jou?" }, await QuestionsOnPhoneAsync($"/c/{_tokenA}"));
    }

    [Fact]
    public async Task Only_the_facilitator_gives_translations_a_resident_is_sent_to_the_denied_page()
    {
        var resident = await _app.SignedInClientAsync("bewoner@example.org");
        var response = await resident.GetAsync($"/projects/{_a}/questions");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/denied", response.Headers.Location!.PathAndQuery);
    }

    [Theory]
    [InlineData("nl", "Wat betekent werk voor jou?")]
    [InlineData("en", English)]
    [InlineData("ar", "Wat betekent werk voor jou?")]
    public void A_teller_reads_the_question_in_their_language_and_Dutch_where_nobody_translated_it(string language, string expected)
    {
        List<QuestionTranslation> translations = [new() { Language = "en", Text = English }, new() { Language = "ar", Text = "  " }];
        Assert.Equal(expected, QuestionTranslations.For("Wat betekent werk voor jou?", translations, language));
        Assert.Equal("Wat betekent werk voor jou?", QuestionTranslations.For("Wat betekent werk voor jou?", null, language));
    }

    [GeneratedRegex("class=\"question\" lang=\"nl\" dir=\"auto\" data-questions=\"([^\"]*)\"")]
    private static partial Regex QuestionsAttribute();
}
