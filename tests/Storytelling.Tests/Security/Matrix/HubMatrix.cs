using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Workshops;
using Storytelling.Web.Features.Stories;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Security;

namespace Storytelling.Tests.Security.Matrix;

/// <summary>The hub's part of the matrix: every public method of <see cref="WorkshopHub"/>, called with project B's
/// ids from the connection of a begeleider of A (in A's session and watching its board) and of a guest of A's session.</summary>
public sealed partial class GeneratedMatrixTests
{
    public static TheoryData<string> HubMethods()
    {
        var data = new TheoryData<string>();
        foreach (var method in HubMethodInfos()) data.Add(method.Name);
        return data;
    }

    /// <summary>The methods a client can invoke: SignalR's lifecycle overrides (connect, disconnect) are called by the
    /// server only, so they are no door.</summary>
    private static IEnumerable<MethodInfo> HubMethodInfos() =>
        typeof(WorkshopHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.GetBaseDefinition().DeclaringType == typeof(WorkshopHub));

    [Fact]
    public void The_hub_matrix_covers_the_hubs_methods() =>
        Assert.True(HubMethodInfos().Count() >= 9, "reflection should find the hub's methods");

    [Theory]
    [MemberData(nameof(HubMethods))]
    public async Task No_hub_method_reaches_another_project(string name)
    {
        var method = HubMethodInfos().Single(m => m.Name == name);
        var w = World;
        var (code, guestToken) = await OpenFreshSessionOfAAsync();
        var failures = new List<string>();
        var member = $"{w.Cookies["begeleider"].GetCookieHeader(new Uri("http://localhost"))}";
        foreach (var (who, cookie) in new[] { ("begeleider of A", member), ("guest of A", $"{WorkshopService.GuestCookie}={guestToken}") })
        {
            await using var connection = await ConnectAsync(cookie);
            await connection.InvokeAsync<JsonElement>(nameof(WorkshopHub.JoinSession), code);
            if (who.StartsWith("begeleider", StringComparison.Ordinal))
                await connection.InvokeAsync<JsonElement>(nameof(WorkshopHub.WatchBoard), w.A.Project, _session);

            var args = method.GetParameters().Select(p => Argument(p, w.B)).ToArray();
            var call = $"[{who}] {name}({string.Join(", ", args.Select(a => a?.ToString() ?? "null"))})";
            var (answer, refusal) = await InvokeAsync(connection, method, args);
            output.WriteLine($"{call} -> {(refusal is null ? "answered " + answer : "refused: " + refusal)}");
            var takesIds = method.GetParameters().Any(p => (Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType) == typeof(Guid) || p.Name == "code");
            if (takesIds && refusal is null)
            {
                // Refused means: B's id is treated like an id that exists nowhere (an answer may not tell them apart).
                var unknown = method.GetParameters().Select(p => Argument(p, null)).ToArray();
                var (unknownAnswer, unknownRefusal) = await InvokeAsync(connection, method, unknown);
                if (unknownRefusal is not null || unknownAnswer != answer)
                    failures.Add($"{call} was answered ({answer}) where an unknown id gets {unknownRefusal ?? unknownAnswer}: project B's id is not refused");
            }
            var leaked = answer is null ? null : w.LeakedSecret(answer) ?? BIds(w.B).FirstOrDefault(id => answer.Contains(id, StringComparison.OrdinalIgnoreCase));
            if (leaked is not null) failures.Add($"{call} answered with project B's \"{leaked}\"");
            var changed = await w.ChangesToBAsync();
            if (changed.Length > 0) failures.Add($"{call} changed project B:{changed}");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private Guid _session;

    private static async Task<(string? Answer, string? Refusal)> InvokeAsync(HubConnection connection, MethodInfo method, object?[] args)
    {
        try
        {
            var result = method.ReturnType == typeof(Task)
                ? await connection.InvokeCoreAsync<object?>(method.Name, args)
                : await connection.InvokeCoreAsync<JsonElement>(method.Name, args);
            return (result is null ? "" : JsonSerializer.Serialize(result), null);
        }
        catch (HubException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>A's seeded session may have been closed by the matrix: each hub row gets an open one, with the begeleider
    /// of A as a member participant and a guest with a cookie token (written directly, as the join limiter counts per address).</summary>
    private async Task<(string Code, string GuestToken)> OpenFreshSessionOfAAsync()
    {
        var w = World;
        var code = WorkshopCodes.New();
        var token = InvitationTokens.New();
        await w.App.WithDbAsync(async db =>
        {
            var now = w.App.Time.GetUtcNow();
            var session = new WorkshopSession { ProjectId = w.A.Project, Title = "Hub-matrix", Code = code, OpenedByPersonId = w.People["begeleider"], OpenedAt = now };
            db.WorkshopSessions.Add(session);
            db.WorkshopParticipants.Add(new WorkshopParticipant { SessionId = session.Id, DisplayName = "Begeleider", PersonId = w.People["begeleider"], Role = ProjectRole.Begeleider, JoinedAt = now });
            db.WorkshopParticipants.Add(new WorkshopParticipant { SessionId = session.Id, DisplayName = "Gast", TokenHash = InvitationTokens.Hash(token), JoinedAt = now });
            await db.SaveChangesAsync();
            _session = session.Id;
        });
        return (code, token);
    }

    private async Task<HubConnection> ConnectAsync(string cookie, string path = "/hubs/workshop")
    {
        var app = World.App;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, path), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                o.Headers["Cookie"] = cookie;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>An argument with project B's ids, or (without a project) ids and codes that exist nowhere.</summary>
    private static object? Argument(ParameterInfo p, ProjectData? b)
    {
        var type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
        if (type == typeof(Guid)) return b?.IdFor(p.Name!) ?? Guid.NewGuid();
        if (type == typeof(string)) return p.Name == "code" ? b?.WorkshopCode ?? WorkshopCodes.New() : "Matrix-thema";
        if (type == typeof(int)) return 0;
        if (type == typeof(ThemeKind)) return ThemeKind.Knelpunt;
        if (type.IsEnum) return Enum.GetValues(type).GetValue(0);
        throw new InvalidOperationException($"The hub matrix does not know how to fill {p.Name} ({type.Name}): teach {nameof(Argument)}.");
    }

    /// <summary>Every hub the app maps, with the rule each of its methods keeps. A new hub, or a new method on the
    /// project hub, fails <see cref="Every_hub_and_hub_method_is_in_the_matrix"/> until it is declared here.</summary>
    private static readonly Dictionary<Type, Dictionary<string, string>?> Hubs = new()
    {
        [typeof(WorkshopHub)] = null, // its methods: No_hub_method_reaches_another_project
        [typeof(ProjectHub)] = new() { [nameof(ProjectHub.Watch)] = Policies.Analyse },
    };

    private static IEnumerable<MethodInfo> MethodsOf(Type hub) =>
        hub.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.GetBaseDefinition().DeclaringType == hub);

    [Fact]
    public void Every_hub_and_hub_method_is_in_the_matrix()
    {
        var mapped = typeof(WorkshopHub).Assembly.GetTypes().Where(t => typeof(Hub).IsAssignableFrom(t) && !t.IsAbstract).OrderBy(t => t.Name);
        Assert.Equal(Hubs.Keys.OrderBy(t => t.Name), mapped);
        foreach (var (hub, rules) in Hubs.Where(h => h.Value is not null))
            Assert.Equal(rules!.Keys.Order(), MethodsOf(hub).Select(m => m.Name).Order());
    }

    public static TheoryData<string> HubCallers() => new(MatrixWorld.Callers);

    /// <summary>The project hub's methods take a project id: each caller is admitted to A and to B exactly as the rule
    /// of the rights table says for their role there, and a project that does not exist gets the refusal B gets.</summary>
    [Theory]
    [MemberData(nameof(HubCallers))]
    public async Task The_project_hub_admits_whom_the_rights_table_admits(string caller)
    {
        var w = World;
        var cookie = w.Cookies[caller].GetCookieHeader(new Uri("http://localhost"));
        if (caller == "anonymous")
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => ConnectAsync(cookie, "/hubs/project"));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            return;
        }
        await using var connection = await ConnectAsync(cookie, "/hubs/project");
        var failures = new List<string>();
        foreach (var (name, rule) in Hubs[typeof(ProjectHub)]!)
        {
            ProjectRole[] rolesInA = MatrixWorld.RolesOfA.Contains(caller) ? [Enum.Parse<ProjectRole>(caller, ignoreCase: true)] : [];
            ProjectRole[] rolesInB = caller == "outsider" ? [ProjectRole.Begeleider] : [];
            foreach (var (project, roles) in new[] { (w.A.Project, rolesInA), (w.B.Project, rolesInB), (Guid.NewGuid(), Array.Empty<ProjectRole>()) })
            {
                var expected = Policies.Allows(rule, roles);
                string? refusal = null;
                try
                {
                    await connection.InvokeAsync(name, project);
                }
                catch (HubException e)
                {
                    refusal = e.Message;
                }
                output.WriteLine($"[{caller}] {name}({project}) -> {refusal ?? "admitted"}");
                if (expected != (refusal is null)) failures.Add($"[{caller}] {name}({project}): expected {(expected ? "admitted" : "refused")}, got {refusal ?? "admitted"}");
                if (refusal is not null && !refusal.EndsWith(ProjectHub.NotAllowed, StringComparison.Ordinal)) failures.Add($"[{caller}] {name}: refusal '{refusal}' tells projects apart");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static IEnumerable<string> BIds(ProjectData b) =>
        [b.Project.ToString(), b.Story.ToString(), b.SecondStory.ToString(), b.Theme.ToString(), b.SecondTheme.ToString(), b.Coding.ToString(), b.Session.ToString(), b.Report.ToString()];
}
