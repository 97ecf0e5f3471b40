using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Projects;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Evaluation;

namespace Storytelling.Tests.Evaluation;

/// <summary>
/// One facilitator in two projects, A and B. B's experiment, themes, stories and round named under A are not found or
/// refused — by the services themselves, through the API and through the pages — and B's stay as they were.
/// </summary>
public sealed class EvaluationOwnershipTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private Guid _a, _b, _facilitatorId, _onlyInB;
    private Guid _themeB, _storyB, _experimentB, _roundB;
    private HttpClient _facilitator = null!;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        _facilitatorId = (await _app.CreatePersonAsync("begeleider@example.org", name: "Femke")).Id;
        _onlyInB = (await _app.CreatePersonAsync("beleid-b@example.org", name: "Bram")).Id;
        _a = (await _app.CreateProjectAsync("A", (_facilitatorId, ProjectRole.Begeleider))).Id;
        _b = (await _app.CreateProjectAsync("B", (_facilitatorId, ProjectRole.Begeleider), (_onlyInB, ProjectRole.Beleidsmedewerker))).Id;
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");

        _themeB = await AnalysisSeed.ThemeAsync(_app, _b, "Alleen in B");
        _storyB = await AnalysisSeed.StoryAsync(_app, _b, "Verteller B", ["Een verhaal uit B."]);
        var created = await _facilitator.PostAsJsonAsync($"/api/projects/{_b}/experiments",
            new { title = "Proef in B", themeIds = new[] { _themeB }, storyIds = new[] { _storyB } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        _experimentB = (await created.Content.ReadFromJsonAsync<ExperimentDto>(TestJson.Options))!.Id;

        foreach (var project in new[] { _a, _b })
            Assert.Equal(HttpStatusCode.OK, (await _facilitator.PostAsJsonAsync($"/api/projects/{project}/phase", new { to = "CoEvaluate" })).StatusCode);
        var round = await _facilitator.PostAsJsonAsync($"/api/projects/{_b}/rounds", new { question = "Wat is er veranderd in B?" });
        Assert.Equal(HttpStatusCode.Created, round.StatusCode);
        _roundB = (await round.Content.ReadFromJsonAsync<RoundWithLinkDto>(TestJson.Options))!.Round.Id;
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<T> WithAsync<TService, T>(Func<TService, Task<T>> action) where TService : notnull
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>B's experiment keeps its title and links, B's round stays open with a working link, and A got nothing.</summary>
    private async Task AssertBUnchangedAsync()
    {
        await _app.WithDbAsync(async db =>
        {
            var experiment = await db.Experiments.Include(e => e.Themes).Include(e => e.Stories).AsNoTracking().SingleAsync(e => e.Id == _experimentB);
            Assert.Equal(("Proef in B", _b), (experiment.Title, experiment.ProjectId));
            Assert.Equal([_themeB], experiment.Themes.Select(t => t.ThemeId));
            Assert.Equal([_storyB], experiment.Stories.Select(s => s.StoryId));
            var round = await db.EvaluationRounds.AsNoTracking().SingleAsync(r => r.Id == _roundB);
            Assert.Equal(EvaluationRoundStatus.Open, round.Status);
            Assert.Null((await db.Invitations.AsNoTracking().SingleAsync(i => i.Id == round.InvitationId)).RevokedAt);
            Assert.Equal(0, await db.Experiments.CountAsync(e => e.ProjectId == _a));
            Assert.Equal(0, await db.EvaluationRounds.CountAsync(r => r.ProjectId == _a));
            Assert.Equal(0, await db.Invitations.CountAsync(i => i.ProjectId == _a));
            Assert.Equal(0, await db.AuditLog.CountAsync(a => a.ProjectId == _a && (a.SubjectType == "experiment" || a.SubjectType == "evaluation-round")));
        });
    }

    [Fact]
    public async Task The_services_do_not_find_another_projects_experiment_or_round_and_refuse_its_themes_stories_and_people()
    {
        Assert.Null(await WithAsync<ExperimentsService, ExperimentDto?>(s => s.GetAsync(_a, _experimentB, CancellationToken.None)));
        var update = await WithAsync<ExperimentsService, ExperimentResult>(s =>
            s.SaveAsync(_a, _experimentB, new ExperimentRequest("Overgenomen", null, null, null, null, null, null, null, [], []), _facilitatorId, CancellationToken.None));
        Assert.True(update.NotFound);
        Assert.False(await WithAsync<ExperimentsService, bool>(s => s.DeleteAsync(_a, _experimentB, _facilitatorId, CancellationToken.None)));

        var links = await WithAsync<ExperimentsService, ExperimentResult>(s => s.SaveAsync(_a, null,
            new ExperimentRequest("Met B's spullen", null, _onlyInB, null, null, null, null, null, [_themeB], [_storyB]), _facilitatorId, CancellationToken.None));
        Assert.Null(links.Experiment);
        Assert.Equal(["ownerPersonId", "storyIds", "themeIds"], links.Errors!.Keys.Order());

        Assert.Null(await WithAsync<RoundsService, RoundDto?>(s => s.CloseAsync(_a, _roundB, _facilitatorId, CancellationToken.None)));
        Assert.True((await WithAsync<RoundsService, RoundResult>(s => s.RenewLinkAsync(_a, _roundB, _facilitatorId, CancellationToken.None))).NotFound);
        Assert.Empty(await WithAsync<RoundsService, List<RoundDto>>(s => s.ListAsync(_a, CancellationToken.None)));

        await AssertBUnchangedAsync();
    }

    [Fact]
    public async Task Through_the_api_another_projects_experiment_and_round_are_404_and_its_links_are_refused()
    {
        var experiment = $"/api/projects/{_a}/experiments/{_experimentB}";
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.GetAsync(experiment)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PutAsJsonAsync(experiment, new { title = "Overgenomen" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.DeleteAsync(experiment)).StatusCode);
        foreach (var (field, body) in new (string, object)[]
        {
            ("themeIds", new { title = "X", themeIds = new[] { _themeB } }),
            ("storyIds", new { title = "X", storyIds = new[] { _storyB } }),
            ("ownerPersonId", new { title = "X", ownerPersonId = _onlyInB }),
        })
        {
            var response = await _facilitator.PostAsJsonAsync($"/api/projects/{_a}/experiments", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _), field);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PostAsync($"/api/projects/{_a}/rounds/{_roundB}/close", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _facilitator.PostAsync($"/api/projects/{_a}/rounds/{_roundB}/link", null)).StatusCode);

        await AssertBUnchangedAsync();
    }

    [Fact]
    public async Task Through_the_pages_another_projects_experiment_and_round_are_404_and_nothing_changes()
    {
        var experiments = $"/projects/{_a}/experiments";
        var page = await _facilitator.GetStringAsync(experiments);
        Assert.DoesNotContain("Proef in B", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound,
            (await Forms.PostAsync(_facilitator, experiments, page, "Save", new() { ["experimentId"] = _experimentB.ToString(), ["title"] = "Overgenomen" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await Forms.PostAsync(_facilitator, experiments, page, "Delete", new() { ["experimentId"] = _experimentB.ToString() })).StatusCode);
        // A new experiment of A that names B's theme and story is refused on the page and not saved.
        var refused = await Forms.PostAsync(_facilitator, experiments, page, "Save",
            new() { ["title"] = "Met B's spullen", ["themeIds"] = _themeB.ToString(), ["storyIds"] = _storyB.ToString() });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);

        var rounds = $"/projects/{_a}/rounds";
        var roundsPage = await _facilitator.GetStringAsync(rounds);
        Assert.Equal(HttpStatusCode.NotFound, (await Forms.PostAsync(_facilitator, rounds, roundsPage, "Close", new() { ["roundId"] = _roundB.ToString() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Forms.PostAsync(_facilitator, rounds, roundsPage, "Link", new() { ["roundId"] = _roundB.ToString() })).StatusCode);

        await AssertBUnchangedAsync();
    }
}
