using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Translation;

/// <summary>
/// The capture page's texts live in Features/Capture/CaptureText.resx: the page hands all three languages to its
/// script in one JSON block, the upload API's refusals come from the same resources, and interviewer mode (a staff
/// page) speaks English when chosen.
/// </summary>
public sealed partial class CaptureLanguageTests : IAsyncLifetime
{
    private const string ProjectName = "Buurt 7";
    private const string Question = "Wat betekent werk voor jou?";
    private static readonly string Resources = Path.Combine(Repo.Root, "src", "Storytelling.Web", "Features", "Capture", "CaptureText");

    private readonly TestApp _app = new();
    private Guid _project;
    private string _token = "";
    private HttpClient _facilitator = null!;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var anna = await _app.CreatePersonAsync("anna@example.org");
        var ivo = await _app.CreatePersonAsync("ivo@example.org");
        _project = (await _app.CreateProjectAsync(ProjectName, (anna.Id, ProjectRole.Begeleider), (ivo.Id, ProjectRole.Interviewer))).Id;
        _facilitator = await _app.SignedInClientAsync("anna@example.org");
        var link = await _facilitator.PostAsJsonAsync($"/api/projects/{_project}/invitations", new { kind = "Capture", role = "Bewoner" });
        var url = (await link.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        _token = url[(url.LastIndexOf('/') + 1)..];
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_capture_page_hands_its_script_all_three_languages_with_the_same_keys()
    {
        var html = await _app.AnonymousClient().GetStringAsync($"/c/{_token}");
        var block = CaptureTextBlock().Match(html);
        Assert.True(block.Success, "no capture-text block");
        Assert.DoesNotContain("<", block.Groups[1].Value, StringComparison.Ordinal);
        var texts = JsonDocument.Parse(block.Groups[1].Value).RootElement;
        Assert.Equal(["nl", "en", "ar"], texts.EnumerateObject().Select(l => l.Name));
        var keys = Keys(texts.GetProperty("nl"));
        Assert.Contains("languageTitle", keys);
        Assert.Contains("minutes", keys);
        Assert.Equal(keys, Keys(texts.GetProperty("en")));
        Assert.Equal(keys, Keys(texts.GetProperty("ar")));
        Assert.DoesNotContain(keys, k => k.StartsWith("Error_", StringComparison.Ordinal));
        foreach (var language in texts.EnumerateObject())
            foreach (var text in language.Value.EnumerateObject())
                Assert.False(string.IsNullOrWhiteSpace(text.Value.GetString()), $"{language.Name}.{text.Name} is empty");

        Assert.Equal("Kies je taal", texts.GetProperty("nl").GetProperty("languageTitle").GetString());
        Assert.Equal("Choose your language", texts.GetProperty("en").GetProperty("languageTitle").GetString());
        Assert.Equal("اختر لغتك", texts.GetProperty("ar").GetProperty("languageTitle").GetString());
        Assert.Equal("{m} min {s} s", texts.GetProperty("en").GetProperty("minutes").GetString());
        Assert.Equal(Resource("ar")["receiptTitle"], texts.GetProperty("ar").GetProperty("receiptTitle").GetString());

        // The server writes the Dutch texts itself, from the same resources, for the moment before the script runs.
        Assert.Contains("<span data-t=\"languageTitle\">Kies je taal</span>", html);
        Assert.Contains("<title>Vertel je verhaal</title>", html);
    }

    [Fact]
    public async Task The_upload_API_refuses_in_Arabic_and_English_from_the_resources()
    {
        var arabic = await Refuse("ar", new { sizeBytes = 1000, mediaType = "audio/wav", consent = new { analysis = false }, language = "ar" });
        Assert.Equal("consent_missing", arabic.GetProperty("code").GetString());
        Assert.Equal(Resource("ar")["Error_consent_missing"], arabic.GetProperty("detail").GetString());
        Assert.Contains("موافقتك", arabic.GetProperty("detail").GetString());

        var english = await Refuse("en", new { sizeBytes = 0, mediaType = "audio/wav", consent = new { analysis = true }, language = "en" });
        Assert.Equal("empty", english.GetProperty("code").GetString());
        Assert.Equal(Resource("en")["Error_empty"], english.GetProperty("detail").GetString());
        Assert.Equal("The recording is empty. Please record again.", english.GetProperty("detail").GetString());

        var dutch = await Refuse("fr", new { sizeBytes = 0, mediaType = "audio/wav", consent = new { analysis = true }, language = "nl" });
        Assert.Equal(Resource("nl")["Error_empty"], dutch.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Interviewer_mode_speaks_English_when_chosen_and_Dutch_by_default()
    {
        var ivo = await _app.SignedInClientAsync("ivo@example.org");
        var english = await ivo.GetAsync($"/projects/{_project}/record?lang=en");
        Assert.Equal(HttpStatusCode.OK, english.StatusCode);
        var html = await english.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" dir=\"ltr\">", html);
        Assert.Contains($"<title>Record a story · {ProjectName}</title>", html);
        Assert.Contains("<span data-t=\"languageTitle\">Choose your language</span>", html);
        Assert.Contains(">Back to the project</a>", html);
        Assert.Contains("<label for=\"pseudonym\" data-t=\"pseudonymLabel\">Made-up name of the storyteller</label>", html);
        Assert.Contains("id=\"capture-text\"", html);
        Assert.Empty(DutchWords.Find(html, "Storytelling", ProjectName, Question));

        var dutch = await (await _app.SignedInClientAsync("ivo@example.org")).GetStringAsync($"/projects/{_project}/record");
        Assert.Contains($"<title>Verhaal opnemen · {ProjectName}</title>", dutch);
        Assert.Contains("<span data-t=\"languageTitle\">Kies je taal</span>", dutch);
        Assert.Contains(">Terug naar het traject</a>", dutch);
    }

    [Fact]
    public async Task Interviewer_mode_says_in_English_that_no_stories_are_collected()
    {
        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PostAsJsonAsync($"/api/projects/{_project}/phase", new { to = "Analyse", note = "test" })).StatusCode);
        var ivo = await _app.SignedInClientAsync("ivo@example.org");
        var html = await ivo.GetStringAsync($"/projects/{_project}/record?lang=en");
        Assert.Contains("<h1 id=\"h-closed\">We are not collecting stories now</h1>", html);
        Assert.DoesNotContain("capture.js", html);
        Assert.Empty(DutchWords.Find(html, "Storytelling", ProjectName, Question));
        Assert.Contains("We verzamelen nu geen verhalen", await ivo.GetStringAsync($"/projects/{_project}/record?lang=nl"));
    }

    private async Task<JsonElement> Refuse(string language, object request)
    {
        var phone = _app.AnonymousClient();
        phone.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(language));
        var response = await phone.PostAsJsonAsync($"/api/capture/{_token}/uploads", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static List<string> Keys(JsonElement texts) => [.. texts.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static Dictionary<string, string> Resource(string language) =>
        XDocument.Load(language == "nl" ? Resources + ".resx" : $"{Resources}.{language}.resx").Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

    [GeneratedRegex("""<script type="application/json" id="capture-text">(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex CaptureTextBlock();
}
