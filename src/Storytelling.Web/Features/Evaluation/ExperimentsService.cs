using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Evaluation;

/// <summary>The saved experiment, or why not: field errors (a 400) or no such experiment in this project (a 404).</summary>
public sealed record ExperimentResult(ExperimentDto? Experiment, Dictionary<string, string[]>? Errors = null, bool NotFound = false)
{
    public static ExperimentResult Missing { get; } = new(null, NotFound: true);
}

/// <summary>
/// The experiments of one project (the one the caller's address named), for the API and the page alike: read, save
/// with their links to themes and stories, delete. Every experiment, theme, story and owner an operation names must
/// belong to that project.
/// </summary>
public sealed class ExperimentsService(StorytellingDbContext db, TimeProvider time)
{
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 4000;
    public const int MaxResultsLength = 8000;
    public const int MaxOwnerNameLength = 200;
    public const int MaxThemeLinks = 100;
    public const int MaxStoryLinks = 500;

    /// <summary>Experiments newest first; only stories with analysis consent are shown, by pseudonym.</summary>
    public Task<List<ExperimentDto>> ListAsync(Guid projectId, CancellationToken ct) => ReadAsync(projectId, null, ct);

    /// <summary>The experiment, or null when there is none with this id in this project.</summary>
    public async Task<ExperimentDto?> GetAsync(Guid projectId, Guid experimentId, CancellationToken ct) =>
        (await ReadAsync(projectId, experimentId, ct)).FirstOrDefault();

    private async Task<List<ExperimentDto>> ReadAsync(Guid projectId, Guid? onlyId, CancellationToken ct)
    {
        var query = db.Experiments.AsNoTracking().Where(e => e.ProjectId == projectId);
        if (onlyId is { } id) query = query.Where(e => e.Id == id);
        var experiments = await query.ToListAsync(ct);
        var ids = experiments.Select(e => e.Id).ToList();
        var themes = (await db.ExperimentThemes.AsNoTracking().Where(l => ids.Contains(l.ExperimentId))
                .Select(l => new { l.ExperimentId, l.Theme!.Id, l.Theme.Name, l.Theme.Colour, l.Theme.MergedIntoId }).ToListAsync(ct))
            .ToLookup(l => l.ExperimentId, l => new ExperimentThemeDto(l.Id, l.Name, l.Colour, l.MergedIntoId is not null));
        var stories = (await db.ExperimentStories.AsNoTracking().Where(l => ids.Contains(l.ExperimentId))
                .OfAnalysableStories()
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

    /// <summary>Deletes the experiment; false when there is none with this id in this project.</summary>
    public async Task<bool> DeleteAsync(Guid projectId, Guid experimentId, Guid? by, CancellationToken ct)
    {
        var experiment = await ExperimentOfProject(projectId, experimentId).FirstOrDefaultAsync(ct);
        if (experiment is null) return false;
        db.Experiments.Remove(experiment);
        db.Record(time, "experiment.deleted", by, projectId, "experiment", experimentId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Validates and writes an experiment (new when <paramref name="experimentId"/> is null). An experiment id of
    /// another project is not found. A repeated id in a link list counts once; ids from another project, merged themes
    /// and stories without analysis consent are refused by name of the field, so nothing outside the project can be
    /// reached through a link.
    /// </summary>
    public async Task<ExperimentResult> SaveAsync(Guid projectId, Guid? experimentId, ExperimentRequest request, Guid? by, CancellationToken ct)
    {
        if (experimentId is { } existingId && !await ExperimentOfProject(projectId, existingId).AnyAsync(ct)) return ExperimentResult.Missing;
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
        var themeIds = (request.ThemeIds ?? []).Distinct().ToList();
        var storyIds = (request.StoryIds ?? []).Distinct().ToList();
        await CheckReferencesAsync(projectId, experimentId, request.OwnerPersonId, themeIds, storyIds, errors, ct);
        if (errors.Count > 0) return new ExperimentResult(null, errors);

        var now = time.GetUtcNow();
        Experiment experiment;
        if (experimentId is { } id)
        {
            experiment = await ExperimentOfProject(projectId, id).Include(e => e.Themes).Include(e => e.Stories).SingleAsync(ct);
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
        return new ExperimentResult((await ReadAsync(projectId, experiment.Id, ct)).Single());
    }

    // ---- ownership: every id a request names is looked up within the project ----

    /// <summary>The experiment with this id, only if it is one of this project's.</summary>
    private IQueryable<Experiment> ExperimentOfProject(Guid projectId, Guid experimentId) =>
        db.Experiments.Where(e => e.Id == experimentId && e.ProjectId == projectId);

    /// <summary>
    /// The owner must be a team member of this project, every linked theme an active theme of its codebook (or one
    /// already linked that was merged since) and every linked story one of its stories with analysis consent; what
    /// is not is refused by field.
    /// </summary>
    private async Task CheckReferencesAsync(Guid projectId, Guid? experimentId, Guid? ownerPersonId, List<Guid> themeIds, List<Guid> storyIds,
        Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (ownerPersonId is { } ownerId &&
            !(await db.Memberships.Where(m => m.ProjectId == projectId && m.PersonId == ownerId).Select(m => m.Role).ToListAsync(ct)).Any(RoleClasses.IsStaff))
            errors["ownerPersonId"] = ["The owner must be a member of this project's team (not a resident: tellers are never named here)."];

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
                .Where(s => storyIds.Contains(s.Id) && s.ProjectId == projectId).Analysable()
                .CountAsync(ct);
            if (found != storyIds.Count) errors["storyIds"] = ["Every linked story must be a story of this project whose teller agreed to the analysis."];
        }
    }

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
