using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Reports;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Features.Reports.Charts;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Features.Transcripts;

using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Reports;

/// <summary>How often a theme was applied: distinct stories and tellers, and distinct people per group who applied it.</summary>
public sealed record ThemeCountsDto(int Stories, int Tellers, int Residents, int Professionals);

/// <summary>A fragment that may be quoted: pseudonymised, from a story whose teller agreed to quotes in reports.</summary>
public sealed record QuoteCandidateDto(Guid CodingId, Guid StoryId, string Teller, long StartMs, string Text, int TimesCoded);

public sealed record ThemeCandidateDto(Guid ThemeId, string Name, string? Description, string Colour, int Votes,
    ThemeCountsDto Counts, IReadOnlyList<QuoteCandidateDto> Quotes);

public sealed record ChosenTheme(Guid ThemeId, IReadOnlyList<Guid>? CodingIds);

/// <summary>The Markdown draft and the quote rows it holds.</summary>
public sealed record Draft(string Markdown, IReadOnlyList<ReportQuote> Quotes);

/// <summary>
/// Gathers what a theme report may contain and drafts its Markdown. Two rules hold for every quote: it comes from a
/// story whose consent covers <see cref="ConsentScopes.QuotesInReports"/>, and it is pseudonymised — also when the
/// person drafting may see originals, because a report leaves the team.
/// </summary>
public sealed class ReportDrafting(StorytellingDbContext db, PseudonymService pseudonyms, RoundsService rounds)
{
    public const int MaxThemes = 50;
    public const int MaxQuotesPerTheme = 50;
    public const int CandidatesPerTheme = 30;
    public const string Marker = "[citaat verwijderd: verhaal ingetrokken]";
    private static readonly CultureInfo Dutch = CultureInfo.GetCultureInfo("nl-NL");

    private sealed record CodingRow(Guid Id, Guid ThemeId, Guid TranscriptId, int StartChar, int EndChar, long StartMs, ProjectRole Role,
        Guid? Author, Guid StoryId, string Teller, ConsentScopes Scopes, DateTimeOffset CreatedAt);

    private Task<List<CodingRow>> CodingsAsync(Guid projectId, IReadOnlyCollection<Guid>? themeIds, CancellationToken ct)
    {
        var query = db.Codings.AsNoTracking()
            .Where(c => c.Theme!.ProjectId == projectId && c.Theme.MergedIntoId == null)
            .OfAnalysableStories();
        if (themeIds is not null) query = query.Where(c => themeIds.Contains(c.ThemeId));
        return query.Select(c => new CodingRow(c.Id, c.ThemeId, c.TranscriptId, c.StartChar, c.EndChar, c.StartMs, c.AuthorRole,
                c.AuthorPersonId ?? c.ParticipantId, c.Transcript!.StoryId, c.Transcript.Story!.TellerPseudonym, c.Transcript.Story.Consent.Scopes,
                c.CreatedAt))
            .ToListAsync(ct);
    }

    private static ThemeCountsDto Count(IEnumerable<CodingRow> rows)
    {
        var list = rows.ToList();
        // A coding without author (an imported one) still counts for its group, as one voice of its own.
        var people = list.Select(r => (r.Role, Who: r.Author ?? r.Id)).Distinct().ToList();
        return new ThemeCountsDto(list.Select(r => r.StoryId).Distinct().Count(), list.Select(r => r.Teller).Distinct().Count(),
            people.Count(p => RoleClasses.IsResident(p.Role)), people.Count(p => RoleClasses.IsProfessional(p.Role)));
    }

    private async Task<Dictionary<Guid, int>> VotesAsync(Guid projectId, CancellationToken ct) =>
        (await db.ThemeVotes.AsNoTracking()
            .Join(db.WorkshopSessions.Where(s => s.ProjectId == projectId), v => v.SessionId, s => s.Id, (v, s) => v.ThemeId)
            .ToListAsync(ct))
        .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Quote texts as a report shows them: cut from the pseudonymised view of each transcript, so a name is never half replaced.</summary>
    private async Task<Dictionary<Guid, string>> QuoteTextsAsync(Guid projectId, IReadOnlyCollection<CodingRow> codings, CancellationToken ct)
    {
        var transcriptIds = codings.Select(c => c.TranscriptId).Distinct().ToList();
        var segments = new List<Core.Transcripts.TranscriptSegment>();
        // Chunked so a thousand-story project stays within every provider's parameter limit.
        foreach (var chunk in transcriptIds.Chunk(500))
            segments.AddRange(await db.TranscriptSegments.AsNoTracking().Where(s => chunk.Contains(s.TranscriptId)).ToListAsync(ct));
        var byTranscript = segments.ToLookup(s => s.TranscriptId);
        var filterFor = await pseudonyms.ForReaderAsync(projectId, seesOriginals: false, ct);
        var texts = new Dictionary<Guid, string>();
        foreach (var group in codings.GroupBy(c => c.TranscriptId))
        {
            var first = group.First();
            var view = TranscriptView.For(byTranscript[group.Key], filterFor(first.StoryId).Pseudonyms);
            foreach (var c in group)
            {
                var start = Math.Clamp(view.FromOriginal.MapStart(c.StartChar), 0, view.Text.Length);
                var end = Math.Clamp(view.FromOriginal.MapEnd(c.EndChar), start, view.Text.Length);
                texts[c.Id] = Tidy(view.Text[start..end]);
            }
        }
        return texts;
    }

    private static string Tidy(string text) => string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Every active theme with its votes (the order a workshop gave it), counts and quotable fragments, most-voted first.</summary>
    public async Task<List<ThemeCandidateDto>> CandidatesAsync(Guid projectId, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null).ToListAsync(ct);
        var codings = await CodingsAsync(projectId, null, ct);
        var votes = await VotesAsync(projectId, ct);
        var quotable = codings.Where(c => c.Scopes.HasFlag(ConsentScopes.QuotesInReports))
            // The same fragment coded by several people is one quote; the most-coded come first.
            .GroupBy(c => (c.ThemeId, c.TranscriptId, c.StartChar, c.EndChar))
            .Select(g => (First: g.OrderBy(c => c.CreatedAt).First(), Times: g.Count()))
            .GroupBy(x => x.First.ThemeId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(x => x.Times).ThenBy(x => x.First.CreatedAt).Take(CandidatesPerTheme).ToList());
        var texts = await QuoteTextsAsync(projectId, quotable.Values.SelectMany(x => x.Select(q => q.First)).ToList(), ct);
        var byTheme = codings.ToLookup(c => c.ThemeId);
        return themes
            .Select(t => new ThemeCandidateDto(t.Id, t.Name, t.Description, t.Colour, votes.GetValueOrDefault(t.Id), Count(byTheme[t.Id]),
                quotable.GetValueOrDefault(t.Id)?.Select(q => new QuoteCandidateDto(q.First.Id, q.First.StoryId, q.First.Teller, q.First.StartMs,
                    texts[q.First.Id], q.Times)).ToList() ?? []))
            .OrderByDescending(t => t.Votes).ThenByDescending(t => t.Counts.Stories).ThenBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
    }

    /// <summary>
    /// Drafts the report's Markdown from a choice <see cref="ReportsService"/> has checked: every theme an active theme
    /// of this project, every quote a coding of its theme here from a story whose teller allowed quotes.
    /// </summary>
    public async Task<Draft> DraftAsync(Guid projectId, string title, IReadOnlyList<ChosenTheme> chosen, string baseUrl, DateTimeOffset now,
        CancellationToken ct)
    {
        var themeIds = chosen.Select(c => c.ThemeId).ToList();
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null && themeIds.Contains(t.Id))
            .ToDictionaryAsync(t => t.Id, ct);
        var codings = await CodingsAsync(projectId, themeIds, ct);
        var byId = codings.ToDictionary(c => c.Id);

        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.GuidingQuestion }).SingleAsync(ct);
        var chosenCodings = chosen.SelectMany(c => (c.CodingIds ?? []).Select(id => byId[id])).ToList();
        var texts = await QuoteTextsAsync(projectId, chosenCodings, ct);
        var allCodings = await CodingsAsync(projectId, null, ct);
        var votes = await VotesAsync(projectId, ct);

        var md = new StringBuilder();
        var quotes = new List<ReportQuote>();
        md.Append("# ").AppendLine(Escape(title)).AppendLine();

        md.AppendLine("## Werkwijze").AppendLine();
        md.Append("Hoofdvraag: *").Append(Escape(project.GuidingQuestion)).AppendLine("*").AppendLine();
        var analysed = Count(allCodings);
        var storyCount = await db.Stories.Where(s => s.ProjectId == projectId).Analysable().CountAsync(ct);
        md.Append(CultureInfo.InvariantCulture, $"Dit rapport steunt op {storyCount} {Plural(storyCount, "verhaal", "verhalen")} van ")
          .Append(CultureInfo.InvariantCulture, $"{allCodings.Select(c => c.Teller).Distinct().Count()} {Plural(allCodings.Select(c => c.Teller).Distinct().Count(), "verteller", "vertellers")} die voor analyse toestemming gaven. ");
        md.Append(CultureInfo.InvariantCulture, $"Geanalyseerd door {analysed.Residents} {Plural(analysed.Residents, "bewoner", "bewoners")} en {analysed.Professionals} {Plural(analysed.Professionals, "professional", "professionals")}");
        // The analysis ran from its first coding to its last coding or workshop, whichever came last: the dates of the
        // work itself, not of the day the report was drafted or the data loaded.
        var sessions = await db.WorkshopSessions.AsNoTracking().Where(w => w.ProjectId == projectId).Select(w => new { w.OpenedAt, w.ClosedAt }).ToListAsync(ct);
        var moments = allCodings.Select(c => c.CreatedAt).Concat(sessions.Select(w => w.OpenedAt)).Concat(sessions.Select(w => w.ClosedAt ?? w.OpenedAt)).ToList();
        if (moments.Count > 0 && Date(moments.Min()) is var first && Date(moments.Max()) is var last)
            md.Append(first == last ? $" op {first}" : $" tussen {first} en {last}");
        md.AppendLine(".");
        md.Append("De volgorde van de thema's volgt de prioriteiten uit de werksessie");
        md.Append(votes.Count > 0 ? $" ({votes.Values.Sum()} stemmen)" : " (er is nog niet gestemd)").AppendLine(". ")
          .AppendLine("Citaten komen alleen uit verhalen waarvan de verteller toestemming gaf voor citaten in rapporten; namen zijn vervangen door pseudoniemen. ")
          .Append("Opgesteld op ").Append(Date(now)).AppendLine(".").AppendLine();

        md.AppendLine("## Thema's in het kort").AppendLine();
        md.AppendLine("| # | Thema | Verhalen | Vertellers | Bewoners | Professionals | Stemmen |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|");
        var byTheme = allCodings.ToLookup(c => c.ThemeId);
        for (var i = 0; i < chosen.Count; i++)
        {
            var t = themes[chosen[i].ThemeId];
            var n = Count(byTheme[t.Id]);
            md.Append(CultureInfo.InvariantCulture,
                $"| {i + 1} | {Escape(t.Name)} | {n.Stories} | {n.Tellers} | {n.Residents} | {n.Professionals} | {votes.GetValueOrDefault(t.Id)} |").AppendLine();
        }
        md.AppendLine();
        await ChartsAsync(md, projectId, chosen.Select(c => themes[c.ThemeId]).ToList(), byTheme, votes, ct);

        var footnotes = new StringBuilder();
        var sources = new Dictionary<Guid, (string Teller, List<string> Themes, long FirstMs)>();
        var number = 0;
        for (var i = 0; i < chosen.Count; i++)
        {
            var t = themes[chosen[i].ThemeId];
            var n = Count(byTheme[t.Id]);
            md.Append(CultureInfo.InvariantCulture, $"## {i + 1}. ").AppendLine(Escape(t.Name)).AppendLine();
            if (!string.IsNullOrWhiteSpace(t.Description)) md.AppendLine(Escape(Tidy(t.Description))).AppendLine();
            md.Append(CultureInfo.InvariantCulture, $"*{n.Stories} {Plural(n.Stories, "verhaal", "verhalen")}, {n.Tellers} {Plural(n.Tellers, "verteller", "vertellers")}; ")
              .Append(CultureInfo.InvariantCulture, $"toegepast door {n.Residents} {Plural(n.Residents, "bewoner", "bewoners")} en {n.Professionals} {Plural(n.Professionals, "professional", "professionals")}.*")
              .AppendLine().AppendLine();
            var position = 0;
            foreach (var id in chosen[i].CodingIds ?? [])
            {
                var c = byId[id];
                var label = $"q{++number}";
                var text = texts[id];
                md.Append("> ").Append(Escape(text)).Append("[^").Append(label).AppendLine("]").AppendLine();
                footnotes.Append("[^").Append(label).Append("]: ").Append(Provenance(c.Teller, c.StoryId, c.StartMs, Link(baseUrl, projectId, c.StoryId, c.StartMs)))
                    .AppendLine();
                quotes.Add(new ReportQuote { ThemeId = t.Id, CodingId = id, StoryId = c.StoryId, Position = position++, Text = text });
                if (!sources.TryGetValue(c.StoryId, out var s)) sources[c.StoryId] = s = (c.Teller, [], c.StartMs);
                if (!s.Themes.Contains(t.Name)) s.Themes.Add(t.Name);
            }
            if (position == 0) md.AppendLine("*Voor dit thema zijn geen citaten gekozen.*").AppendLine();
        }

        md.AppendLine("## Bronnen").AppendLine();
        if (sources.Count == 0) md.AppendLine("Dit rapport citeert geen verhalen.").AppendLine();
        foreach (var (storyId, s) in sources.OrderBy(s => s.Value.Teller, StringComparer.CurrentCultureIgnoreCase))
        {
            md.Append("- ").Append(Escape(s.Teller)).Append(" (pseudoniem), verhaal-id ").Append(storyId.ToString())
              .Append(", geciteerd bij ").Append(string.Join(", ", s.Themes.Select(Escape)))
              .Append(": <").Append(Link(baseUrl, projectId, storyId, null)).AppendLine(">");
        }
        md.AppendLine();
        if (footnotes.Length > 0) md.Append(footnotes).AppendLine();
        return new Draft(md.ToString(), quotes);
    }

    /// <summary>
    /// "In beeld": the charts a beleidsnota carries, each a caption and the table of its numbers (drawn as a chart by
    /// <see cref="ReportCharts"/>): stories per theme by who gave the theme, votes per theme, and each theme's share of
    /// the stories in the first gathering and every evaluation round. A chart without numbers is left out.
    /// </summary>
    private async Task ChartsAsync(StringBuilder md, Guid projectId, List<Theme> chosen, ILookup<Guid, CodingRow> byTheme,
        Dictionary<Guid, int> votes, CancellationToken ct)
    {
        if (chosen.Count == 0) return;
        md.AppendLine("## In beeld").AppendLine();
        md.AppendLine("Elke grafiek staat hieronder ook als tabel, met dezelfde cijfers.").AppendLine();

        int StoriesBy(Guid themeId, Func<ProjectRole, bool> group) => byTheme[themeId].Where(c => group(c.Role)).Select(c => c.StoryId).Distinct().Count();
        md.Append(ReportCharts.Caption).AppendLine("Verhalen per thema, naar wie het thema gaf").AppendLine();
        md.AppendLine("| Thema | Bewoners | Professionals |").AppendLine("|---|---:|---:|");
        foreach (var t in chosen)
            md.Append(CultureInfo.InvariantCulture, $"| {Escape(t.Name)} | {StoriesBy(t.Id, RoleClasses.IsResident)} | {StoriesBy(t.Id, RoleClasses.IsProfessional)} |").AppendLine();
        md.AppendLine();

        if (chosen.Any(t => votes.GetValueOrDefault(t.Id) > 0))
        {
            md.Append(ReportCharts.Caption).AppendLine("Stemmen per thema in de werksessies").AppendLine();
            md.AppendLine("| Thema | Stemmen |").AppendLine("|---|---:|");
            foreach (var t in chosen) md.Append(CultureInfo.InvariantCulture, $"| {Escape(t.Name)} | {votes.GetValueOrDefault(t.Id)} |").AppendLine();
            md.AppendLine();
        }

        var comparison = await rounds.CompareAsync(projectId, ct);
        var groups = comparison.Groups.Select((g, i) => (Group: g, Index: i)).Where(x => x.Group.CodedStories > 0).ToList();
        if (groups.Count > 1 && groups[0].Group.RoundId is null)
        {
            md.Append(ReportCharts.Caption).AppendLine("Aandeel van de gecodeerde verhalen per thema: eerste ophaalronde en evaluatierondes").AppendLine();
            md.Append("| Thema | ").AppendJoin(" | ", groups.Select(x => $"{Escape(x.Group.Label)} (%)")).AppendLine(" |");
            md.Append("|---|").AppendJoin("", groups.Select(_ => "---:|")).AppendLine();
            var rows = comparison.Themes.ToDictionary(t => t.ThemeId);
            foreach (var t in chosen.Where(t => rows.ContainsKey(t.Id)))
                md.Append("| ").Append(Escape(t.Name)).Append(" | ")
                  .AppendJoin(" | ", groups.Select(x => rows[t.Id].Cells[x.Index].Percent is { } p ? p.ToString("0.#", Dutch) : "–")).AppendLine(" |");
            md.AppendLine();
        }
    }

    public static string Provenance(string teller, Guid storyId, long startMs, string link) =>
        $"{Escape(teller)} (pseudoniem), verhaal-id {storyId}, op {Timestamp(startMs)}: <{link}>";

    public static string Link(string baseUrl, Guid projectId, Guid storyId, long? startMs) =>
        $"{baseUrl.TrimEnd('/')}/projects/{projectId}/stories/{storyId}" + (startMs is { } ms ? $"?t={ms / 1000}" : "");

    /// <summary>mm:ss, or h:mm:ss from an hour on.</summary>
    public static string Timestamp(long ms)
    {
        var t = TimeSpan.FromMilliseconds(Math.Max(0, ms));
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
    }

    private static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("d MMMM yyyy", Dutch);

    private static string Plural(int n, string one, string many) => n == 1 ? one : many;

    /// <summary>
    /// Text from people (quotes, theme names) must stay text: Markdown punctuation is escaped, and a line that would
    /// start a heading, list or quote is defused, so a teller who said "# 1" does not make a heading.
    /// </summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var ch in Tidy(text))
        {
            if (ch is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '~' or '#' or '!' or '&') sb.Append('\\');
            sb.Append(ch);
        }
        var s = sb.ToString();
        // "1. " or "- " or "+ " at the start would become a list.
        if (s.Length > 0 && (s[0] is '-' or '+' || (char.IsAsciiDigit(s[0]) && s.TakeWhile(char.IsAsciiDigit).Count() is var d && d < s.Length && s[d] is '.' or ')')))
        {
            var at = s[0] is '-' or '+' ? 0 : s.TakeWhile(char.IsAsciiDigit).Count();
            s = s[..at] + "\\" + s[at..];
        }
        return s;
    }
}
