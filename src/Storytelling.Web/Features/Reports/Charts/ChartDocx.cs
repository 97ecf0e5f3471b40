using System.Globalization;
using System.Text;
using System.Xml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Storytelling.Web.Features.Reports.Charts;

/// <summary>
/// A <see cref="BarChart"/> as a Word chart (DrawingML, a chart part of the document): Word and LibreOffice draw it
/// from the numbers cached in the part, it prints sharp at any size, the policy officer can restyle it, and the web
/// app needs no native drawing library to make it. Per theme the codebook colour; per series a pattern fill, so it
/// reads in black and white; every bar labelled with its value.
/// </summary>
public static class ChartDocx
{
    private const string C = "http://schemas.openxmlformats.org/drawingml/2006/chart";
    private const string A = "http://schemas.openxmlformats.org/drawingml/2006/main";
    private const string R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    private static readonly string[] Patterns = ["", "wdUpDiag", "pct50", "smCheck", "narHorz"];

    /// <summary>Adds the chart part and returns the paragraph that shows it (number <paramref name="n"/> in the document).</summary>
    public static Paragraph Paragraph(MainDocumentPart main, BarChart chart, uint n)
    {
        var part = main.AddNewPart<ChartPart>();
        using (var stream = part.GetStream(FileMode.Create, FileAccess.Write))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            writer.Write(ChartXml(chart));
        var id = main.GetIdOfPart(part);
        const long width = 5_760_000; // 16 cm, the text width of an A4 page with 2.5 cm margins
        var rows = chart.Categories.Count * chart.Series.Count;
        var height = (long)(360_000 * Math.Clamp(2.0 + 0.75 * rows + 0.4 * chart.Categories.Count, 5, 22));
        var alt = Escape($"{chart.Title}. De cijfers staan in de tabel onder de grafiek.");
        var drawing = $"""
            <w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
                xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="{A}" xmlns:c="{C}" xmlns:r="{R}">
              <wp:inline distT="0" distB="0" distL="0" distR="0">
                <wp:extent cx="{width}" cy="{height}"/>
                <wp:effectExtent l="0" t="0" r="0" b="0"/>
                <wp:docPr id="{n}" name="Grafiek {n}" descr="{alt}"/>
                <wp:cNvGraphicFramePr/>
                <a:graphic><a:graphicData uri="{C}"><c:chart r:id="{id}"/></a:graphicData></a:graphic>
              </wp:inline>
            </w:drawing>
            """;
        return new Paragraph(new ParagraphProperties(new KeepNext()), new Run(new Drawing(drawing)));
    }

    public static string ChartXml(BarChart chart)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"<c:chartSpace xmlns:c=\"{C}\" xmlns:a=\"{A}\" xmlns:r=\"{R}\"><c:roundedCorners val=\"0\"/><c:chart><c:autoTitleDeleted val=\"1\"/><c:plotArea><c:layout/>");
        sb.Append("<c:barChart><c:barDir val=\"bar\"/><c:grouping val=\"clustered\"/><c:varyColors val=\"0\"/>");
        var count = chart.Categories.Count;
        var format = chart.Unit == "%" ? "0.0\" %\"" : "0";
        for (var s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            var column = (char)('B' + Math.Min(s, 24));
            sb.Append(inv, $"<c:ser><c:idx val=\"{s}\"/><c:order val=\"{s}\"/>");
            sb.Append(inv, $"<c:tx><c:strRef><c:f>Blad1!${column}$1</c:f><c:strCache><c:ptCount val=\"1\"/><c:pt idx=\"0\"><c:v>{Escape(series.Name)}</c:v></c:pt></c:strCache></c:strRef></c:tx>");
            // The series' own fill is what its legend entry shows: the pattern on neutral grey. Each bar takes its theme's colour.
            sb.Append("<c:spPr>").Append(Fill(s, "6D6D6D")).Append("</c:spPr><c:invertIfNegative val=\"0\"/>");
            for (var i = 0; i < count; i++)
                sb.Append(inv, $"<c:dPt><c:idx val=\"{i}\"/><c:invertIfNegative val=\"0\"/><c:bubble3D val=\"0\"/><c:spPr>{Fill(s, Hex(chart.Categories[i].Colour))}</c:spPr></c:dPt>");
            sb.Append(inv, $"<c:dLbls><c:numFmt formatCode=\"{Escape(format)}\" sourceLinked=\"0\"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>");
            sb.Append("<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"900\"><a:solidFill><a:srgbClr val=\"1A1A1A\"/></a:solidFill></a:defRPr></a:pPr><a:endParaRPr lang=\"nl-NL\"/></a:p></c:txPr>");
            sb.Append("<c:dLblPos val=\"outEnd\"/><c:showLegendKey val=\"0\"/><c:showVal val=\"1\"/><c:showCatName val=\"0\"/><c:showSerName val=\"0\"/><c:showPercent val=\"0\"/><c:showBubbleSize val=\"0\"/></c:dLbls>");
            sb.Append(inv, $"<c:cat><c:strRef><c:f>Blad1!$A$2:$A${count + 1}</c:f><c:strCache><c:ptCount val=\"{count}\"/>");
            for (var i = 0; i < count; i++) sb.Append(inv, $"<c:pt idx=\"{i}\"><c:v>{Escape(chart.Categories[i].Name)}</c:v></c:pt>");
            sb.Append("</c:strCache></c:strRef></c:cat>");
            sb.Append(inv, $"<c:val><c:numRef><c:f>Blad1!${column}$2:${column}${count + 1}</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val=\"{count}\"/>");
            for (var i = 0; i < count; i++)
                if (series.Values[i] is { } v) sb.Append(inv, $"<c:pt idx=\"{i}\"><c:v>{v.ToString("R", inv)}</c:v></c:pt>");
            sb.Append("</c:numCache></c:numRef></c:val></c:ser>");
        }
        sb.Append("<c:gapWidth val=\"60\"/><c:axId val=\"1001\"/><c:axId val=\"1002\"/></c:barChart>");
        // Categories top to bottom in the table's order (a bar chart's axis starts at the bottom unless reversed).
        sb.Append("<c:catAx><c:axId val=\"1001\"/><c:scaling><c:orientation val=\"maxMin\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"l\"/>");
        sb.Append("<c:numFmt formatCode=\"General\" sourceLinked=\"0\"/><c:majorTickMark val=\"none\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>");
        sb.Append("<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"1000\"/></a:pPr><a:endParaRPr lang=\"nl-NL\"/></a:p></c:txPr>");
        sb.Append("<c:crossAx val=\"1002\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/><c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/><c:noMultiLvlLbl val=\"0\"/></c:catAx>");
        sb.Append("<c:valAx><c:axId val=\"1002\"/><c:scaling><c:orientation val=\"minMax\"/><c:min val=\"0\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"t\"/>");
        sb.Append("<c:majorGridlines><c:spPr><a:ln w=\"6350\"><a:solidFill><a:srgbClr val=\"D9D9D9\"/></a:solidFill></a:ln></c:spPr></c:majorGridlines>");
        sb.Append("<c:numFmt formatCode=\"General\" sourceLinked=\"0\"/><c:majorTickMark val=\"none\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>");
        sb.Append("<c:crossAx val=\"1001\"/><c:crosses val=\"max\"/><c:crossBetween val=\"between\"/>");
        // Counts step in whole numbers ("0.5 stories" is no tick a reader wants); percentages keep Word's own steps.
        if (chart.Unit.Length == 0 && chart.Max switch { <= 10 => 1, <= 20 => 2, <= 50 => 5, _ => 0 } is var step and > 0)
            sb.Append(inv, $"<c:majorUnit val=\"{step}\"/>");
        sb.Append("</c:valAx></c:plotArea>");
        if (chart.Series.Count > 1) sb.Append("<c:legend><c:legendPos val=\"t\"/><c:overlay val=\"0\"/></c:legend>");
        sb.Append("<c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart>");
        sb.Append("<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:chartSpace>");
        return sb.ToString();
    }

    /// <summary>Series 0 solid, later series a pattern in the colour on white; a dark outline keeps light colours visible in grey.</summary>
    private static string Fill(int series, string hex) =>
        (series == 0
            ? $"<a:solidFill><a:srgbClr val=\"{hex}\"/></a:solidFill>"
            : $"<a:pattFill prst=\"{Patterns[1 + (series - 1) % (Patterns.Length - 1)]}\"><a:fgClr><a:srgbClr val=\"{hex}\"/></a:fgClr><a:bgClr><a:srgbClr val=\"FFFFFF\"/></a:bgClr></a:pattFill>")
        + "<a:ln w=\"6350\"><a:solidFill><a:srgbClr val=\"1A1A1A\"/></a:solidFill></a:ln>";

    private static string Hex(string colour) => ChartSvg.Colour(colour)[1..].ToUpperInvariant();

    private static string Escape(string text)
    {
        var clean = new string(text.Where(XmlConvert.IsXmlChar).ToArray());
        return System.Security.SecurityElement.Escape(clean) ?? "";
    }
}
