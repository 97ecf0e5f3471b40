using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Markdig.Extensions.Footnotes;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using MdTable = Markdig.Extensions.Tables.Table;
using MdFootnote = Markdig.Extensions.Footnotes.Footnote;
using WFootnote = DocumentFormat.OpenXml.Wordprocessing.Footnote;
using MdTableRow = Markdig.Extensions.Tables.TableRow;
using MdTableCell = Markdig.Extensions.Tables.TableCell;
using WTable = DocumentFormat.OpenXml.Wordprocessing.Table;
using WTableRow = DocumentFormat.OpenXml.Wordprocessing.TableRow;
using WTableCell = DocumentFormat.OpenXml.Wordprocessing.TableCell;
using Storytelling.Web.Features.Reports.Charts;

namespace Storytelling.Web.Features.Reports;

/// <summary>
/// Writes a report's Markdown as a Word document by walking Markdig's syntax tree, so the edited text is what lands in
/// Word: headings become Heading 1–3, block quotes the "Quote" style, footnotes real Word footnotes (the provenance of
/// each quote), pipe tables Word tables, a chart's table (see <see cref="ReportCharts"/>) also a Word chart. Links stay
/// links only for http(s); anything else becomes plain text.
/// </summary>
public static class ReportDocx
{
    public static void Write(Stream output, string markdown, string title, DateTimeOffset created, IReadOnlyDictionary<string, string>? colours = null)
    {
        var doc = ReportMarkdown.Parse(markdown);
        var charts = ReportCharts.Find(doc, colours ?? new Dictionary<string, string>()).ToDictionary(c => (Block)c.Caption, c => c.Chart);
        uint drawings = 0;
        using var word = WordprocessingDocument.Create(output, WordprocessingDocumentType.Document);
        word.PackageProperties.Title = title;
        word.PackageProperties.Creator = "Storytelling";
        word.PackageProperties.Created = created.UtcDateTime;
        word.PackageProperties.Modified = created.UtcDateTime;
        word.PackageProperties.Language = "nl-NL";

        var main = word.AddMainDocumentPart();
        main.AddNewPart<StyleDefinitionsPart>().Styles = Styles();
        var notesPart = main.AddNewPart<FootnotesPart>();
        var notes = new Footnotes(
            new WFootnote(new Paragraph(new Run(new SeparatorMark()))) { Type = FootnoteEndnoteValues.Separator, Id = -1 },
            new WFootnote(new Paragraph(new Run(new ContinuationSeparatorMark()))) { Type = FootnoteEndnoteValues.ContinuationSeparator, Id = 0 });
        var writer = new Writer(main, notesPart, notes);

        var body = new Body();
        foreach (var block in doc)
        {
            if (block is FootnoteGroup group)
            {
                foreach (var footnote in group.OfType<MdFootnote>()) writer.AddFootnote(footnote);
                continue;
            }
            // A chart's caption ("Grafiek: …") gets the chart drawn above it; the table of its numbers follows.
            if (charts.TryGetValue(block, out var chart)) body.Append(ChartDocx.Paragraph(main, chart, ++drawings));
            foreach (var element in writer.Block(block, null)) body.Append(element);
        }
        body.Append(new SectionProperties(
            new PageSize { Width = 11906, Height = 16838 },
            new PageMargin { Top = 1440, Bottom = 1440, Left = 1440, Right = 1440, Header = 708, Footer = 708, Gutter = 0 }));
        main.Document = new Document(body);
        notesPart.Footnotes = notes;
        main.AddNewPart<DocumentSettingsPart>().Settings = new Settings(
            new FootnoteDocumentWideProperties(new FootnoteSpecialReference { Id = -1 }, new FootnoteSpecialReference { Id = 0 }));
    }

    private sealed class Writer(MainDocumentPart main, FootnotesPart notesPart, Footnotes notes)
    {
        private readonly Dictionary<MdFootnote, int> _ids = [];
        // A hyperlink's relationship belongs to the part its text sits in: the document, or the footnotes.
        private OpenXmlPart _linkPart = main;

        private int IdOf(MdFootnote footnote)
        {
            if (!_ids.TryGetValue(footnote, out var id)) _ids[footnote] = id = _ids.Count + 1;
            return id;
        }

        public void AddFootnote(MdFootnote footnote)
        {
            var paragraphs = new List<OpenXmlElement>();
            _linkPart = notesPart;
            foreach (var block in footnote) paragraphs.AddRange(Block(block, "FootnoteText"));
            _linkPart = main;
            if (paragraphs.FirstOrDefault() is not Paragraph first) paragraphs.Insert(0, first = new Paragraph(Style("FootnoteText")));
            first.InsertAfter(new Run(new RunProperties(new RunStyle { Val = "FootnoteReference" }), new FootnoteReferenceMark()),
                first.GetFirstChild<ParagraphProperties>());
            first.InsertAfter(new Run(new Text(" ") { Space = SpaceProcessingModeValues.Preserve }), first.Elements<Run>().First());
            notes.Append(new WFootnote(paragraphs) { Id = IdOf(footnote) });
        }

        public IEnumerable<OpenXmlElement> Block(Block block, string? style)
        {
            switch (block)
            {
                case HeadingBlock h:
                    yield return Paragraph(style ?? $"Heading{Math.Clamp(h.Level, 1, 3)}", h.Inline);
                    break;
                case ParagraphBlock p:
                    yield return Paragraph(style, p.Inline);
                    break;
                case QuoteBlock q:
                    foreach (var child in q)
                        foreach (var e in Block(child, "Quote")) yield return e;
                    break;
                case ListBlock list:
                    var n = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                    foreach (var item in list.OfType<ListItemBlock>())
                    {
                        var bullet = list.IsOrdered ? $"{n++}. " : "• ";
                        var first = true;
                        foreach (var child in item)
                        {
                            foreach (var e in Block(child, style ?? "ListParagraph"))
                            {
                                if (first && e is Paragraph para)
                                {
                                    para.InsertAfter(TextRun(bullet, null), para.GetFirstChild<ParagraphProperties>());
                                    first = false;
                                }
                                yield return e;
                            }
                        }
                    }
                    break;
                case MdTable table:
                    yield return Table(table);
                    yield return new Paragraph(Style("Normal"));
                    break;
                case CodeBlock code:
                    foreach (var line in code.Lines.Lines.Take(code.Lines.Count))
                        yield return new Paragraph(Style("Code"), TextRun(line.Slice.ToString(), null));
                    break;
                case ThematicBreakBlock:
                    yield return new Paragraph(new ParagraphProperties(new ParagraphBorders(
                        new BottomBorder { Val = BorderValues.Single, Size = 6, Space = 1, Color = "999999" })));
                    break;
                case ContainerBlock container:
                    foreach (var child in container)
                        foreach (var e in Block(child, style)) yield return e;
                    break;
                case LeafBlock leaf when leaf.Inline is not null:
                    yield return Paragraph(style, leaf.Inline);
                    break;
            }
        }

        private WTable Table(MdTable table)
        {
            var grid = new TableGrid();
            var columns = table.ColumnDefinitions.Count(c => c is not null);
            var rows = table.OfType<MdTableRow>().ToList();
            columns = Math.Max(columns, rows.Count == 0 ? 1 : rows.Max(r => r.Count));
            // Columns share the text width by their longest cell, so a theme's name gets room and a count does not.
            var longest = Enumerable.Range(0, columns).Select(i => 2 + rows.Max(r => i < r.Count && r[i] is MdTableCell c ? Plain(c).Length : 0)).ToArray();
            var total = Math.Max(1, longest.Sum());
            for (var i = 0; i < columns; i++)
                grid.Append(new GridColumn { Width = (9026 * longest[i] / total).ToString(System.Globalization.CultureInfo.InvariantCulture) });
            var result = new WTable(new TableProperties(new TableStyle { Val = "TableGrid" }, new TableWidth { Type = TableWidthUnitValues.Pct, Width = "5000" }), grid);
            foreach (var row in rows)
            {
                var tr = new WTableRow();
                if (row.IsHeader) tr.Append(new TableRowProperties(new TableHeader()));
                for (var i = 0; i < columns; i++)
                {
                    var cell = i < row.Count ? row[i] as MdTableCell : null;
                    var paragraph = cell?.OfType<ParagraphBlock>().FirstOrDefault() is { } p ? Paragraph("TableText", p.Inline, bold: row.IsHeader) : new Paragraph(Style("TableText"));
                    var alignment = i < table.ColumnDefinitions.Count ? table.ColumnDefinitions[i]?.Alignment : null;
                    if (alignment is TableColumnAlign.Right)
                        paragraph.ParagraphProperties!.Append(new Justification { Val = JustificationValues.Right });
                    tr.Append(new WTableCell(new TableCellProperties(new TableCellWidth { Width = grid.Elements<GridColumn>().ElementAt(i).Width!.Value, Type = TableWidthUnitValues.Dxa }), paragraph));
                }
                result.Append(tr);
            }
            return result;
        }

        private Paragraph Paragraph(string? style, ContainerInline? inlines, bool bold = false)
        {
            var p = new Paragraph(Style(style ?? "Normal"));
            if (inlines is not null) Inlines(p, inlines, new Format(bold, false, false, false));
            return p;
        }

        private void Inlines(OpenXmlElement parent, ContainerInline container, Format format)
        {
            foreach (var inline in container)
            {
                switch (inline)
                {
                    case LiteralInline literal:
                        parent.Append(TextRun(literal.Content.ToString(), format));
                        break;
                    case CodeInline code:
                        parent.Append(TextRun(code.Content, format with { Code = true }));
                        break;
                    case HtmlEntityInline entity:
                        parent.Append(TextRun(entity.Transcoded.ToString(), format));
                        break;
                    case LineBreakInline br:
                        parent.Append(br.IsHard ? new Run(new Break()) : TextRun(" ", format));
                        break;
                    case FootnoteLink { IsBackLink: false } link:
                        parent.Append(new Run(new RunProperties(new RunStyle { Val = "FootnoteReference" }), new FootnoteReference { Id = IdOf(link.Footnote) }));
                        break;
                    case FootnoteLink:
                        break;
                    case AutolinkInline auto:
                        parent.Append(Link(auto.Url, auto.IsEmail ? null : auto.Url, format, null));
                        break;
                    case LinkInline link:
                        parent.Append(link.IsImage ? TextRun(Plain(link), format) : Link(link.GetDynamicUrl?.Invoke() ?? link.Url, null, format, link));
                        break;
                    case EmphasisInline emphasis:
                        var f = emphasis.DelimiterChar == '~' ? format with { Strike = true }
                            : emphasis.DelimiterCount >= 2 ? format with { Bold = true } : format with { Italic = true };
                        Inlines(parent, emphasis, f);
                        break;
                    case ContainerInline inner:
                        Inlines(parent, inner, format);
                        break;
                    default:
                        var text = inline.ToString();
                        if (!string.IsNullOrEmpty(text)) parent.Append(TextRun(text, format));
                        break;
                }
            }
        }

        /// <summary>A Word hyperlink for http(s) targets; other schemes (javascript:, file:) are written as text and never become links.</summary>
        private OpenXmlElement Link(string? url, string? text, Format format, LinkInline? link)
        {
            if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                var relationship = _linkPart.AddHyperlinkRelationship(uri, true);
                var hyperlink = new Hyperlink { Id = relationship.Id, History = true };
                if (link is not null) Inlines(hyperlink, link, format);
                else hyperlink.Append(TextRun(text ?? url, format, "Hyperlink"));
                foreach (var run in hyperlink.Descendants<Run>())
                {
                    var props = run.RunProperties ??= new RunProperties();
                    if (props.RunStyle is null) props.PrependChild(new RunStyle { Val = "Hyperlink" });
                }
                return hyperlink;
            }
            if (link is not null)
            {
                var span = new Paragraph();
                Inlines(span, link, format);
                return new Run(new Text(string.Concat(span.Descendants<Text>().Select(t => t.Text))) { Space = SpaceProcessingModeValues.Preserve });
            }
            return TextRun(text ?? url ?? "", format);
        }

        private static string Plain(ContainerInline container) =>
            string.Concat(container.Descendants<LiteralInline>().Select(l => l.Content.ToString()));

        private static string Plain(ContainerBlock block) =>
            string.Concat(block.Descendants<LiteralInline>().Select(l => l.Content.ToString()));
    }

    private static ParagraphProperties Style(string id) => new(new ParagraphStyleId { Val = id });

    private static Run TextRun(string text, Format? format, string? characterStyle = null)
    {
        var props = new RunProperties();
        if (characterStyle is not null) props.Append(new RunStyle { Val = characterStyle });
        if (format?.Code == true) props.Append(new RunFonts { Ascii = "Consolas", HighAnsi = "Consolas" });
        if (format?.Bold == true) props.Append(new Bold());
        if (format?.Italic == true) props.Append(new Italic());
        if (format?.Strike == true) props.Append(new Strike());
        var run = new Run();
        if (props.HasChildren) run.Append(props);
        run.Append(new Text(XmlSafe(text)) { Space = SpaceProcessingModeValues.Preserve });
        return run;
    }

    private sealed record Format(bool Bold, bool Italic, bool Strike, bool Code);

    /// <summary>XML 1.0 cannot carry most control characters; a pasted one must not make the document unreadable.</summary>
    private static string XmlSafe(string text) =>
        text.Any(c => c < 0x20 && c is not '\t' and not '\n' and not '\r' || c is '\uFFFE' or '\uFFFF')
            ? new string(text.Where(c => !(c < 0x20 && c is not '\t' and not '\n' and not '\r') && c is not '\uFFFE' and not '\uFFFF').ToArray())
            : text;

    private static Styles Styles()
    {
        static Style Paragraph(string id, string name, string? basedOn, StyleRunProperties? run = null, StyleParagraphProperties? paragraph = null, bool primary = true)
        {
            var s = new Style { Type = StyleValues.Paragraph, StyleId = id };
            s.Append(new StyleName { Val = name });
            if (basedOn is not null) s.Append(new BasedOn { Val = basedOn });
            s.Append(new NextParagraphStyle { Val = "Normal" });
            if (primary) s.Append(new PrimaryStyle());
            if (paragraph is not null) s.Append(paragraph);
            if (run is not null) s.Append(run);
            return s;
        }
        static StyleParagraphProperties Spacing(int before, int after, int level = -1)
        {
            var p = new StyleParagraphProperties(new KeepNext(), new SpacingBetweenLines { Before = before.ToString(System.Globalization.CultureInfo.InvariantCulture), After = after.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            if (level >= 0) p.Append(new OutlineLevel { Val = level });
            return p;
        }
        static RunProperties Font(int halfPoints, bool bold = false, bool italic = false, string? colour = null)
        {
            var r = new RunProperties();
            if (bold) r.Append(new Bold());
            if (italic) r.Append(new Italic());
            if (colour is not null) r.Append(new Color { Val = colour });
            r.Append(new FontSize { Val = halfPoints.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            return r;
        }

        var normal = new Style { Type = StyleValues.Paragraph, StyleId = "Normal", Default = true };
        normal.Append(new StyleName { Val = "Normal" }, new PrimaryStyle(),
            new StyleParagraphProperties(new SpacingBetweenLines { After = "160", Line = "276", LineRule = LineSpacingRuleValues.Auto }),
            new StyleRunProperties(new RunFonts { Ascii = "Calibri", HighAnsi = "Calibri", ComplexScript = "Calibri" }, new FontSize { Val = "22" }, new Languages { Val = "nl-NL" }));

        var quoteParagraph = new StyleParagraphProperties(
            new ParagraphBorders(new LeftBorder { Val = BorderValues.Single, Size = 18, Space = 8, Color = "6B7A99" }),
            new SpacingBetweenLines { Before = "120", After = "120" },
            new Indentation { Left = "567", Right = "567" });

        var footnoteReference = new Style { Type = StyleValues.Character, StyleId = "FootnoteReference" };
        footnoteReference.Append(new StyleName { Val = "footnote reference" }, new StyleRunProperties(new VerticalTextAlignment { Val = VerticalPositionValues.Superscript }));
        var hyperlink = new Style { Type = StyleValues.Character, StyleId = "Hyperlink" };
        hyperlink.Append(new StyleName { Val = "Hyperlink" }, new StyleRunProperties(new Color { Val = "0B5CAD" }, new Underline { Val = UnderlineValues.Single }));
        var tableGrid = new Style { Type = StyleValues.Table, StyleId = "TableGrid" };
        tableGrid.Append(new StyleName { Val = "Table Grid" }, new StyleTableProperties(new TableBorders(
            new TopBorder { Val = BorderValues.Single, Size = 4, Color = "999999" }, new LeftBorder { Val = BorderValues.Single, Size = 4, Color = "999999" },
            new BottomBorder { Val = BorderValues.Single, Size = 4, Color = "999999" }, new RightBorder { Val = BorderValues.Single, Size = 4, Color = "999999" },
            new InsideHorizontalBorder { Val = BorderValues.Single, Size = 4, Color = "999999" }, new InsideVerticalBorder { Val = BorderValues.Single, Size = 4, Color = "999999" }),
            new TableCellMarginDefault(new TopMargin { Width = "40", Type = TableWidthUnitValues.Dxa }, new TableCellLeftMargin { Width = 80, Type = TableWidthValues.Dxa },
                new BottomMargin { Width = "40", Type = TableWidthUnitValues.Dxa }, new TableCellRightMargin { Width = 80, Type = TableWidthValues.Dxa })));

        return new Styles(
            new DocDefaults(new RunPropertiesDefault(new RunPropertiesBaseStyle(new Languages { Val = "nl-NL" })), new ParagraphPropertiesDefault()),
            normal,
            Paragraph("Heading1", "heading 1", "Normal", ToStyleRun(Font(36, bold: true, colour: "1F3864")), Spacing(360, 120, 0)),
            Paragraph("Heading2", "heading 2", "Normal", ToStyleRun(Font(28, bold: true, colour: "1F3864")), Spacing(280, 100, 1)),
            Paragraph("Heading3", "heading 3", "Normal", ToStyleRun(Font(24, bold: true, colour: "1F3864")), Spacing(200, 80, 2)),
            Paragraph("Quote", "Quote", "Normal", ToStyleRun(Font(22, italic: true, colour: "333333")), quoteParagraph),
            Paragraph("FootnoteText", "footnote text", "Normal", ToStyleRun(Font(18)),
                new StyleParagraphProperties(new SpacingBetweenLines { After = "0", Line = "240", LineRule = LineSpacingRuleValues.Auto }), primary: false),
            Paragraph("ListParagraph", "List Paragraph", "Normal", null, new StyleParagraphProperties(new Indentation { Left = "360", Hanging = "360" })),
            Paragraph("TableText", "Table Text", "Normal", ToStyleRun(Font(20)), new StyleParagraphProperties(new SpacingBetweenLines { After = "0" }), primary: false),
            Paragraph("Code", "Code", "Normal", ToStyleRun(new RunProperties(new RunFonts { Ascii = "Consolas", HighAnsi = "Consolas" }, new FontSize { Val = "20" })),
                new StyleParagraphProperties(new SpacingBetweenLines { After = "0" }), primary: false),
            footnoteReference, hyperlink, tableGrid);
    }

    private static StyleRunProperties ToStyleRun(RunProperties run) => new(run.ChildElements.Select(c => c.CloneNode(true)));
}
