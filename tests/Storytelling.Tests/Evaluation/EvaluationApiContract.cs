using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Stories;

namespace Storytelling.Tests.Evaluation;

/// <summary>Phases with history, experiments and round comparison; on SQLite and PostgreSQL.</summary>
public abstract class EvaluationApiContract : IAsyncLifetime
{
    protected abstract TestApp NewApp();

    private TestApp _app = null!;
    private Project _project = null!, _other = null!;
    private Guid _facilitatorId, _officerId, _residentId;
    private HttpClient _facilitator = null!, _resident = null!, _officer = null!, _interviewer = null!, _beheerder = null!, _outsider = null!;
    private string Api => $"/api/projects/{_project.Id}";

    public virtual async Task InitializeAsync()
    {
        _app = await NewApp().MigrateAsync();
        var f = await _app.CreatePersonAsync("begeleider@example.org", name: "Femke");
        var r = await _app.CreatePersonAsync("bewoner@example.org", name: "Rachid");
        var o = await _app.CreatePersonAsync("beleid@example.org", name: "Olga");
        var i = await _app.CreatePersonAsync("interviewer@example.org");
        var b = await _app.CreatePersonAsync("beheerder@example.org");
        var x = await _app.CreatePersonAsync("elders@example.org");
        (_facilitatorId, _officerId, _residentId) = (f.Id, o.Id, r.Id);
        _project = await _app.CreateProjectAsync("Houten", (f.Id, ProjectRole.Begeleider), (r.Id, ProjectRole.Bewoner),
            (o.Id, ProjectRole.Beleidsmedewerker), (i.Id, ProjectRole.Interviewer), (b.Id, ProjectRole.Beheerder));
        _other = await _app.CreateProjectAsync("Elders", (x.Id, ProjectRole.Begeleider), (f.Id, ProjectRole.Begeleider));
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
        _resident = await _app.SignedInClientAsync("bewoner@example.org");
        _officer = await _app.SignedInClientAsync("beleid@example.org");
        _interviewer = await _app.SignedInClientAsync("interviewer@example.org");
        _beheerder = await _app.SignedInClientAsync("beheerder@example.org");
        _outsider = await _app.SignedInClientAsync("elders@example.org");
    }

    public virtual Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private Task<HttpResponseMessage> MoveAsync(HttpClient client, string? to, string? note = null) =>
        client.PostAsJsonAsync($"{Api}/phase", new { to, note });

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    // ---- phases ----

    [Fact]
    public async Task A_facilitator_moves_phases_forward_and_back_and_the_timeline_and_audit_keep_every_move()
    {
        var created = _app.Time.GetUtcNow();
        _app.Time.Advance(TimeSpan.FromMinutes(30));  // short steps: the sign-in cookie must stay valid
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(_facilitator, "Analyse")).StatusCode);
        _app.Time.Advance(TimeSpan.FromMinutes(10));
        // Back to gathering needs a reason.
        var back = await MoveAsync(_facilitator, "Gather");
        Assert.Equal(HttpStatusCode.BadRequest, back.StatusCode);
        Assert.True((await ProblemAsync(back)).GetProperty("errors").TryGetProperty("note", out _));
        var backWithNote = await MoveAsync(_facilitator, "Gather", "  Nog te weinig verhalen uit Noord.  ");
        Assert.Equal(HttpStatusCode.OK, backWithNote.StatusCode);
        _app.Time.Advance(TimeSpan.FromMinutes(5));
        var skip = await MoveAsync(_facilitator, "Experiment");
        var overview = (await skip.Content.ReadFromJsonAsync<PhaseOverviewDto>(TestJson.Options))!;

        Assert.Equal(ProjectPhase.Experiment, overview.Current);
        Assert.Equal([ProjectPhase.Analyse, ProjectPhase.Gather, ProjectPhase.Experiment], overview.History.Reverse().Select(h => h.To));
        Assert.Equal("Nog te weinig verhalen uit Noord.", overview.History[1].Note);
        Assert.All(overview.History, h => Assert.Equal("Femke", h.ByName));
        var gather = overview.Steps.Single(s => s.Phase == ProjectPhase.Gather);
        Assert.Equal(created.AddMinutes(40), gather.StartedAt);   // the latest stay in "ophalen"
        Assert.Equal(created.AddMinutes(45), gather.EndedAt);
        var experiment = overview.Steps.Single(s => s.Phase == ProjectPhase.Experiment);
        Assert.True(experiment.Current);
        Assert.Null(experiment.EndedAt);
        Assert.False(overview.Steps.Single(s => s.Phase == ProjectPhase.CoEvaluate).Reached);

        // The project page shows the timeline with the current phase marked for assistive technology.
        var html = await (await _resident.GetAsync($"/projects/{_project.Id}")).Content.ReadAsStringAsync();
        Assert.Matches("<li class=\"phase current\" aria-current=\"step\">\\s*<strong>experimenteren</strong>", html);

        await _app.WithDbAsync(async db =>
        {
            var audit = await db.AuditLog.Where(a => a.Action == "project.phase-moved").ToListAsync();
            Assert.Equal(3, audit.Count);
            Assert.All(audit, a => Assert.Equal(_facilitatorId, a.ActorPersonId));
            Assert.Equal(ProjectPhase.Experiment, (await db.Projects.SingleAsync(p => p.Id == _project.Id)).Phase);
        });
    }

    [Fact]
    public async Task Only_the_facilitator_moves_the_phase_but_every_member_reads_its_history()
    {
        foreach (var client in new[] { _resident, _officer, _interviewer, _beheerder, _outsider })
            Assert.Equal(HttpStatusCode.Forbidden, (await MoveAsync(client, "Analyse")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.AnonymousClient().PostAsJsonAsync($"{Api}/phase", new { to = "Analyse" })).StatusCode);
        foreach (var client in new[] { _resident, _officer, _interviewer, _beheerder })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{Api}/phase")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _outsider.GetAsync($"{Api}/phase")).StatusCode);
        // A project update cannot slip a phase change past the history.
        await _beheerder.PutAsJsonAsync(Api, new { name = "Houten", guidingQuestion = "Wat betekent werk voor jou?", phase = "CoEvaluate" });
        await _app.WithDbAsync(async db => Assert.Equal(ProjectPhase.Gather, (await db.Projects.SingleAsync(p => p.Id == _project.Id)).Phase));
    }

    [Theory]
    [InlineData(null, null, "to")]
    [InlineData("Gather", null, "to")]            // already there
    [InlineData("Oogsten", null, "to")]           // unknown phase name
    [InlineData("7", null, "to")]                 // a number outside the enum
    public async Task A_phase_move_to_nowhere_or_to_the_same_phase_is_refused(string? to, string? note, string field)
    {
        var response = await MoveAsync(_facilitator, to, note);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        if (to is null or "Gather") Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _));
        await _app.WithDbAsync(async db => Assert.Equal(0, await db.ProjectPhaseChanges.CountAsync()));
    }

    [Fact]
    public async Task An_overlong_note_is_refused_and_nothing_moves()
    {
        var response = await MoveAsync(_facilitator, "Analyse", new string('x', PhasesService.MaxNoteLength + 1));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await _app.WithDbAsync(async db => Assert.Equal(ProjectPhase.Gather, (await db.Projects.SingleAsync(p => p.Id == _project.Id)).Phase));
    }

    // ---- experiments ----

    private async Task<HttpResponseMessage> SaveExperimentAsync(HttpClient client, object body, Guid? id = null) =>
        id is null ? await client.PostAsJsonAsync($"{Api}/experiments", body) : await client.PutAsJsonAsync($"{Api}/experiments/{id}", body);

    [Fact]
    public async Task Officers_and_facilitators_keep_experiments_linked_to_themes_and_stories_and_residents_read_them()
    {
        var theme = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Schulden");
        var theme2 = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Wachttijd");
        var story = await AnalysisSeed.StoryAsync(_app, _project.Id, "Verteller 1", ["Ik wacht al maanden."]);

        var created = await SaveExperimentAsync(_officer, new
        {
            title = "  Eén loket voor schulden  ", description = "Een vaste contactpersoon.", ownerName = "Gemeente Houten, Sociaal Domein",
            status = "Voorstel", startsOn = "2026-12-01", endsOn = "2027-03-01",
            themeIds = new[] { theme, theme, theme2 }, storyIds = new[] { story, story },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dto = (await created.Content.ReadFromJsonAsync<ExperimentDto>(TestJson.Options))!;
        Assert.Equal("Eén loket voor schulden", dto.Title);
        Assert.Equal(2, dto.Themes.Count);                    // a duplicate link counts once
        Assert.Equal("Verteller 1", Assert.Single(dto.Stories).TellerPseudonym);
        Assert.Equal("Olga", dto.CreatedByName);

        var updated = await SaveExperimentAsync(_facilitator, new
        {
            title = "Eén loket voor schulden", ownerPersonId = _officerId, status = "Afgerond", results = "Wachttijd van 9 naar 3 weken.",
            themeIds = new[] { theme2 }, storyIds = Array.Empty<Guid>(),
        }, dto.Id);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        var list = (await _resident.GetFromJsonAsync<List<ExperimentDto>>($"{Api}/experiments", TestJson.Options))!;
        var read = Assert.Single(list);
        Assert.Equal(ExperimentStatus.Afgerond, read.Status);
        Assert.Equal("Olga", read.OwnerName);
        Assert.Equal([theme2], read.Themes.Select(t => t.Id));
        Assert.Empty(read.Stories);
        Assert.Equal("Wachttijd van 9 naar 3 weken.", read.Results);

        Assert.Equal(HttpStatusCode.NoContent, (await _officer.DeleteAsync($"{Api}/experiments/{dto.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _officer.DeleteAsync($"{Api}/experiments/{dto.Id}")).StatusCode);
        await _app.WithDbAsync(async db =>
        {
            Assert.Equal(0, await db.ExperimentThemes.CountAsync());
            Assert.Equal(["experiment.created", "experiment.updated", "experiment.deleted"],
                await db.AuditLog.Where(a => a.SubjectType == "experiment").OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
        });
    }

    [Fact]
    public async Task A_linked_story_whose_teller_takes_back_consent_to_analysis_drops_out_of_the_experiment()
    {
        var kept = await AnalysisSeed.StoryAsync(_app, _project.Id, "Verteller 1", ["Ik wacht al maanden."]);
        var withdrawn = await AnalysisSeed.StoryAsync(_app, _project.Id, "Verteller 2", ["De bus rijdt niet meer."]);
        var created = await SaveExperimentAsync(_officer, new { title = "Buurtbus", storyIds = new[] { kept, withdrawn } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await _app.WithDbAsync(async db =>
        {
            (await db.Stories.SingleAsync(s => s.Id == withdrawn)).Consent.Scopes = ConsentScopes.None;
            await db.SaveChangesAsync();
        });

        foreach (var reader in new[] { _officer, _facilitator, _resident })
        {
            var read = Assert.Single((await reader.GetFromJsonAsync<List<ExperimentDto>>($"{Api}/experiments", TestJson.Options))!);
            Assert.Equal([kept], read.Stories.Select(s => s.Id));
        }
    }

    [Fact]
    public async Task Residents_read_but_cannot_write_experiments_and_interviewers_and_strangers_see_none()
    {
        var body = new { title = "Buurtkamer" };
        Assert.Equal(HttpStatusCode.Forbidden, (await SaveExperimentAsync(_resident, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SaveExperimentAsync(_beheerder, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SaveExperimentAsync(_facilitator, body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _resident.GetAsync($"{Api}/experiments")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _interviewer.GetAsync($"{Api}/experiments")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _outsider.GetAsync($"{Api}/experiments")).StatusCode);
        // The same facilitator in another project cannot reach this project's experiment through that project's route.
        var id = (await _resident.GetFromJsonAsync<List<ExperimentDto>>($"{Api}/experiments", TestJson.Options))!.Single().Id;
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.DeleteAsync($"/api/projects/{_other.Id}/experiments/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PutAsJsonAsync($"/api/projects/{_other.Id}/experiments/{id}", body)).StatusCode);
    }

    [Fact]
    public async Task Links_to_another_projects_themes_or_stories_unknown_ids_or_stories_without_analysis_consent_are_refused()
    {
        var foreignTheme = await AnalysisSeed.ThemeAsync(_app, _other.Id, "Elders");
        var foreignStory = await AnalysisSeed.StoryAsync(_app, _other.Id, "Verteller E", ["Elders."]);
        var noConsent = Guid.Empty;
        await _app.WithDbAsync(async db =>
        {
            var s = new Story
            {
                ProjectId = _project.Id, TellerPseudonym = "Verteller X", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = _app.Time.GetUtcNow(),
                Consent = new Consent { Scopes = ConsentScopes.None, GivenAt = _app.Time.GetUtcNow() },
            };
            db.Stories.Add(s);
            await db.SaveChangesAsync();
            noConsent = s.Id;
        });
        var merged = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Oud");
        var target = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Nieuw");
        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PostAsJsonAsync($"{Api}/themes/{merged}/merge", new { intoThemeId = target })).StatusCode);

        foreach (var (field, body) in new (string, object)[]
        {
            ("themeIds", new { title = "X", themeIds = new[] { foreignTheme } }),
            ("themeIds", new { title = "X", themeIds = new[] { Guid.NewGuid() } }),
            ("themeIds", new { title = "X", themeIds = new[] { merged } }),
            ("storyIds", new { title = "X", storyIds = new[] { foreignStory } }),
            ("storyIds", new { title = "X", storyIds = new[] { Guid.NewGuid() } }),
            ("storyIds", new { title = "X", storyIds = new[] { noConsent } }),
            ("ownerPersonId", new { title = "X", ownerPersonId = _residentId }),   // tellers are never named as owners
            ("ownerPersonId", new { title = "X", ownerPersonId = Guid.NewGuid() }),
        })
        {
            var response = await SaveExperimentAsync(_facilitator, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        await _app.WithDbAsync(async db => Assert.Equal(0, await db.Experiments.CountAsync()));
    }

    [Theory]
    [InlineData("", "title")]
    [InlineData("   ", "title")]
    [InlineData(null, "title")]
    [InlineData("x201", "title")]
    [InlineData("desc", "description")]
    [InlineData("results", "results")]
    [InlineData("dates", "endsOn")]
    [InlineData("links", "storyIds")]
    public async Task Empty_huge_and_malformed_experiments_are_refused_with_the_field_named(string? title, string field)
    {
        object body = title switch
        {
            "x201" => new { title = new string('x', ExperimentsService.MaxTitleLength + 1) },
            "desc" => new { title = "Ok", description = new string('d', ExperimentsService.MaxDescriptionLength + 1) },
            "results" => new { title = "Ok", results = new string('r', ExperimentsService.MaxResultsLength + 1) },
            "dates" => new { title = "Ok", startsOn = "2027-01-10", endsOn = "2027-01-09" },
            "links" => new { title = "Ok", storyIds = Enumerable.Range(0, ExperimentsService.MaxStoryLinks + 1).Select(_ => Guid.NewGuid()).ToArray() },
            _ => new { title },
        };
        var response = await SaveExperimentAsync(_officer, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_malformed_body_or_status_is_a_bad_request_not_a_crash()
    {
        using var content = new StringContent("{\"title\": [1,2", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await _officer.PostAsync($"{Api}/experiments", content)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SaveExperimentAsync(_officer, new { title = "X", status = "Misschien" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SaveExperimentAsync(_officer, new { title = "X", status = 9 })).StatusCode);
    }

    [Fact]
    public async Task A_withdrawn_story_disappears_from_the_experiments_it_motivated()
    {
        var story = await AnalysisSeed.StoryAsync(_app, _project.Id, "Verteller 1", ["Tekst."]);
        Assert.Equal(HttpStatusCode.Created, (await SaveExperimentAsync(_officer, new { title = "X", storyIds = new[] { story } })).StatusCode);
        await _app.WithDbAsync(async db => { await db.Stories.Where(s => s.Id == story).ExecuteDeleteAsync(); });
        var read = (await _resident.GetFromJsonAsync<List<ExperimentDto>>($"{Api}/experiments", TestJson.Options))!.Single();
        Assert.Empty(read.Stories);
    }

    // ---- rounds ----

    private async Task<RoundWithLinkDto> OpenRoundAsync(string question = "Wat is er voor jou veranderd?")
    {
        var response = await _facilitator.PostAsJsonAsync($"{Api}/rounds", new { question });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RoundWithLinkDto>(TestJson.Options))!;
    }

    [Fact]
    public async Task A_round_opens_only_after_gathering_one_at_a_time_and_only_for_the_facilitator()
    {
        var early = await _facilitator.PostAsJsonAsync($"{Api}/rounds", new { question = "Wat is er veranderd?" });
        Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode);
        Assert.True((await ProblemAsync(early)).GetProperty("errors").TryGetProperty("phase", out _));
        await MoveAsync(_facilitator, "CoEvaluate");

        Assert.Equal(HttpStatusCode.Forbidden, (await _officer.PostAsJsonAsync($"{Api}/rounds", new { question = "?" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _resident.PostAsJsonAsync($"{Api}/rounds", new { question = "?" })).StatusCode);
        foreach (var body in new object[] { new { question = "" }, new { question = new string('v', RoundsService.MaxQuestionLength + 1) },
                     new { question = "Ok?", closesAt = _app.Time.GetUtcNow().AddMinutes(-1) }, new { question = "Ok?", closesAt = _app.Time.GetUtcNow().AddYears(2) } })
            Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsJsonAsync($"{Api}/rounds", body)).StatusCode);

        var first = await OpenRoundAsync();
        Assert.Equal(1, first.Round.Number);
        Assert.Matches("/c/[A-Za-z0-9_-]{43}$", first.CaptureUrl);
        var second = await _facilitator.PostAsJsonAsync($"{Api}/rounds", new { question = "Nog een?" });
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.True((await ProblemAsync(second)).GetProperty("errors").TryGetProperty("round", out _));

        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PostAsync($"{Api}/rounds/{first.Round.Id}/close", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _facilitator.PostAsync($"{Api}/rounds/{first.Round.Id}/close", null)).StatusCode);  // twice is harmless
        Assert.Equal(HttpStatusCode.BadRequest, (await _facilitator.PostAsync($"{Api}/rounds/{first.Round.Id}/link", null)).StatusCode);
        Assert.Equal(2, (await OpenRoundAsync("Wat is er nu anders?")).Round.Number);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PostAsync($"/api/projects/{_other.Id}/rounds/{first.Round.Id}/close", null)).StatusCode);

        var rounds = (await _resident.GetFromJsonAsync<List<RoundDto>>($"{Api}/rounds", TestJson.Options))!;
        Assert.Equal([false, true], rounds.Select(r => r.IsOpen));
        Assert.Equal(HttpStatusCode.Forbidden, (await _interviewer.GetAsync($"{Api}/rounds")).StatusCode);
        await _app.WithDbAsync(async db =>
        {
            var linkId = (await db.EvaluationRounds.SingleAsync(r => r.ProjectId == _project.Id && r.Number == 1)).InvitationId;
            var link = await db.Invitations.SingleAsync(i => i.Id == linkId);
            Assert.NotNull(link.RevokedAt);   // closing stops the round's link
        });
    }

    [Fact]
    public async Task The_comparison_counts_stories_per_theme_per_round_as_computed_by_hand()
    {
        var a = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Armoede");
        var b = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Bureaucratie");
        var c = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Contact");
        string[] text = ["Eerste zin van het verhaal.", "Tweede zin."];
        async Task CodeAsync(Guid story, Guid theme, int start = 0) =>
            await AnalysisSeed.CodingAsync(_app, _project.Id, story, theme, start, start + 5, _facilitatorId, ProjectRole.Begeleider);

        // First gathering: S1 {A (twice), B}, S2 {A}, S3 {B on the latest version; C only on an old version}, S4 uncoded,
        // S5 without analysis consent but coded A in the database: it must not count.
        var s1 = await AnalysisSeed.StoryAsync(_app, _project.Id, "V1", text); await CodeAsync(s1, a); await CodeAsync(s1, a, 10); await CodeAsync(s1, b);
        var s2 = await AnalysisSeed.StoryAsync(_app, _project.Id, "V2", text); await CodeAsync(s2, a);
        var s3 = await AnalysisSeed.StoryAsync(_app, _project.Id, "V3", text, versions: 2); await CodeAsync(s3, b);
        await AnalysisSeed.StoryAsync(_app, _project.Id, "V4", text);
        var s5 = await AnalysisSeed.StoryAsync(_app, _project.Id, "V5", text);
        await _app.WithDbAsync(async db =>
        {
            var v1 = await db.Transcripts.SingleAsync(t => t.StoryId == s3 && t.Version == 1);
            db.Codings.Add(new Coding { ThemeId = c, TranscriptId = v1.Id, StartChar = 0, EndChar = 5, AuthorRole = ProjectRole.Begeleider });
            var t5 = await db.Transcripts.SingleAsync(t => t.StoryId == s5);
            db.Codings.Add(new Coding { ThemeId = a, TranscriptId = t5.Id, StartChar = 0, EndChar = 5, AuthorRole = ProjectRole.Begeleider });
            (await db.Stories.SingleAsync(s => s.Id == s5)).Consent.Scopes = ConsentScopes.None;
            await db.SaveChangesAsync();
        });

        // Round 1: R1 {A, C}, R2 {C}.
        await MoveAsync(_facilitator, "CoEvaluate");
        var round = (await OpenRoundAsync()).Round;
        var r1 = await AnalysisSeed.StoryAsync(_app, _project.Id, "R1", text);
        var r2 = await AnalysisSeed.StoryAsync(_app, _project.Id, "R2", text);
        await _app.WithDbAsync(async db =>
            await db.Stories.Where(s => s.Id == r1 || s.Id == r2).ExecuteUpdateAsync(u => u.SetProperty(s => s.EvaluationRoundId, round.Id)));
        await CodeAsync(r1, a); await CodeAsync(r1, c); await CodeAsync(r2, c);

        var result = (await _resident.GetFromJsonAsync<RoundComparisonDto>($"{Api}/rounds/comparison", TestJson.Options))!;

        Assert.Equal([(4, 3), (2, 2)], result.Groups.Select(g => (g.Stories, g.CodedStories)));
        Assert.Equal("Wat is er voor jou veranderd?", result.Groups[1].Question);
        // Sorted by the size of the change: C +100, B −66.7, A −16.7 (A: 2 of 3 → 1 of 2).
        Assert.Equal(["Contact", "Bureaucratie", "Armoede"], result.Themes.Select(t => t.Name));
        var (contact, bureaucratie, armoede) = (result.Themes[0], result.Themes[1], result.Themes[2]);
        Assert.Equal([(0, 0.0, false), (2, 100.0, true)], contact.Cells.Select(x => (x.Count, x.Percent!.Value, x.New)));
        Assert.Equal(100.0, contact.Change);
        Assert.Equal([(2, 66.7), (0, 0.0)], bureaucratie.Cells.Select(x => (x.Count, x.Percent!.Value)));
        Assert.Equal(-66.7, bureaucratie.Change);
        Assert.Equal([(2, 66.7), (1, 50.0)], armoede.Cells.Select(x => (x.Count, x.Percent!.Value)));
        Assert.Equal(-16.7, armoede.Change);
        Assert.DoesNotContain(armoede.Cells, x => x.New);

        // The story list filters by round; the page shows the same table.
        var firstOnly = (await _resident.GetFromJsonAsync<List<StorySummaryDto>>($"{Api}/stories?round=first", TestJson.Options))!;
        Assert.Equal(["V1", "V2", "V3", "V4"], firstOnly.Select(s => s.TellerPseudonym).Order());
        var roundOne = (await _resident.GetFromJsonAsync<List<StorySummaryDto>>($"{Api}/stories?round=1", TestJson.Options))!;
        Assert.Equal(["R1", "R2"], roundOne.Select(s => s.TellerPseudonym).Order());
        Assert.Empty((await _resident.GetFromJsonAsync<List<StorySummaryDto>>($"{Api}/stories?round=7", TestJson.Options))!);
        foreach (var bad in new[] { "0", "-1", "een", "1.5", "99999999999" })
            Assert.Equal(HttpStatusCode.BadRequest, (await _resident.GetAsync($"{Api}/stories?round={bad}")).StatusCode);
        var page = await (await _resident.GetAsync($"/projects/{_project.Id}/rounds")).Content.ReadAsStringAsync();
        Assert.Contains("2 · 100%", page);
        Assert.Contains("nieuw", page);
        Assert.DoesNotContain("Nieuwe ronde openen", page);   // only the facilitator opens rounds
    }

    [Fact]
    public async Task Without_rounds_the_comparison_has_one_column_and_no_change()
    {
        var a = await AnalysisSeed.ThemeAsync(_app, _project.Id, "Armoede");
        var result = (await _officer.GetFromJsonAsync<RoundComparisonDto>($"{Api}/rounds/comparison", TestJson.Options))!;
        var group = Assert.Single(result.Groups);
        Assert.Equal((0, 0), (group.Stories, group.CodedStories));
        var row = Assert.Single(result.Themes);
        Assert.Equal(a, row.ThemeId);
        Assert.Null(row.Change);
        Assert.Null(Assert.Single(row.Cells).Percent);   // nothing coded: no share rather than a fake 0 %
    }
}

public sealed class SqliteEvaluationApiTests : EvaluationApiContract
{
    protected override TestApp NewApp() => new();
}

public sealed class PostgresEvaluationApiTests : EvaluationApiContract
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
