using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Translation;

/// <summary>
/// The project page and the pages around it (timeline, phases, storytellers, audio retention, invitation, new project,
/// no access, log out) speak English when chosen and stay Dutch for someone who did not choose.
/// </summary>
public sealed class ProjectLanguageTests : IAsyncLifetime
{
    private const string ProjectName = "Werk in Houten";
    private const string Question = "Wat betekent werk voor jou?";
    private const string StoryText = "Bij de bakker leerde ik dat mijn handen ertoe doen.";
    private const string ThemeName = "Erbij horen";
    private const string FailedReason = "De opname kon niet worden omgezet naar geluid.";

    private readonly TestApp _app = new();
    private Guid _project;

    /// <summary>What the pages show from the seeded data, in the language it was written in.</summary>
    private static readonly string[] Data = [ProjectName, Question, StoryText, ThemeName, FailedReason, "Storytelling", "Anna", "Bram", "Chaima", "Fatima"];

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var facilitator = await _app.CreatePersonAsync("begeleider@example.org", name: "Fatima");
        await _app.CreatePersonAsync("admin@example.org", administrator: true);
        _project = (await _app.CreateProjectAsync(ProjectName, (facilitator.Id, ProjectRole.Begeleider))).Id;
        await _app.WithDbAsync(async db =>
        {
            var at = _app.Time.GetUtcNow();
            var theme = new Theme { ProjectId = _project, Name = ThemeName, Colour = "#1F77B4", CreatedAt = at };
            db.Add(theme);
            foreach (var (teller, status, percent, error) in new[]
                     {
                         ("Anna", TranscriptionJobStatus.Succeeded, 100, (string?)null),
                         ("Bram", TranscriptionJobStatus.Running, 40, null),
                         ("Chaima", TranscriptionJobStatus.Failed, 0, FailedReason),
                     })
            {
                var story = new Story
                {
                    ProjectId = _project, TellerPseudonym = teller, ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at = at.AddMinutes(1),
                    Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
                };
                var recording = new Recording
                {
                    StoryId = story.Id, BlobName = Guid.NewGuid().ToString("N"), Format = "webm", MediaType = "audio/webm", DurationMs = 8000,
                    Sha256 = new string('0', 64), CreatedAt = at,
                };
                db.AddRange(story, recording, new TranscriptionJob
                {
                    RecordingId = recording.Id, Status = status, ProgressPercent = percent, LastError = error, CreatedAt = at, NotBefore = at,
                });
                if (status == TranscriptionJobStatus.Succeeded)
                {
                    var transcript = new Transcript
                    {
                        StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", CreatedAt = at,
                        Segments = [new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 8000, Text = StoryText }],
                    };
                    db.Add(transcript);
                    db.Add(new Coding
                    {
                        ThemeId = theme.Id, TranscriptId = transcript.Id, StartChar = 0, EndChar = 10, AuthorRole = ProjectRole.Begeleider, CreatedAt = at,
                    });
                }
            }
            await db.SaveChangesAsync();
        });
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private static async Task<string> OkAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static void AllEnglish(string html, params string[] shown) => Assert.Empty(DutchWords.Find(html, [.. Data, .. shown]));

    [Fact]
    public async Task The_project_overview_its_stories_and_its_people_pages_are_English_when_chosen()
    {
        var english = await _app.SignedInClientAsync("begeleider@example.org");
        var html = await OkAsync(english, $"/projects/{_project}?lang=en");
        Assert.Contains("Phase: gather · Your role: facilitator", html);
        Assert.Contains("<h2 id=\"timeline-heading\">Timeline</h2>", html);
        Assert.Contains("What now (phase: gather)", html);
        Assert.Contains(">People and settings</a>", html);
        AllEnglish(html);

        var stories = await OkAsync(english, $"/projects/{_project}/stories");
        Assert.Contains("<h2 id=\"stories-heading\">Stories (3)</h2>", stories);
        Assert.Contains("Transcription progress", stories);
        Assert.Contains("id=\"ui-text\"", stories);
        AllEnglish(stories);

        // A filter the API refuses is explained in English too, and the new link notice after making one.
        var refused = await OkAsync(english, $"/projects/{_project}/stories?q=" + new string('x', 300));
        Assert.Contains("A search can be at most 200 characters.", refused);
        AllEnglish(refused, new string('x', 300));
        var people = await OkAsync(english, $"/projects/{_project}/people");
        Assert.Contains("<h2 id=\"invite-heading\">Invite people</h2>", people);
        AllEnglish(people);
        var made = await Forms.PostAsync(english, $"/projects/{_project}/people", people, "Invite", new() { ["Kind"] = "Membership", ["Role"] = "Bewoner" });
        var madeHtml = await made.Content.ReadAsStringAsync();
        Assert.Contains("New link (shown only now, keep it safe):", madeHtml);
        AllEnglish(madeHtml);

        var dutch = await _app.SignedInClientAsync("begeleider@example.org");
        var dutchHtml = await OkAsync(dutch, $"/projects/{_project}");
        Assert.Contains("<h2 id=\"timeline-heading\">Tijdlijn</h2>", dutchHtml);
        Assert.Contains("<h2 id=\"stories-heading\">Verhalen (3)</h2>", await OkAsync(dutch, $"/projects/{_project}/stories"));
        Assert.Contains("Mensen uitnodigen", await OkAsync(dutch, $"/projects/{_project}/people"));
    }

    [Fact]
    public async Task The_phase_page_moves_and_shows_its_history_in_English_when_chosen()
    {
        var english = await _app.SignedInClientAsync("begeleider@example.org");
        var html = await OkAsync(english, $"/projects/{_project}/phase?lang=en");
        Assert.Contains("<h1>Phases of the project</h1>", html);
        AllEnglish(html);
        var moved = await Forms.PostAsync(english, $"/projects/{_project}/phase", html, null, new() { ["to"] = "Analyse", ["note"] = "" });
        var movedHtml = await moved.Content.ReadAsStringAsync();
        Assert.Contains("The phase is now: analyse.", movedHtml);
        AllEnglish(movedHtml);
        var back = await Forms.PostAsync(english, $"/projects/{_project}/phase", movedHtml, null, new() { ["to"] = "Gather", ["note"] = "" });
        var backHtml = await back.Content.ReadAsStringAsync();
        Assert.Contains("Say in a note why the project goes back to an earlier phase.", backHtml);
        AllEnglish(backHtml);

        var dutch = await _app.SignedInClientAsync("begeleider@example.org");
        Assert.Contains("<h1>Fases van het project</h1>", await OkAsync(dutch, $"/projects/{_project}/phase"));
    }

    [Fact]
    public async Task The_storytellers_page_and_its_messages_are_English_when_chosen()
    {
        var english = await _app.SignedInClientAsync("begeleider@example.org");
        var html = await OkAsync(english, $"/projects/{_project}/vertellers?lang=en");
        Assert.Contains("<h1>Storytellers</h1>", html);
        AllEnglish(html, "/verhaal"); // the address of the storytellers' page, not a word
        var wrong = await Forms.PostAsync(english, $"/projects/{_project}/vertellers", html, "Withdraw", new() { ["Code"] = "ZZZZ-ZZZZ", ["Asked"] = "true" });
        var wrongHtml = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("There is no story in this project with this code.", wrongHtml);
        AllEnglish(wrongHtml, "ZZZZ-ZZZZ", "/verhaal");
        var tooLong = await Forms.PostAsync(english, $"/projects/{_project}/vertellers", html, "Update", new() { ["UpdateText"] = new string('a', 8001) });
        Assert.Contains("The message can be at most 8000 characters long.", await tooLong.Content.ReadAsStringAsync());
        var saved = await Forms.PostAsync(english, $"/projects/{_project}/vertellers", html, "Update", new() { ["UpdateText"] = "Jullie verhalen gingen naar de raad." });
        var savedHtml = await OkAsync(english, saved.Headers.Location!.OriginalString);
        Assert.Contains("The message has been updated.", savedHtml);
        AllEnglish(savedHtml, "Jullie verhalen gingen naar de raad.", "/verhaal");

        var dutch = await _app.SignedInClientAsync("begeleider@example.org");
        Assert.Contains("<h1>Vertellers</h1>", await OkAsync(dutch, $"/projects/{_project}/vertellers"));
    }

    [Fact]
    public async Task The_retention_page_is_English_when_chosen()
    {
        var english = await _app.SignedInClientAsync("begeleider@example.org");
        var html = await OkAsync(english, $"/projects/{_project}/retention?lang=en");
        Assert.Contains("<h1>Audio retention period</h1>", html);
        AllEnglish(html);
        var saved = await Forms.PostAsync(english, $"/projects/{_project}/retention", html, null, new() { ["Days"] = "30" });
        var savedHtml = await saved.Content.ReadAsStringAsync();
        Assert.Contains("Saved. Audio older than 30 days is deleted in the next daily run; transcripts stay.", savedHtml);
        AllEnglish(savedHtml);
        var wrong = await Forms.PostAsync(english, $"/projects/{_project}/retention", html, null, new() { ["Days"] = "veel" });
        Assert.Contains("Enter a number of days (1 to 3650)", await wrong.Content.ReadAsStringAsync());
        Assert.Contains("Audio retention period</a> (30 days)", await OkAsync(english, $"/projects/{_project}/people"));

        var dutch = await _app.SignedInClientAsync("begeleider@example.org");
        Assert.Contains("<h1>Bewaartermijn van de audio</h1>", await OkAsync(dutch, $"/projects/{_project}/retention"));
    }

    [Fact]
    public async Task The_invitation_page_is_English_when_chosen_also_for_a_link_that_does_not_work()
    {
        var facilitator = await _app.SignedInClientAsync("begeleider@example.org");
        var created = await facilitator.PostAsJsonAsync($"/api/projects/{_project}/invitations", new { kind = "Membership", role = "Bewoner" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var path = new Uri((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!).AbsolutePath;

        var english = _app.AnonymousClient();
        var html = await OkAsync(english, path + "?lang=en");
        Assert.Contains($"<h1>Invitation to {ProjectName}</h1>", html);
        Assert.Contains("You are invited as <strong>resident</strong>.", html);
        AllEnglish(html);
        var missing = await Forms.PostAsync(english, path, html, "Register", new() { ["DisplayName"] = "", ["Email"] = "", ["Password"] = "" });
        var missingHtml = await missing.Content.ReadAsStringAsync();
        Assert.Contains("Fill in your name, email address and a password.", missingHtml);
        AllEnglish(missingHtml);
        var unknown = await OkAsync(english, "/invite/no-such-token");
        Assert.Contains("<h1>This invitation does not work</h1>", unknown);
        AllEnglish(unknown);

        var dutch = _app.AnonymousClient();
        Assert.Contains($"<h1>Uitnodiging voor {ProjectName}</h1>", await OkAsync(dutch, path));
    }

    [Fact]
    public async Task The_new_project_page_is_English_when_chosen_with_its_errors()
    {
        var english = await _app.SignedInClientAsync("admin@example.org");
        var html = await OkAsync(english, "/admin/projects/new?lang=en");
        Assert.Contains("<h1>New project</h1>", html);
        AllEnglish(html);
        var wrong = await Forms.PostAsync(english, "/admin/projects/new", html, null, new() { ["Name"] = "", ["GuidingQuestion"] = "", ["Languages"] = "nederlands" });
        var wrongHtml = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("Give the project a name.", wrongHtml);
        Assert.Contains("List 1 to 50 languages", wrongHtml);
        AllEnglish(wrongHtml, "nederlands");

        var dutch = await _app.SignedInClientAsync("admin@example.org");
        Assert.Contains("<h1>Nieuw traject</h1>", await OkAsync(dutch, "/admin/projects/new"));
    }

    [Fact]
    public async Task The_no_access_and_log_out_pages_are_English_when_chosen()
    {
        var english = await _app.SignedInClientAsync("begeleider@example.org");
        var denied = await OkAsync(english, "/account/denied?lang=en");
        Assert.Contains("<h1>No access</h1>", denied);
        AllEnglish(denied);
        var logout = await OkAsync(english, "/account/logout");
        Assert.Contains("<h1>Log out</h1>", logout);
        AllEnglish(logout);

        var dutch = await _app.SignedInClientAsync("begeleider@example.org");
        Assert.Contains("<h1>Geen toegang</h1>", await OkAsync(dutch, "/account/denied"));
        Assert.Contains("<h1>Uitloggen</h1>", await OkAsync(dutch, "/account/logout"));
    }
}
