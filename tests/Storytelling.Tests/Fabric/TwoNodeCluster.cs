using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Fabric;

/// <summary>
/// Two web processes and one worker, as on three machines: one PostgreSQL database (which also holds the Data
/// Protection key ring), one media folder and one Redis, all on loopback. Node A sits behind a tiny load balancer
/// (<see cref="Balancer"/>) that sends new connections to B once A is gone. A project with a begeleider, two themes
/// and stories with transcripts is seeded through an in-process app on the same database.
/// </summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    public const string Begeleider = "begeleider@example.org";
    public const int CodeAttempts = 3;

    private readonly RedisFixture _redis = new();
    private readonly PostgresFixture _postgres = new();
    private readonly string _media = Repo.NewTempFolder("two-nodes-media");
    private AppProcess? _worker;

    internal AppProcess A { get; private set; } = null!;
    internal AppProcess B { get; private set; } = null!;
    public int PortA { get; } = Repo.FreeLoopbackPort();
    public int PortB { get; } = Repo.FreeLoopbackPort();
    public Uri UrlA => new($"http://127.0.0.1:{PortA}");
    public Uri UrlB => new($"http://127.0.0.1:{PortB}");
    internal LoopbackForwarder Balancer { get; private set; } = null!;
    public TestApp Seeder { get; private set; } = null!;
    public Project Project { get; private set; } = null!;
    public Guid ThemeWerk { get; private set; }
    public Guid ThemeSchulden { get; private set; }

    private Dictionary<string, string> Settings(int port = 0) => new()
    {
        ["Storytelling__Database__Provider"] = "Postgres",
        ["Storytelling__Database__ConnectionString"] = _postgres.ConnectionString,
        ["Storytelling__Storage__Provider"] = "Disk",
        ["Storytelling__Storage__DiskStore__RootPath"] = _media,
        ["Storytelling__Redis__ConnectionString"] = _redis.ConnectionString,
        ["Storytelling__Redis__Prefix"] = "twonodes",
        ["Storytelling__Workshops__JoinsPerMinutePerAddress"] = "1000",
        ["Storytelling__SignIn__AttemptsPerMinute"] = "1000",
        ["Storytelling__Tellers__CodeAttemptsPerWindow"] = CodeAttempts.ToString(),
        ["Urls"] = $"http://127.0.0.1:{port}",
    };

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_redis.InitializeAsync(), _postgres.InitializeAsync());
        await using (var migrate = AppProcess.Start("Storytelling.Web", Settings(), "migrate"))
        {
            var exit = await migrate.WaitForExitAsync(TimeSpan.FromSeconds(120));
            if (exit != 0) throw new InvalidOperationException("migrate failed: " + migrate.Stdout + migrate.Stderr);
        }
        Seeder = new TestApp(new Dictionary<string, string?>
        {
            ["Storytelling:Database:Provider"] = "Postgres",
            ["Storytelling:Database:ConnectionString"] = _postgres.ConnectionString,
            ["Storytelling:Storage:DiskStore:RootPath"] = _media,
        });
        var begeleider = await Seeder.CreatePersonAsync(Begeleider, name: "Bea Begeleider");
        Project = await Seeder.CreateProjectAsync("Werk in Houten", (begeleider.Id, ProjectRole.Begeleider));
        await Seeder.WithDbAsync(async db =>
        {
            var werk = new Theme { ProjectId = Project.Id, Name = "Werk", Colour = "#1F618D", Kind = ThemeKind.Knelpunt, CreatedAt = DateTimeOffset.UtcNow };
            var schulden = new Theme { ProjectId = Project.Id, Name = "Schulden", Colour = "#C0392B", Kind = ThemeKind.Knelpunt, CreatedAt = DateTimeOffset.UtcNow };
            db.Themes.AddRange(werk, schulden);
            await db.SaveChangesAsync();
            (ThemeWerk, ThemeSchulden) = (werk.Id, schulden.Id);
        });

        A = AppProcess.Start("Storytelling.Web", Settings(PortA));
        B = AppProcess.Start("Storytelling.Web", Settings(PortB));
        _worker = AppProcess.Start("Storytelling.Worker", Settings());
        await Task.WhenAll(A.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(120)),
            B.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(120)));
        Balancer = new LoopbackForwarder(PortA, PortB);
    }

    /// <summary>Starts node A again if a test killed it.</summary>
    public async Task EnsureNodeAAsync()
    {
        if (!A.HasExited) return;
        await A.DisposeAsync();
        A = AppProcess.Start("Storytelling.Web", Settings(PortA));
        await A.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(120));
    }

    /// <summary>A story with analysis consent, a three-line transcript and a known receipt code.</summary>
    public async Task<(Guid StoryId, string ReceiptCode)> SeedStoryAsync(string teller)
    {
        var code = ReceiptCode.New();
        var storyId = Guid.Empty;
        await Seeder.WithDbAsync(async db =>
        {
            var at = DateTimeOffset.UtcNow;
            var story = new Story
            {
                ProjectId = Project.Id, TellerPseudonym = teller, ReceiptCodeHash = ReceiptCode.Hash(code), CreatedAt = at,
                Consent = new Consent { Scopes = ConsentScopes.Analysis | ConsentScopes.QuotesInReports, GivenAt = at },
            };
            db.Stories.Add(story);
            string[] lines = [$"Ik had een eigen zaak, zegt {teller}.", "Toen ging alles mis.", "Nu zoek ik werk."];
            db.Transcripts.Add(new Transcript
            {
                StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, CreatedAt = at,
                Segments = lines.Select((l, i) => new TranscriptSegment { Position = i, StartMs = i * 4000, EndMs = i * 4000 + 3500, Text = l }).ToList(),
            });
            await db.SaveChangesAsync();
            storyId = story.Id;
        });
        return (storyId, code);
    }

    /// <summary>The begeleider's sign-in cookie, handed out by the given node.</summary>
    public async Task<string> LoginCookieAsync(Uri node)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = node };
        var response = await http.PostAsJsonAsync("/api/account/login", new { email = Begeleider, password = TestApp.Password });
        response.EnsureSuccessStatusCode();
        return CookiePairs(response);
    }

    public async Task<(string Code, Guid SessionId)> OpenSessionAsync(Uri node, string loginCookie, int votes = 3)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = node };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{Project.Id}/workshops")
        {
            Content = JsonContent.Create(new { title = "Veranderbijeenkomst", votesPerParticipant = votes }),
        };
        request.Headers.Add("Cookie", loginCookie);
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return (json.GetProperty("code").GetString()!, json.GetProperty("id").GetGuid());
    }

    /// <summary>A phone joins with its name over HTTP at the given node; returns its guest cookie.</summary>
    public static async Task<string> JoinAsync(Uri node, string code, string name)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = node };
        var response = await http.PostAsJsonAsync($"/api/workshops/{code}/join", new { displayName = name });
        response.EnsureSuccessStatusCode();
        return CookiePairs(response);
    }

    /// <summary>A hub connection as a phone or projector makes it (WebSockets), reconnecting by itself.</summary>
    public static async Task<HubConnection> ConnectAsync(Uri node, string cookie)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node, "/hubs/workshop"), o => o.Headers["Cookie"] = cookie)
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1),
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)])
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    public static string CookiePairs(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);

    public string RedisConnectionString => _redis.ConnectionString;

    public async Task DisposeAsync()
    {
        // Every process this cluster started stops, even when an earlier step throws (PostgreSQL not running left a
        // redis-server behind once).
        try
        {
            if (Balancer is not null) await Balancer.DisposeAsync();
            foreach (var p in new[] { A, B, _worker })
                if (p is not null) await p.DisposeAsync();
            if (Seeder is not null) await Seeder.DisposeAsync();
            await _postgres.DisposeAsync();
        }
        finally
        {
            await _redis.DisposeAsync();
            Repo.DeleteFolder(_media);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TwoNodeCollection : ICollectionFixture<TwoNodeCluster>
{
    public const string Name = "two-nodes";
}
