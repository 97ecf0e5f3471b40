using System.Text.RegularExpressions;
using System.Xml.Linq;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Translation;

/// <summary>
/// Every string has every language, and every key a page asks for exists: a missing translation would silently show
/// Dutch, a mistyped key would show the key itself.
/// </summary>
public sealed partial class ResourceCompletenessTests
{
    private static readonly string Web = Path.Combine(Repo.Root, "src", "Storytelling.Web");

    public static TheoryData<string> NeutralResources()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Web, "*.resx", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Where(f => Path.GetFileNameWithoutExtension(f).Split('.').Length == 1)
                     .Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Web, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(NeutralResources))]
    public void Each_resource_has_an_English_translation_with_the_same_keys_and_placeholders(string neutral)
    {
        var dutch = Read(Path.Combine(Web, neutral));
        Assert.NotEmpty(dutch);
        var baseName = Path.Combine(Web, neutral)[..^".resx".Length];
        var translations = Directory.EnumerateFiles(Path.GetDirectoryName(baseName)!, Path.GetFileName(baseName) + ".*.resx").ToList();
        Assert.Contains(translations, t => t.EndsWith(".en.resx", StringComparison.Ordinal));
        foreach (var translation in translations)
        {
            var other = Read(translation);
            var name = Path.GetFileName(translation);
            Assert.True(dutch.Keys.Order().SequenceEqual(other.Keys.Order()),
                $"{name}: missing [{string.Join(", ", dutch.Keys.Except(other.Keys))}], extra [{string.Join(", ", other.Keys.Except(dutch.Keys))}]");
            foreach (var (key, value) in dutch)
            {
                Assert.False(string.IsNullOrWhiteSpace(other[key]), $"{name}: {key} is empty");
                Assert.True(Placeholders(value).SetEquals(Placeholders(other[key])), $"{name}: {key} has other placeholders than the Dutch text");
            }
        }
    }

    [Fact]
    public void Every_key_a_page_asks_for_exists_in_its_resources()
    {
        var shared = Read(Path.Combine(Web, "Features", "Translation", "SharedText.resx"));
        var teller = Read(Path.Combine(Web, "Features", "Tellers", "TellerText.resx"));
        var problems = new List<string>();
        foreach (var page in Directory.EnumerateFiles(Path.Combine(Web, "Pages"), "*.cshtml", SearchOption.AllDirectories))
        {
            var razor = RazorComment().Replace(File.ReadAllText(page), "");
            var own = page[..^".cshtml".Length] + ".resx";
            var ownKeys = File.Exists(own) ? Read(own) : new Dictionary<string, string>();
            foreach (Match m in PageKey().Matches(razor))
                if (!ownKeys.ContainsKey(m.Groups[1].Value)) problems.Add($"{Path.GetRelativePath(Web, page)}: L[\"{m.Groups[1].Value}\"]");
            foreach (Match m in SharedKey().Matches(razor))
                if (!shared.ContainsKey(m.Groups[1].Value)) problems.Add($"{Path.GetRelativePath(Web, page)}: S[\"{m.Groups[1].Value}\"]");
            foreach (Match m in TellerKey().Matches(razor))
                if (!teller.ContainsKey(m.Groups[1].Value)) problems.Add($"{Path.GetRelativePath(Web, page)}: T[\"{m.Groups[1].Value}\"]");
        }
        foreach (var code in Directory.EnumerateFiles(Web, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            foreach (Match m in SharedCall().Matches(File.ReadAllText(code)))
                if (!shared.ContainsKey(m.Groups[1].Value)) problems.Add($"{Path.GetRelativePath(Web, code)}: SharedText \"{m.Groups[1].Value}\"");
        Assert.True(problems.Count == 0, "Keys without a string: " + string.Join("; ", problems));
    }

    private static Dictionary<string, string> Read(string path) =>
        XDocument.Load(path).Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

    private static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"\{(\d+)[^}]*\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("""\bL\["([^"]+)"\]""")]
    private static partial Regex PageKey();

    [GeneratedRegex("""\bS\["([^"]+)"\]""")]
    private static partial Regex SharedKey();

    [GeneratedRegex("""\bT\["([^"]+)"\]""")]
    private static partial Regex TellerKey();

    [GeneratedRegex(@"@\*.*?\*@", RegexOptions.Singleline)]
    private static partial Regex RazorComment();

    [GeneratedRegex("""SharedText\.(?:Get|Format)\("([^"]+)"\)?""")]
    private static partial Regex SharedCall();
}
