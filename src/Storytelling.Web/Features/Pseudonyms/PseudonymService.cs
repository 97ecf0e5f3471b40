using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Pseudonyms;

/// <summary>
/// What one reader may see of a story's text: for a reader with see-originals it leaves text as spoken, for everyone
/// else it replaces every project-wide and story pseudonym. Every endpoint that returns transcript text, quotes or
/// snippets goes through <see cref="ForReaderAsync"/>.
/// </summary>
public sealed class PseudonymService(StorytellingDbContext db, CurrentMember members)
{
    /// <summary>Whether this person may see originals in this project (the see-originals rule, on the request's
    /// <see cref="CurrentMember"/> roles).</summary>
    public async Task<bool> SeesOriginalsAsync(Guid projectId, Guid? personId, CancellationToken ct) =>
        Policies.Allows(Policies.SeeOriginals, await members.RolesOfAsync(personId, projectId, ct));

    /// <summary>A text filter for one story (or, with <paramref name="storyId"/> null, for project-wide pseudonyms only).</summary>
    public async Task<PseudonymFilter> ForReaderAsync(Guid projectId, Guid? storyId, bool seesOriginals, CancellationToken ct)
    {
        if (seesOriginals) return PseudonymFilter.None;
        var list = await db.Pseudonyms.AsNoTracking()
            .Where(p => p.ProjectId == projectId && (p.StoryId == null || p.StoryId == storyId)).ToListAsync(ct);
        return new PseudonymFilter(list);
    }

    /// <summary>Filters for many stories at once (search results, overviews): one query, one filter per story.</summary>
    public async Task<Func<Guid, PseudonymFilter>> ForReaderAsync(Guid projectId, bool seesOriginals, CancellationToken ct)
    {
        if (seesOriginals) return _ => PseudonymFilter.None;
        var all = await db.Pseudonyms.AsNoTracking().Where(p => p.ProjectId == projectId).ToListAsync(ct);
        var projectWide = all.Where(p => p.StoryId == null).ToList();
        var perStory = all.Where(p => p.StoryId != null).ToLookup(p => p.StoryId!.Value);
        var cache = new Dictionary<Guid, PseudonymFilter>();
        return storyId =>
        {
            if (!cache.TryGetValue(storyId, out var filter))
                cache[storyId] = filter = new PseudonymFilter([.. projectWide, .. perStory[storyId]]);
            return filter;
        };
    }

    /// <summary>Every original of the project, for refusing searches that would reveal where a hidden name occurs.</summary>
    public Task<List<string>> OriginalsAsync(Guid projectId, CancellationToken ct) =>
        db.Pseudonyms.AsNoTracking().Where(p => p.ProjectId == projectId).Select(p => p.Original).ToListAsync(ct);

    /// <summary>The next free stand-in of a kind for the project: "Persoon A", "Persoon B", … "Persoon Z", "Persoon AA".</summary>
    public async Task<string> SuggestAsync(Guid projectId, string kind, CancellationToken ct)
    {
        var prefix = kind + " ";
        var taken = (await db.Pseudonyms.AsNoTracking().Where(p => p.ProjectId == projectId && p.Replacement.StartsWith(prefix))
            .Select(p => p.Replacement).ToListAsync(ct)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var n = 0; ; n++)
        {
            var candidate = prefix + Letters(n);
            if (!taken.Contains(candidate)) return candidate;
        }
    }

    private static string Letters(int n)
    {
        var s = "";
        for (n++; n > 0; n = (n - 1) / 26) s = (char)('A' + (n - 1) % 26) + s;
        return s;
    }
}

/// <summary>Applies one reader's pseudonyms to text; <see cref="None"/> leaves text untouched.</summary>
public sealed class PseudonymFilter(IReadOnlyCollection<Pseudonym> pseudonyms)
{
    public static readonly PseudonymFilter None = new([]);
    private PseudonymText.Replacer? _replacer;
    public IReadOnlyCollection<Pseudonym> Pseudonyms { get; } = pseudonyms;
    public string Apply(string text) => (_replacer ??= new PseudonymText.Replacer(Pseudonyms)).Apply(text);

    private PseudonymFilter? _silenced;

    /// <summary>
    /// Whether the text says a name this reader must not hear (a pseudonym with SilenceAudio). Where a recording has
    /// word times the name is silenced in it (Transcripts/SilencedAudio); where it has none its audio is withheld.
    /// </summary>
    public bool SilencesAudioIn(string text)
    {
        _silenced ??= new PseudonymFilter(Pseudonyms.Where(p => p.SilenceAudio).ToList());
        return _silenced.Pseudonyms.Count > 0 && !string.Equals(_silenced.Apply(text), text, StringComparison.Ordinal);
    }
}
