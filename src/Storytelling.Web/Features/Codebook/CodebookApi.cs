using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Codebook;

public sealed record ThemeDto(Guid Id, Guid? ParentId, string Name, string? Description, string Colour, ThemeKind Kind,
    DateTimeOffset CreatedAt, Guid? MergedIntoId);

public sealed record ProposeThemeRequest(string? Name, string? Description, string? Colour, ThemeKind? Kind, Guid? ParentId);

public static partial class CodebookApi
{
    public static RouteGroupBuilder MapCodebookApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/themes").RequireAuthorization(Policies.Analyse).WithTags("Codebook");
        group.MapGet("/", List);
        // Everyone who analyses may propose a theme; merging and renaming is the facilitator's (later issue).
        group.MapPost("/", Propose);
        return group;
    }

    private static async Task<Ok<List<ThemeDto>>> List(Guid projectId, StorytellingDbContext db, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId).ToListAsync(ct);
        return TypedResults.Ok(themes.OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase).Select(ToDto).ToList());
    }

    private static async Task<Results<Created<ThemeDto>, ValidationProblem>> Propose(
        Guid projectId, ProposeThemeRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200) errors["name"] = ["A theme needs a name of 1 to 200 characters."];
        if (request.Description is { Length: > 4000 }) errors["description"] = ["A description can be at most 4000 characters."];
        var colour = request.Colour?.Trim().ToUpperInvariant() ?? "#808080";
        if (!HexColour().IsMatch(colour)) errors["colour"] = ["Colour must look like #RRGGBB."];
        if (request.Kind is { } kind && !Enum.IsDefined(kind)) errors["kind"] = ["Kind must be Knelpunt, Wens, Kracht or Overig."];
        if (request.ParentId is { } parentId && !await db.Themes.AnyAsync(t => t.Id == parentId && t.ProjectId == projectId, ct))
            errors["parentId"] = ["The parent theme is not in this project's codebook."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var me = http.User.PersonId();
        var theme = new Theme
        {
            ProjectId = projectId,
            ParentId = request.ParentId,
            Name = name!,
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            Colour = colour,
            Kind = request.Kind ?? ThemeKind.Overig,
            CreatedByPersonId = me,
            CreatedAt = time.GetUtcNow(),
        };
        db.Themes.Add(theme);
        db.Record(time, "theme.proposed", me, projectId, "theme", theme.Id);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/projects/{projectId}/themes/{theme.Id}", ToDto(theme));
    }

    private static ThemeDto ToDto(Theme t) => new(t.Id, t.ParentId, t.Name, t.Description, t.Colour, t.Kind, t.CreatedAt, t.MergedIntoId);

    [GeneratedRegex("^#[0-9A-F]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex HexColour();
}
