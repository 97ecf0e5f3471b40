using Storytelling.Core.Analysis;
using Storytelling.Core.Evaluation;

namespace Storytelling.Core.Stories;

/// <summary>
/// The teller's consent to the analysis, said once: a story without it is out of every reading, count, board,
/// report, export and link, whoever asks (only readers who see all stories list it, to record or withdraw consent).
/// The query filters are written per entity, because EF Core translates a predicate only where it is written out
/// in the expression; each says the same as <see cref="AllowsAnalysis"/>.
/// </summary>
public static class AnalysisConsent
{
    public static bool AllowsAnalysis(this ConsentScopes scopes) => (scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis;

    /// <summary>Stories whose teller agreed to the analysis.</summary>
    public static IQueryable<Story> Analysable(this IQueryable<Story> stories) =>
        stories.Where(s => (s.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis);

    /// <summary>Codings in transcripts of stories whose teller agreed to the analysis.</summary>
    public static IQueryable<Coding> OfAnalysableStories(this IQueryable<Coding> codings) =>
        codings.Where(c => (c.Transcript!.Story!.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis);

    /// <summary>Links from experiments to stories whose teller agreed to the analysis.</summary>
    public static IQueryable<ExperimentStory> OfAnalysableStories(this IQueryable<ExperimentStory> links) =>
        links.Where(l => (l.Story!.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis);
}
