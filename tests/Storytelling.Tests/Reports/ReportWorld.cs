using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Workshops;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Reports;

namespace Storytelling.Tests.Reports;

/// <summary>
/// One app with a person in each role and an outsider; every test gets its own project (<see cref="NewProjectAsync"/>):
/// two themes, three stories (one without consent for quotes), codings by residents and professionals, workshop votes,
/// and a project-wide pseudonym for the name Tessa says aloud.
/// </summary>
public class ReportWorld : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;
    public Dictionary<string, Guid> People { get; } = [];
    public Dictionary<string, HttpClient> Clients { get; } = [];

    public static readonly string[] TessaSegments = ["Ik ben Jan de Vries en ik woon in Houten.", "Werk betekent voor mij dat ik ertoe doe."];
    public const string AhmedText = "Zonder geld kun je niet meedoen aan de buurt.";
    public const string NoorText = "Bij de voedselbank leerde ik Nederlands en vond ik vrienden.";

    protected virtual Task<TestApp> CreateAppAsync() => Task.FromResult(new TestApp());

    public async Task InitializeAsync()
    {
        App = await CreateAppAsync();
        await App.MigrateAsync();
        foreach (var caller in new[] { "bewoner", "interviewer", "begeleider", "beleidsmedewerker", "outsider" })
        {
            var email = $"{caller}-{Guid.NewGuid():N}@example.org";
            People[caller] = (await App.CreatePersonAsync(email, name: caller)).Id;
            Clients[caller] = await App.SignedInClientAsync(email);
        }
        Clients["anonymous"] = App.AnonymousClient();
        await App.CreateProjectAsync("Elders", (People["outsider"], ProjectRole.Begeleider));
    }

    public virtual Task DisposeAsync()
    {
        App.Dispose();
        return Task.CompletedTask;
    }

    public sealed record Seeded(Guid ProjectId, Guid Belonging, Guid Money, Guid Tessa, Guid Ahmed, Guid Noor,
        Guid TessaBelonging, Guid TessaMoney, Guid AhmedMoney, Guid NoorBelonging);

    public async Task<Seeded> NewProjectAsync()
    {
        var projectId = (await App.CreateProjectAsync("Werk in Houten",
            (People["bewoner"], ProjectRole.Bewoner), (People["interviewer"], ProjectRole.Interviewer),
            (People["begeleider"], ProjectRole.Begeleider), (People["beleidsmedewerker"], ProjectRole.Beleidsmedewerker))).Id;
        var belonging = await AnalysisSeed.ThemeAsync(App, projectId, "Erbij horen");
        var money = await AnalysisSeed.ThemeAsync(App, projectId, "Geldzorgen");
        await App.WithDbAsync(async db =>
        {
            (await db.Themes.FindAsync(belonging))!.Description = "Ergens bij horen, nodig zijn.";
            db.Pseudonyms.Add(new Pseudonym { ProjectId = projectId, Original = "Jan de Vries", Replacement = "Peter", CreatedAt = App.Time.GetUtcNow() });
            await db.SaveChangesAsync();
        });
        var tessa = await StoryAsync(projectId, "Tessa", TessaSegments, quotes: true);
        var ahmed = await StoryAsync(projectId, "Ahmed", [AhmedText], quotes: false);
        var noor = await StoryAsync(projectId, "Noor", [NoorText], quotes: true);

        var second = TessaSegments[0].Length + 1;
        var tessaBelonging = await AnalysisSeed.CodingAsync(App, projectId, tessa, belonging, second, second + TessaSegments[1].Length, People["bewoner"], ProjectRole.Bewoner);
        await AnalysisSeed.CodingAsync(App, projectId, tessa, belonging, second, second + TessaSegments[1].Length, People["begeleider"], ProjectRole.Begeleider);
        var tessaMoney = await AnalysisSeed.CodingAsync(App, projectId, tessa, money, 0, TessaSegments[0].Length, People["begeleider"], ProjectRole.Begeleider);
        var ahmedMoney = await AnalysisSeed.CodingAsync(App, projectId, ahmed, money, 0, AhmedText.Length, People["beleidsmedewerker"], ProjectRole.Beleidsmedewerker);
        var noorBelonging = await AnalysisSeed.CodingAsync(App, projectId, noor, belonging, 0, NoorText.Length, People["bewoner"], ProjectRole.Bewoner);

        // The workshop put money first: two dots against one.
        await App.WithDbAsync(async db =>
        {
            var session = new WorkshopSession { ProjectId = projectId, Title = "Sessie", Code = Guid.NewGuid().ToString("N")[..6], OpenedAt = App.Time.GetUtcNow() };
            var participant = new WorkshopParticipant { SessionId = session.Id, DisplayName = "Gast", JoinedAt = App.Time.GetUtcNow() };
            db.WorkshopSessions.Add(session);
            db.WorkshopParticipants.Add(participant);
            foreach (var theme in new[] { money, money, belonging })
                db.ThemeVotes.Add(new ThemeVote { SessionId = session.Id, ParticipantId = participant.Id, ThemeId = theme, At = App.Time.GetUtcNow() });
            await db.SaveChangesAsync();
        });
        return new Seeded(projectId, belonging, money, tessa, ahmed, noor, tessaBelonging, tessaMoney, ahmedMoney, noorBelonging);
    }

    private async Task<Guid> StoryAsync(Guid projectId, string teller, string[] segments, bool quotes)
    {
        var id = await AnalysisSeed.StoryAsync(App, projectId, teller, segments);
        await App.WithDbAsync(async db =>
        {
            var story = await db.Stories.FindAsync(id);
            story!.Consent.Scopes = ConsentScopes.Analysis | (quotes ? ConsentScopes.QuotesInReports : ConsentScopes.None);
            await db.SaveChangesAsync();
        });
        return id;
    }

    /// <summary>The report most tests start from: money first (Tessa's sentence with the name), then belonging (Tessa and Noor).</summary>
    public async Task<ReportDto> CreateReportAsync(Seeded s, string client = "beleidsmedewerker")
    {
        var response = await Clients[client].PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports", new CreateReportRequest("Wat bewoners vertelden",
            [new ChosenTheme(s.Money, [s.TessaMoney]), new ChosenTheme(s.Belonging, [s.TessaBelonging, s.NoorBelonging])]));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReportDto>(TestJson.Options))!;
    }

    public async Task WithdrawAsync(Guid projectId, Guid storyId)
    {
        // What the withdrawal service does: tell every listener inside its scope, then delete the story.
        await using var scope = App.Services.CreateAsyncScope();
        foreach (var listener in scope.ServiceProvider.GetServices<IStoryWithdrawalListener>())
            await listener.OnStoryWithdrawingAsync(projectId, storyId, CancellationToken.None);
        var db = scope.ServiceProvider.GetRequiredService<Core.Persistence.StorytellingDbContext>();
        db.Stories.Remove((await db.Stories.FindAsync(storyId))!);
        await db.SaveChangesAsync();
    }

    /// <summary>What the teller's page does when a box is ticked or unticked: the real consent service.</summary>
    public async Task ChangeConsentAsync(Guid storyId, Core.Stories.ConsentScopes wanted)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var change = scope.ServiceProvider.GetRequiredService<Storytelling.Web.Features.Tellers.StoryConsentChange>();
        Assert.True(await change.ChangeAsync(storyId, wanted, null, CancellationToken.None));
    }
}

/// <summary>The same world on PostgreSQL: the drafting queries, the guarded save and the withdrawal run there too.</summary>
public sealed class PostgresReportWorld : ReportWorld
{
    private readonly PostgresFixture _postgres = new();

    protected override async Task<TestApp> CreateAppAsync()
    {
        await _postgres.InitializeAsync();
        return new TestApp(new Dictionary<string, string?>
        {
            ["Storytelling:Database:Provider"] = "Postgres",
            ["Storytelling:Database:ConnectionString"] = _postgres.ConnectionString,
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
