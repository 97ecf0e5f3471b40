using Ganss.Xss;
using Markdig;
using Markdig.Extensions.Footnotes;
using Markdig.Syntax;

namespace Storytelling.Web.Features.Reports;

/// <summary>
/// The report's Markdown dialect and what happens to it: rendered to HTML that cannot run anything, parsed for the
/// Word export, and scrubbed of a withdrawn story's material.
/// </summary>
public static class ReportMarkdown
{
    /// <summary>
    /// CommonMark plus footnotes (provenance) and pipe tables (counts). Raw HTML is off: whatever an editor types
    /// between angle brackets is shown as text, never parsed as markup.
    /// </summary>
    public static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseFootnotes()
        .UsePipeTables()
        .UseEmphasisExtras()
        .DisableHtml()
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    private static HtmlSanitizer CreateSanitizer()
    {
        var s = new HtmlSanitizer();
        s.AllowedSchemes.Clear();
        foreach (var scheme in (string[])["http", "https", "mailto"]) s.AllowedSchemes.Add(scheme);
        // Footnote anchors ("#fn:1") and their back links need ids and classes; styles and event handlers stay out.
        s.AllowedAttributes.Add("id");
        s.AllowedAttributes.Add("class");
        s.AllowedAttributes.Remove("style");
        s.AllowedTags.Remove("img");
        s.AllowedTags.Remove("form");
        return s;
    }

    /// <summary>Markdown to HTML, then sanitised as a second wall: even if a Markdig extension let something through, no script survives.</summary>
    public static string ToSafeHtml(string markdown) => Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));

    public static MarkdownDocument Parse(string markdown) => Markdown.Parse(markdown, Pipeline);

    /// <summary>
    /// Removes one story's material from a report's Markdown: the block quotes that cite it (by its footnote or its
    /// id) become <see cref="ReportDrafting.Marker"/>, its footnotes and source lines go, and any copy of its quote
    /// text an editor moved elsewhere is replaced too. What remains holds no word of the story and not its id.
    /// </summary>
    public static string RemoveStory(string markdown, Guid storyId, IEnumerable<string> quoteTexts)
    {
        var id = storyId.ToString();
        var doc = Parse(markdown);
        var cuts = new List<(int Start, int End, string With)>();
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var footnote in doc.Descendants<Footnote>())
        {
            if (!Slice(markdown, footnote.Span).Contains(id, StringComparison.OrdinalIgnoreCase)) continue;
            // Markdig keeps the caret in the label ("^q1") and starts the footnote's span after "[^q1]: ", so the
            // reference is matched without a doubled caret and the cut starts at the line, taking the label with it.
            if (footnote.Label is { } label) labels.Add(label.TrimStart('^'));
            var lineStart = footnote.Span.Start <= 0 ? 0 : markdown.LastIndexOf('\n', footnote.Span.Start - 1) + 1;
            cuts.Add((lineStart, footnote.Span.End, ""));
        }
        foreach (var quote in doc.Descendants<QuoteBlock>())
        {
            var text = Slice(markdown, quote.Span);
            if (text.Contains(id, StringComparison.OrdinalIgnoreCase) || labels.Any(l => text.Contains($"[^{l}]", StringComparison.Ordinal)))
                cuts.Add((quote.Span.Start, quote.Span.End, "> " + ReportDrafting.Marker));
        }
        foreach (var item in doc.Descendants<ListItemBlock>())
        {
            if (Slice(markdown, item.Span).Contains(id, StringComparison.OrdinalIgnoreCase)) cuts.Add((item.Span.Start, item.Span.End, ""));
        }

        // Outermost cuts win; inner ones fall inside them. Applied from the end so earlier offsets stay valid.
        var outer = cuts.OrderBy(c => c.Start).ThenByDescending(c => c.End)
            .Aggregate(new List<(int Start, int End, string With)>(), (kept, c) =>
            {
                if (kept.Count == 0 || c.Start > kept[^1].End) kept.Add(c);
                return kept;
            });
        var result = markdown;
        foreach (var (start, end, with) in Enumerable.Reverse(outer))
        {
            var stop = Math.Min(result.Length, end + 1);
            result = result[..start] + with + result[stop..];
        }
        foreach (var text in quoteTexts.Where(t => t.Length > 0).OrderByDescending(t => t.Length))
        {
            result = result.Replace(ReportDrafting.Escape(text), ReportDrafting.Marker, StringComparison.Ordinal)
                .Replace(text, ReportDrafting.Marker, StringComparison.Ordinal);
        }
        return result.Replace(id, "[verwijderd]", StringComparison.OrdinalIgnoreCase);
    }

    private static string Slice(string text, SourceSpan span) =>
        span.IsEmpty || span.Start < 0 ? "" : text[span.Start..Math.Min(text.Length, span.End + 1)];
}
