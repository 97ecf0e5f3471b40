using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Transcripts;

namespace Storytelling.Web.Features.Stories;

/// <summary>
/// Full-text search over transcript segments: SQLite FTS5 (table "TranscriptSegmentSearch", kept by triggers) or
/// PostgreSQL's <c>dutch</c> configuration (GIN index on <c>to_tsvector('dutch', "Text")</c>). A segment matches when
/// it holds every search word; each word matches as a prefix of its stem, so "werken" also finds "werkte".
/// </summary>
public static partial class StorySearch
{
    public const int MaxQueryLength = 200;
    public const int MaxTerms = 8;

    /// <summary>The words of a query: letters and digits only, lower case, at most <see cref="MaxTerms"/>.</summary>
    public static List<string> Terms(string query) =>
        Word().Matches(query).Select(m => m.Value.ToLowerInvariant()).Where(w => w.Length <= 50).Distinct().Take(MaxTerms).ToList();

    /// <summary>Ids of segments (of any version) matching every term; compose with a latest-version filter.</summary>
    public static IQueryable<Guid> MatchingSegmentIds(StorytellingDbContext db, IReadOnlyList<string> terms)
    {
        if (db.Database.IsSqlite())
        {
            // FTS5 has no Dutch stemmer; porter (English) plus a light Dutch suffix strip and a prefix query stand in.
            var match = string.Join(" ", terms.Select(t => $"\"{LightDutchStem(t)}\"*"));
            return db.Database.SqlQuery<Guid>(
                $"SELECT f.\"SegmentId\" AS \"Value\" FROM \"TranscriptSegmentSearch\" f WHERE \"TranscriptSegmentSearch\" MATCH {match}");
        }
        var tsquery = string.Join(" & ", terms.Select(t => $"'{t}':*"));
        return db.Database.SqlQuery<Guid>(
            $"SELECT s.\"Id\" AS \"Value\" FROM \"TranscriptSegments\" s WHERE to_tsvector('dutch', s.\"Text\") @@ to_tsquery('dutch', {tsquery})");
    }

    /// <summary>Strips the common Dutch inflections (-en, -te, -de, -e, -s) and a doubled last consonant, never below 3 letters.</summary>
    public static string LightDutchStem(string word)
    {
        var w = word;
        foreach (var suffix in new[] { "heden", "ingen", "en", "ten", "den", "te", "de", "e", "s" })
        {
            if (w.Length - suffix.Length >= 3 && w.EndsWith(suffix, StringComparison.Ordinal)) { w = w[..^suffix.Length]; break; }
        }
        if (w.Length >= 4 && w[^1] == w[^2] && !"aeiou".Contains(w[^1])) w = w[..^1];
        return w;
    }

    /// <summary>Whether a search word could reveal a hidden original (it is a prefix of one of its words, either way round).</summary>
    public static bool TouchesOriginal(IReadOnlyList<string> terms, IEnumerable<string> originals)
    {
        var words = originals.SelectMany(o => Word().Matches(o).Select(m => Fold(m.Value))).ToHashSet();
        return terms.Any(t =>
        {
            var stem = Fold(LightDutchStem(t));
            var full = Fold(t);
            return words.Any(w => w.StartsWith(stem, StringComparison.Ordinal) || w.StartsWith(full, StringComparison.Ordinal)
                || full.StartsWith(w, StringComparison.Ordinal));
        });
    }

    /// <summary>About <paramref name="width"/> characters around the first word starting with a term's stem, cut at spaces.</summary>
    public static string Snippet(string text, IReadOnlyList<string> terms, int width = 160)
    {
        var folded = Fold(text);
        var at = -1;
        foreach (Match m in Word().Matches(folded))
        {
            if (terms.Any(t => m.Value.StartsWith(Fold(LightDutchStem(t)), StringComparison.Ordinal))) { at = m.Index; break; }
        }
        if (at < 0) at = 0;
        var start = Math.Max(0, at - width / 3);
        if (start > 0) { var space = text.IndexOf(' ', start); start = space >= 0 && space < at ? space + 1 : start; }
        var end = Math.Min(text.Length, start + width);
        if (end < text.Length) { var space = text.LastIndexOf(' ', end); end = space > at ? space : end; }
        return (start > 0 ? "…" : "") + text[start..end].Trim() + (end < text.Length ? "…" : "");
    }

    /// <summary>Lower case without diacritics, one char per char so offsets stay valid ("één" → "een").</summary>
    private static string Fold(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            var d = c.ToString().Normalize(NormalizationForm.FormD);
            sb.Append(char.ToLowerInvariant(d.Length > 0 && CharUnicodeInfo.GetUnicodeCategory(d[0]) != UnicodeCategory.NonSpacingMark ? d[0] : c));
        }
        return sb.ToString();
    }

    /// <summary>Latest transcript version of each story, as a filter on segments.</summary>
    public static IQueryable<TranscriptSegment> InLatestVersion(StorytellingDbContext db, IQueryable<TranscriptSegment> segments) =>
        segments.Where(seg => db.Transcripts.Any(t => t.Id == seg.TranscriptId
            && t.Version == db.Transcripts.Where(x => x.StoryId == t.StoryId).Max(x => x.Version)));

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
