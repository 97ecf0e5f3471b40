using System.Net;
using System.Net.Http.Json;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Stories;

namespace Storytelling.Tests.Search;

/// <summary>The stories overview with filters and full-text search, run on each database provider.</summary>
public abstract class StorySearchContract : IAsyncLifetime
{
    protected TestApp App { get; private set; } = null!;
    protected Project Project { get; private set; } = null!;
    protected HttpClient Facilitator { get; private set; } = null!;
    protected Guid FacilitatorId { get; private set; }

    protected abstract TestApp NewApp();

    public virtual async Task InitializeAsync()
    {
        App = await NewApp().MigrateAsync();
        var f = await App.CreatePersonAsync("begeleider@example.org");
        FacilitatorId = f.Id;
        Project = await App.CreateProjectAsync("Houten", (f.Id, ProjectRole.Begeleider));
        Facilitator = await App.SignedInClientAsync("begeleider@example.org");
    }

    public virtual Task DisposeAsync()
    {
        App.Dispose();
        return Task.CompletedTask;
    }

    protected async Task<List<StorySummaryDto>> SearchAsync(string query) =>
        (await Facilitator.GetFromJsonAsync<List<StorySummaryDto>>($"/api/projects/{Project.Id}/stories?{query}", TestJson.Options))!;

    [Fact]
    public async Task Werken_finds_werkte_and_werk_in_the_latest_transcript_version_only()
    {
        await AnalysisSeed.StoryAsync(App, Project.Id, "Anna", ["Vroeger werkte ik in een fabriek.", "Nu zit ik thuis."]);
        await AnalysisSeed.StoryAsync(App, Project.Id, "Bram", ["Werk is voor mij structuur."]);
        await AnalysisSeed.StoryAsync(App, Project.Id, "Chaima", ["Ik hou van koken."]);
        // Version 1 said "werk", the correction (version 2) does not: the story is found by what it says now.
        await AnalysisSeed.StoryAsync(App, Project.Id, "Dirk", ["Ik zoek werk."], versions: 2, laterSegments: ["Ik zoek een opleiding."]);

        var found = await SearchAsync("q=werken");
        Assert.Equal(["Anna", "Bram"], found.Select(s => s.TellerPseudonym).Order());
        Assert.Contains("werkte ik in een fabriek", found.Single(s => s.TellerPseudonym == "Anna").Snippet);
        Assert.Equal(["Dirk"], (await SearchAsync("q=opleiding")).Select(s => s.TellerPseudonym));
        Assert.Empty(await SearchAsync("q=fiets"));
        // Every word must occur in one segment.
        Assert.Equal(["Anna"], (await SearchAsync("q=werken+fabriek")).Select(s => s.TellerPseudonym));
        // Query syntax of the engines is never passed through: quotes, operators and stars are just separators.
        Assert.Equal(["Anna"], (await SearchAsync("q=" + Uri.EscapeDataString("\"fabriek\" * ( ) & ! :* - ^ '"))).Select(s => s.TellerPseudonym));
    }

    [Fact]
    public async Task The_overview_filters_by_status_language_and_theme_and_pages_with_a_total()
    {
        var anna = await AnalysisSeed.StoryAsync(App, Project.Id, "Anna", ["Werk is belangrijk."]);
        await AnalysisSeed.StoryAsync(App, Project.Id, "Bram", ["Work matters to me."], language: "en");
        await AnalysisSeed.StoryAsync(App, Project.Id, "Chaima", ["Nog niet uitgeschreven."], status: StoryStatus.Transcribing);
        var theme = await AnalysisSeed.ThemeAsync(App, Project.Id, "Werk");
        await AnalysisSeed.CodingAsync(App, Project.Id, anna, theme, 0, 4, FacilitatorId, ProjectRole.Begeleider);

        Assert.Equal(["Chaima"], (await SearchAsync("status=transcribing")).Select(s => s.TellerPseudonym));
        Assert.Equal(["Bram"], (await SearchAsync("language=en")).Select(s => s.TellerPseudonym));
        var coded = Assert.Single(await SearchAsync($"themeId={theme}"));
        Assert.Equal("Anna", coded.TellerPseudonym);
        Assert.Equal("Werk", Assert.Single(coded.Themes!).Name);

        var page = await Facilitator.GetAsync($"/api/projects/{Project.Id}/stories?pageSize=2&page=2");
        Assert.Equal("3", page.Headers.GetValues("X-Total-Count").Single());
        // Newest first: the oldest story is alone on page 2.
        Assert.Equal(["Anna"], (await page.Content.ReadFromJsonAsync<List<StorySummaryDto>>(TestJson.Options))!.Select(s => s.TellerPseudonym));

        foreach (var bad in new[] { "status=Gelukt", "pageSize=0", "pageSize=100000", "page=0", "q=" + new string('a', 300) })
            Assert.Equal(HttpStatusCode.BadRequest, (await Facilitator.GetAsync($"/api/projects/{Project.Id}/stories?{bad}")).StatusCode);
    }
}

public sealed class SqliteStorySearchTests : StorySearchContract
{
    protected override TestApp NewApp() => new();

    [Fact]
    public async Task Fts5_folds_case_and_accents_but_knows_no_irregular_dutch_forms()
    {
        await AnalysisSeed.StoryAsync(App, Project.Id, "Anna", ["ÉÉN keer per week loop ik naar het café."]);
        await AnalysisSeed.StoryAsync(App, Project.Id, "Bram", ["Gisteren liep ik naar mijn werk."]);
        Assert.Equal(["Anna"], (await SearchAsync("q=een+cafe")).Select(s => s.TellerPseudonym));
        // No Dutch stemmer: "lopen" finds neither "loop" nor "liep" (PostgreSQL's finds "loop", not "liep").
        Assert.Empty(await SearchAsync("q=lopen"));
    }
}

public sealed class PostgresStorySearchTests : StorySearchContract
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

    [Fact]
    public async Task The_dutch_configuration_stems_plurals_and_the_query_uses_the_gin_index()
    {
        await AnalysisSeed.StoryAsync(App, Project.Id, "Anna", ["Ik lees graag boeken over vrijwilligers."]);
        Assert.Equal(["Anna"], (await SearchAsync("q=boek+vrijwilliger")).Select(s => s.TellerPseudonym));

        await App.WithDbAsync(async db =>
        {
            var conn = (Npgsql.NpgsqlConnection)Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GetDbConnection(db.Database);
            await conn.OpenAsync();
            await using (var off = new Npgsql.NpgsqlCommand("SET enable_seqscan = off", conn)) await off.ExecuteNonQueryAsync();
            await using var cmd = new Npgsql.NpgsqlCommand(
                "EXPLAIN SELECT s.\"Id\" FROM \"TranscriptSegments\" s WHERE to_tsvector('dutch', s.\"Text\") @@ to_tsquery('dutch', 'boek:*')", conn);
            var plan = string.Join("\n", await ReadAllAsync(cmd));
            Assert.Contains("IX_TranscriptSegments_Text_dutch", plan);
        });
    }

    private static async Task<List<string>> ReadAllAsync(Npgsql.NpgsqlCommand cmd)
    {
        var lines = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return lines;
    }
}
