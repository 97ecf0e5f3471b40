using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Reports;

namespace Storytelling.Tests.Translation;

/// <summary>
/// The report pages (the list and new-report form, one report, the REFI-QDA exchange, the import of an earlier story)
/// start in Dutch and speak English when chosen. The report's own text (its Markdown draft and preview) is a document
/// in the project's language, not interface, so it is left out of the check for Dutch words.
/// </summary>
public sealed partial class ReportsLanguageTests : IAsyncLifetime
{
    private readonly ReportWorld _world = new();
    private ReportWorld.Seeded _s = null!;

    /// <summary>What the seeded project shows as data: names, themes, pseudonymised quotes, tellers, the report's title.</summary>
    private static readonly string[] Data =
    [
        "Storytelling", "Werk in Houten", "Wat betekent werk voor jou?", "Erbij horen", "Geldzorgen", "Wat bewoners vertelden",
        "Ik ben Peter en ik woon in Houten.", ReportWorld.TessaSegments[1], ReportWorld.NoorText, "Tessa", "Noor",
    ];

    public async Task InitializeAsync()
    {
        await _world.InitializeAsync();
        _s = await _world.NewProjectAsync();
    }

    public Task DisposeAsync() => _world.DisposeAsync();

    private HttpClient Officer => _world.Clients["beleidsmedewerker"];
    private HttpClient Facilitator => _world.Clients["begeleider"];

    private static async Task<string> EnglishAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" dir=\"ltr\">", html);
        return html;
    }

    [Fact]
    public async Task The_reports_page_speaks_English_when_chosen_and_Dutch_by_default()
    {
        var path = $"/projects/{_s.ProjectId}/reports";
        await _world.CreateReportAsync(_s);
        Assert.Contains("<h1>Themarapporten</h1>", await Officer.GetStringAsync(path));

        var html = await EnglishAsync(Officer, path);
        Assert.Contains("<h1>Theme reports</h1>", html);
        Assert.Contains("2 themes, 3 quotes, updated", html);
        Assert.Contains("aria-label=\"Move Geldzorgen up\"", html);
        Assert.Contains("value=\"What residents told us\"", html);
        Assert.Contains("applied by 1 resident", html);
        Assert.Empty(DutchWords.Find(html, Data));

        // A report made stale by a withdrawal says so in English too.
        await _world.WithdrawAsync(_s.ProjectId, _s.Noor);
        html = await EnglishAsync(Officer, path);
        Assert.Contains("Out of date: A story in this report was withdrawn by its teller on", html);
        Assert.Empty(DutchWords.Find(html, Data));
    }

    [Fact]
    public async Task A_refused_report_is_explained_in_English()
    {
        var path = $"/projects/{_s.ProjectId}/reports";
        var page = await EnglishAsync(Officer, path);
        // Nothing chosen: the API refuses with a Dutch sentence, the page words it in English.
        var refused = await Forms.PostAsync(Officer, path, page, "Create", new() { ["ReportTitle"] = "Wat bewoners vertelden" });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Choose at least one theme", html);
        Assert.Empty(DutchWords.Find(html, Data));
    }

    [Fact]
    public async Task The_report_page_speaks_English_when_chosen_and_its_document_stays_as_written()
    {
        var report = await _world.CreateReportAsync(_s);
        var path = $"/projects/{_s.ProjectId}/reports/{report.Summary.Id}";
        var dutch = await Officer.GetStringAsync(path);
        Assert.Contains("<h2 id=\"edit-heading\">Tekst bewerken</h2>", dutch);

        var html = await EnglishAsync(Officer, path);
        Assert.Contains("<h2 id=\"edit-heading\">Edit the text</h2>", html);
        Assert.Contains(">Draft again</button>", html);
        Assert.Contains("Version 1 · drafted", html);
        Assert.Empty(DutchWords.Find(WithoutDocument(html), Data));

        var saved = await Forms.PostAsync(Officer, path, html, "Save", new() { ["baseVersion"] = "1", ["markdown"] = "# Wat bewoners vertelden\n" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        html = await EnglishAsync(Officer, path + "?saved=true");
        Assert.Contains("<p class=\"notice\" role=\"status\">Saved.</p>", html);
        // The person edited version 1 but the report is at version 2 now: the conflict is explained in English.
        var conflict = await Forms.PostAsync(Officer, path, html, "Save", new() { ["baseVersion"] = "1", ["markdown"] = "# Anders\n" });
        var conflictHtml = await conflict.Content.ReadAsStringAsync();
        Assert.Contains("Someone else saved this report in the meantime. You edited version 1, but the latest is version 2.", conflictHtml);
        Assert.Empty(DutchWords.Find(WithoutDocument(conflictHtml), Data));

        await _world.WithdrawAsync(_s.ProjectId, _s.Noor);
        html = await EnglishAsync(Officer, path);
        Assert.Contains("This report is out of date.", html);
        Assert.Empty(DutchWords.Find(WithoutDocument(html), Data));
    }

    [Fact]
    public async Task The_exchange_page_speaks_English_when_chosen_and_Dutch_by_default()
    {
        var path = $"/projects/{_s.ProjectId}/exchange";
        Assert.Contains("<h1>Uitwisselen met QDA-programma’s</h1>", await Facilitator.GetStringAsync(path));

        var html = await EnglishAsync(Facilitator, path);
        Assert.Contains("<h1>Exchange with QDA software</h1>", html);
        Assert.Contains(">Import project</button>", html);
        Assert.Empty(DutchWords.Find(html, Data));

        var empty = await PostFileAsync(Facilitator, path, html, "Codebook", "leeg.qdc", []);
        Assert.Contains("Choose a .qdc file to import.", empty);
        Assert.Empty(DutchWords.Find(empty, Data));
        var broken = await PostFileAsync(Facilitator, path, html, "Codebook", "kapot.qdc", Encoding.UTF8.GetBytes("geen xml"));
        Assert.Contains("The codebook could not be imported", broken);
        Assert.Empty(DutchWords.Find(broken, Data));

        // A resident sees the codebook download only, in English.
        var resident = await EnglishAsync(_world.Clients["bewoner"], path);
        Assert.Contains("Only the codebook (.qdc)", resident);
        Assert.Empty(DutchWords.Find(resident, Data));
    }

    [Fact]
    public async Task The_import_page_speaks_English_when_chosen_and_Dutch_by_default()
    {
        var path = $"/projects/{_s.ProjectId}/import";
        Assert.Contains("<h1>Een eerder opgenomen verhaal importeren</h1>", await Facilitator.GetStringAsync(path));

        var html = await EnglishAsync(Facilitator, path);
        Assert.Contains("<h1>Import a story recorded earlier</h1>", html);
        Assert.Contains(">Detect automatically</option>", html);
        Assert.Empty(DutchWords.Find(html, Data));

        var refused = await PostFileAsync(Facilitator, path, html, null, "Transcript", "verhaal.vtt", Encoding.UTF8.GetBytes("WEBVTT\n"));
        Assert.Contains("The import did not work; nothing was stored.", refused);
        Assert.Contains("Choose the audio file of the story.", refused);
        Assert.Empty(DutchWords.Find(refused, Data));
    }

    private static Task<string> PostFileAsync(HttpClient client, string path, string page, string handler, string fileName, byte[] content) =>
        PostFileAsync(client, path, page, handler, "file", fileName, content);

    private static async Task<string> PostFileAsync(HttpClient client, string path, string page, string? handler, string field, string fileName, byte[] content)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(Token().Match(page).Groups[1].Value), "__RequestVerificationToken" },
            { new ByteArrayContent(content), field, fileName },
        };
        var response = await client.PostAsync(handler is null ? path : $"{path}?handler={handler}", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The page without the report's own text (the editor and the preview): that is the document, in the project's language.</summary>
    private static string WithoutDocument(string html) => Document().Replace(html, " ");

    [GeneratedRegex("""<textarea\b.*?</textarea>|<article class="report-body">.*?</article>""", RegexOptions.Singleline)]
    private static partial Regex Document();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
