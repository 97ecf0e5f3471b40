using System.Net;
using System.Net.Http.Headers;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Workshops;

namespace Storytelling.Tests.Translation;

/// <summary>
/// The workshop pages speak the reader's language: the phone pages (/w, /w/{code}) Dutch, English and Arabic (right to
/// left), the facilitator's pages (sessions, projector board, tussenruimte) Dutch and English; Dutch stays the default.
/// </summary>
public sealed class WorkshopLanguageTests : IAsyncLifetime
{
    private WorkshopWorld _world = null!;
    private string _code = "";
    private Guid _sessionId;

    /// <summary>What the seeded world shows on these pages: data, not interface text.</summary>
    private static readonly string[] Data =
    [
        "Storytelling", "Werk in Houten", "Veranderbijeenkomst", "Bea Begeleider", "Karim", "Sanne", "Werk", "Schulden", "Fatima",
        "Ik had een eigen zaak met Peter, mijn compagnon.",
    ];

    public async Task InitializeAsync()
    {
        _world = await WorkshopWorld.CreateAsync();
        (_code, _sessionId) = await _world.OpenSessionAsync();
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private static HttpClient Phone(TestApp app, string? acceptLanguage = null)
    {
        var phone = app.AnonymousClient();
        if (acceptLanguage is not null) phone.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(acceptLanguage));
        return phone;
    }

    [Fact]
    public async Task The_code_page_speaks_Dutch_English_and_Arabic_right_to_left()
    {
        var english = await Phone(_world.App).GetAsync("/w?lang=en");
        Assert.Equal(HttpStatusCode.OK, english.StatusCode);
        var html = await english.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" dir=\"ltr\">", html);
        Assert.Contains("<h1>Join the workshop</h1>", html);
        Assert.Contains("Type the code shown on the screen", html);
        Assert.Empty(DutchWords.Find(html, Data));

        var wrong = await Phone(_world.App).GetStringAsync("/w?code=xx&lang=en");
        Assert.Contains("A code has 6 characters, such as K7QM4T.", wrong);
        Assert.Empty(DutchWords.Find(wrong, Data));

        var arabic = await Phone(_world.App, "ar").GetStringAsync("/w");
        Assert.Contains("<html lang=\"ar\" dir=\"rtl\">", arabic);
        Assert.Contains("<h1>الانضمام إلى ورشة العمل</h1>", arabic);
        Assert.Empty(DutchWords.Find(arabic, Data));
        var arabicWrong = await Phone(_world.App).GetStringAsync("/w?code=xx&lang=ar");
        Assert.Contains("dir=\"rtl\"", arabicWrong);
        Assert.Empty(DutchWords.Find(arabicWrong, Data));

        var dutch = await Phone(_world.App).GetStringAsync("/w");
        Assert.Contains("<html lang=\"nl\" dir=\"ltr\">", dutch);
        Assert.Contains("<h1>Meedoen met de werksessie</h1>", dutch);
        Assert.Contains("href=\"/w?lang=ar\"", dutch);
    }

    [Fact]
    public async Task The_join_form_and_its_errors_are_English_or_Arabic_when_chosen()
    {
        var phone = Phone(_world.App);
        var response = await phone.GetAsync($"/w/{_code}?lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<label for=\"name\">What may we call you?</label>", html);
        Assert.Contains(">Join</button>", html);
        Assert.Empty(DutchWords.Find(html, Data));

        // The choice is remembered: the refused post answers in English, with the service's reason translated.
        var refused = await Forms.PostAsync(phone, $"/w/{_code}", html, null, new() { ["DisplayName"] = "   " });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Choose a name of 1 to", refusedHtml);
        Assert.Empty(DutchWords.Find(refusedHtml, Data));

        var arabic = await Phone(_world.App).GetStringAsync($"/w/{_code}?lang=ar");
        Assert.Contains("<html lang=\"ar\" dir=\"rtl\">", arabic);
        Assert.Contains("بماذا نناديك؟", arabic);
        Assert.Empty(DutchWords.Find(arabic, Data));

        var missing = await Phone(_world.App).GetAsync("/w/ZZZZZZ?lang=en");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var missingHtml = await missing.Content.ReadAsStringAsync();
        Assert.Contains("<h1>We can't find this workshop</h1>", missingHtml);
        Assert.Empty(DutchWords.Find(missingHtml, Data));
        var missingArabic = await (await Phone(_world.App).GetAsync("/w/ZZZZZZ?lang=ar")).Content.ReadAsStringAsync();
        Assert.Contains("dir=\"rtl\"", missingArabic);
        Assert.Empty(DutchWords.Find(missingArabic, Data));

        Assert.Contains("Hoe mogen we je noemen?", await Phone(_world.App).GetStringAsync($"/w/{_code}"));
    }

    [Theory]
    [InlineData("en", "ltr", "<h2 id=\"stories-heading\" tabindex=\"-1\">Stories</h2>", "You are taking part as {0}.")]
    [InlineData("ar", "rtl", "<h2 id=\"stories-heading\" tabindex=\"-1\">القصص</h2>", "أنت مشارك باسم {0}.")]
    [InlineData("nl", "ltr", "<h2 id=\"stories-heading\" tabindex=\"-1\">Verhalen</h2>", "Je doet mee als {0}.")]
    public async Task The_room_and_the_texts_for_its_script_follow_the_language(string lang, string dir, string heading, string joinedAs)
    {
        var phone = Phone(_world.App);
        var form = await phone.GetStringAsync($"/w/{_code}?lang={lang}");
        var joined = await Forms.PostAsync(phone, $"/w/{_code}", form, null, new() { ["DisplayName"] = "Fatima" });
        Assert.Equal(HttpStatusCode.Redirect, joined.StatusCode);

        var response = await phone.GetAsync($"/w/{_code}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<html lang=\"{lang}\" dir=\"{dir}\">", html);
        Assert.Contains(heading, html);
        Assert.Contains("<script type=\"application/json\" id=\"ui-text\">", html);
        Assert.Contains(System.Text.Json.JsonSerializer.Serialize(joinedAs, new System.Text.Json.JsonSerializerOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default,
        }), html);
        if (lang != "nl") Assert.Empty(DutchWords.Find(html, Data));
    }

    [Fact]
    public async Task The_facilitator_sees_the_sessions_page_in_English_when_chosen()
    {
        var staff = await _world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        var response = await staff.GetAsync($"/projects/{_world.Project.Id}/workshops?lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Workshops</h1>", html);
        Assert.Contains(">Open workshop</button>", html);
        Assert.Contains("aria-label=\"QR code for the workshop\"", html);
        Assert.Contains(_code, html);
        Assert.Empty(DutchWords.Find(html, [.. Data, _code]));

        var refused = await Forms.PostAsync(staff, $"/projects/{_world.Project.Id}/workshops", html, "Open",
            new() { ["Title"] = "Sessie", ["VotesPerParticipant"] = "99" });
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Choose 0 to 20 votes per participant.", refusedHtml);
        Assert.Empty(DutchWords.Find(refusedHtml, [.. Data, _code]));

        Assert.Contains("<h1>Werksessies</h1>", await staff.GetStringAsync($"/projects/{_world.Project.Id}/workshops?lang=nl"));
    }

    [Fact]
    public async Task The_projector_board_is_English_when_chosen()
    {
        var staff = await _world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        var response = await staff.GetAsync($"/projects/{_world.Project.Id}/workshops/{_sessionId}/board?lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" dir=\"ltr\">", html);
        Assert.Contains("<title>Theme board · Veranderbijeenkomst</title>", html);
        Assert.Contains("<h2 id=\"spot-heading\">In the spotlight</h2>", html);
        Assert.Contains("Join on your phone:", html);
        Assert.Contains("\"SpotlightQuote\":\"Put {0}\\u0027s quote in the spotlight\"", html);
        Assert.Empty(DutchWords.Find(html, [.. Data, _code]));

        var dutch = await staff.GetStringAsync($"/projects/{_world.Project.Id}/workshops/{_sessionId}/board?lang=nl");
        Assert.Contains("<title>Themabord · Veranderbijeenkomst</title>", dutch);
        Assert.Contains("<h2 id=\"spot-heading\">In de schijnwerper</h2>", dutch);
    }

    [Fact]
    public async Task The_tussenruimte_is_English_when_chosen_with_agreement_and_differences()
    {
        // Residents and professionals both coded Karim's first line, with different themes: a kappa and differences.
        var first = "Ik had een eigen zaak met Jan, mijn compagnon.";
        Assert.NotNull((await _world.CodeAsync(_world.StoryId, _world.ThemeWerk, 0, first.Length, ProjectRole.Bewoner)).Coding);
        Assert.NotNull((await _world.CodeAsync(_world.StoryId, _world.ThemeSchulden, 0, first.Length, ProjectRole.Begeleider)).Coding);

        var staff = await _world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        var response = await staff.GetAsync($"/projects/{_world.Project.Id}/tussenruimte?lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>In-between space: residents and professionals</h1>", html);
        Assert.Contains("<h2 id=\"diff-heading\">Where the groups differ most</h2>", html);
        Assert.Contains("Units: 2 decisions (stories both groups coded: 1; themes: 2).", html);
        Assert.Contains("1× in 1 story", html);
        Assert.Empty(DutchWords.Find(html, Data));

        var dutch = await staff.GetStringAsync($"/projects/{_world.Project.Id}/tussenruimte?lang=nl");
        Assert.Contains("<h1>Tussenruimte: bewoners en professionals</h1>", dutch);
        Assert.Contains("Eenheden: 2 beslissingen (verhalen die beide groepen codeerden: 1; thema's: 2).", dutch);
    }
}
