using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Codebook;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// The codebook as a tree: everyone who analyses proposes themes, the facilitator renames, moves, merges and splits.
/// Plain forms posting to the same endpoints' logic, so it works without script and with the keyboard alone.
/// </summary>
[Authorize(Policy = Policies.Analyse)]
public sealed class CodebookModel(StorytellingDbContext db, CodebookService codebook, PseudonymService pseudonyms) : ProjectPageModel
{
    /// <summary>The theme whose split form is open (its codings are listed to choose from).</summary>
    [BindProperty(SupportsGet = true)] public Guid? Split { get; set; }

    public string ProjectName { get; private set; } = "";
    public bool CanCurate { get; private set; }
    public List<ThemeDto> Themes { get; private set; } = [];
    public ILookup<Guid, ThemeEventDto> History { get; private set; } = Enumerable.Empty<ThemeEventDto>().ToLookup(e => e.ThemeId);
    public List<(Guid Id, string Text)> SplitCodings { get; private set; } = [];
    /// <summary>Resource keys (Codebook.resx) of what went wrong, one per field the API refused; the API's own
    /// messages are English for developers, the page says it in the reader's language.</summary>
    public List<string> ErrorKeys { get; private set; } = [];
    /// <summary>Resource key of the success message and the theme name it names (if any).</summary>
    public string? MessageKey { get; private set; }
    public string MessageName { get; private set; } = "";

    private static readonly string[] ErrorFields = ["name", "description", "colour", "kind", "parentId", "themeId", "intoThemeId", "codingIds"];

    public IEnumerable<ThemeDto> Active => Themes.Where(t => t.MergedIntoId is null);
    public string NameOf(Guid? id) => Themes.FirstOrDefault(t => t.Id == id)?.Name ?? "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostProposeAsync(string? name, string? description, string? colour, ThemeKind? kind, Guid? parentId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        var result = await codebook.ProposeAsync(ProjectId, new ProposeThemeRequest(name, description, colour, kind, parentId), User.PersonId(), ct);
        return await AfterAsync(result, "MessageProposed", name?.Trim(), ct);
    }

    public async Task<IActionResult> OnPostEditAsync(Guid themeId, string? name, string? description, string? colour, ThemeKind? kind, Guid? parentId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanCurate) return Forbid();
        var request = new EditThemeRequest(name, description ?? "", colour, kind, parentId, MoveToRoot: parentId is null);
        var result = await codebook.EditAsync(ProjectId, themeId, request, User.PersonId(), ct);
        return await AfterAsync(result, "MessageEdited", null, ct);
    }

    public async Task<IActionResult> OnPostMergeAsync(Guid themeId, Guid intoThemeId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanCurate) return Forbid();
        var result = await codebook.MergeAsync(ProjectId, themeId, new MergeThemeRequest(intoThemeId), User.PersonId(), ct);
        return await AfterAsync(result, "MessageMerged", null, ct);
    }

    public async Task<IActionResult> OnPostSplitAsync(Guid themeId, string? name, List<Guid>? codingIds, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanCurate) return Forbid();
        var result = await codebook.SplitAsync(ProjectId, themeId, new SplitThemeRequest(name, null, null, null, codingIds ?? []), User.PersonId(), ct);
        Split = null;
        return await AfterAsync(result, "MessageSplit", name?.Trim(), ct);
    }

    /// <summary>A theme of another project (or none) is not found; refused fields become this page's messages.</summary>
    private async Task<IActionResult> AfterAsync(ThemeResult? result, string successKey, string? name, CancellationToken ct)
    {
        if (result is null) return NotFound();
        if (result.Errors is { } errors)
            ErrorKeys = errors.Keys
                .Select(field => ErrorFields.Contains(field, StringComparer.OrdinalIgnoreCase) ? "Error_" + ErrorFields.First(f => f.Equals(field, StringComparison.OrdinalIgnoreCase)) : "Error_Other")
                .Distinct().ToList();
        else
        {
            MessageKey = successKey;
            MessageName = name ?? "";
        }
        db.ChangeTracker.Clear();
        await LoadAsync(ct);
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => new { p.Name }).FirstOrDefaultAsync(ct);
        if (project is null) return false;
        ProjectName = project.Name;
        var roles = await MyRolesAsync(ct);
        CanCurate = roles.Any(Policies.ProjectRoles[Policies.CurateCodebook].Contains);
        Themes = await codebook.ListAsync(ProjectId, ct);
        History = (await codebook.ProjectHistoryAsync(ProjectId, ct)).ToLookup(e => e.ThemeId);
        SplitCodings = [];
        if (CanCurate && Split is { } splitId && Themes.Any(t => t.Id == splitId && t.MergedIntoId is null))
        {
            var codings = await db.Codings.AsNoTracking().Where(c => c.ThemeId == splitId).OrderBy(c => c.CreatedAt).Take(100)
                .Select(c => new { c.Id, c.TranscriptId, c.StartChar, c.EndChar, c.Transcript!.StoryId }).ToListAsync(ct);
            var seesOriginals = await pseudonyms.SeesOriginalsAsync(ProjectId, User.PersonId(), ct);
            var filterFor = await pseudonyms.ForReaderAsync(ProjectId, seesOriginals, ct);
            foreach (var group in codings.GroupBy(c => c.TranscriptId))
            {
                var segments = await db.TranscriptSegments.AsNoTracking().Where(s => s.TranscriptId == group.Key).ToListAsync(ct);
                var text = TranscriptText.From(segments).Text;
                foreach (var c in group)
                {
                    var quote = c.EndChar <= text.Length ? text[c.StartChar..c.EndChar] : "";
                    SplitCodings.Add((c.Id, filterFor(c.StoryId).Apply(quote)));
                }
            }
        }
        return true;
    }
}
