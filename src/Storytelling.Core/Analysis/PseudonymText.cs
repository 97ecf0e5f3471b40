using System.Text.RegularExpressions;

namespace Storytelling.Core.Analysis;

/// <summary>
/// Replaces every pseudonymised name or place in a text in one pass: whole words only, case-insensitive, longest
/// original first (so "Jan de Vries" wins over "Jan"), and a replacement is never replaced again.
/// </summary>
public static class PseudonymText
{
    public static string Apply(string text, IReadOnlyCollection<Pseudonym> pseudonyms) => new Replacer(pseudonyms).Apply(text);

    /// <summary>
    /// The pattern for one set of pseudonyms, built once: an export applies the same set to thousands of segments,
    /// and building the regex per segment was most of the time of a pseudonymised 1,000-story export.
    /// </summary>
    public sealed class Replacer
    {
        private readonly Regex? _regex;
        private readonly Dictionary<string, string> _replacements = new(StringComparer.OrdinalIgnoreCase);

        public Replacer(IReadOnlyCollection<Pseudonym> pseudonyms)
        {
            var ordered = pseudonyms.Where(p => p.Original.Trim().Length > 0)
                .OrderByDescending(p => p.Original.Length).ToList();
            if (ordered.Count == 0) return;
            // The first of equal originals wins (a story's own pseudonym is listed before the project's).
            foreach (var p in ordered) _replacements.TryAdd(p.Original.Trim(), p.Replacement);
            var pattern = @"(?<![\p{L}\p{N}])(?:" + string.Join("|", ordered.Select(p => Regex.Escape(p.Original.Trim()))) + @")(?![\p{L}\p{N}])";
            _regex = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
        }

        /// <summary>How often the text says one of the originals (by the same whole-word, case-insensitive rule).</summary>
        public int CountIn(string text) => _regex is null || text.Length == 0 ? 0 : _regex.Count(text);

        public string Apply(string text) =>
            _regex is null || text.Length == 0 ? text : _regex.Replace(text, m => _replacements[m.Value]);
    }
}
