using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Workshops;
using Storytelling.Web.Features.Workshops;

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

    private async Task<HubConnection> ConnectAsync(string cookie)
    {
        var app = World.App;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "/hubs/workshop"), o =>
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

    private static IEnumerable<string> BIds(ProjectData b) =>
        [b.Project.ToString(), b.Story.ToString(), b.SecondStory.ToString(), b.Theme.ToString(), b.SecondTheme.ToString(), b.Coding.ToString(), b.Session.ToString(), b.Report.ToString()];
}
