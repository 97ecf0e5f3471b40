using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;
using static Storytelling.Web.Features.Exchange.RefiQdaImport;

namespace Storytelling.Web.Features.Exchange;

/// <summary>
/// Turns the Sources of a project.qde into planned stories, tolerating what real tools write and reporting, per source,
/// what cannot come: text from PlainTextContent, a .txt, or the .docx beside an empty .txt (NVivo); PDF text from its
/// Representation or from the PDF itself; audio and video with their transcripts and sync points (ATLAS.ti), also when
/// the media file itself was left out of the zip.
/// </summary>
internal sealed partial class SourceReader(QdpxArchive archive, string? basePath, string? origin, HashSet<Guid> codeGuids, NoteBook notes,
    Report report, bool allowVideo)
{
    /// <summary>The code under which selections with a memo but no code come in (a theme made for them).</summary>
    public static readonly Guid MemoCode = new("6d656d6f-0000-4000-8000-000000000001");

    private static readonly XNamespace Ns = QdaXml.ProjectNamespace;
    private readonly HashSet<Guid> _sourceGuids = [];
    private readonly Dictionary<string, int> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly ImportPlan _plan = new();
    private readonly HashSet<string> _transcriptEntries = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<PlannedStory> _transcriptTexts = [];

    public ImportPlan Read(XElement? sources)
    {
        if (sources is null) return _plan;
        foreach (var transcript in sources.Elements().Elements(Ns + "Transcript"))
        {
            if (archive.Resolve((string?)transcript.Attribute("plainTextPath"), basePath) is { } entry) _transcriptEntries.Add(entry.FullName);
        }
        foreach (var source in sources.Elements())
        {
            var name = CleanName((string?)source.Attribute("name"));
            if (QdaXml.TryParseGuid((string?)source.Attribute("guid"), out var guid) && !_sourceGuids.Add(guid))
            {
                report.Add("source-duplicate", name, "Deze bron staat twee keer in het project (dezelfde GUID); de tweede keer is overgeslagen.");
                continue;
            }
            var local = source.Name.LocalName;
            if (source.Name.Namespace != Ns) local = "";
            switch (local)
            {
                case "TextSource": ReadTextSource(source, name); break;
                case "PDFSource": ReadPdfSource(source, name); break;
                case "AudioSource": ReadMediaSource(source, name, video: false); break;
                case "VideoSource": ReadMediaSource(source, name, video: true); break;
                case "PictureSource":
                    report.Add("source-type", name, "Afbeeldingen kunnen hier niet worden geanalyseerd; deze bron kwam niet mee.");
                    break;
                default:
                    report.Add("source-type", name, $"Onbekend soort bron ({Shorten(source.Name.LocalName)}); deze bron kwam niet mee.");
                    break;
            }
        }
        MergeTranscriptTexts();
        return _plan;
    }

    private void ReadTextSource(XElement source, string? name)
    {
        var transcriptText = archive.Resolve((string?)source.Attribute("plainTextPath"), basePath) is { } entry && _transcriptEntries.Contains(entry.FullName);
        var story = TextStory(source, name, source, source, register: !transcriptText);
        if (story is null) return;
        if (transcriptText) _transcriptTexts.Add(story);
        else _plan.Stories.Add(story);
    }

    private void ReadPdfSource(XElement source, string? name)
    {
        // A Representation is the PDF's text as the tool saw it; its selections count in it.
        if (source.Element(Ns + "Representation") is { } representation)
        {
            if (TextStory(representation, name, representation, source) is { } represented) { _plan.Stories.Add(represented); CountPdfSelections(source, name); }
            return;
        }
        var entry = archive.Resolve((string?)source.Attribute("path"), basePath) ?? archive.Resolve((string?)source.Attribute("currentPath"), basePath);
        if (entry is null)
        {
            report.Add("source-text-missing", name, "Het PDF-bestand zit niet in het .qdpx-bestand; deze bron kwam niet mee.");
            return;
        }
        var text = archive.ReadPdf(entry, TranscriptApi.MaxTotalLength);
        if (text is null)
        {
            report.Add("source-pdf-unreadable", name, "Het PDF-bestand is beschadigd of versleuteld en kon niet worden gelezen.");
            return;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            report.Add("source-pdf-no-text", name,
                "Deze PDF bevat geen tekst, alleen beelden (zoals een scan); laat er eerst tekstherkenning (OCR) op los en importeer opnieuw.");
            return;
        }
        if (text.Length > TranscriptApi.MaxTotalLength)
        {
            report.Add("source-too-long", name, $"De tekst is langer dan {TranscriptApi.MaxTotalLength} tekens.");
            return;
        }
        var story = NewStory(name, source);
        story.Text = new ImportText(TextInput.Clean(text, singleLine: false), crlfCountsOne: true);
        _plan.Stories.Add(story);
        CountPdfSelections(source, name);
    }

    private void CountPdfSelections(XElement source, string? name)
    {
        foreach (var _ in source.Elements(Ns + "PDFSelection"))
            report.Add("selection-pdf", name, "Een selectie op een PDF-pagina is een vlak, geen stuk tekst; zo'n selectie kwam niet mee.");
    }

    private void ReadMediaSource(XElement source, string? name, bool video)
    {
        var entry = archive.Resolve((string?)source.Attribute("path"), basePath) ?? archive.Resolve((string?)source.Attribute("currentPath"), basePath);
        var transcripts = source.Elements(Ns + "Transcript").ToList();
        var keepMedia = entry is not null && (!video || allowVideo);
        if (transcripts.Count == 0)
        {
            if (entry is null)
                report.Add("source-media-missing", name, "De opname zit niet in het .qdpx-bestand en heeft geen transcript; er was niets om te importeren.");
            else if (!keepMedia)
                report.Add("source-video", name, "Dit project neemt alleen geluid aan; de video heeft geen transcript en kwam niet mee.");
            else
            {
                var story = NewStory(name, source);
                story.Audio = new PlannedAudio(entry!);
                _plan.Stories.Add(story);
            }
            ReportMediaSelections(source, name, "De opname heeft geen transcript, dus een fragment ervan heeft hier geen plaats.");
            return;
        }
        PlannedStory? first = null;
        foreach (var transcript in transcripts)
        {
            var label = transcripts.Count > 1 ? CleanName((string?)transcript.Attribute("name")) ?? name : name;
            var story = TextStory(transcript, label, null, source);
            if (story is null) continue;
            story.IsTranscript = true;
            ReadSyncPoints(transcript, story, label);
            if (keepMedia) story.Audio = new PlannedAudio(entry!);
            else if (entry is null)
                report.Add("audio-not-included", story.Name,
                    "De opname zat niet in het .qdpx-bestand: het transcript kwam mee met zijn tijden, zonder geluid.");
            else
                report.Add("video-not-included", story.Name, "Dit project neemt alleen geluid aan: het transcript kwam mee met zijn tijden, zonder de video.");
            _plan.Stories.Add(story);
            first ??= story;
        }
        if (first is null) ReportMediaSelections(source, name, "Het transcript van deze opname kwam niet mee, dus een fragment ervan ook niet.");
        else
        {
            foreach (var selection in source.Elements(Ns + (video ? "VideoSelection" : "AudioSelection")))
            {
                var begin = Long(selection, "begin");
                var end = Long(selection, "end");
                if (begin is null || end is null || end <= begin)
                {
                    report.Add("selection-outside", first.Name, "Een audiofragment heeft geen geldig begin en einde en kwam niet mee.");
                    continue;
                }
                AddSelection(first, selection, null, null, begin, end);
            }
        }
    }

    private void ReportMediaSelections(XElement source, string? name, string reason)
    {
        foreach (var _ in source.Elements().Where(e => e.Name == Ns + "AudioSelection" || e.Name == Ns + "VideoSelection"))
            report.Add("selection-untimed", name, reason);
    }

    /// <summary>A story from a TextSourceType element (a text source, a transcript, a PDF's representation), with its
    /// plain-text selections, codings of the whole source and notes; null (and reported) when its text cannot come.</summary>
    private PlannedStory? TextStory(XElement textElement, string? name, XElement? selectionHolder, XElement sourceElement, bool register = true)
    {
        var (raw, entryKey) = ReadText(textElement, name);
        if (raw is null) return null;
        var story = register ? NewStory(name, sourceElement) : new PlannedStory(name, name, Instant(sourceElement));
        story.TextEntry = entryKey;
        var selections = selectionHolder?.Elements(Ns + "PlainTextSelection").ToList() ?? [];
        story.Text = new ImportText(raw, CrlfCountsOne(raw, selections));
        foreach (var selection in selections)
        {
            var start = Long(selection, "startPosition");
            var end = Long(selection, "endPosition");
            var s = start is null ? -1 : story.Text.ToUtf16(start.Value);
            var e = end is null ? -1 : story.Text.ToUtf16(end.Value);
            if (s > e) (s, e) = (e, s);
            if (s < 0 || e < 0 || s == e)
            {
                report.Add("selection-outside", story.Name, "Een selectie lag buiten de tekst of was leeg en kwam niet mee.");
                continue;
            }
            AddSelection(story, selection, s, e, null, null);
        }
        // Codes on a whole source (REFI-QDA allows Coding directly under a source) code the whole text.
        if (selectionHolder is not null && story.Text.Text.Length > 0 && selectionHolder.Elements(Ns + "Coding").Any())
            AddSelection(story, selectionHolder, 0, story.Text.Text.Length, null, null, wholeSource: true);
        return story;
    }

    private void ReadSyncPoints(XElement transcript, PlannedStory story, string? name)
    {
        var byGuid = new Dictionary<Guid, int>();
        foreach (var point in transcript.Elements(Ns + "SyncPoint"))
        {
            var position = Long(point, "position");
            var ms = Long(point, "timeStamp");
            var utf16 = position is null ? -1 : story.Text!.ToUtf16(position.Value);
            if (utf16 < 0 || ms is null)
            {
                report.Add("syncpoint-outside", story.Name, "Een synchronisatiepunt lag buiten de tekst of had geen tijd en is overgeslagen.");
                continue;
            }
            story.Sync.Add((utf16, Math.Max(0, ms.Value)));
            if (QdaXml.TryParseGuid((string?)point.Attribute("guid"), out var guid)) byGuid[guid] = utf16;
        }
        foreach (var selection in transcript.Elements(Ns + "TranscriptSelection"))
        {
            var from = QdaXml.TryParseGuid((string?)selection.Attribute("fromSyncPoint"), out var f) && byGuid.TryGetValue(f, out var a) ? a : -1;
            var to = QdaXml.TryParseGuid((string?)selection.Attribute("toSyncPoint"), out var t) && byGuid.TryGetValue(t, out var b) ? b : -1;
            if (from > to) (from, to) = (to, from);
            if (from < 0 || from == to)
            {
                report.Add("selection-outside", story.Name ?? name, "Een transcriptselectie wees naar onbekende synchronisatiepunten en kwam niet mee.");
                continue;
            }
            AddSelection(story, selection, from, to, null, null);
        }
    }

    private void AddSelection(PlannedStory story, XElement selection, int? start, int? end, long? beginMs, long? endMs, bool wholeSource = false)
    {
        var codes = new List<Guid>();
        var memo = new List<string>();
        if (!wholeSource && selection.Element(Ns + "Description")?.Value is { } description && TextInput.Clean(description, singleLine: false).Trim() is { Length: > 0 } d)
            memo.Add(d);
        foreach (var coding in selection.Elements(Ns + "Coding"))
        {
            if (QdaXml.TryParseGuid((string?)coding.Element(Ns + "CodeRef")?.Attribute("targetGUID"), out var code) && codeGuids.Contains(code))
            {
                if (!codes.Contains(code)) codes.Add(code);
            }
            else report.Add("coding-unknown-code", story.Name, "Een codering wees naar een code die niet in het codeboek staat en kwam niet mee.");
            memo.AddRange(NoteTexts(coding));
        }
        if (!wholeSource) memo.AddRange(NoteTexts(selection));
        var text = memo.Count == 0 ? null : string.Join("\n\n", memo);
        if (text is { Length: > CodingService.MaxMemoLength }) text = text[..CodingService.MaxMemoLength];
        if (codes.Count == 0)
        {
            if (text is null)
            {
                if (!selection.Elements(Ns + "Coding").Any())
                    report.Add("selection-empty", story.Name, "Een selectie zonder code en zonder memo heeft hier geen betekenis en kwam niet mee.");
                return;
            }
            // A quotation with only a comment (ATLAS.ti, MAXQDA) keeps its words under a theme made for such memos.
            codes.Add(MemoCode);
            _plan.NeedsMemoTheme = true;
        }
        story.Selections.Add(new PlannedSelection(start, end, beginMs, endMs, codes, Instant(selection), text));
    }

    private IEnumerable<string> NoteTexts(XElement holder)
    {
        foreach (var reference in holder.Elements(Ns + "NoteRef"))
        {
            if (QdaXml.TryParseGuid((string?)reference.Attribute("targetGUID"), out var guid) && notes.Notes.ContainsKey(guid))
                yield return notes.Use(guid);
        }
    }

    /// <summary>
    /// The text of a TextSourceType element, and the archive entry it came from (so a transcript and the text source
    /// ATLAS.ti writes for the same file become one story). An empty .txt beside a .docx (NVivo) means the .docx.
    /// </summary>
    private (string? Text, string? Entry) ReadText(XElement element, string? name)
    {
        var inline = element.Element(Ns + "PlainTextContent")?.Value;
        string? text = string.IsNullOrWhiteSpace(inline) ? null : inline;
        string? key = null;
        var plain = text is null ? archive.Resolve((string?)element.Attribute("plainTextPath"), basePath) : null;
        if (plain is not null)
        {
            text = archive.ReadPlainText(plain, TranscriptApi.MaxTotalLength);
            key = plain.FullName;
        }
        var richPath = (string?)element.Attribute("richTextPath");
        if (string.IsNullOrWhiteSpace(text) && archive.Resolve(richPath, basePath) is { } rich)
        {
            var extension = Path.GetExtension(rich.Name).ToLowerInvariant();
            if (extension == ".docx")
            {
                text = archive.ReadDocx(rich, TranscriptApi.MaxTotalLength);
                if (text is null)
                {
                    report.Add("source-text-unreadable", name, "Het Word-document van deze bron is beschadigd en kon niet worden gelezen.");
                    return (null, null);
                }
                key ??= rich.FullName;
            }
            else if (extension == ".txt")
            {
                text = archive.ReadPlainText(rich, TranscriptApi.MaxTotalLength);
                key ??= rich.FullName;
            }
            else if (text is null)
            {
                report.Add("source-text-unreadable", name,
                    $"Van deze bron zit alleen opgemaakte tekst ({extension}) in het bestand, die hier niet gelezen kan worden; exporteer haar als .docx of platte tekst.");
                return (null, null);
            }
        }
        if (text is null)
        {
            var any = element.Attribute("plainTextPath") is not null || richPath is not null;
            report.Add("source-text-missing", name, any
                ? "Het tekstbestand van deze bron zit niet in het .qdpx-bestand; deze bron kwam niet mee."
                : "Deze bron heeft geen tekst (geen PlainTextContent en geen plainTextPath); zij kwam niet mee.");
            return (null, null);
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            report.Add("source-empty", name, "De tekst van deze bron is leeg; zij kwam niet mee.");
            return (null, null);
        }
        if (text.Length > TranscriptApi.MaxTotalLength)
        {
            report.Add("source-too-long", name, $"De tekst is langer dan {TranscriptApi.MaxTotalLength} tekens; deze bron kwam niet mee.");
            return (null, null);
        }
        // A NUL or other control character would reach the database (PostgreSQL refuses a NUL); the length stays.
        return (TextInput.Clean(text, singleLine: false), key);
    }

    /// <summary>
    /// Whether the file counts a CRLF as one character. ATLAS.ti and QualCoder do (their texts are read with line ends
    /// translated); the standard's "characters of the text" read literally counts two. Selection names, which tools
    /// fill with the quote's first words, settle it where they can: the count under which more names match the text
    /// they select wins; otherwise the tool named in <c>origin</c> does.
    /// </summary>
    private bool CrlfCountsOne(string raw, List<XElement> selections)
    {
        if (!raw.Contains("\r\n", StringComparison.Ordinal)) return true;
        int one = 0, two = 0;
        ImportText? asOne = null, asTwo = null;
        foreach (var selection in selections.Take(200))
        {
            var name = Squash((string?)selection.Attribute("name"));
            if (name.Length < 3) continue;
            var start = Long(selection, "startPosition");
            var end = Long(selection, "endPosition");
            if (start is null || end is null) continue;
            asOne ??= new ImportText(raw, true);
            asTwo ??= new ImportText(raw, false);
            if (Matches(asOne, start.Value, end.Value, name)) one++;
            if (Matches(asTwo, start.Value, end.Value, name)) two++;
        }
        if (one != two) return one > two;
        var tool = origin ?? "";
        return tool.Contains("ATLAS", StringComparison.OrdinalIgnoreCase) || tool.Contains("QualCoder", StringComparison.OrdinalIgnoreCase)
            || !(tool.Contains("NVivo", StringComparison.OrdinalIgnoreCase) || tool.Contains("MAXQDA", StringComparison.OrdinalIgnoreCase));
    }

    private static bool Matches(ImportText text, long start, long end, string name)
    {
        var s = text.ToUtf16(start);
        var e = text.ToUtf16(end);
        if (s < 0 || e <= s) return false;
        var quote = Squash(text.Text[s..e]);
        return quote.Length > 0 && (quote.StartsWith(name, StringComparison.Ordinal) || name.StartsWith(quote, StringComparison.Ordinal));
    }

    private static string Squash(string? s) => s is null ? "" : Space().Replace(s.Replace("…", "", StringComparison.Ordinal).Replace("...", "", StringComparison.Ordinal), " ").Trim();

    /// <summary>ATLAS.ti writes a transcript both as the audio's Transcript and as a text source of the same file; the
    /// text source's quotations then belong to the transcript's story, and it is not a second story. (When the two
    /// texts differ after all, the text source comes in as a story of its own.)</summary>
    private void MergeTranscriptTexts()
    {
        var transcripts = _plan.Stories.Where(s => s.IsTranscript && s.TextEntry is not null)
            .GroupBy(s => s.TextEntry!, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        foreach (var text in _transcriptTexts)
        {
            if (transcripts.TryGetValue(text.TextEntry!, out var transcript) && transcript.Text!.Text == text.Text!.Text)
            {
                transcript.Selections.AddRange(text.Selections);
                continue;
            }
            var story = NewStory(text.SourceName, new XElement("none"));
            story.Text = text.Text;
            story.Selections.AddRange(text.Selections);
            _plan.Stories.Add(story);
        }
    }

    private PlannedStory NewStory(string? name, XElement source)
    {
        // Two sources of the same name (common in NVivo) stay apart in the list: the second is "Name (2)".
        var unique = name;
        if (name is not null)
        {
            var n = _names.GetValueOrDefault(name) + 1;
            _names[name] = n;
            if (n > 1)
            {
                unique = $"{(name.Length > 90 ? name[..90] : name)} ({n})";
                report.Add("source-renamed", name, $"Meer bronnen heten zo; ze kwamen mee als ‘{name} (2)’ enzovoort.");
            }
        }
        return new PlannedStory(unique, name, Instant(source));
    }

    /// <summary>A source name becomes the story's pseudonym: cleaned, without its file extension, at most 100 characters.</summary>
    public static string? CleanName(string? raw)
    {
        var name = raw is null ? null : TextInput.Clean(raw, singleLine: true).Trim();
        if (string.IsNullOrEmpty(name)) return null;
        name = Path.GetFileNameWithoutExtension(name) is { Length: > 0 } bare && name.Contains('.') && Path.GetExtension(name).Length <= 5 ? bare : name;
        return name.Length > 100 ? name[..100] : name;
    }

    private static long? Long(XElement e, string attribute) =>
        long.TryParse((string?)e.Attribute(attribute), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static DateTimeOffset? Instant(XElement e) =>
        DateTimeOffset.TryParse((string?)e.Attribute("creationDateTime"), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40];

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Space();
}
