using System.Net;
using System.Net.Http.Json;
using Storytelling.Core.Projects;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Translation;

/// <summary>The experiments and evaluation-rounds pages speak English when chosen, messages and refusals included, and Dutch by default.</summary>
public sealed class EvaluationLanguageTests : IAsyncLifetime
{
    private const string ProjectName = "Werk in Houten";
    private const string GuidingQuestion = "Wat betekent werk voor jou?";
    private readonly TestApp _app = new();
    private Project _project = null!;
    private Guid _facilitatorId;

    /// <summary>Data the pages show as it was entered: never translated, so left out of the Dutch-word check.</summary>
    private static readonly string[] Data =
    [
        "Storytelling", ProjectName, GuidingQuestion, "Femke", "Olga", "Rachid", "Schulden", "Anna",
        "Eén loket voor schulden", "Een vaste contactpersoon bij de gemeente.", "Gemeente Houten", "Wachttijd van 9 naar 3 weken.",
        "Een buurtkamer", "Wat is er voor jou veranderd?",
    ];

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var f = await _app.CreatePersonAsync("begeleider@example.org", name: "Femke");
        var o = await _app.CreatePersonAsync("beleid@example.org", name: "Olga");
        var r = await _app.CreatePersonAsync("bewoner@example.org", name: "Rachid");
        _facilitatorId = f.Id;
        _project = await _app.CreateProjectAsync(ProjectName, (f.Id, ProjectRole.Begeleider), (o.Id, ProjectRole.Beleidsmedewerker), (r.Id, ProjectRole.Bewoner));
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private string Page(string name) => $"/projects/{_project.Id}/{name}";

    [Fact]
    public async Task The_experiments_page_speaks_English_when_chosen_with_its_messages_and_refusals()
    {
        var theme = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Schulden");
        var story = await AnalysisSeed.StoryAsync(_app, _project.Id, "Anna", ["Ik wacht al maanden."]);
        var facilitator = await _app.SignedInClientAsync("begeleider@example.org");
        var created = await facilitator.PostAsJsonAsync($"/api/projects/{_project.Id}/experiments", new
        {
            title = "Eén loket voor schulden", description = "Een vaste contactpersoon bij de gemeente.", ownerName = "Gemeente Houten",
            status = "Lopend", startsOn = "2026-12-01", endsOn = "2027-03-01", results = "Wachttijd van 9 naar 3 weken.",
            themeIds = new[] { theme }, storyIds = new[] { story },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var dutch = await facilitator.GetStringAsync(Page("experiments"));
        Assert.Contains("<h1>Experimenten</h1>", dutch);
        Assert.Contains("Eigenaar: Gemeente Houten", dutch);
        Assert.Contains("Experiment toevoegen", dutch);

        var response = await facilitator.GetAsync(Page("experiments") + "?lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" dir=\"ltr\">", html);
        Assert.Contains("<h1>Experiments</h1>", html);
        Assert.Contains("Overview (1)", html);
        Assert.Contains("Owner: Gemeente Houten", html);
        Assert.Contains("from 1 Dec 2026", html);
        Assert.Contains("<h2 id=\"form-heading\">New experiment</h2>", html);
        Assert.Contains("Add experiment", html);
        Assert.Empty(DutchWords.Find(html, Data));

        // A refused form names the problem in English (the shared validation's own messages are for API clients).
        var refused = await Forms.PostAsync(facilitator, Page("experiments"), html, "Save", new()
        {
            ["title"] = "Een buurtkamer", ["status"] = "Voorstel", ["startsOn"] = "2027-02-01", ["endsOn"] = "2027-01-01",
        });
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Contains("The experiment was not saved:", refusedHtml);
        Assert.Contains("The end date cannot be before the start date.", refusedHtml);
        Assert.Contains("value=\"Een buurtkamer\"", refusedHtml);
        Assert.Empty(DutchWords.Find(refusedHtml, Data));

        // The choice is remembered: after saving, the page (no ?lang=) confirms in English.
        var saved = await Forms.PostAsync(facilitator, Page("experiments"), html, "Save", new() { ["title"] = "Een buurtkamer", ["status"] = "Voorstel" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var after = await facilitator.GetStringAsync(saved.Headers.Location!.OriginalString);
        Assert.Contains("Experiment ‘Een buurtkamer’ has been added.", after);
        Assert.Contains("Overview (2)", after);
        Assert.Empty(DutchWords.Find(after, Data));

        // A resident reads the list and is told who keeps it.
        var resident = await _app.SignedInClientAsync("bewoner@example.org");
        var read = await resident.GetStringAsync(Page("experiments") + "?lang=en");
        Assert.Contains("Facilitators and policy officers keep them up to date.", read);
        Assert.DoesNotContain("form-heading", read);
        Assert.Empty(DutchWords.Find(read, Data));
        Assert.Contains("Begeleiders en beleidsmedewerkers houden ze bij.", await resident.GetStringAsync(Page("experiments") + "?lang=nl"));
    }

    [Fact]
    public async Task The_rounds_page_speaks_English_when_chosen_from_opening_a_round_to_closing_it()
    {
        var facilitator = await _app.SignedInClientAsync("begeleider@example.org");
        var dutch = await facilitator.GetStringAsync(Page("rounds"));
        Assert.Contains("<h1>Evaluatierondes</h1>", dutch);
        Assert.Contains("fase wijzigen", dutch);

        var response = await facilitator.GetAsync(Page("rounds") + "?lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var gathering = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Evaluation rounds</h1>", gathering);
        Assert.Contains("There is no evaluation round yet.", gathering);
        Assert.Contains($"(<a href=\"/projects/{_project.Id}/phase\">change phase</a>)", gathering);
        Assert.Empty(DutchWords.Find(gathering, Data));

        // A coded story in the first gathering, then co-evaluation and a round opened through the page.
        var theme = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Schulden");
        var story = await AnalysisSeed.StoryAsync(_app, _project.Id, "Anna", ["Ik wacht al maanden."]);
        await AnalysisSeed.CodingAsync(_app, _project.Id, story, theme, 0, 5, _facilitatorId, ProjectRole.Begeleider);
        Assert.Equal(HttpStatusCode.OK, (await facilitator.PostAsJsonAsync($"/api/projects/{_project.Id}/phase", new { to = "CoEvaluate" })).StatusCode);
        var form = await facilitator.GetStringAsync(Page("rounds"));
        Assert.Contains("<h2 id=\"open-heading\">Open a new round</h2>", form);
        Assert.Contains("placeholder=\"What has changed for you?\"", form);
        Assert.Empty(DutchWords.Find(form, Data));

        var opened = await (await Forms.PostAsync(facilitator, Page("rounds"), form, "Open", new() { ["question"] = "Wat is er voor jou veranderd?" }))
            .Content.ReadAsStringAsync();
        Assert.Contains("Round 1 is open.", opened);
        Assert.Contains("aria-label=\"Story link for round 1\"", opened);
        Assert.Contains("First gathering round", opened);
        Assert.Contains("(1 of 1 coded)", opened);
        Assert.Contains("(0 of 0 coded)", opened);
        Assert.Contains("Round 1 is still open. Close it first.", opened);
        Assert.Empty(DutchWords.Find(opened, Data));

        var twice = await (await Forms.PostAsync(facilitator, Page("rounds"), opened, "Open", new() { ["question"] = "Nog een vraag" }))
            .Content.ReadAsStringAsync();
        Assert.Contains("Round 1 is still open; close it before opening the next.", twice);
        Assert.Empty(DutchWords.Find(twice, Data));

        var roundId = await RoundIdAsync();
        var closed = await (await Forms.PostAsync(facilitator, Page("rounds"), opened, "Close", new() { ["roundId"] = roundId.ToString() }))
            .Content.ReadAsStringAsync();
        Assert.Contains("Round 1 is closed; its link no longer works.", closed);
        Assert.Contains("<td>closed</td>", closed);
        Assert.Empty(DutchWords.Find(closed, Data));

        var noLink = await (await Forms.PostAsync(facilitator, Page("rounds"), opened, "Link", new() { ["roundId"] = roundId.ToString() }))
            .Content.ReadAsStringAsync();
        Assert.Contains("This round is closed; a closed round takes no more stories, so it gets no new link.", noLink);
        Assert.Empty(DutchWords.Find(noLink, Data));

        // Every member who analyses reads the comparison; in Dutch by default.
        var officer = await _app.SignedInClientAsync("beleid@example.org");
        var read = await officer.GetStringAsync(Page("rounds") + "?lang=en");
        Assert.Contains("<h2 id=\"compare-heading\">Themes per round</h2>", read);
        Assert.DoesNotContain("open-heading", read);
        Assert.Empty(DutchWords.Find(read, Data));
        var readDutch = await officer.GetStringAsync(Page("rounds") + "?lang=nl");
        Assert.Contains("<h1>Evaluatierondes</h1>", readDutch);
        Assert.Contains("Eerste ophaalronde", readDutch);
        Assert.Contains("<td>gesloten</td>", readDutch);
    }

    private async Task<Guid> RoundIdAsync()
    {
        var id = Guid.Empty;
        await _app.WithDbAsync(db =>
        {
            id = db.EvaluationRounds.Single(r => r.ProjectId == _project.Id).Id;
            return Task.CompletedTask;
        });
        return id;
    }
}
