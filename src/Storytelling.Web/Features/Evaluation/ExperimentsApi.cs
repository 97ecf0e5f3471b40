using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Evaluation;

/// <summary>Create or replace an experiment. Links are the complete set: ids left out are unlinked.</summary>
public sealed record ExperimentRequest(string? Title, string? Description, Guid? OwnerPersonId, string? OwnerName,
    ExperimentStatus? Status, DateOnly? StartsOn, DateOnly? EndsOn, string? Results,
    IReadOnlyList<Guid>? ThemeIds, IReadOnlyList<Guid>? StoryIds);

public sealed record ExperimentThemeDto(Guid Id, string Name, string Colour, bool Merged);

/// <summary>A linked story, shown by its teller's pseudonym only.</summary>
public sealed record ExperimentStoryDto(Guid Id, string TellerPseudonym);

public sealed record ExperimentDto(Guid Id, string Title, string? Description, Guid? OwnerPersonId, string? OwnerName,
    ExperimentStatus Status, DateOnly? StartsOn, DateOnly? EndsOn, string? Results,
    IReadOnlyList<ExperimentThemeDto> Themes, IReadOnlyList<ExperimentStoryDto> Stories,
    string? CreatedByName, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public static class ExperimentsApi
{
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 4000;
    public const int MaxResultsLength = 8000;
    public const int MaxOwnerNameLength = 200;
    public const int MaxThemeLinks = 100;
    public const int MaxStoryLinks = 500;

    public static RouteGroupBuilder MapExperimentsApi(this IEndpointRouteBuilder app)
    {
        // Everyone who analyses reads the experiments their stories led to; facilitators and policy officers write them.
        var group = app.MapGroup("/api/projects/{projectId:guid}/experiments").RequireAuthorization(Policies.Analyse).WithTags("Evaluation");
        group.MapGet("/", List);
        group.MapGet("/{experimentId:guid}", Get);
        group.MapPost("/", Create).RequireAuthorization(Policies.ManageExperiments);
        group.MapPut("/{experimentId:guid}", Update).RequireAuthorization(Policies.ManageExperiments);
        group.MapDelete("/{experimentId:guid}", Delete).RequireAuthorization(Policies.ManageExperiments);
        return group;
    }

    private static async Task<Ok<List<ExperimentDto>>> List(Guid projectId, StorytellingDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ListAsync(db, projectId, null, ct));

    private static async Task<Results<Ok<ExperimentDto>, NotFound>> Get(Guid projectId, Guid experimentId, StorytellingDbContext db, CancellationToken ct) =>
        (await ListAsync(db, projectId, experimentId, ct)).FirstOrDefault() is { } dto ? TypedResults.Ok(dto) : TypedResults.NotFound();

    /// <summary>Experiments newest first; only stories with analysis consent are shown, by pseudonym.</summary>
    public static async Task<List<ExperimentDto>> ListAsync(StorytellingDbContext db, Guid projectId, Guid? onlyId, CancellationToken ct)
    {
        var query = db.Experiments.AsNoTracking().Where(e => e.ProjectId == projectId);
        if (onlyId is { } id) query = query.Where(e => e.Id == id);
        var experiments = await query.ToListAsync(ct);
        var ids = experiments.Select(e => e.Id).ToList();
        var themes = (await db.ExperimentThemes.AsNoTracking().Where(l => ids.Contains(l.ExperimentId))
                .Select(l => new { l.ExperimentId, l.Theme!.Id, l.Theme.Name, l.Theme.Colour, l.Theme.MergedIntoId }).ToListAsync(ct))
            .ToLookup(l => l.ExperimentId, l => new ExperimentThemeDto(l.Id, l.Name, l.Colour, l.MergedIntoId is not null));
        var stories = (await db.ExperimentStories.AsNoTracking().Where(l => ids.Contains(l.ExperimentId))
                .Where(l => (l.Story!.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis)
                .Select(l => new { l.ExperimentId, l.Story!.Id, l.Story.TellerPseudonym }).ToListAsync(ct))
            .ToLookup(l => l.ExperimentId, l => new ExperimentStoryDto(l.Id, l.TellerPseudonym));
        var personIds = experiments.SelectMany(e => new[] { e.CreatedByPersonId, e.OwnerPersonId }).OfType<Guid>().Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => personIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
        return experiments.OrderByDescending(e => e.CreatedAt).ThenBy(e => e.Id).Select(e => new ExperimentDto(
            e.Id, e.Title, e.Description, e.OwnerPersonId,
            // A member owner is shown by their current display name; otherwise the organisation's name as typed.
            e.OwnerPersonId is { } owner ? names.GetValueOrDefault(owner) ?? e.OwnerName : e.OwnerName,
            e.Status, e.StartsOn, e.EndsOn, e.Results,
            themes[e.Id].OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase).ToList(),
            stories[e.Id].OrderBy(s => s.TellerPseudonym, StringComparer.CurrentCultureIgnoreCase).ToList(),
            e.CreatedByPersonId is { } by ? names.GetValueOrDefault(by) : null, e.CreatedAt, e.UpdatedAt)).ToList();
    }

    private static async Task<Results<Created<ExperimentDto>, ValidationProblem>> Create(
        Guid projectId, ExperimentRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time, CancellationToken ct)
    {
        var (experiment, errors) = await SaveAsync(db, time, projectId, null, request, http.User.PersonId(), ct);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        var dto = (await ListAsync(db, projectId, experiment!.Id, ct)).Single();
        return TypedResults.Created($"/api/projects/{projectId}/experiments/{experiment.Id}", dto);
    }

    private static async Task<Results<Ok<ExperimentDto>, ValidationProblem, NotFound>> Update(
        Guid projectId, Guid experimentId, ExperimentRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (!await db.Experiments.AnyAsync(e => e.Id == experimentId && e.ProjectId == projectId, ct)) return TypedResults.NotFound();
        var (experiment, errors) = await SaveAsync(db, time, projectId, experimentId, request, http.User.PersonId(), ct);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok((await ListAsync(db, projectId, experiment!.Id, ct)).Single());
    }

    private static async Task<Results<NoContent, NotFound>> Delete(
        Guid projectId, Guid experimentId, HttpContext http, StorytellingDbContext db, TimeProvider time, CancellationToken ct) =>
        await DeleteAsync(db, time, projectId, experimentId, http.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<bool> DeleteAsync(StorytellingDbContext db, TimeProvider time, Guid projectId, Guid experimentId, Guid? by, CancellationToken ct)
    {
        var experiment = await db.Experiments.FirstOrDefaultAsync(e => e.Id == experimentId && e.ProjectId == projectId, ct);
        if (experiment is null) return false;
        db.Experiments.Remove(experiment);
        db.Record(time, "experiment.deleted", by, projectId, "experiment", experimentId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Validates and writes an experiment (new when <paramref name="experimentId"/> is null). Shared by the API and the page.
    /// A repeated id in a link list counts once; ids from another project, merged themes and stories without analysis
    /// consent are refused by name of the field, so nothing outside the project can be reached through a link.
    /// </summary>
    public static async Task<(Experiment? Experiment, Dictionary<string, string[]>? Errors)> SaveAsync(StorytellingDbContext db, TimeProvider time,
        Guid projectId, Guid? experimentId, ExperimentRequest request, Guid? by, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var title = request.Title?.Trim();
        if (string.IsNullOrEmpty(title) || title.Length > MaxTitleLength) errors["title"] = [$"An experiment needs a title of 1 to {MaxTitleLength} characters."];
        var description = Clean(request.Description);
        if (description is { Length: > MaxDescriptionLength }) errors["description"] = [$"A description can be at most {MaxDescriptionLength} characters."];
        var results = Clean(request.Results);
        if (results is { Length: > MaxResultsLength }) errors["results"] = [$"Results can be at most {MaxResultsLength} characters."];
        var ownerName = Clean(request.OwnerName);
        if (ownerName is { Length: > MaxOwnerNameLength }) errors["ownerName"] = [$"An owner's name can be at most {MaxOwnerNameLength} characters."];
        if (request.Status is { } status && !Enum.IsDefined(status)) errors["status"] = ["Status must be Voorstel, Lopend, Afgerond or Gestopt."];
        if (request.StartsOn is { } start && request.EndsOn is { } end && end < start) errors["endsOn"] = ["The end date cannot be before the start date."];
        if (request.OwnerPersonId is { } ownerId &&
            !(await db.Memberships.Where(m => m.ProjectId == projectId && m.PersonId == ownerId).Select(m => m.Role).ToListAsync(ct)).Any(RoleClasses.IsStaff))
            errors["ownerPersonId"] = ["The owner must be a member of this project's team (not a resident: tellers are never named here)."];

        var themeIds = (request.ThemeIds ?? []).Distinct().ToList();
        var storyIds = (request.StoryIds ?? []).Distinct().ToList();
        if (themeIds.Count > MaxThemeLinks) errors["themeIds"] = [$"Link at most {MaxThemeLinks} themes."];
        else if (themeIds.Count > 0)
        {
            // A theme merged away after it was linked may stay linked; a new link must point at an active theme.
            var linked = experimentId is { } existing
                ? await db.ExperimentThemes.Where(l => l.ExperimentId == existing).Select(l => l.ThemeId).ToListAsync(ct)
                : [];
            var found = await db.Themes.AsNoTracking()
                .Where(t => themeIds.Contains(t.Id) && t.ProjectId == projectId && (t.MergedIntoId == null || linked.Contains(t.Id)))
                .CountAsync(ct);
            if (found != themeIds.Count) errors["themeIds"] = ["Every linked theme must be an active theme of this project's codebook."];
        }
        if (storyIds.Count > MaxStoryLinks) errors["storyIds"] = [$"Link at most {MaxStoryLinks} stories."];
        else if (storyIds.Count > 0)
        {
            var found = await db.Stories.AsNoTracking()
                .Where(s => storyIds.Contains(s.Id) && s.ProjectId == projectId && (s.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis)
                .CountAsync(ct);
            if (found != storyIds.Count) errors["storyIds"] = ["Every linked story must be a story of this project whose teller agreed to the analysis."];
        }
        if (errors.Count > 0) return (null, errors);

        var now = time.GetUtcNow();
        Experiment experiment;
        if (experimentId is { } id)
        {
            experiment = await db.Experiments.Include(e => e.Themes).Include(e => e.Stories)
                .SingleAsync(e => e.Id == id && e.ProjectId == projectId, ct);
        }
        else
        {
            experiment = new Experiment { ProjectId = projectId, Title = title!, CreatedByPersonId = by, CreatedAt = now };
            db.Experiments.Add(experiment);
        }
        experiment.Title = title!;
        experiment.Description = description;
        experiment.OwnerPersonId = request.OwnerPersonId;
        experiment.OwnerName = request.OwnerPersonId is null ? ownerName : null;
        experiment.Status = request.Status ?? experiment.Status;
        experiment.StartsOn = request.StartsOn;
        experiment.EndsOn = request.EndsOn;
        experiment.Results = results;
        experiment.UpdatedAt = now;
        experiment.Themes.RemoveAll(l => !themeIds.Contains(l.ThemeId));
        foreach (var themeId in themeIds.Where(t => experiment.Themes.All(l => l.ThemeId != t)))
            experiment.Themes.Add(new ExperimentTheme { ExperimentId = experiment.Id, ThemeId = themeId });
        experiment.Stories.RemoveAll(l => !storyIds.Contains(l.StoryId));
        foreach (var storyId in storyIds.Where(s => experiment.Stories.All(l => l.StoryId != s)))
            experiment.Stories.Add(new ExperimentStory { ExperimentId = experiment.Id, StoryId = storyId });
        db.Record(time, experimentId is null ? "experiment.created" : "experiment.updated", by, projectId, "experiment", experiment.Id);
        await db.SaveChangesAsync(ct);
        return (experiment, null);
    }

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
