using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Web.Features.Codebook;

/// <summary>Either the theme or field errors for a 400, never both. Methods that act on an existing theme return null
/// instead when that theme is not in the project (a 404).</summary>
public sealed record ThemeResult(ThemeDto? Theme, Dictionary<string, string[]>? Errors)
{
    internal static ThemeResult Invalid(string field, string message) => new(null, new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>
/// The codebook of one project, for the API and the codebook page alike. Every theme and coding it reads or changes
/// is checked to belong to the project the caller took from the address: a theme of another project is not found
/// (as the theme acted on) or refused (as a parent or merge target), a coding of another theme is refused in a split.
/// </summary>
public sealed partial class CodebookService(StorytellingDbContext db, TimeProvider time, IEnumerable<IAnalysisEvents> listeners)
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 4000;
    public const int MaxSplitCodings = 10_000;

    /// <summary>The codebook in tree order (parents before their children, siblings by name), with usage counts.</summary>
    public async Task<List<ThemeDto>> ListAsync(Guid projectId, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId).ToListAsync(ct);
        var counts = await db.Codings.AsNoTracking().Where(c => c.Theme!.ProjectId == projectId)
            .Select(c => new { c.ThemeId, c.Transcript!.StoryId }).ToListAsync(ct);
        var byTheme = counts.ToLookup(c => c.ThemeId, c => c.StoryId);
        var children = themes.ToLookup(t => t.ParentId);
        var result = new List<ThemeDto>(themes.Count);
        // Returns the subtree's codings and stories, so a parent counts what is coded under it; a story coded with two
        // sub-themes counts once.
        (int Codings, HashSet<Guid> Stories) Walk(Guid? parent, int depth)
        {
            var (allCodings, allStories) = (0, new HashSet<Guid>());
            foreach (var t in children[parent].OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase))
            {
                var own = byTheme[t.Id].ToList();
                var at = result.Count;
                result.Add(ToDto(t) with { Depth = depth, CodingCount = own.Count, StoryCount = own.Distinct().Count() });
                var (subCodings, subStories) = Walk(t.Id, depth + 1);
                subStories.UnionWith(own);
                result[at] = result[at] with { SubtreeCodingCount = own.Count + subCodings, SubtreeStoryCount = subStories.Count };
                allCodings += own.Count + subCodings;
                allStories.UnionWith(subStories);
            }
            return (allCodings, allStories);
        }
        Walk(null, 0);
        return result;
    }

    public async Task<ThemeResult> ProposeAsync(Guid projectId, ProposeThemeRequest request, Guid? me, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var (name, colour) = CheckFields(request.Name, request.Description, request.Colour ?? "#808080", request.Kind, required: true, errors);
        if (request.ParentId is { } parentId && !await IsActiveThemeAsync(projectId, parentId, ct))
            errors["parentId"] = ["The parent theme is not an active theme in this project's codebook."];
        if (errors.Count == 0 && await ThemeNames.TakenAsync(db, projectId, request.ParentId, name!, null, ct) is { } taken)
            errors["name"] = [ThemeNames.TakenMessage(taken)];
        if (errors.Count > 0) return new ThemeResult(null, errors);

        var now = time.GetUtcNow();
        var theme = new Theme
        {
            ProjectId = projectId,
            ParentId = request.ParentId,
            Name = name!,
            Description = CleanDescription(request.Description),
            Colour = colour!,
            Kind = request.Kind ?? ThemeKind.Overig,
            CreatedByPersonId = me,
            CreatedAt = now,
        };
        db.Themes.Add(theme);
        db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Proposed, null, null, theme.Name, me, now));
        db.Record(time, "theme.proposed", me, projectId, "theme", theme.Id);
        await db.SaveChangesAsync(ct);
        await NotifyAsync(projectId, ct);
        return new ThemeResult(ToDto(theme), null);
    }

    public async Task<ThemeResult?> EditAsync(Guid projectId, Guid themeId, EditThemeRequest request, Guid? me, CancellationToken ct)
    {
        var theme = await FindThemeAsync(projectId, themeId, ct);
        if (theme is null) return null;
        if (theme.MergedIntoId is not null) return ThemeResult.Invalid("themeId", "This theme was merged into another and is kept as history only.");

        var errors = new Dictionary<string, string[]>();
        var (name, colour) = CheckFields(request.Name, request.Description, request.Colour, request.Kind, required: false, errors);
        if (request.ParentId is { } parentId)
        {
            var tree = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId)
                .Select(t => new { t.Id, t.ParentId, t.MergedIntoId }).ToDictionaryAsync(t => t.Id, ct);
            if (!tree.TryGetValue(parentId, out var parent) || parent.MergedIntoId is not null)
                errors["parentId"] = ["The new parent is not an active theme in this project's codebook."];
            else
            {
                // Walking up from the new parent must never reach the theme itself, or the tree would become a loop.
                for (Guid? at = parentId; at is { } id; at = tree.GetValueOrDefault(id)?.ParentId)
                {
                    if (id == themeId) { errors["parentId"] = ["A theme cannot be placed under itself or under one of its own sub-themes."]; break; }
                }
            }
        }
        var placedUnder = request.MoveToRoot ? null : request.ParentId ?? theme.ParentId;
        if (errors.Count == 0 && (name is not null || placedUnder != theme.ParentId)
            && await ThemeNames.TakenAsync(db, projectId, placedUnder, name ?? theme.Name, themeId, ct) is { } taken)
            errors[name is not null ? "name" : "parentId"] = [ThemeNames.TakenMessage(taken)];
        if (errors.Count > 0) return new ThemeResult(null, errors);

        var now = time.GetUtcNow();
        if (name is not null && name != theme.Name)
        {
            db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Renamed, null, theme.Name, name, me, now));
            theme.Name = name;
        }
        var description = request.Description is null ? theme.Description : CleanDescription(request.Description);
        var edits = new List<string>();
        if (description != theme.Description) { edits.Add("beschrijving"); }
        if (colour is not null && colour != theme.Colour) edits.Add($"kleur {theme.Colour} → {colour}");
        if (request.Kind is { } k && k != theme.Kind) edits.Add($"soort {theme.Kind} → {k}");
        if (edits.Count > 0)
        {
            db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Edited, null, null, string.Join("; ", edits), me, now));
            theme.Description = description;
            theme.Colour = colour ?? theme.Colour;
            theme.Kind = request.Kind ?? theme.Kind;
        }
        var newParent = request.MoveToRoot ? null : request.ParentId ?? theme.ParentId;
        if (newParent != theme.ParentId)
        {
            var names = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && (t.Id == theme.ParentId || t.Id == newParent))
                .ToDictionaryAsync(t => t.Id, t => t.Name, ct);
            db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Moved, newParent,
                theme.ParentId is { } from ? names.GetValueOrDefault(from) : "(bovenste niveau)",
                newParent is { } to ? names.GetValueOrDefault(to) : "(bovenste niveau)", me, now));
            theme.ParentId = newParent;
        }
        db.Record(time, "theme.edited", me, projectId, "theme", theme.Id);
        await db.SaveChangesAsync(ct);
        await NotifyAsync(projectId, ct);
        return new ThemeResult(ToDto(theme), null);
    }

    /// <summary>
    /// Moves every coding of the theme to the target, re-parents its sub-themes to the target, and keeps the theme as
    /// history pointing at the target. A coding the target already has on the same span is not doubled.
    /// </summary>
    public async Task<ThemeResult?> MergeAsync(Guid projectId, Guid themeId, MergeThemeRequest request, Guid? me, CancellationToken ct)
    {
        var theme = await FindThemeAsync(projectId, themeId, ct);
        if (theme is null) return null;
        if (theme.MergedIntoId is not null) return ThemeResult.Invalid("themeId", "This theme was already merged into another.");
        if (request.IntoThemeId == themeId) return ThemeResult.Invalid("intoThemeId", "A theme cannot be merged into itself.");
        var target = await FindThemeAsync(projectId, request.IntoThemeId, ct);
        if (target is null) return ThemeResult.Invalid("intoThemeId", "The target theme is not in this project's codebook.");
        if (target.MergedIntoId is not null) return ThemeResult.Invalid("intoThemeId", "The target theme was itself merged away; merge into the theme it went to.");

        // The target may sit below the theme being merged: lift it to the theme's own place first, so no loop forms.
        var tree = await db.Themes.Where(t => t.ProjectId == projectId).Select(t => new { t.Id, t.ParentId }).ToDictionaryAsync(t => t.Id, t => t.ParentId, ct);
        var lift = false;
        for (Guid? at = target.ParentId; at is { } id; at = tree.GetValueOrDefault(id))
        {
            if (id == themeId) { lift = true; break; }
        }
        if (await MergeClashAsync(projectId, theme, target, lift, ct) is { } clash) return ThemeResult.Invalid("intoThemeId", clash);
        if (lift) target.ParentId = theme.ParentId;

        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var codings = await db.Codings.Where(c => c.ThemeId == themeId).ToListAsync(ct);
        var existing = (await db.Codings.Where(c => c.ThemeId == target.Id).Select(c => new { c.TranscriptId, c.StartChar, c.EndChar }).ToListAsync(ct))
            .Select(c => (c.TranscriptId, c.StartChar, c.EndChar)).ToHashSet();
        foreach (var c in codings)
        {
            if (existing.Add((c.TranscriptId, c.StartChar, c.EndChar))) c.ThemeId = target.Id;
            else db.Codings.Remove(c);
        }
        await db.Themes.Where(t => t.ProjectId == projectId && t.ParentId == themeId && t.Id != target.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ParentId, target.Id), ct);
        await db.ThemeVotes.Where(v => v.ThemeId == themeId).ExecuteUpdateAsync(s => s.SetProperty(v => v.ThemeId, target.Id), ct);
        theme.MergedIntoId = target.Id;
        db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Merged, target.Id, theme.Name, target.Name, me, now));
        db.ThemeEvents.Add(NewEvent(target, ThemeEventKind.Merged, theme.Id, theme.Name, target.Name, me, now));
        db.Record(time, "theme.merged", me, projectId, "theme", theme.Id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await NotifyAsync(projectId, ct);
        return new ThemeResult(ToDto(theme), null);
    }

    /// <summary>Creates a new theme beside the original (same parent) and moves the chosen codings of the original to it.
    /// The result's theme carries the number of codings moved in <see cref="ThemeDto.CodingCount"/>.</summary>
    public async Task<ThemeResult?> SplitAsync(Guid projectId, Guid themeId, SplitThemeRequest request, Guid? me, CancellationToken ct)
    {
        var theme = await FindThemeAsync(projectId, themeId, ct);
        if (theme is null) return null;
        if (theme.MergedIntoId is not null) return ThemeResult.Invalid("themeId", "This theme was merged into another and is kept as history only.");

        var errors = new Dictionary<string, string[]>();
        var (name, colour) = CheckFields(request.Name, request.Description, request.Colour ?? theme.Colour, request.Kind, required: true, errors);
        var codingIds = (request.CodingIds ?? []).Distinct().ToList();
        if (codingIds.Count > MaxSplitCodings) errors["codingIds"] = [$"A split can move at most {MaxSplitCodings} codings at once."];
        List<Coding> codings = [];
        if (errors.Count == 0 && codingIds.Count > 0)
        {
            codings = await db.Codings.Where(c => c.ThemeId == themeId && c.Theme!.ProjectId == projectId && codingIds.Contains(c.Id)).ToListAsync(ct);
            if (codings.Count != codingIds.Count) errors["codingIds"] = ["Every coding to move must belong to the theme being split."];
        }
        if (errors.Count == 0 && await ThemeNames.TakenAsync(db, projectId, theme.ParentId, name!, null, ct) is { } taken)
            errors["name"] = [ThemeNames.TakenMessage(taken)];
        if (errors.Count > 0) return new ThemeResult(null, errors);

        var now = time.GetUtcNow();
        var created = new Theme
        {
            ProjectId = projectId,
            ParentId = theme.ParentId,
            Name = name!,
            Description = CleanDescription(request.Description),
            Colour = colour!,
            Kind = request.Kind ?? theme.Kind,
            CreatedByPersonId = me,
            CreatedAt = now,
        };
        db.Themes.Add(created);
        foreach (var c in codings) c.ThemeId = created.Id;
        db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Split, created.Id, theme.Name, created.Name, me, now));
        db.ThemeEvents.Add(NewEvent(created, ThemeEventKind.Split, theme.Id, theme.Name, created.Name, me, now));
        db.Record(time, "theme.split", me, projectId, "theme", created.Id);
        await db.SaveChangesAsync(ct);
        await NotifyAsync(projectId, ct);
        return new ThemeResult(ToDto(created) with { CodingCount = codings.Count }, null);
    }

    /// <summary>
    /// The checks a theme's own fields get, whether proposed, split off or edited. Where <paramref name="required"/> is
    /// false a null name or colour means "unchanged". Returns the trimmed name and the colour in capitals.
    /// </summary>
    private static (string? Name, string? Colour) CheckFields(string? name, string? description, string? colour, ThemeKind? kind, bool required,
        Dictionary<string, string[]> errors)
    {
        var trimmed = name?.Trim();
        if ((required || name is not null) && (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength))
            errors["name"] = [$"A theme needs a name of 1 to {MaxNameLength} characters."];
        if (description is { Length: > MaxDescriptionLength }) errors["description"] = [$"A description can be at most {MaxDescriptionLength} characters."];
        var upper = colour?.Trim().ToUpperInvariant();
        if (upper is not null && !HexColour().IsMatch(upper)) errors["colour"] = ["Colour must look like #RRGGBB."];
        if (kind is { } k && !Enum.IsDefined(k)) errors["kind"] = ["Kind must be Knelpunt, Wens, Kracht or Overig."];
        return (trimmed, upper);
    }

    private static string? CleanDescription(string? description) => string.IsNullOrWhiteSpace(description) ? null : description.Trim();

    /// <summary>The theme's history, oldest first; null when the theme is not in the project.</summary>
    public async Task<List<ThemeEventDto>?> HistoryAsync(Guid projectId, Guid themeId, CancellationToken ct)
    {
        if (!await db.Themes.AnyAsync(t => t.Id == themeId && t.ProjectId == projectId, ct)) return null;
        return await EventsAsync(projectId, themeId, ct);
    }

    /// <summary>The history of every theme of the project, each theme's events oldest first.</summary>
    public Task<List<ThemeEventDto>> ProjectHistoryAsync(Guid projectId, CancellationToken ct) => EventsAsync(projectId, null, ct);

    private async Task<List<ThemeEventDto>> EventsAsync(Guid projectId, Guid? themeId, CancellationToken ct)
    {
        var events = await db.ThemeEvents.AsNoTracking().Where(e => e.ProjectId == projectId && (themeId == null || e.ThemeId == themeId))
            .Select(e => new
            {
                e.Id, e.ThemeId, e.Kind, e.OtherThemeId, e.Before, e.After, e.At,
                ByName = db.Users.Where(u => u.Id == e.ByPersonId).Select(u => u.DisplayName).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return events.OrderBy(e => e.At).ThenBy(e => e.Kind)
            .Select(e => new ThemeEventDto(e.Id, e.ThemeId, e.Kind, e.OtherThemeId, e.Before, e.After, e.ByName, e.At)).ToList();
    }

    // The ownership checks: a theme id is only ever looked up together with the project from the address.
    private Task<Theme?> FindThemeAsync(Guid projectId, Guid themeId, CancellationToken ct) =>
        db.Themes.SingleOrDefaultAsync(t => t.Id == themeId && t.ProjectId == projectId, ct);

    private Task<bool> IsActiveThemeAsync(Guid projectId, Guid themeId, CancellationToken ct) =>
        db.Themes.AnyAsync(t => t.Id == themeId && t.ProjectId == projectId && t.MergedIntoId == null, ct);

    /// <summary>After a merge the target holds its own sub-themes and the merged theme's (and, when lifted, stands
    /// among the merged theme's siblings): a name that would then be there twice is refused before anything moves.</summary>
    private async Task<string?> MergeClashAsync(Guid projectId, Theme theme, Theme target, bool lift, CancellationToken ct)
    {
        var active = db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null);
        var incoming = await active.Where(t => t.ParentId == theme.Id && t.Id != target.Id).Select(t => t.Name).ToListAsync(ct);
        var present = await active.Where(t => t.ParentId == target.Id).Select(t => t.Name).ToListAsync(ct);
        if (incoming.FirstOrDefault(n => present.Any(p => ThemeNames.Same(n, p))) is { } twice)
            return $"Beide thema's hebben een subthema ‘{twice}’; hernoem of voeg die eerst samen. " +
                $"Both themes have a sub-theme ‘{twice}’; rename or merge those first.";
        if (lift && await ThemeNames.TakenAsync(db, projectId, theme.ParentId, target.Name, theme.Id, ct) is { } taken)
            return ThemeNames.TakenMessage(taken);
        return null;
    }

    private static ThemeEvent NewEvent(Theme theme, ThemeEventKind kind, Guid? other, string? before, string? after, Guid? by, DateTimeOffset at) =>
        new()
        {
            ProjectId = theme.ProjectId, ThemeId = theme.Id, Kind = kind, OtherThemeId = other,
            Before = Clip(before), After = Clip(after), ByPersonId = by, At = at,
        };

    private static string? Clip(string? s) => s is { Length: > 400 } ? s[..400] : s;

    private async Task NotifyAsync(Guid projectId, CancellationToken ct)
    {
        foreach (var listener in listeners) await listener.CodebookChangedAsync(projectId, ct);
    }

    private static ThemeDto ToDto(Theme t) => new(t.Id, t.ParentId, t.Name, t.Description, t.Colour, t.Kind, t.CreatedAt, t.MergedIntoId);

    [GeneratedRegex("^#[0-9A-F]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex HexColour();
}
