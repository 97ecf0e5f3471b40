using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Storytelling.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Storytelling.Tests.Security.Matrix;

/// <summary>Which ids a call carries: the caller's own project A everywhere, project B's in the address, B's in the
/// form/body/query under A's address, or A's project in the address with B's other ids in the address and payload.</summary>
public enum Ids { Own, ForeignAddress, ForeignPayload, Mixed }

/// <summary>
/// The generated matrix: every door the app has (minimal-API endpoint, Razor page GET and POST handler), tried by
/// anonymous, each role of project A, a begeleider of project B and the installation administrator who is no member,
/// with A's ids, B's ids in the address, B's ids in the payload and mixed. The expectation comes from each door's
/// declared rule in the policy table; after every call project B must be unchanged and no answer to someone outside B
/// may hold B's texts.
/// </summary>
public sealed partial class GeneratedMatrixTests(MatrixFixture fixture, ITestOutputHelper output) : IClassFixture<MatrixFixture>
{
    private MatrixWorld World => fixture.World;

    public static TheoryData<string> DoorKeys()
    {
        var data = new TheoryData<string>();
        foreach (var door in MatrixFixture.Current?.Doors ?? []) data.Add(door.Key);
        return data;
    }

    [Fact]
    public void Every_door_declares_its_rule()
    {
        var doors = fixture.Doors;
        var undeclared = new List<string>();
        foreach (var door in doors)
        {
            if (door.Anonymous)
            {
                if (!Doors.Public.ContainsKey(door.Route)) undeclared.Add($"{door.Key}: allows anonymous callers but is not among the public doors");
            }
            else if (door.HasProject)
            {
                if (!door.Policies.Any(p => Web.Security.Policies.ProjectRoles.ContainsKey(p) || fixture.KnownPolicies.Contains(p)))
                    undeclared.Add($"{door.Key}: names a project but carries no rule of the policy table");
            }
            else if (door.Policies.Count == 0 && !Doors.SignedInOnly.ContainsKey(door.Route))
            {
                undeclared.Add(door.SignedIn
                    ? $"{door.Key}: any signed-in person may use it, but it is not among the signed-in doors"
                    : $"{door.Key}: declares no rule at all (neither a policy nor AllowAnonymous)");
            }
        }
        output.WriteLine($"{doors.Count(d => d.Kind == DoorKind.Api)} endpoints, {doors.Count(d => d.Kind == DoorKind.Page)} page handlers");
        Assert.True(doors.Count(d => d.Kind == DoorKind.Api) > 60, "the endpoint data source should list the app's endpoints");
        Assert.True(doors.Count(d => d.Kind == DoorKind.Page) > 40, "the page descriptors should list the page handlers");
        Assert.True(undeclared.Count == 0, string.Join('\n', undeclared));
    }

    [Fact]
    public async Task The_fingerprint_of_project_B_sees_a_change_three_steps_away_from_the_project()
    {
        // A coding hangs under a transcript under a story under the project: the oracle must reach it.
        async Task SetMemoAsync(string? memo) => await World.App.WithDbAsync(async db =>
        {
            var coding = await db.Codings.FindAsync(World.B.Coding) ?? throw new InvalidOperationException("B's coding is gone");
            coding.Memo = memo;
            await db.SaveChangesAsync();
        });
        Assert.Equal("", await World.ChangesToBAsync());
        await SetMemoAsync("gewijzigd door de test");
        Assert.Contains("gewijzigd door de test", await World.ChangesToBAsync(), StringComparison.Ordinal);
        await SetMemoAsync(null);
        Assert.NotEqual("", await World.ChangesToBAsync());
        Assert.Equal("", await World.ChangesToBAsync());
        Assert.NotNull(World.LeakedSecret("<li>WerkZqxvthema</li>"));
        Assert.Null(World.LeakedSecret("<li>WerkAkkerthema</li>"));
    }

    [Theory]
    [MemberData(nameof(DoorKeys), DisableDiscoveryEnumeration = true)]
    public async Task No_caller_outside_a_doors_rule_gets_in_and_no_door_reaches_another_project(string key)
    {
        var door = fixture.Doors.Single(d => d.Key == key);
        var failures = new List<string>();
        var calls = 0;
        foreach (var (caller, ids) in Cases(door))
        {
            var result = await TryAsync(door, caller, ids);
            calls++;
            if (result is not null) failures.Add(result);
        }
        output.WriteLine($"{door.Key}: {calls} calls, rule [{string.Join(", ", door.Policies)}]{(door.Anonymous ? " public" : "")}");
        Assert.True(failures.Count == 0, $"{door.Key}\n" + string.Join('\n', failures));
    }

    /// <summary>Who tries a door with which ids. Callers the rule refuses go first (while everything still exists),
    /// A's own ids last (a permitted call may delete what it names). A capability door (token, code, upload id in the
    /// address) is its own right: only A's capability is tried, with B's ids in the payload.</summary>
    private static IEnumerable<(string Caller, Ids Ids)> Cases(Door door)
    {
        var callers = MatrixWorld.Callers.OrderBy(c => Doors.Admits(door, c) == true).ToList();
        var capability = door.Anonymous || !door.HasProject;
        var otherRouteIds = door.RouteParameters.Any(p => p != "projectId");
        foreach (var caller in callers)
        {
            if (!capability && caller != "outsider") yield return (caller, Ids.ForeignAddress);
            yield return (caller, Ids.ForeignPayload);
            if (!capability && otherRouteIds) yield return (caller, Ids.Mixed);
        }
        foreach (var caller in callers) yield return (caller, Ids.Own);
    }

    /// <summary>One call; null when it behaved, else a line that names the exact request and what went wrong.</summary>
    private async Task<string?> TryAsync(Door door, string caller, Ids ids)
    {
        var w = World;
        var routeProject = ids == Ids.ForeignAddress ? w.B : w.A;
        var routeOthers = ids is Ids.ForeignAddress or Ids.Mixed ? w.B : w.A;
        var payload = ids == Ids.Own ? w.A : w.B;
        using var request = Build(door, routeProject, routeOthers, payload, w.AntiforgeryTokens[caller], capabilityStrings: door.Anonymous ? w.A : payload);
        var describe = $"[{caller}, {ids}] {request.Method} {request.RequestUri}";
        using var response = await w.KeepingCookiesAsync(caller, () => w.Clients[caller].SendAsync(request));
        var body = await response.Content.ReadAsStringAsync();
        var html = response.Content.Headers.ContentType?.MediaType == "text/html";

        var status = (int)response.StatusCode;
        var location = response.Headers.Location?.OriginalString ?? "";
        var refusedByRule = status is 401 or 403
            || (status is 301 or 302 or 303 && (location.Contains("/account/login", StringComparison.OrdinalIgnoreCase) || location.Contains("/account/denied", StringComparison.OrdinalIgnoreCase)));
        var success = response.IsSuccessStatusCode || (door.Kind == DoorKind.Page && status is 301 or 302 or 303 && !refusedByRule);

        output.WriteLine($"{describe} -> {status} {location}{(status is >= 400 and < 500 && !html ? " " + body[..Math.Min(body.Length, 160)] : "")}");
        var problems = new List<string>();
        var admitted = ids == Ids.ForeignAddress ? (door.Anonymous ? true : false) : Doors.Admits(door, caller);
        if (admitted == false && success) problems.Add($"got {status} though the rule [{string.Join(", ", door.Policies)}] refuses {caller}");
        if (admitted == true && ids == Ids.Own && refusedByRule && !Doors.NarrowerInside.ContainsKey(door.Name)) problems.Add($"was refused ({status} {location}) though the rule [{string.Join(", ", door.Policies)}] admits {caller}");
        if (admitted == true && ids == Ids.Own && door.Kind == DoorKind.Page && door.Method == "POST" && status == 400 && !html)
            problems.Add("400: the page refused the antiforgery token of a permitted caller");
        if (status >= 500) problems.Add($"server error {status}");
        if (caller != "outsider" && w.LeakedSecret(body) is { } secret) problems.Add($"answer ({status}) holds project B's text \"{secret}\"");
        var changed = await w.ChangesToBAsync();
        if (changed.Length > 0) problems.Add($"changed project B ({status}):{changed}");
        return problems.Count == 0 ? null : $"{describe} {string.Join("; ", problems)}";
    }

    private static HttpRequestMessage Build(Door door, ProjectData routeProject, ProjectData routeOthers, ProjectData payload, string antiforgery, ProjectData capabilityStrings)
    {
        var path = "/" + Doors.Normalise(door.Template);
        foreach (var name in door.RouteParameters)
        {
            var value = name == "projectId" ? routeProject.Project.ToString() : routeOthers.RouteValue(name);
            path = path.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
        }
        var query = new List<KeyValuePair<string, string>>();
        if (door.Handler is not null) query.Add(new("handler", door.Handler));
        // Every id the address names, again in the query, with the payload's project: a door must read the address.
        foreach (var name in door.RouteParameters.Where(p => IsId(p) && !door.Fields.Any(f => f.Name.Equals(p, StringComparison.OrdinalIgnoreCase))))
            query.Add(new(name, payload.RouteValue(name)));

        var form = new List<KeyValuePair<string, string>>();
        var files = new List<string>();
        foreach (var field in door.Fields)
        {
            var inQuery = door.Method == "GET" || (door.Kind == DoorKind.Api && field.SupportsGet);
            if (field.Type == typeof(IFormFile) || field.Type == typeof(IFormFileCollection)) { files.Add(field.Name); continue; }
            var element = Doors.ElementType(field.Type);
            if (element is not null && !Doors.IsSimple(element)) continue;
            var values = element is null ? [Value(field.Type, field.Name)] : new[] { Value(element, field.Name) };
            foreach (var v in values) (inQuery ? query : form).Add(new(field.Name, v));
        }

        var request = new HttpRequestMessage(new HttpMethod(door.Method), path + (query.Count == 0 ? "" : "?" + string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"))));
        if (door.Method == "GET") return request;

        if (door.Kind == DoorKind.Page)
        {
            form.Add(new("__RequestVerificationToken", antiforgery));
            foreach (var name in door.RouteParameters.Where(IsId)) form.Add(new(name, payload.RouteValue(name)));
        }
        if (door.Multipart || files.Count > 0)
        {
            var multipart = new MultipartFormDataContent();
            foreach (var (k, v) in form) multipart.Add(new StringContent(v), k);
            foreach (var name in files.DefaultIfEmpty(door.Kind == DoorKind.Api ? "file" : null).OfType<string>())
            {
                var file = new ByteArrayContent(Encoding.UTF8.GetBytes("WEBVTT\n\n00:00.000 --> 00:01.000\nMatrix\n"));
                file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
                multipart.Add(file, name, "matrix.vtt");
            }
            request.Content = multipart;
        }
        else if (door.Kind == DoorKind.Page)
        {
            request.Content = new FormUrlEncodedContent(form);
        }
        else if (door.JsonBody is not null)
        {
            request.Content = new StringContent(Doors.Json(door.JsonBody, "body", payload)?.ToJsonString() ?? "{}", Encoding.UTF8, "application/json");
        }
        else
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }
        return request;

        static bool IsId(string name) => name.EndsWith("Id", StringComparison.Ordinal) && name != "uploadId";

        string Value(Type type, string name) =>
            type == typeof(string) && name.Contains("code", StringComparison.OrdinalIgnoreCase) ? capabilityStrings.ReceiptCode : Doors.Text(type, name, payload);
    }
}

/// <summary>One app and one pair of seeded projects for the whole matrix.</summary>
public sealed class MatrixFixture : IAsyncLifetime
{
    public MatrixWorld World { get; } = new();
    public HashSet<string> KnownPolicies { get; } = [Web.Security.Policies.Administrator];

    /// <summary>The doors in the order they are tried: reading doors first, then doors that write, doors that remove
    /// or close last, and capability doors after those (a teller's cookie or a workshop join changes the caller).</summary>
    public IReadOnlyList<Door> Doors { get; private set; } = [];

    /// <summary>The fixture of the running matrix: its theory rows are read when the class runs, after the fixture exists.</summary>
    public static MatrixFixture? Current { get; private set; }

    private static int Rank(Door door)
    {
        var text = (door.Template + " " + door.Handler).ToLowerInvariant();
        if (door.Anonymous || !door.HasProject) return 4;
        if (door.Method == "GET") return 0;
        if (door.Method == "DELETE" || new[] { "withdraw", "close", "delete", "revoke", "merge", "split", "regenerate" }.Any(w => text.Contains(w, StringComparison.Ordinal))) return 2;
        if (text.Contains("phase", StringComparison.Ordinal)) return 3;
        return 1;
    }

    public async Task InitializeAsync()
    {
        await World.InitializeAsync();
        var doors = await Matrix.Doors.DiscoverAsync(World.App.Services);
        Doors = doors.OrderBy(Rank).ThenBy(d => d.Key, StringComparer.Ordinal).ToList();
        Current = this;
    }

    public async Task DisposeAsync() => await World.DisposeAsync();
}
