using System.Globalization;
using System.Text;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Storytelling.Web.Features.Reports.Charts;

/// <summary>A chart in a report's Markdown: its caption paragraph (<see cref="ReportCharts.Caption"/>) and the table under it.</summary>
public sealed record FoundChart(ParagraphBlock Caption, Table Table, BarChart Chart);

/// <summary>
/// A report's charts live in its Markdown as a caption line "Grafiek: …" directly above a pipe table: the first column
/// names the themes, every further column is a series of numbers (a header ending in "(%)" makes them percentages).
/// The table is the chart's data and stays in the report for screen readers and print; the HTML view and the Word
/// export draw the chart from it, so an editor who corrects a number corrects the chart, and they can never disagree.
/// </summary>
public static class ReportCharts
{
    public const string Caption = "Grafiek: ";
    private static readonly CultureInfo Dutch = CultureInfo.GetCultureInfo("nl-NL");

    public static List<FoundChart> Find(MarkdownDocument doc, IReadOnlyDictionary<string, string> colours)
    {
        var found = new List<FoundChart>();
        var blocks = doc.ToList();
        for (var i = 0; i + 1 < blocks.Count; i++)
        {
            if (blocks[i] is not ParagraphBlock caption || blocks[i + 1] is not Table table) continue;
            var text = Plain(caption.Inline);
            if (!text.StartsWith(Caption, StringComparison.Ordinal)) continue;
            if (FromTable(text[Caption.Length..].Trim(), table, colours) is { } chart) found.Add(new FoundChart(caption, table, chart));
        }
        return found;
    }

    private static BarChart? FromTable(string title, Table table, IReadOnlyDictionary<string, string> colours)
    {
        var rows = table.OfType<TableRow>().ToList();
        if (rows.Count < 2 || !rows[0].IsHeader || rows[0].Count < 2) return null;
        var headers = rows[0].OfType<TableCell>().Select(Plain).ToList();
        var unit = headers.Skip(1).All(h => h.EndsWith("(%)", StringComparison.Ordinal)) ? "%" : "";
        var seriesNames = headers.Skip(1).Select(h => unit.Length > 0 ? h[..^3].Trim() : h).ToList();
        var categories = new List<ChartCategory>();
        var values = seriesNames.Select(_ => new List<double?>()).ToList();
        var fallback = 0;
        foreach (var row in rows.Skip(1).Where(r => !r.IsHeader))
        {
            var cells = row.OfType<TableCell>().Select(Plain).ToList();
            if (cells.Count == 0) continue;
            var name = cells[0];
            var colour = colours.TryGetValue(name, out var c) ? c : BarChart.Fallback[fallback++ % BarChart.Fallback.Length];
            categories.Add(new ChartCategory(name, colour));
            for (var s = 0; s < seriesNames.Count; s++) values[s].Add(s + 1 < cells.Count ? Number(cells[s + 1]) : null);
        }
        if (categories.Count == 0 || values.All(v => v.All(x => x is null))) return null;
        return new BarChart(title, categories, seriesNames.Select((n, s) => new ChartSeries(n, values[s])).ToList(), unit);
    }

    /// <summary>"12", "12,5", "12.5", "12,5 %" — Dutch or invariant; anything else is no value.</summary>
    private static double? Number(string cell)
    {
        var text = cell.Replace("%", "", StringComparison.Ordinal).Trim();
        if (double.TryParse(text, NumberStyles.Float, Dutch, out var nl) && !text.Contains('.', StringComparison.Ordinal)) return nl;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    private static string Plain(ContainerBlock block) => string.Concat(block.Descendants<ParagraphBlock>().Select(p => Plain(p.Inline)));

    private static string Plain(ContainerInline? inline) => inline is null ? ""
        : string.Concat(inline.Descendants<LiteralInline>().Select(l => l.Content.ToString())).Trim();

    /// <summary>
    /// The report as safe HTML with each chart drawn: the Markdown is rendered and sanitised as always, with each chart's
    /// caption swapped for a placeholder paragraph first; the placeholder then becomes a figure holding the
    /// server-drawn SVG and the caption. The SVG is generated here from numbers and escaped names, never from input markup.
    /// </summary>
    public static string ToHtml(string markdown, IReadOnlyDictionary<string, string> colours)
    {
        var charts = Find(ReportMarkdown.Parse(markdown), colours);
        if (charts.Count == 0) return Scrollable(ReportMarkdown.ToSafeHtml(markdown));
        var token = "grafiek" + Guid.NewGuid().ToString("N");
        var source = new StringBuilder(markdown);
        for (var i = charts.Count - 1; i >= 0; i--)
        {
            var span = charts[i].Caption.Span;
            source.Remove(span.Start, span.Length).Insert(span.Start, $"{token}x{i}");
        }
        var html = ReportMarkdown.ToSafeHtml(source.ToString());
        for (var i = 0; i < charts.Count; i++)
        {
            var chart = charts[i].Chart;
            var figure = $"<figure class=\"report-chart\">{ChartSvg.Render(chart, $"{token}-{i}")}<figcaption>{System.Net.WebUtility.HtmlEncode(Caption + chart.Title)}</figcaption></figure>";
            html = html.Replace($"<p>{token}x{i}</p>", figure, StringComparison.Ordinal);
        }
        return Scrollable(html);
    }

    /// <summary>
    /// Each table in a region that scrolls sideways and takes keyboard focus, so a wide table on a phone keeps its
    /// words whole and can still be read with the keyboard (the sanitiser drops tabindex, so this comes after it).
    /// </summary>
    private static string Scrollable(string html) => html
        .Replace("<table>", "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Tabel\"><table>", StringComparison.Ordinal)
        .Replace("</table>", "</table></div>", StringComparison.Ordinal);
}
