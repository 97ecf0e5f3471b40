using System.Net;
using System.Text.RegularExpressions;

namespace Storytelling.Tests.Translation;

/// <summary>
/// Finds Dutch words left in a page that should be in another language: the visible text, attribute values people
/// see or hear (aria-label, title, placeholder, alt, value of buttons) and the strings handed to scripts (the
/// ui-text JSON block). Common Dutch function words are a sure sign; English rarely uses any of them.
/// Pass the data the page shows (project names, stories) as <c>allowed</c> text, which is removed first; the
/// language links (NL, EN, العربية) are left out.
/// </summary>
public static partial class DutchWords
{
    private static readonly HashSet<string> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        "de", "het", "een", "en", "van", "voor", "niet", "naar", "met", "op", "je", "jouw", "zijn", "wordt", "worden",
        "deze", "dit", "die", "dat", "geen", "nog", "ook", "maar", "bij", "uit", "alle", "kan", "kun", "mag",
        "verhaal", "verhalen", "opslaan", "terug", "traject", "trajecten", "thema", "thema's", "wachtrij",
        "verwijderen", "toevoegen", "nieuwe", "nieuw", "maken", "bekijk", "downloaden", "sluiten", "begeleider",
        "bewoner", "beleidsmedewerker", "werksessie", "stemmen", "fase", "rapport", "omhoog", "omlaag", "uitloggen",
        "wachtwoord", "inloggen", "tijdlijn", "vertellers", "verteller", "deelnemers", "annuleren", "bewaren",
    };

    public static IReadOnlyList<string> Find(string html, params string[] allowed)
    {
        var text = new List<string>();
        foreach (Match json in UiTextBlock().Matches(html)) text.Add(json.Groups[1].Value);
        var body = Scripts().Replace(html, " ");
        body = LanguageLinks().Replace(body, " ");
        body = Styles().Replace(body, " ");
        foreach (Match attribute in SeenAttributes().Matches(body)) text.Add(attribute.Groups[2].Value);
        text.Add(Tags().Replace(body, " "));
        var all = WebUtility.HtmlDecode(string.Join(" ", text));
        all = Regex.Unescape(all.Replace("\\\"", "'", StringComparison.Ordinal));
        foreach (var data in allowed.Where(a => a.Length > 0)) all = all.Replace(data, " ", StringComparison.Ordinal);
        return WordPattern().Matches(all).Select(m => m.Value).Where(Words.Contains).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    [GeneratedRegex("""<script type="application/json" id="ui-text">(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex UiTextBlock();

    [GeneratedRegex("<script\\b.*?</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Scripts();

    [GeneratedRegex("""<nav class="lang(?:s|-switch)".*?</nav>""", RegexOptions.Singleline)]
    private static partial Regex LanguageLinks();

    [GeneratedRegex("<style\\b.*?</style>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Styles();

    [GeneratedRegex("""\b(aria-label|title|placeholder|alt|aria-description|data-confirm)="([^"]*)" """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex SeenAttributes();

    [GeneratedRegex("<[^>]*>", RegexOptions.Singleline)]
    private static partial Regex Tags();

    [GeneratedRegex("[\\p{L}']+")]
    private static partial Regex WordPattern();
}
