using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// The tussenruimte of one project, for the API and the page alike: only the project's own themes, and codings of
/// those themes, count; a coding is read with the text of its own transcript.
/// </summary>
public sealed class TussenruimteService(StorytellingDbContext db, PseudonymService pseudonyms)
{
    public async Task<TussenruimteDto> ComputeAsync(Guid projectId, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null)
            .Select(t => new { t.Id, t.Name, t.Colour }).ToListAsync(ct);
        var rows = await db.Codings.AsNoTracking()
            .Where(c => c.Theme!.ProjectId == projectId && c.Theme.MergedIntoId == null && c.Transcript!.Story!.ProjectId == projectId)
            .OfAnalysableStories()
            .Select(c => new { c.ThemeId, c.TranscriptId, c.StartChar, c.EndChar, c.AuthorRole, c.Transcript!.StoryId, c.Transcript.Story!.TellerPseudonym })
            .ToListAsync(ct);
        var residents = rows.Where(r => RoleClasses.IsResident(r.AuthorRole)).ToList();
        var professionals = rows.Where(r => RoleClasses.IsProfessional(r.AuthorRole)).ToList();

        var perTheme = themes.Select(t => new TussenruimteThemeDto(t.Id, t.Name, t.Colour,
                residents.Count(r => r.ThemeId == t.Id), professionals.Count(r => r.ThemeId == t.Id),
                residents.Where(r => r.ThemeId == t.Id).Select(r => r.StoryId).Distinct().Count(),
                professionals.Where(r => r.ThemeId == t.Id).Select(r => r.StoryId).Distinct().Count()))
            .OrderByDescending(t => t.ResidentCodings + t.ProfessionalCodings).ThenBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase).ToList();

        var bothRead = residents.Select(r => r.StoryId).ToHashSet();
        bothRead.IntersectWith(professionals.Select(r => r.StoryId));
        var residentPairs = residents.Select(r => (r.StoryId, r.ThemeId)).ToHashSet();
        var professionalPairs = professionals.Select(r => (r.StoryId, r.ThemeId)).ToHashSet();
        var decisions = bothRead.SelectMany(s => themes.Select(t => (residentPairs.Contains((s, t.Id)), professionalPairs.Contains((s, t.Id)))));
        var kappa = Agreement.CohensKappa(decisions);

        // Where the groups differ most, in the same unit as kappa (story × theme, over the stories both groups coded):
        // the units only one group applied, most codings first. That group's codings are shown as passages, overlapping
        // codings merged into one, so a sentence coded short and long is one passage, not two differences.
        var differences = rows.Where(r => bothRead.Contains(r.StoryId) && (RoleClasses.IsResident(r.AuthorRole) || RoleClasses.IsProfessional(r.AuthorRole)))
            .GroupBy(r => (r.StoryId, r.ThemeId))
            .Select(g => new { g.Key, Rows = g.ToList(), R = g.Count(r => RoleClasses.IsResident(r.AuthorRole)), P = g.Count(r => RoleClasses.IsProfessional(r.AuthorRole)) })
            .Where(x => (x.R == 0) != (x.P == 0))
            .OrderByDescending(x => Math.Abs(x.R - x.P)).ThenBy(x => x.Rows[0].TellerPseudonym, StringComparer.CurrentCultureIgnoreCase).Take(10)
            .Select(x => new { x.Key, x.Rows, x.R, x.P, Passages = Passages.Merge(x.Rows, r => r.TranscriptId, r => r.StartChar, r => r.EndChar)
                .OrderByDescending(p => p.Codings.Count).ThenBy(p => p.StartChar).ToList() })
            .ToList();
        var transcriptIds = differences.SelectMany(d => d.Passages.Select(p => p.TranscriptId)).Distinct().ToList();
        var segments = await db.TranscriptSegments.AsNoTracking().Where(s => transcriptIds.Contains(s.TranscriptId)).ToListAsync(ct);
        var texts = segments.GroupBy(s => s.TranscriptId).ToDictionary(g => g.Key, g => TranscriptText.From(g).Text);
        var filterFor = await pseudonyms.ForReaderAsync(projectId, seesOriginals: false, ct);
        var names = themes.ToDictionary(t => t.Id, t => t.Name);
        var diffs = differences.Select(d =>
        {
            var p = d.Passages[0];
            var text = texts.TryGetValue(p.TranscriptId, out var t) && p.EndChar <= t.Length ? t[p.StartChar..p.EndChar] : "";
            return new DifferenceDto(d.Key.StoryId, d.Rows[0].TellerPseudonym, d.Key.ThemeId, names[d.Key.ThemeId], filterFor(d.Key.StoryId).Apply(text),
                d.R, d.P, d.Passages.Count - 1);
        }).ToList();

        return new TussenruimteDto(perTheme, kappa, Agreement.Formula,
            $"{kappa.Units} beslissingen: {bothRead.Count} verhalen die beide groepen codeerden × {themes.Count} thema's", diffs);
    }
}
