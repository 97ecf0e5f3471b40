using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Analysis;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Codebook;

/// <summary>A theme with its place in the tree and how much it is used (codings and distinct stories, children included not).</summary>
public sealed record ThemeDto(Guid Id, Guid? ParentId, string Name, string? Description, string Colour, ThemeKind Kind,
    DateTimeOffset CreatedAt, Guid? MergedIntoId, int Depth = 0, int CodingCount = 0, int StoryCount = 0);

public sealed record ProposeThemeRequest(string? Name, string? Description, string? Colour, ThemeKind? Kind, Guid? ParentId);

/// <summary>Only the fields sent change; <see cref="MoveToRoot"/> moves a theme to the top level (ParentId null means "keep").</summary>
public sealed record EditThemeRequest(string? Name, string? Description, string? Colour, ThemeKind? Kind, Guid? ParentId, bool MoveToRoot = false);

public sealed record MergeThemeRequest(Guid IntoThemeId);

public sealed record SplitThemeRequest(string? Name, string? Description, string? Colour, ThemeKind? Kind, IReadOnlyList<Guid>? CodingIds);

public sealed record ThemeEventDto(Guid Id, Guid ThemeId, ThemeEventKind Kind, Guid? OtherThemeId, string? Before, string? After,
    string? ByName, DateTimeOffset At);

public static partial class CodebookApi
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 4000;
    public const int MaxSplitCodings = 10_000;

    public static RouteGroupBuilder MapCodebookApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/themes").RequireAuthorization(Policies.Analyse).WithTags("Codebook");
        group.MapGet("/", List);
        // Everyone who analyses may propose a theme; reshaping the codebook is the facilitator's.
        group.MapPost("/", Propose);
        group.MapGet("/{themeId:guid}/history", History);
        group.MapPatch("/{themeId:guid}", Edit).RequireAuthorization(Policies.CurateCodebook);
        group.MapPost("/{themeId:guid}/merge", Merge).RequireAuthorization(Policies.CurateCodebook);
        group.MapPost("/{themeId:guid}/split", Split).RequireAuthorization(Policies.CurateCodebook);
        return group;
    }

    private static async Task<Ok<List<ThemeDto>>> List(Guid projectId, StorytellingDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ListAsync(db, projectId, ct));

    /// <summary>The codebook in tree order (parents before their children, siblings by name), with usage counts.</summary>
    public static async Task<List<ThemeDto>> ListAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId).ToListAsync(ct);
        var counts = await db.Codings.AsNoTracking().Where(c => c.Theme!.ProjectId == projectId)
            .Select(c => new { c.ThemeId, c.Transcript!.StoryId }).ToListAsync(ct);
        var byTheme = counts.GroupBy(c => c.ThemeId)
            .ToDictionary(g => g.Key, g => (Codings: g.Count(), Stories: g.Select(x => x.StoryId).Distinct().Count()));
        var children = themes.ToLookup(t => t.ParentId);
        var ids = themes.Select(t => t.Id).ToHashSet();
        var result = new List<ThemeDto>(themes.Count);
        void Walk(Guid? parent, int depth)
        {
            foreach (var t in children[parent].OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase))
            {
                var (codings, stories) = byTheme.GetValueOrDefault(t.Id);
                result.Add(ToDto(t) with { Depth = depth, CodingCount = codings, StoryCount = stories });
                Walk(t.Id, depth + 1);
            }
        }
        Walk(null, 0);
        return result;
    }

    internal static async Task<Results<Created<ThemeDto>, ValidationProblem>> Propose(
        Guid projectId, ProposeThemeRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time,
        IEnumerable<IAnalysisEvents> listeners, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength) errors["name"] = [$"A theme needs a name of 1 to {MaxNameLength} characters."];
        if (request.Description is { Length: > MaxDescriptionLength }) errors["description"] = [$"A description can be at most {MaxDescriptionLength} characters."];
        var colour = request.Colour?.Trim().ToUpperInvariant() ?? "#808080";
        if (!HexColour().IsMatch(colour)) errors["colour"] = ["Colour must look like #RRGGBB."];
        if (request.Kind is { } kind && !Enum.IsDefined(kind)) errors["kind"] = ["Kind must be Knelpunt, Wens, Kracht or Overig."];
        if (request.ParentId is { } parentId && !await db.Themes.AnyAsync(t => t.Id == parentId && t.ProjectId == projectId && t.MergedIntoId == null, ct))
            errors["parentId"] = ["The parent theme is not an active theme in this project's codebook."];
        if (errors.Count == 0 && await ThemeNames.TakenAsync(db, projectId, request.ParentId, name!, null, ct) is { } taken)
            errors["name"] = [ThemeNames.TakenMessage(taken)];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var me = http.User.PersonId();
        var now = time.GetUtcNow();
        var theme = new Theme
        {
            ProjectId = projectId,
            ParentId = request.ParentId,
            Name = name!,
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            Colour = colour,
            Kind = request.Kind ?? ThemeKind.Overig,
            CreatedByPersonId = me,
            CreatedAt = now,
        };
        db.Themes.Add(theme);
        db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Proposed, null, null, theme.Name, me, now));
        db.Record(time, "theme.proposed", me, projectId, "theme", theme.Id);
        await db.SaveChangesAsync(ct);
        await NotifyAsync(listeners, projectId, ct);
        return TypedResults.Created($"/api/projects/{projectId}/themes/{theme.Id}", ToDto(theme));
    }

    internal static async Task<Results<Ok<ThemeDto>, ValidationProblem, NotFound>> Edit(
        Guid projectId, Guid themeId, EditThemeRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time,
        IEnumerable<IAnalysisEvents> listeners, CancellationToken ct)
    {
        var theme = await db.Themes.SingleOrDefaultAsync(t => t.Id == themeId && t.ProjectId == projectId, ct);
        if (theme is null) return TypedResults.NotFound();
        if (theme.MergedIntoId is not null) return Invalid("themeId", "This theme was merged into another and is kept as history only.");

        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim();
        if (request.Name is not null && (name!.Length == 0 || name.Length > MaxNameLength)) errors["name"] = [$"A theme needs a name of 1 to {MaxNameLength} characters."];
        if (request.Description is { Length: > MaxDescriptionLength }) errors["description"] = [$"A description can be at most {MaxDescriptionLength} characters."];
        var colour = request.Colour?.Trim().ToUpperInvariant();
        if (colour is not null && !HexColour().IsMatch(colour)) errors["colour"] = ["Colour must look like #RRGGBB."];
        if (request.Kind is { } kind && !Enum.IsDefined(kind)) errors["kind"] = ["Kind must be Knelpunt, Wens, Kracht or Overig."];
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
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var me = http.User.PersonId();
        var now = time.GetUtcNow();
        if (name is not null && name != theme.Name)
        {
            db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Renamed, null, theme.Name, name, me, now));
            theme.Name = name;
        }
        var description = request.Description is null ? theme.Description : string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
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
            var names = await db.Themes.AsNoTracking().Where(t => t.Id == theme.ParentId || t.Id == newParent)
                .ToDictionaryAsync(t => t.Id, t => t.Name, ct);
            db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Moved, newParent,
                theme.ParentId is { } from ? names.GetValueOrDefault(from) : "(bovenste niveau)",
                newParent is { } to ? names.GetValueOrDefault(to) : "(bovenste niveau)", me, now));
            theme.ParentId = newParent;
        }
        db.Record(time, "theme.edited", me, projectId, "theme", theme.Id);
        await db.SaveChangesAsync(ct);
        await NotifyAsync(listeners, projectId, ct);
        return TypedResults.Ok(ToDto(theme));
    }

    /// <summary>
    /// Moves every coding of the theme to the target, re-parents its sub-themes to the target, and keeps the theme as
    /// history pointing at the target. A coding the target already has on the same span is not doubled.
    /// </summary>
    internal static async Task<Results<Ok<ThemeDto>, ValidationProblem, NotFound>> Merge(
        Guid projectId, Guid themeId, MergeThemeRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time,
        IEnumerable<IAnalysisEvents> listeners, CancellationToken ct)
    {
        var theme = await db.Themes.SingleOrDefaultAsync(t => t.Id == themeId && t.ProjectId == projectId, ct);
        if (theme is null) return TypedResults.NotFound();
        if (theme.MergedIntoId is not null) return Invalid("themeId", "This theme was already merged into another.");
        if (request.IntoThemeId == themeId) return Invalid("intoThemeId", "A theme cannot be merged into itself.");
        var target = await db.Themes.SingleOrDefaultAsync(t => t.Id == request.IntoThemeId && t.ProjectId == projectId, ct);
        if (target is null) return Invalid("intoThemeId", "The target theme is not in this project's codebook.");
        if (target.MergedIntoId is not null) return Invalid("intoThemeId", "The target theme was itself merged away; merge into the theme it went to.");

        // The target may sit below the theme being merged: lift it to the theme's own place first, so no loop forms.
        var tree = await db.Themes.Where(t => t.ProjectId == projectId).Select(t => new { t.Id, t.ParentId }).ToDictionaryAsync(t => t.Id, t => t.ParentId, ct);
        var lift = false;
        for (Guid? at = target.ParentId; at is { } id; at = tree.GetValueOrDefault(id))
        {
            if (id == themeId) { lift = true; break; }
        }
        if (await MergeClashAsync(db, projectId, theme, target, lift, ct) is { } clash) return Invalid("intoThemeId", clash);
        if (lift) target.ParentId = theme.ParentId;

        var me = http.User.PersonId();
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
        await db.Themes.Where(t => t.ParentId == themeId && t.Id != target.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.ParentId, target.Id), ct);
        await db.ThemeVotes.Where(v => v.ThemeId == themeId).ExecuteUpdateAsync(s => s.SetProperty(v => v.ThemeId, target.Id), ct);
        theme.MergedIntoId = target.Id;
        db.ThemeEvents.Add(NewEvent(theme, ThemeEventKind.Merged, target.Id, theme.Name, target.Name, me, now));
        db.ThemeEvents.Add(NewEvent(target, ThemeEventKind.Merged, theme.Id, theme.Name, target.Name, me, now));
        db.Record(time, "theme.merged", me, projectId, "theme", theme.Id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await NotifyAsync(listeners, projectId, ct);
        return TypedResults.Ok(ToDto(theme));
    }

    /// <summary>Creates a new theme beside the original (same parent) and moves the chosen codings of the original to it.</summary>
    internal static async Task<Results<Created<ThemeDto>, ValidationProblem, NotFound>> Split(
        Guid projectId, Guid themeId, SplitThemeRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time,
        IEnumerable<IAnalysisEvents> listeners, CancellationToken ct)
    {
        var theme = await db.Themes.SingleOrDefaultAsync(t => t.Id == themeId && t.ProjectId == projectId, ct);
        if (theme is null) return TypedResults.NotFound();
        if (theme.MergedIntoId is not null) return Invalid("themeId", "This theme was merged into another and is kept as history only.");

        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength) errors["name"] = [$"The new theme needs a name of 1 to {MaxNameLength} characters."];
        if (request.Description is { Length: > MaxDescriptionLength }) errors["description"] = [$"A description can be at most {MaxDescriptionLength} characters."];
        var colour = request.Colour?.Trim().ToUpperInvariant() ?? theme.Colour;
        if (!HexColour().IsMatch(colour)) errors["colour"] = ["Colour must look like #RRGGBB."];
        if (request.Kind is { } kind && !Enum.IsDefined(kind)) errors["kind"] = ["Kind must be Knelpunt, Wens, Kracht or Overig."];
        var codingIds = (request.CodingIds ?? []).Distinct().ToList();
        if (codingIds.Count > MaxSplitCodings) errors["codingIds"] = [$"A split can move at most {MaxSplitCodings} codings at once."];
        List<Coding> codings = [];
        if (errors.Count == 0 && codingIds.Count > 0)
        {
            codings = await db.Codings.Where(c => c.ThemeId == themeId && codingIds.Contains(c.Id)).ToListAsync(ct);
            if (codings.Count != codingIds.Count) errors["codingIds"] = ["Every coding to move must belong to the theme being split."];
        }
        if (errors.Count == 0 && await ThemeNames.TakenAsync(db, projectId, theme.ParentId, name!, null, ct) is { } taken)
            errors["name"] = [ThemeNames.TakenMessage(taken)];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var me = http.User.PersonId();
        var now = time.GetUtcNow();
        var created = new Theme
        {
            ProjectId = projectId,
            ParentId = theme.ParentId,
            Name = name!,
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            Colour = colour,
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
        await NotifyAsync(listeners, projectId, ct);
        return TypedResults.Created($"/api/projects/{projectId}/themes/{created.Id}", ToDto(created) with { CodingCount = codings.Count });
    }

    private static async Task<Results<Ok<List<ThemeEventDto>>, NotFound>> History(
        Guid projectId, Guid themeId, StorytellingDbContext db, CancellationToken ct)
    {
        if (!await db.Themes.AnyAsync(t => t.Id == themeId && t.ProjectId == projectId, ct)) return TypedResults.NotFound();
        return TypedResults.Ok(await HistoryAsync(db, projectId, themeId, ct));
    }

    public static async Task<List<ThemeEventDto>> HistoryAsync(StorytellingDbContext db, Guid projectId, Guid themeId, CancellationToken ct)
    {
        var events = await db.ThemeEvents.AsNoTracking().Where(e => e.ProjectId == projectId && e.ThemeId == themeId)
            .Select(e => new
            {
                e.Id, e.ThemeId, e.Kind, e.OtherThemeId, e.Before, e.After, e.At,
                ByName = db.Users.Where(u => u.Id == e.ByPersonId).Select(u => u.DisplayName).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return events.OrderBy(e => e.At).ThenBy(e => e.Kind)
            .Select(e => new ThemeEventDto(e.Id, e.ThemeId, e.Kind, e.OtherThemeId, e.Before, e.After, e.ByName, e.At)).ToList();
    }

    private static ThemeEvent NewEvent(Theme theme, ThemeEventKind kind, Guid? other, string? before, string? after, Guid? by, DateTimeOffset at) =>
        new()
        {
            ProjectId = theme.ProjectId, ThemeId = theme.Id, Kind = kind, OtherThemeId = other,
            Before = Clip(before), After = Clip(after), ByPersonId = by, At = at,
        };

    private static string? Clip(string? s) => s is { Length: > 400 } ? s[..400] : s;

    private static async Task NotifyAsync(IEnumerable<IAnalysisEvents> listeners, Guid projectId, CancellationToken ct)
    {
        foreach (var listener in listeners) await listener.CodebookChangedAsync(projectId, ct);
    }

    /// <summary>After a merge the target holds its own sub-themes and the merged theme's (and, when lifted, stands
    /// among the merged theme's siblings): a name that would then be there twice is refused before anything moves.</summary>
    private static async Task<string?> MergeClashAsync(StorytellingDbContext db, Guid projectId, Theme theme, Theme target, bool lift, CancellationToken ct)
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

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static ThemeDto ToDto(Theme t) => new(t.Id, t.ParentId, t.Name, t.Description, t.Colour, t.Kind, t.CreatedAt, t.MergedIntoId);

    [GeneratedRegex("^#[0-9A-F]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex HexColour();
}
