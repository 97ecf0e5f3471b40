using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Exchange;

namespace Storytelling.Tests.Exchange;

/// <summary>The export's queries (latest version per story, distinct authors) and the import's transaction on PostgreSQL.</summary>
public sealed class PostgresExchangeTests : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private readonly string _media = Repo.NewTempFolder("exchange-media-pg");
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _app = new TestApp(new Dictionary<string, string?>
        {
            ["Storytelling:Database:Provider"] = "Postgres",
            ["Storytelling:Database:ConnectionString"] = _postgres.ConnectionString,
            ["Storytelling:Storage:DiskStore:RootPath"] = _media,
        });
        await _app.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _postgres.DisposeAsync();
        Repo.DeleteFolder(_media);
    }

    [Fact]
    public async Task Export_then_import_round_trips_on_PostgreSQL()
    {
        var person = await _app.CreatePersonAsync("begeleider@example.org");
        var source = (await _app.CreateProjectAsync("Bron", (person.Id, ProjectRole.Begeleider))).Id;
        var target = (await _app.CreateProjectAsync("Doel", (person.Id, ProjectRole.Begeleider))).Id;
        var parent = await AnalysisSeed.ThemeAsync(_app, source, "Werk");
        var child = await AnalysisSeed.ThemeAsync(_app, source, "Erbij horen", parent);
        var story = await AnalysisSeed.StoryAsync(_app, source, "Anna", ["Werk betekent voor mij dat ik ertoe doe.", "Eerste versie."],
            versions: 2, laterSegments: ["Werk betekent voor mij dat ik ertoe doe.", "Tweede versie."]);
        await AnalysisSeed.CodingAsync(_app, source, story, child, 0, 4, person.Id, ProjectRole.Begeleider);
        await AnalysisSeed.CodingAsync(_app, source, story, parent, 41, 55, person.Id, ProjectRole.Begeleider);
        var client = await _app.SignedInClientAsync("begeleider@example.org");

        var qdpx = await client.GetByteArrayAsync($"/api/projects/{source}/exchange/project.qdpx");
        var entries = Qdpx.Entries(qdpx);
        Assert.Empty(Qdpx.Validate(entries["project.qde"], Qdpx.Ns.NamespaceName, "Project.xsd"));
        Assert.Contains("Tweede versie.", System.Text.Encoding.UTF8.GetString(entries[$"sources/{story}.txt"]), StringComparison.Ordinal);

        var response = await client.PostAsync($"/api/projects/{target}/exchange/project?consentConfirmed=true",
            new ByteArrayContent(qdpx) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip") } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<QdpxImportResult>(TestJson.Options))!;
        Assert.Equal((1, 0, 2, 2, 0), (result.Stories, result.Recordings, result.Codings, result.ThemesCreated, result.ThemesMerged));
        Assert.Empty(result.Skipped);
        await _app.WithDbAsync(async db =>
        {
            var quotes = await db.Codings.AsNoTracking().Where(c => c.Theme!.ProjectId == target)
                .Select(c => new { c.Theme!.Name, c.StartChar, c.EndChar }).OrderBy(c => c.StartChar).ToListAsync();
            Assert.Equal([("Erbij horen", 0, 4), ("Werk", 41, 55)], quotes.Select(q => (q.Name, q.StartChar, q.EndChar)));
        });
    }
}
