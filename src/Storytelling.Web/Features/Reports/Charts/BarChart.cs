using System.Globalization;

namespace Storytelling.Web.Features.Reports.Charts;

/// <summary>One row of bars: a category (a theme) with its codebook colour.</summary>
public sealed record ChartCategory(string Name, string Colour);

/// <summary>One series (residents, a round…): a value per category, null where there is none.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double?> Values);

/// <summary>
/// A horizontal bar chart as a beleidsnota carries it: categories down the side in their codebook colours, one bar per
/// series, each series with its own pattern (solid, stripes, dots…) so it reads in black-and-white print, every bar
/// labelled with its number. The same numbers always stand in a table beside it.
/// </summary>
public sealed record BarChart(string Title, IReadOnlyList<ChartCategory> Categories, IReadOnlyList<ChartSeries> Series, string Unit = "",
    CultureInfo? Culture = null)
{
    private static readonly CultureInfo Dutch = CultureInfo.GetCultureInfo("nl-NL");

    public double Max => Series.SelectMany(s => s.Values).Max(v => v ?? 0);

    /// <summary>"12", "12,5 %": the chart's culture (a report is Dutch), the unit after a space.</summary>
    public string Format(double? value) => value is not { } v ? "–"
        : v.ToString(Math.Abs(v % 1) < 1e-9 ? "0" : "0.#", Culture ?? Dutch) + (Unit.Length > 0 ? " " + Unit : "");

    /// <summary>
    /// The colours themes get when the codebook has none for a name (a renamed theme in an old report): dark, distinct
    /// and far enough apart in lightness to tell apart in grey.
    /// </summary>
    public static readonly string[] Fallback = ["#1F4E79", "#C55A11", "#548235", "#7030A0", "#BF9000", "#2E75B6", "#A50021", "#3B3838"];
}
