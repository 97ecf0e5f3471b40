using System.Reflection;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Security;

namespace Storytelling.Tests.Security.Matrix;

/// <summary>The doors of a running app, read once for the structural checks.</summary>
public sealed class DoorList : IAsyncLifetime
{
    private readonly TestApp _app = new();

    public IReadOnlyList<Door> Doors { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        Doors = await Matrix.Doors.DiscoverAsync(_app.Services);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Ids come from the address only, by construction: the shapes that let a form field or a body name another
/// project than the one the policy checked cannot be written without one of these tests failing.</summary>
public sealed class DoorStructureTests(DoorList list) : IClassFixture<DoorList>
{
    private IEnumerable<Door> Pages => list.Doors.Where(d => d.Kind == DoorKind.Page);

    [Fact]
    public void Every_page_under_a_project_address_derives_from_ProjectPageModel()
    {
        var pages = Pages.Where(d => d.HasProject).Select(d => (d.Route, d.PageModel)).Distinct().ToList();
        Assert.NotEmpty(pages);
        var offenders = pages.Where(p => p.PageModel is null || !typeof(ProjectPageModel).IsAssignableFrom(p.PageModel))
            .Select(p => $"/{p.Route}: {p.PageModel?.FullName ?? "no page model"} does not derive from ProjectPageModel").ToList();
        Assert.True(offenders.Count == 0, string.Join('\n', offenders));
    }

    [Fact]
    public void No_page_binds_a_form_or_query_value_under_the_name_of_one_of_its_route_values()
    {
        var offenders = new List<string>();
        foreach (var door in Pages)
        {
            var names = door.Fields.Select(f => f.Name).ToList();
            // A bound property is caught by its C# name too: [BindProperty(Name = "x")] public Guid ProjectId is as wrong.
            if (door.PageModel is not null)
            {
                names.AddRange(door.PageModel.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.GetCustomAttribute<Microsoft.AspNetCore.Mvc.BindPropertyAttribute>() is not null
                                || door.PageModel.GetCustomAttribute<Microsoft.AspNetCore.Mvc.BindPropertiesAttribute>() is not null)
                    .Select(p => p.Name));
            }
            foreach (var clash in names.Where(n => door.RouteParameters.Contains(n, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase))
                offenders.Add($"{door.Key}: binds \"{clash}\", which its address already names");
        }
        Assert.True(offenders.Count == 0, string.Join('\n', offenders));
    }

    [Fact]
    public void No_endpoint_takes_a_project_id_from_its_body_or_query()
    {
        var apis = list.Doors.Where(d => d.Kind == DoorKind.Api).ToList();
        Assert.True(apis.Count(d => d.JsonBody is not null) > 10, "the endpoints' body types should be readable from their metadata");
        var offenders = new List<string>();
        foreach (var door in apis)
        {
            if (door.JsonBody is { } body && HasProjectId(body, 0))
                offenders.Add($"{door.Key}: its body {body.Name} carries a ProjectId");
            if (door.Fields.Any(f => f.Name.Equals("projectId", StringComparison.OrdinalIgnoreCase)))
                offenders.Add($"{door.Key}: reads a projectId from the query or form");
        }
        Assert.True(offenders.Count == 0, string.Join('\n', offenders));
    }

    private static bool HasProjectId(Type type, int depth)
    {
        if (depth > 3 || Doors.IsSimple(type)) return false;
        var element = Doors.ElementType(type);
        if (element is not null) return HasProjectId(element, depth + 1);
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p =>
            p.Name.Equals("ProjectId", StringComparison.OrdinalIgnoreCase)
            || HasProjectId(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType, depth + 1));
    }
}
