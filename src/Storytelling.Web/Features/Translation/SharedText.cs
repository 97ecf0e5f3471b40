using System.Globalization;
using System.Resources;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Features.Translation;

/// <summary>
/// Strings several pages share (header, roles, phases, statuses), in SharedText.resx (Dutch) and .en/.ar. Pages
/// inject <c>IStringLocalizer&lt;SharedText&gt;</c> as <c>S</c>; code without a localizer at hand (a DTO, a
/// static helper) uses <see cref="Get"/>, which reads the same resources in the request's language.
/// </summary>
public sealed class SharedText
{
    private static readonly ResourceManager Resources = new(typeof(SharedText).FullName!, typeof(SharedText).Assembly);

    public static string Get(string key) => Resources.GetString(key, CultureInfo.CurrentUICulture) ?? key;

    public static string Format(string key, params object[] args) => string.Format(CultureInfo.CurrentCulture, Get(key), args);

    public static string Role(ProjectRole role) => Get("Role_" + role);

    public static string Phase(ProjectPhase phase) => Get("Phase_" + phase);

    /// <summary>What a phase opens or closes, in one line for the timeline.</summary>
    public static string PhaseOpens(ProjectPhase phase) => Get("PhaseOpens_" + phase);

    public static string Experiment(ExperimentStatus status) => Get("Experiment_" + status);
}
