using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Storytelling.Web.Features.Reports.Charts;

/// <summary>
/// Draws a <see cref="BarChart"/> as inline SVG on the server: no script, no external file, so it shows in the page,
/// in the downloaded HTML report (whose CSP allows no images) and in print. Every text is XML-escaped.
/// </summary>
public static partial class ChartSvg
{
    private const int Width = 420, Pad = 8, LabelHeight = 20, BarHeight = 16, BarGap = 4, GroupGap = 12, LegendHeight = 26, ValueRoom = 64;

    public static string Render(BarChart chart, string id)
    {
        var inv = CultureInfo.InvariantCulture;
        var legend = chart.Series.Count > 1;
        var groupHeight = LabelHeight + chart.Series.Count * (BarHeight + BarGap) + GroupGap;
        var height = Pad * 2 + (legend ? LegendHeight : 0) + chart.Categories.Count * groupHeight;
        var max = chart.Max <= 0 ? 1 : chart.Max;
        var barSpace = Width - 2 * Pad - ValueRoom;
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{id}-t\">");
        sb.Append(inv, $"<title id=\"{id}-t\">{Escape(chart.Title)}</title>");
        sb.Append("<defs>");
        for (var s = 1; s < chart.Series.Count; s++) sb.Append(Pattern(id, s));
        sb.Append("</defs>");
        sb.Append("<g font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"13\" fill=\"#1a1a1a\">");
        var y = Pad;
        if (legend)
        {
            var x = Pad;
            for (var s = 0; s < chart.Series.Count; s++)
            {
                sb.Append(Bar(id, s, x, y + 4, 16, 14, "#6d6d6d"));
                var name = chart.Series[s].Name;
                sb.Append(inv, $"<text x=\"{x + 22}\" y=\"{y + 16}\">{Escape(name)}</text>");
                x += 22 + 8 * name.Length + 24;
            }
            y += LegendHeight;
        }
        for (var c = 0; c < chart.Categories.Count; c++)
        {
            var category = chart.Categories[c];
            sb.Append(inv, $"<text x=\"{Pad}\" y=\"{y + 14}\" font-weight=\"600\">{Escape(category.Name)}</text>");
            var by = y + LabelHeight;
            for (var s = 0; s < chart.Series.Count; s++)
            {
                var value = chart.Series[s].Values[c];
                var w = value is { } v && v > 0 ? Math.Max(2, barSpace * v / max) : 0;
                if (w > 0) sb.Append(Bar(id, s, Pad, by, w, BarHeight, Colour(category.Colour)));
                var label = chart.Format(value);
                sb.Append(inv, $"<text x=\"{Pad + w + 6:0.#}\" y=\"{by + 12}\" font-size=\"12\">{Escape(label)}</text>");
                by += BarHeight + BarGap;
            }
            y += groupHeight;
        }
        sb.Append("</g></svg>");
        return sb.ToString();
    }

    /// <summary>A bar in its colour with a dark outline (visible in grey print whatever the colour), and the series' pattern over it.</summary>
    private static string Bar(string id, int series, double x, double y, double w, double h, string colour)
    {
        var inv = CultureInfo.InvariantCulture;
        var bar = string.Format(inv, "<rect x=\"{0:0.#}\" y=\"{1:0.#}\" width=\"{2:0.#}\" height=\"{3:0.#}\" fill=\"{4}\" stroke=\"#1a1a1a\" stroke-width=\"1\"/>", x, y, w, h, colour);
        if (series > 0)
            bar += string.Format(inv, "<rect x=\"{0:0.#}\" y=\"{1:0.#}\" width=\"{2:0.#}\" height=\"{3:0.#}\" fill=\"url(#{4}-p{5})\"/>", x, y, w, h, id, series);
        return bar;
    }

    /// <summary>White marks over the colour: stripes, dots, cross-hatch, horizontal lines — told apart without colour.</summary>
    private static string Pattern(string id, int series) => (series % 4) switch
    {
        1 => $"<pattern id=\"{id}-p{series}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#fff\" fill-opacity=\"0.8\"/></pattern>",
        2 => $"<pattern id=\"{id}-p{series}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><circle cx=\"3\" cy=\"3\" r=\"1.6\" fill=\"#fff\" fill-opacity=\"0.9\"/></pattern>",
        3 => $"<pattern id=\"{id}-p{series}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><path d=\"M0 0L6 6M6 0L0 6\" stroke=\"#fff\" stroke-width=\"1.4\" stroke-opacity=\"0.85\"/></pattern>",
        _ => $"<pattern id=\"{id}-p{series}\" width=\"6\" height=\"5\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"2\" fill=\"#fff\" fill-opacity=\"0.85\"/></pattern>",
    };

    /// <summary>Only "#RRGGBB" reaches an attribute; anything else (a hand-edited value) falls back to grey.</summary>
    public static string Colour(string colour) => HexColour().IsMatch(colour) ? colour : "#6d6d6d";

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex HexColour();

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? "";
}
