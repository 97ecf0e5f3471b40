using System.Net;
using System.Net.Http.Json;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Security;

/// <summary>One project A with a person in each role, an outsider who facilitates project B, an administrator who
/// is no member of A, and an anonymous caller.</summary>
public sealed class AuthorizationWorld : IAsyncLifetime
{
    public TestApp App { get; } = new();
    public Guid ProjectA { get; private set; }
    public Guid ProjectB { get; private set; }
    public Dictionary<string, HttpClient> Clients { get; } = [];

    public async Task InitializeAsync()
    {
        await App.MigrateAsync();
        var people = new Dictionary<string, Guid>();
        foreach (var caller in AuthorizationMatrixTests.Callers.Where(c => c != "anonymous"))
        {
            people[caller] = (await App.CreatePersonAsync($"{caller}@example.org", administrator: caller == "admin")).Id;
        }
        ProjectA = (await App.CreateProjectAsync("A",
            (people["bewoner"], ProjectRole.Bewoner),
            (people["interviewer"], ProjectRole.Interviewer),
            (people["begeleider"], ProjectRole.Begeleider),
            (people["beleidsmedewerker"], ProjectRole.Beleidsmedewerker),
            (people["beheerder"], ProjectRole.Beheerder))).Id;
        ProjectB = (await App.CreateProjectAsync("B", (people["outsider"], ProjectRole.Begeleider))).Id;
        foreach (var (caller, _) in people) Clients[caller] = await App.SignedInClientAsync($"{caller}@example.org");
        Clients["anonymous"] = App.AnonymousClient();
    }

    public Task DisposeAsync()
    {
        foreach (var c in Clients.Values) c.Dispose();
        App.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class AuthorizationMatrixTests(AuthorizationWorld world) : IClassFixture<AuthorizationWorld>
{
    public static readonly string[] Callers =
        ["bewoner", "interviewer", "begeleider", "beleidsmedewerker", "beheerder", "outsider", "admin", "anonymous"];

    private static readonly string[] Everyone = ["bewoner", "interviewer", "begeleider", "beleidsmedewerker", "beheerder"];
    private static readonly string[] Managers = ["begeleider", "beheerder"];
    private static readonly string[] Analysts = ["bewoner", "begeleider", "beleidsmedewerker"];

    /// <summary>Endpoint → (method, path with {A}, body, the roles in project A that may use it).</summary>
    private static readonly Dictionary<string, (HttpMethod Method, string Path, object? Body, string[] Allowed)> Endpoints = new()
    {
        ["read project"] = (HttpMethod.Get, "/api/projects/{A}", null, Everyone),
        ["update project"] = (HttpMethod.Put, "/api/projects/{A}",
            new { name = "A", guidingQuestion = "Wat betekent werk voor jou?", allowedLanguages = new[] { "nl" } }, Managers),
        ["list members"] = (HttpMethod.Get, "/api/projects/{A}/members", null, Managers),
        ["create invitation"] = (HttpMethod.Post, "/api/projects/{A}/invitations", new { kind = "Membership", role = "Bewoner" }, Managers),
        ["list invitations"] = (HttpMethod.Get, "/api/projects/{A}/invitations", null, Managers),
        ["list stories"] = (HttpMethod.Get, "/api/projects/{A}/stories", null, Analysts),
        ["read codebook"] = (HttpMethod.Get, "/api/projects/{A}/themes", null, Analysts),
        ["propose theme"] = (HttpMethod.Post, "/api/projects/{A}/themes", new { name = "Schulden", kind = "Knelpunt" }, Analysts),
        ["read audit log"] = (HttpMethod.Get, "/api/projects/{A}/audit", null, ["beheerder"]),
        ["read published update"] = (HttpMethod.Get, "/api/projects/{A}/published-update", null, ["begeleider"]),
        ["publish update"] = (HttpMethod.Put, "/api/projects/{A}/published-update", new { text = "Dank jullie wel." }, ["begeleider"]),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints.Keys)
        foreach (var caller in Callers)
            data.Add(endpoint, caller);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_role_gets_exactly_what_it_should(string endpoint, string caller)
    {
        var (method, path, body, allowed) = Endpoints[endpoint];
        using var request = new HttpRequestMessage(method, path.Replace("{A}", world.ProjectA.ToString()));
        // Theme names are unique among siblings: each caller proposes a theme of its own.
        if (endpoint == "propose theme") body = new { name = "Schulden " + caller, kind = "Knelpunt" };
        if (body is not null) request.Content = JsonContent.Create(body);

        using var response = await world.Clients[caller].SendAsync(request);

        var expected = caller == "anonymous" ? HttpStatusCode.Unauthorized
            : allowed.Contains(caller) ? (HttpStatusCode?)null
            : HttpStatusCode.Forbidden;
        if (expected is null)
            Assert.True(response.IsSuccessStatusCode, $"{caller} should be allowed to {endpoint}, got {(int)response.StatusCode}");
        else
            Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_member_of_project_B_cannot_see_project_A_in_the_list_or_open_it()
    {
        var outsider = world.Clients["outsider"];
        var mine = await outsider.GetFromJsonAsync<List<ProjectRef>>("/api/projects");
        Assert.Equal([world.ProjectB], mine!.Select(p => p.Id));
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync($"/api/projects/{world.ProjectA}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await outsider.GetAsync($"/api/projects/{world.ProjectB}")).StatusCode);
    }

    [Fact]
    public async Task Project_pages_send_strangers_to_the_denied_page_and_anonymous_to_login()
    {
        var page = $"/projects/{world.ProjectA}";
        Assert.Equal(HttpStatusCode.OK, (await world.Clients["bewoner"].GetAsync(page)).StatusCode);
        var stranger = await world.Clients["outsider"].GetAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, stranger.StatusCode);
        Assert.StartsWith("/account/denied", stranger.Headers.Location!.PathAndQuery);
        var anonymous = await world.Clients["anonymous"].GetAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/account/login", anonymous.Headers.Location!.PathAndQuery);
    }

    [Theory]
    [InlineData("admin", HttpStatusCode.Created)]
    [InlineData("begeleider", HttpStatusCode.Forbidden)]
    [InlineData("beheerder", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    public async Task Only_an_administrator_creates_projects(string caller, HttpStatusCode expected)
    {
        var response = await world.Clients[caller].PostAsJsonAsync("/api/projects",
            new { name = "Nieuw", guidingQuestion = "Wat is er voor jou veranderd?", allowedLanguages = new[] { "nl", "ar" } });
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_facilitator_cannot_hand_out_the_beheerder_role_but_a_beheerder_can()
    {
        var path = $"/api/projects/{world.ProjectA}/invitations";
        var body = new { kind = "Membership", role = "Beheerder" };
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients["begeleider"].PostAsJsonAsync(path, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await world.Clients["beheerder"].PostAsJsonAsync(path, body)).StatusCode);
    }

    [Fact]
    public async Task Project_routes_with_an_unknown_or_malformed_id_are_refused_without_leaking_existence()
    {
        var client = world.Clients["begeleider"];
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/projects/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/projects/not-a-guid")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/projects/..%2F..%2Fetc")).StatusCode);
    }

    private sealed record ProjectRef(Guid Id, string Name);
}
