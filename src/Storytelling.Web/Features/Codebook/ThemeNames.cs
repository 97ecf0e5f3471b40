using System.Text;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;

namespace Storytelling.Web.Features.Codebook;

/// <summary>
/// The rule for theme names: unique among the active themes under the same parent, compared after Unicode NFC,
/// trimming and collapsing runs of white space, without regard to case ("Dubbel", " dubbel " and "DUBBEL" are one name).
/// Enforced in code (no unique index): a project may hold such doubles from before, and every reader copes with them.
/// </summary>
public static class ThemeNames
{
    /// <summary>The form two names are compared in.</summary>
    public static string Key(string name)
    {
        var normal = name.Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(normal.Length);
        var space = false;
        foreach (var c in normal.Trim())
        {
            if (char.IsWhiteSpace(c)) { space = true; continue; }
            if (space) builder.Append(' ');
            space = false;
            builder.Append(c);
        }
        return builder.ToString().ToUpperInvariant();
    }

    public static bool Same(string a, string b) => string.Equals(Key(a), Key(b), StringComparison.Ordinal);

    /// <summary>The active sibling (under <paramref name="parentId"/>, other than <paramref name="except"/>) that already
    /// has this name, or null.</summary>
    public static async Task<string?> TakenAsync(StorytellingDbContext db, Guid projectId, Guid? parentId, string name, Guid? except,
        CancellationToken ct)
    {
        var siblings = await db.Themes.AsNoTracking()
            .Where(t => t.ProjectId == projectId && t.ParentId == parentId && t.MergedIntoId == null && t.Id != except)
            .Select(t => t.Name).ToListAsync(ct);
        var key = Key(name);
        return siblings.FirstOrDefault(s => Key(s) == key);
    }

    /// <summary>The sentence for a name already taken, in Dutch and English (the codebook is used in both).</summary>
    public static string TakenMessage(string existing) =>
        $"Er is al een thema ‘{existing}’ op deze plek; kies een andere naam of voeg de thema's samen. " +
        $"A theme ‘{existing}’ already exists here (names are compared without regard to case); choose another name or merge the themes.";
}
