using System.Text.RegularExpressions;

namespace Storytelling.Core.Analysis;

/// <summary>
/// Replaces every pseudonymised name or place in a text in one pass: whole words only, case-insensitive, longest
/// original first (so "Jan de Vries" wins over "Jan"), and a replacement is never replaced again.
/// </summary>
public static class PseudonymText
{
    public static string Apply(string text, IReadOnlyCollection<Pseudonym> pseudonyms)
    {
        if (pseudonyms.Count == 0 || text.Length == 0) return text;
        var ordered = pseudonyms.Where(p => p.Original.Trim().Length > 0)
            .OrderByDescending(p => p.Original.Length).ToList();
        if (ordered.Count == 0) return text;
        var pattern = @"(?<![\p{L}\p{N}])(?:" + string.Join("|", ordered.Select(p => Regex.Escape(p.Original.Trim()))) + @")(?![\p{L}\p{N}])";
        var regex = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
        return regex.Replace(text, m =>
            ordered.First(p => string.Equals(p.Original.Trim(), m.Value, StringComparison.OrdinalIgnoreCase)).Replacement);
    }
}
