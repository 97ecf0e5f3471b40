using Storytelling.Core.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Workshops;

public sealed record TussenruimteThemeDto(Guid Id, string Name, string Colour, int ResidentCodings, int ProfessionalCodings,
    int ResidentStories, int ProfessionalStories);
/// <summary>
/// A story × theme only one group applied: <see cref="Text"/> is that group's most-coded passage (overlapping codings
/// merged), <see cref="OtherPassages"/> how many more passages of the story it coded with the theme.
/// </summary>
public sealed record DifferenceDto(Guid StoryId, string Teller, Guid ThemeId, string ThemeName, string Text, int Residents, int Professionals,
    int OtherPassages);
public sealed record TussenruimteDto(IReadOnlyList<TussenruimteThemeDto> Themes, KappaResult Agreement, string Formula,
    string Units, IReadOnlyList<DifferenceDto> Differences);

/// <summary>
/// The "tussenruimte": where residents (Bewoner) and professionals (Begeleider, Beleidsmedewerker, Interviewer) see
/// different things. Agreement is Cohen's kappa over (story × theme) decisions: a group "applied" a theme to a story
/// when any of its members coded it there. Only stories both groups coded count, because a story one group never
/// read says nothing about what that group would decide. "Where the groups differ" uses the same unit: the story × theme
/// decisions where only one group applied the theme.
/// </summary>
public static class TussenruimteApi
{
    public static void MapTussenruimteApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/projects/{projectId:guid}/tussenruimte", async (Guid projectId, TussenruimteService tussenruimte, CancellationToken ct) =>
                TypedResults.Ok(await tussenruimte.ComputeAsync(projectId, ct)))
            .RequireAuthorization(Policies.Analyse).WithTags("Workshops");
}
