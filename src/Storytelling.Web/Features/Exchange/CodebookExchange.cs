using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Codebook;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Exchange;

/// <summary>A code as REFI-QDA carries it: guid, name, colour, description (with our theme kind in it), sub-codes.</summary>
public sealed record QdaCode(Guid Id, string Name, string? Description, string Colour, ThemeKind Kind, IReadOnlyList<QdaCode> Children);

/// <summary>What a codebook import did: themes created, themes that already existed (same name, same parent) and were kept.</summary>
public sealed record CodebookImportResult(int Created, int Merged, IReadOnlyDictionary<Guid, Guid> ThemeIdByCode);

/// <summary>
/// The codebook in and out as REFI-QDA codes: the active themes as a tree (merged themes are history and stay home),
/// and a .qdc (or the codes of a .qdpx) into a project, merging by name under the same parent so an import never doubles.
/// </summary>
public static partial class CodebookExchange
{
    private const string KindPrefix = "[Soort: ";

    /// <summary>The active themes of a project, parents before children, siblings by name.</summary>
    public static async Task<List<QdaCode>> LoadAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null).ToListAsync(ct);
        var ids = themes.Select(t => t.Id).ToHashSet();
        // A theme whose parent is not active (should not happen after a merge, which re-parents) is shown at the top.
        var children = themes.ToLookup(t => t.ParentId is { } p && ids.Contains(p) ? p : (Guid?)null);
        List<QdaCode> Walk(Guid? parent) => children[parent].OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
            .Select(t => new QdaCode(t.Id, t.Name, t.Description, t.Colour, t.Kind, Walk(t.Id))).ToList();
        return Walk(null);
    }

    public static void WriteCodes(XmlWriter w, string ns, IEnumerable<QdaCode> codes)
    {
        w.WriteStartElement("Codes", ns);
        foreach (var code in codes) WriteCode(w, ns, code);
        w.WriteEndElement();
    }

    private static void WriteCode(XmlWriter w, string ns, QdaCode code)
    {
        w.WriteStartElement("Code", ns);
        w.WriteAttributeString("guid", QdaXml.FormatGuid(code.Id));
        w.WriteAttributeString("name", code.Name);
        w.WriteAttributeString("isCodable", "true");
        w.WriteAttributeString("color", code.Colour);
        var description = DescriptionWithKind(code.Description, code.Kind);
        if (description is not null) w.WriteElementString("Description", ns, description);
        foreach (var child in code.Children) WriteCode(w, ns, child);
        w.WriteEndElement();
    }

    /// <summary>REFI-QDA has no field for knelpunt/wens/kracht; a last line "[Soort: Knelpunt]" keeps it readable in
    /// every tool and lets it come back on import.</summary>
    private static string? DescriptionWithKind(string? description, ThemeKind kind)
    {
        if (kind == ThemeKind.Overig) return description;
        var suffix = KindPrefix + kind + "]";
        return string.IsNullOrWhiteSpace(description) ? suffix : description + "\n\n" + suffix;
    }

    public static void WriteCodebook(Stream output, IReadOnlyList<QdaCode> codes)
    {
        using var w = QdaXml.CreateWriter(output);
        w.WriteStartDocument();
        w.WriteStartElement("CodeBook", QdaXml.CodebookNamespace);
        w.WriteAttributeString("origin", QdaXml.Origin);
        WriteCodes(w, QdaXml.CodebookNamespace, codes);
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    /// <summary>Reads a .qdc. Throws <see cref="ExchangeRefusedException"/> with one sentence when it cannot be used.</summary>
    public static List<QdaCode> ReadCodebook(Stream input, ExchangeOptions options)
    {
        XDocument doc;
        try
        {
            using var reader = XmlReader.Create(input, QdaXml.ReaderSettings(options.MaxCodebookBytes));
            doc = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new ExchangeRefusedException($"Het codeboek is geen geldig XML-bestand (regel {e.LineNumber}).");
        }
        XNamespace ns = QdaXml.CodebookNamespace;
        if (doc.Root is not { } root || root.Name != ns + "CodeBook")
            throw new ExchangeRefusedException("Dit is geen REFI-QDA-codeboek (.qdc): het hoofdelement CodeBook ontbreekt.");
        var counter = new int[1];
        return ReadCodes(root.Element(ns + "Codes"), ns, options, counter, new HashSet<Guid>());
    }

    /// <summary>Reads the codes under a Codes element (of a .qdc or a project.qde's CodeBook).</summary>
    public static List<QdaCode> ReadCodes(XElement? codes, XNamespace ns, ExchangeOptions options, int[] counter, HashSet<Guid> seen)
    {
        if (codes is null) return [];
        return codes.Elements(ns + "Code").Select(c => ReadCode(c, ns, options, counter, seen)).ToList();
    }

    private static QdaCode ReadCode(XElement e, XNamespace ns, ExchangeOptions options, int[] counter, HashSet<Guid> seen)
    {
        if (++counter[0] > options.MaxCodes)
            throw new ExchangeRefusedException($"Het codeboek heeft meer dan {options.MaxCodes} codes.");
        var name = ((string?)e.Attribute("name")) is { } raw ? TextInput.Clean(raw, singleLine: true).Trim() : null;
        if (string.IsNullOrEmpty(name)) throw new ExchangeRefusedException("Een code in het codeboek heeft geen naam.");
        if (name.Length > CodebookService.MaxNameLength)
            throw new ExchangeRefusedException($"De code ‘{name[..40]}…’ heeft een naam van meer dan {CodebookService.MaxNameLength} tekens.");
        if (!QdaXml.TryParseGuid((string?)e.Attribute("guid"), out var guid))
            throw new ExchangeRefusedException($"De code ‘{name}’ heeft geen geldige GUID.");
        if (!seen.Add(guid)) throw new ExchangeRefusedException($"De GUID van code ‘{name}’ komt twee keer voor.");
        var (description, kind) = SplitKind(e.Element(ns + "Description")?.Value is { } text ? TextInput.Clean(text, singleLine: false) : null);
        if (description is { Length: > CodebookService.MaxDescriptionLength })
            throw new ExchangeRefusedException($"De beschrijving van code ‘{name}’ is langer dan {CodebookService.MaxDescriptionLength} tekens.");
        var colour = QdaXml.NormaliseColour((string?)e.Attribute("color")) ?? "#808080";
        var children = e.Elements(ns + "Code").Select(c => ReadCode(c, ns, options, counter, seen)).ToList();
        return new QdaCode(guid, name, description, colour, kind, children);
    }

    private static (string? Description, ThemeKind Kind) SplitKind(string? description)
    {
        if (description is null) return (null, ThemeKind.Overig);
        var match = KindSuffix().Match(description);
        if (!match.Success || !Enum.TryParse<ThemeKind>(match.Groups[1].Value, out var kind)) return (Blank(description), ThemeKind.Overig);
        return (Blank(description[..match.Index]), kind);
    }

    private static string? Blank(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>
    /// Adds the codes to the project's codebook (not saved: the caller saves, inside its own transaction). A code whose
    /// name (case-insensitive) already exists as an active theme under the same parent is merged into it — its colour
    /// and description stay as the project has them — and its sub-codes are merged below it the same way.
    /// </summary>
    public static async Task<CodebookImportResult> ImportAsync(StorytellingDbContext db, TimeProvider time, Guid projectId, Guid? me,
        IReadOnlyList<QdaCode> codes, CancellationToken ct)
    {
        var existing = await db.Themes.Where(t => t.ProjectId == projectId && t.MergedIntoId == null).ToListAsync(ct);
        // A project may hold two active siblings whose names differ only in case (from before names were checked):
        // the oldest takes the imported codes, instead of the import failing on the double.
        var byParentAndName = new Dictionary<(Guid?, string), Theme>();
        foreach (var t in existing.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id)) byParentAndName.TryAdd((t.ParentId, Key(t.Name)), t);
        var map = new Dictionary<Guid, Guid>();
        int created = 0, merged = 0;
        var now = time.GetUtcNow();
        void Add(QdaCode code, Guid? parentId)
        {
            if (!byParentAndName.TryGetValue((parentId, Key(code.Name)), out var theme))
            {
                theme = new Theme
                {
                    ProjectId = projectId, ParentId = parentId, Name = code.Name, Description = code.Description, Colour = code.Colour,
                    Kind = code.Kind, CreatedByPersonId = me, CreatedAt = now,
                };
                db.Themes.Add(theme);
                db.ThemeEvents.Add(new ThemeEvent
                {
                    ProjectId = projectId, ThemeId = theme.Id, Kind = ThemeEventKind.Proposed, After = "(geïmporteerd) " + Clip(code.Name),
                    ByPersonId = me, At = now,
                });
                byParentAndName[(parentId, Key(code.Name))] = theme;
                created++;
            }
            else merged++;
            map[code.Id] = theme.Id;
            foreach (var child in code.Children) Add(child, theme.Id);
        }
        foreach (var code in codes) Add(code, null);
        return new CodebookImportResult(created, merged, map);
    }

    private static string Key(string name) => ThemeNames.Key(name);

    private static string Clip(string s) => s.Length > 380 ? s[..380] : s;

    [GeneratedRegex(@"\[Soort: (\w+)\]\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex KindSuffix();
}
