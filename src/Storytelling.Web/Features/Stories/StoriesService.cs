using Storytelling.Core.Transcripts;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Stories;

/// <summary>One page of the overview, or field errors for a 400 (never both).</summary>
public sealed record StorySearchResult(StoryPage? Page, Dictionary<string, string[]>? Errors);

/// <summary>
/// The stories of one project as a member may see them, for the API and the project page alike. Only stories of the
/// project in the address are ever listed; a theme filter naming another project's theme is refused.
/// </summary>
public sealed class StoriesService(StorytellingDbContext db, PseudonymService pseudonyms, CurrentMember member)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>
    /// Stories whose teller agreed to analysis. The facilitator also sees the others, so they can follow up on
    /// consent, but no one else does. Never includes the receipt code: that belongs to the teller.
    /// </summary>
    public async Task<StorySearchResult> SearchAsync(Guid projectId, Guid? personId, StoryFilter filter, CancellationToken ct)
    {
        var errors = Validate(filter) ?? [];
        if (filter.ThemeId is { } themeId && !await db.Themes.AnyAsync(t => t.Id == themeId && t.ProjectId == projectId, ct))
            errors["themeId"] = ["The theme is not in this project's codebook."];
        if (errors.Count > 0) return new StorySearchResult(null, errors);
        return new StorySearchResult(await FindAsync(projectId, personId, filter, ct), null);
    }

    /// <summary>Field errors of the filter, or null when it is fine. Only the format: <see cref="SearchAsync"/> also checks that the theme is this project's.</summary>
    internal static Dictionary<string, string[]>? Validate(StoryFilter filter)
    {
        var errors = new Dictionary<string, string[]>();
        if (!string.IsNullOrEmpty(filter.Status) && !Enum.TryParse<StoryStatus>(filter.Status, true, out _))
            errors["status"] = ["Status must be Received, Transcribing, Transcribed, NoSpeech or Failed."];
        if (filter.Language is { Length: > 8 }) errors["language"] = ["A language is a code such as nl or ar."];
        if (filter.Q is { Length: > StorySearch.MaxQueryLength }) errors["q"] = [$"A search can be at most {StorySearch.MaxQueryLength} characters."];
        if (filter.Page is < 1) errors["page"] = ["Page numbers start at 1."];
        if (filter.PageSize is < 1 or > MaxPageSize) errors["pageSize"] = [$"A page holds 1 to {MaxPageSize} stories."];
        if (!string.IsNullOrEmpty(filter.Round) && RoundNumber(filter.Round) is null)
            errors["round"] = ["Round is 'first' for the first gathering, or a round number such as 2."];
        return errors.Count > 0 ? errors : null;
    }

    /// <summary>0 for "first" (the first gathering), the round's number otherwise, null when it is neither.</summary>
    private static int? RoundNumber(string round) =>
        string.Equals(round.Trim(), "first", StringComparison.OrdinalIgnoreCase) ? 0
        : int.TryParse(round, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 10_000 ? n
        : null;

    private async Task<StoryPage> FindAsync(Guid projectId, Guid? personId, StoryFilter filter, CancellationToken ct)
    {
        var roles = await member.RolesOfAsync(personId, projectId, ct);
        var seesAll = Policies.Allows(Policies.SeeAllStories, roles);
        var seesOriginals = Policies.Allows(Policies.SeeOriginals, roles);
        var pageNo = filter.Page ?? 1;
        var pageSize = filter.PageSize ?? DefaultPageSize;

        var query = db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId);
        if (!seesAll) query = query.Analysable();
        if (!string.IsNullOrEmpty(filter.Status) && Enum.TryParse<StoryStatus>(filter.Status, true, out var status))
            query = query.Where(s => s.Status == status);
        if (!string.IsNullOrWhiteSpace(filter.Language))
        {
            var language = filter.Language.Trim().ToLowerInvariant();
            query = query.Where(s => s.Language == language || (s.Language == null && s.Transcripts.Any(t => t.Language == language)));
        }
        if (filter.ThemeId is { } themeId)
            query = query.Where(s => db.Codings.Any(c => c.ThemeId == themeId && c.Transcript!.StoryId == s.Id));
        if (!string.IsNullOrEmpty(filter.Round) && RoundNumber(filter.Round) is { } round)
        {
            query = round == 0
                ? query.Where(s => s.EvaluationRoundId == null)
                : query.Where(s => db.EvaluationRounds.Any(r => r.Id == s.EvaluationRoundId && r.Number == round));
        }

        var terms = string.IsNullOrWhiteSpace(filter.Q) ? [] : StorySearch.Terms(filter.Q);
        IQueryable<Core.Transcripts.TranscriptSegment>? hits = null;
        if (terms.Count > 0)
        {
            // A reader who may not see originals must not learn where a hidden name occurs by searching for it.
            if (!seesOriginals && StorySearch.TouchesOriginal(terms, await pseudonyms.OriginalsAsync(projectId, ct)))
                return new StoryPage([], 0, pageNo, pageSize);
            var ids = StorySearch.MatchingSegmentIds(db, terms);
            hits = StorySearch.InLatestVersion(db, db.TranscriptSegments.Where(seg => ids.Contains(seg.Id)));
            query = query.Where(s => hits.Any(seg => db.Transcripts.Any(t => t.Id == seg.TranscriptId && t.StoryId == s.Id)));
        }
        else if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            return new StoryPage([], 0, pageNo, pageSize);
        }

        var total = await query.CountAsync(ct);
        // In long, so a page number near int.MaxValue cannot wrap round to the first page; a page past the last is empty.
        var skip = Math.Max(0L, (long)(pageNo - 1L) * pageSize);
        if (pageSize != int.MaxValue && skip >= total) return new StoryPage([], total, pageNo, pageSize);
        var ordered = query.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id);
        var paged = pageSize == int.MaxValue ? ordered : ordered.Skip((int)skip).Take(pageSize);
        var stories = await paged
            .Select(s => new
            {
                s.Id, s.TellerPseudonym, s.Status, s.Language, s.Consent.Scopes, s.CreatedAt,
                Duration = s.Recordings.Select(r => (long?)r.DurationMs).FirstOrDefault(),
                Job = db.TranscriptionJobs.Where(j => j.Recording!.StoryId == s.Id)
                    .Select(j => new { j.Status, j.ProgressPercent, j.LastError }).FirstOrDefault(),
                Latest = db.Transcripts.Where(t => t.StoryId == s.Id).OrderByDescending(t => t.Version)
                    .Select(t => new { t.Origin, t.Version }).FirstOrDefault(),
                FirstOrigin = db.Transcripts.Where(t => t.StoryId == s.Id && t.Version == 1).Select(t => (TranscriptOrigin?)t.Origin).FirstOrDefault(),
            })
            .ToListAsync(ct);

        var storyIds = stories.Select(s => s.Id).ToList();
        var themeRows = await db.Codings.AsNoTracking().Where(c => storyIds.Contains(c.Transcript!.StoryId))
            .Select(c => new { c.Transcript!.StoryId, c.Theme!.Id, c.Theme.Name, c.Theme.Colour }).Distinct().ToListAsync(ct);
        var themes = themeRows.ToLookup(r => r.StoryId, r => new StoryThemeDto(r.Id, r.Name, r.Colour));

        var snippets = new Dictionary<Guid, string>();
        if (hits is not null)
        {
            var filterFor = await pseudonyms.ForReaderAsync(projectId, seesOriginals, ct);
            foreach (var storyId in storyIds)
            {
                var text = await hits.Where(seg => db.Transcripts.Any(t => t.Id == seg.TranscriptId && t.StoryId == storyId))
                    .OrderBy(seg => seg.Position).Select(seg => seg.Text).FirstOrDefaultAsync(ct);
                // Pseudonymise the whole segment before cutting, so a name is never half shown at the edge.
                if (text is not null) snippets[storyId] = StorySearch.Snippet(filterFor(storyId).Apply(text), terms);
            }
        }

        var items = stories
            .Select(s => new StorySummaryDto(s.Id, s.TellerPseudonym, s.Status, s.Language, s.Scopes, s.Duration, s.CreatedAt,
                TranscriptionStatusDto.From(s.Job?.Status, s.Job?.ProgressPercent ?? 0, s.Job?.LastError,
                    s.Latest is null ? null : new TranscriptKind(s.FirstOrigin ?? s.Latest.Origin, s.Latest.Version)),
                themes[s.Id].DistinctBy(t => t.Id).OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase).ToList(),
                snippets.GetValueOrDefault(s.Id)))
            .ToList();
        return new StoryPage(items, total, pageNo, pageSize == int.MaxValue ? total : pageSize);
    }
}
