using Storytelling.Core.Evaluation;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Pages.Projects;

/// <summary>Dutch words for the evaluation pages, in one place.</summary>
public static class EvaluationText
{
    public static readonly System.Globalization.CultureInfo Nl = System.Globalization.CultureInfo.GetCultureInfo("nl-NL");

    /// <summary>What a phase opens or closes, in one line for the timeline.</summary>
    public static string Opens(ProjectPhase phase) => phase switch
    {
        ProjectPhase.Gather => "Vertel-links staan open: verhalen komen binnen.",
        ProjectPhase.Analyse => "Vertel-links zijn dicht; samen coderen en werksessies.",
        ProjectPhase.Experiment => "Verbetervoorstellen en experimenten uitvoeren.",
        ProjectPhase.CoEvaluate => "Evaluatierondes met een eigen vertel-link en vraag.",
        _ => "",
    };

    public static string Status(ExperimentStatus status) => status switch
    {
        ExperimentStatus.Voorstel => "Voorstel",
        ExperimentStatus.Lopend => "Lopend",
        ExperimentStatus.Afgerond => "Afgerond",
        ExperimentStatus.Gestopt => "Gestopt",
        _ => status.ToString(),
    };

    public static string Date(DateTimeOffset at) => at.ToLocalTime().ToString("d MMM yyyy", Nl);

    public static string Percent(double? value) => value is { } v ? v.ToString("0.#", Nl) + "%" : "–";

    public static string Change(double? value) => value switch
    {
        null => "–",
        > 0 => "+" + value.Value.ToString("0.#", Nl),
        _ => value.Value.ToString("0.#", Nl),
    };
}
