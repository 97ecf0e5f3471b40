using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Tests.Security.Matrix;

public enum DoorKind { Api, Page }

/// <summary>A value the door reads from the query string or a form (not the address).</summary>
public sealed record DoorField(string Name, Type Type, bool SupportsGet);

/// <summary>One way in: an endpoint with its method, or one handler of a Razor page, with the rule it declares.</summary>
public sealed record Door(
    string Key, DoorKind Kind, string Method, string Template, string? Handler, IReadOnlyList<string> RouteParameters,
    IReadOnlyList<string> Policies, bool Anonymous, bool SignedIn, IReadOnlyList<DoorField> Fields, Type? JsonBody, bool Multipart,
    Type? PageModel)
{
    /// <summary>The template without constraints or leading slash: <c>api/projects/{projectId}/stories</c>.</summary>
    public string Route { get; } = Doors.Normalise(Template);

    public bool HasProject => RouteParameters.Contains("projectId");

    /// <summary>Method, address without constraints, and page handler: <c>POST /projects/{projectId}/codebook?handler=Propose</c>.</summary>
    public string Name => $"{Method} /{Route}{(Handler is null ? "" : "?handler=" + Handler)}";

    public override string ToString() => Key;
}

/// <summary>Reads every door of the running app: minimal-API endpoints from the endpoint data source, Razor page
/// handlers from the compiled page descriptors. SignalR hub endpoints are left to the hub matrix.</summary>
public static partial class Doors
{
    /// <summary>Doors anyone may open, each with the reason it needs no sign-in. Their right is a capability in the
    /// address (a token, a code, an upload id) or a cookie of their own, or there is nothing of a project behind them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Public = new Dictionary<string, string>
    {
        ["api/account/login"] = "signing in",
        ["account/login"] = "signing in",
        ["account/denied"] = "says why a door was shut",
        ["health/live"] = "liveness probe, no data",
        ["health/ready"] = "readiness probe, no data",
        ["openapi/{documentName}.json"] = "describes the API, no data",
        ["api/capture/{token}"] = "a teller's capture link: the token is the right",
        ["api/capture/{token}/uploads"] = "a teller's capture link: the token is the right",
        ["c/{token}"] = "a teller's capture link: the token is the right",
        ["api/uploads/{uploadId}"] = "resumable upload: the unguessable upload id is the right",
        ["api/uploads/{uploadId}/chunks"] = "resumable upload: the unguessable upload id is the right",
        ["api/uploads/{uploadId}/complete"] = "resumable upload: the unguessable upload id is the right",
        ["invite/{token}"] = "an invitation link: the token is the right (accepting needs an account)",
        ["api/workshops/{code}/join"] = "joining a workshop with its code, rate-limited",
        ["w"] = "entering a workshop code",
        ["w/{code}"] = "a workshop guest's room: the code and the guest cookie are the right",
        ["verhaal"] = "a teller enters their receipt code",
        ["verhaal/mijn"] = "a teller's own story: the receipt cookie is the right",
        ["verhaal/mijn/audio"] = "a teller's own audio: the receipt cookie is the right",
    };

    /// <summary>Doors for anyone signed in that concern no project, each with its reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> SignedInOnly = new Dictionary<string, string>
    {
        [""] = "the start page lists the caller's own projects",
        ["api/projects"] = "lists the caller's own projects (creating one needs the administrator policy)",
        ["api/account/me"] = "the caller's own account",
        ["api/account/logout"] = "signing out",
        ["api/account/antiforgery"] = "hands the caller their own antiforgery token for the one multipart API call",
        ["account/logout"] = "signing out",
        ["api/invitations/{token}/accept"] = "accepting an invitation: the token is the right",
    };

    /// <summary>Doors whose handler may refuse (401/403, or the denied page) a caller the declared rule admits, because it
    /// checks something the rule cannot see (the author of a coding, the role an invitation hands out), each with its
    /// reason. Every other such check answers differently (404, 400 or a message on the page); the matrix names
    /// any door that starts refusing admitted callers, so the narrower rule is either declared here or in the table.</summary>
    public static readonly IReadOnlyDictionary<string, string> NarrowerInside = new Dictionary<string, string>
    {
        // Its 401 answers the generated body's credentials (no such password), not a rule; it used to hide behind the
        // sign-in limit's 429 while showing the form counted as an attempt.
        ["POST /api/account/login"] = "signing in: 401 means wrong credentials",
    };

    public static string Normalise(string template) => RouteParameter().Replace(template.Trim('/'), m => "{" + m.Groups[1].Value + "}");

    [GeneratedRegex(@"\{\*{0,2}(\w+)(?::[^}]*)?\??\}")]
    private static partial Regex RouteParameter();

    public static async Task<IReadOnlyList<Door>> DiscoverAsync(IServiceProvider services)
    {
        var source = services.GetRequiredService<EndpointDataSource>();
        var loader = services.GetRequiredService<PageLoader>();
        var doors = new List<Door>();
        var pagesSeen = new HashSet<string>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<HubMetadata>() is not null) continue;
            var template = endpoint.RoutePattern.RawText ?? "";
            var parameters = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToList();
            if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is { } page)
            {
                // A page has one endpoint per route it answers to (Index answers "" and "Index"): the first is enough.
                if (!pagesSeen.Add(page.ViewEnginePath)) continue;
                var compiled = await loader.LoadAsync(page, endpoint.Metadata);
                doors.AddRange(PageDoors(endpoint, compiled, template, parameters));
                continue;
            }
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var (policies, anonymous, signedIn) = Rule(endpoint.Metadata);
            var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>();
            var multipart = accepts?.ContentTypes.Any(c => c.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) || c.Contains("form-urlencoded", StringComparison.OrdinalIgnoreCase)) ?? false;
            var fields = new List<DoorField>();
            if (endpoint.Metadata.GetMetadata<MethodInfo>() is { } handler)
            {
                foreach (var p in handler.GetParameters())
                {
                    if (p.Name is null || parameters.Contains(p.Name, StringComparer.OrdinalIgnoreCase)) continue;
                    if (p.GetCustomAttribute<FromServicesAttribute>() is not null || p.GetCustomAttribute<FromBodyAttribute>() is not null) continue;
                    var type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
                    if (type == typeof(IFormFile) || type == typeof(IFormFileCollection)) { multipart = true; fields.Add(new DoorField(p.Name, type, false)); continue; }
                    if (p.GetCustomAttribute<FromFormAttribute>() is not null) { multipart = true; fields.Add(new DoorField(p.Name, type, false)); continue; }
                    if (IsSimple(type) && type != accepts?.RequestType) fields.Add(new DoorField(p.Name, type, true));
                }
            }
            var body = multipart ? null : accepts?.RequestType;
            foreach (var method in methods)
            {
                doors.Add(new Door($"{method} {template}", DoorKind.Api, method, template, null, parameters, policies, anonymous, signedIn,
                    fields, body, multipart, null));
            }
        }
        return doors;
    }

    private static IEnumerable<Door> PageDoors(RouteEndpoint endpoint, CompiledPageActionDescriptor compiled, string template, List<string> parameters)
    {
        var metadata = endpoint.Metadata.Concat(compiled.EndpointMetadata ?? []).Concat(compiled.ModelTypeInfo?.GetCustomAttributes(true) ?? [])
            .Concat(compiled.HandlerTypeInfo?.GetCustomAttributes(true) ?? []).ToList();
        var (policies, anonymous, signedIn) = Rule(metadata);
        var model = compiled.ModelTypeInfo?.AsType();
        var supportsGetAll = model?.GetCustomAttribute<BindPropertiesAttribute>()?.SupportsGet ?? false;
        var properties = compiled.BoundProperties.Select(p =>
        {
            var property = (p as PageBoundPropertyDescriptor)?.Property;
            var supportsGet = supportsGetAll || (property?.GetCustomAttribute<BindPropertyAttribute>()?.SupportsGet ?? false);
            var type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            return new DoorField(p.BindingInfo?.BinderModelName ?? p.Name, type, supportsGet);
        }).ToList();
        var handlers = compiled.HandlerMethods.ToList();
        if (!handlers.Any(h => h.HttpMethod.Equals("GET", StringComparison.OrdinalIgnoreCase)))
            yield return PageDoor(null, "GET", properties.Where(f => f.SupportsGet).ToList());
        foreach (var handler in handlers)
        {
            var method = handler.HttpMethod.ToUpperInvariant();
            var fields = (method == "GET" ? properties.Where(f => f.SupportsGet) : properties).ToList();
            foreach (var p in handler.Parameters)
            {
                if (p.BindingInfo?.BindingSource == BindingSource.Services || p.ParameterType == typeof(CancellationToken)) continue;
                var type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
                fields.Add(new DoorField(p.BindingInfo?.BinderModelName ?? p.Name, type, method == "GET"));
            }
            yield return PageDoor(handler.Name, method, fields);
        }

        Door PageDoor(string? handler, string method, List<DoorField> fields) => new(
            $"{method} page /{Normalise(template)}{(handler is null ? "" : "?handler=" + handler)}", DoorKind.Page, method, template, handler, parameters,
            policies, anonymous, signedIn, fields, null, fields.Any(f => f.Type == typeof(IFormFile)), model);
    }

    private static (IReadOnlyList<string> Policies, bool Anonymous, bool SignedIn) Rule(IEnumerable<object> metadata)
    {
        var list = metadata.ToList();
        var authorize = list.OfType<IAuthorizeData>().ToList();
        return (authorize.Select(a => a.Policy).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList(),
            list.OfType<IAllowAnonymous>().Any(), authorize.Count > 0 || list.OfType<AuthorizationPolicy>().Any());
    }

    public static bool IsSimple(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Guid) || type == typeof(decimal) ||
        type == typeof(DateOnly) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan);

    /// <summary>The roles of project A a door's declared rule lets in, or null when a policy is not a role rule of the
    /// table (its expectation is then not derived, but the crossed-id checks still hold).</summary>
    public static bool? Admits(Door door, string caller)
    {
        if (door.Anonymous) return true;
        if (caller == "anonymous") return false;
        foreach (var policy in door.Policies)
        {
            if (policy == Policies.Administrator) { if (caller != "admin") return false; continue; }
            if (!Policies.ProjectRoles.TryGetValue(policy, out var roles)) return null;
            if (!Enum.TryParse<ProjectRole>(caller, ignoreCase: true, out var role) || !MatrixWorld.RolesOfA.Contains(caller) || !roles.Contains(role)) return false;
        }
        return true;
    }

    /// <summary>A plausible JSON value for a property or parameter of this type and name, with ids from <paramref name="ids"/>.</summary>
    public static JsonNode? Json(Type type, string name, ProjectData ids, int depth = 0)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsSimple(type))
        {
            var text = Text(type, name, ids);
            if (type == typeof(bool)) return JsonValue.Create(bool.Parse(text));
            if (type.IsPrimitive || type == typeof(decimal)) return JsonValue.Create(long.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
            return JsonValue.Create(text);
        }
        if (depth > 3) return null;
        var element = ElementType(type);
        if (element is not null) return new JsonArray(Json(element, name, ids, depth + 1));
        var node = new JsonObject();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            var key = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicyCamel(property.Name);
            node[key] = Json(property.PropertyType, property.Name, ids, depth + 1);
        }
        return node;
    }

    private static string JsonNamingPolicyCamel(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);

    public static Type? ElementType(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type)) return null;
        if (type.IsArray) return type.GetElementType();
        return type.IsGenericType ? type.GetGenericArguments()[0] : null;
    }

    /// <summary>A plausible text for a simple value: ids by name, the receipt code for a "code", sensible words otherwise.</summary>
    public static string Text(Type type, string name, ProjectData ids)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var n = name.ToLowerInvariant();
        if (type == typeof(Guid)) return ids.IdFor(name).ToString();
        if (type == typeof(bool)) return "true";
        if (type.IsEnum) return Enum.GetNames(type)[0];
        if (type == typeof(DateOnly)) return "2026-12-01";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "2026-12-01T10:00:00Z";
        if (type.IsPrimitive || type == typeof(decimal))
        {
            return n switch
            {
                "votesperparticipant" => "3",
                "position" or "offset" or "fix" or "startchar" => "0",
                "endchar" => "8",
                "days" => "30",
                _ => "1",
            };
        }
        return n switch
        {
            _ when n.Contains("code", StringComparison.Ordinal) => ids.ReceiptCode,
            "colour" or "color" => "#336699",
            _ when n.EndsWith("language", StringComparison.Ordinal) || n.EndsWith("languages", StringComparison.Ordinal) => "nl",
            "mediatype" => "audio/ogg",
            "sha256" => new string('a', 64),
            "email" => "matrix@example.org",
            "password" => "matrix-wachtwoord-lang",
            "days" => "30",
            "format" => "vtt",
            "to" or "phase" => "Analyse",
            "kind" => "Persoon",
            "role" => "Bewoner",
            _ => "Matrix " + name,
        };
    }
}
