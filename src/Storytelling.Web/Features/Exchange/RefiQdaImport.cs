using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Media;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Core.Transcripts;
using Storytelling.Web.Features.Codebook;
using Storytelling.Web.Features.Transcripts;

using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Exchange;

/// <summary>Something of the file that did not come in (or came in without a part), with the source it belongs to.
/// <paramref name="Code"/> is stable (the page words it in each language); <paramref name="Reason"/> is the Dutch sentence;
/// <paramref name="Count"/> says how many alike were folded into this one line.</summary>
public sealed record QdpxSkippedItem(string Code, string? Source, string Reason, int Count);

/// <summary>The import's report: what came in, and each thing that did not, with why.</summary>
public sealed record QdpxImportResult(int Stories, int Recordings, int Codings, int ThemesCreated, int ThemesMerged, int Notes,
    IReadOnlyList<QdpxSkippedItem> Skipped)
{
    /// <summary>Sources of which nothing came in.</summary>
    public int SourcesSkipped => Skipped.Where(s => s.Code.StartsWith("source-", StringComparison.Ordinal)).Sum(s => s.Count);
}

/// <summary>
/// Reads a .qdpx written by ATLAS.ti, NVivo, MAXQDA, QualCoder (or us) into a project: codes become themes (merged by
/// name), text, PDF and transcript sources become stories with an imported transcript, audio becomes recordings
/// (probed like a capture), selections become codings, notes become memos and theme descriptions. What cannot come
/// (a picture, a PDF without text, a file missing from the zip, a selection outside its text) is left out and named in
/// the report; only a file that is not a REFI-QDA project at all, or is hostile, is refused. Everything is checked
/// before anything is written; the database work is one transaction and stored audio is deleted again if it fails.
/// </summary>
public sealed partial class RefiQdaImport(StorytellingDbContext db, IMediaStore store, IMediaProbe probe, TimeProvider time,
    IOptions<ExchangeOptions> options, IJobChanges jobChanges, ILogger<RefiQdaImport> logger)
{
    private static readonly XNamespace Ns = QdaXml.ProjectNamespace;
    private const string MemoThemeName = "Memo's zonder code";
    private const int StoriesPerSave = 100;
    private readonly ExchangeOptions _options = options.Value;

    public async Task<QdpxImportResult> ImportAsync(Guid projectId, Guid? me, Stream upload, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().SingleAsync(p => p.Id == projectId, ct);
        var temp = new List<string>();
        var stored = new List<string>();
        try
        {
            var zipPath = NewTemp(temp);
            await CopyBoundedAsync(upload, zipPath, _options.MaxUploadBytes,
                $"Het bestand is groter dan {_options.MaxUploadBytes / (1024 * 1024)} MB.", ct);
            using var zip = OpenZip(zipPath);
            var archive = QdpxArchive.Open(zip, _options);
            var doc = LoadXml(archive);
            if (doc.Root is not { } root || root.Name != Ns + "Project")
                throw new ExchangeRefusedException("project.qde is geen REFI-QDA-project: het hoofdelement Project ontbreekt.");

            var report = new Report();
            var notes = ReadNotes(root, archive, report);
            var codes = CodebookExchange.ReadCodes(root.Element(Ns + "CodeBook")?.Element(Ns + "Codes"), Ns, _options, [0], []);
            codes = WithCodeNotes(codes, root, notes);
            var codeGuids = Flatten(codes).Select(c => c.Id).ToHashSet();
            var reader = new SourceReader(archive, (string?)root.Attribute("basePath"), (string?)root.Attribute("origin"), codeGuids, notes, report,
                project.AllowVideo);
            var plan = reader.Read(root.Element(Ns + "Sources"));
            ReportRest(root, notes, report);
            if (plan.NeedsMemoTheme)
                codes = [.. codes, new QdaCode(SourceReader.MemoCode, MemoThemeName,
                    "Selecties met een memo maar zonder code, uit een REFI-QDA-import.", "#808080", ThemeKind.Overig, [])];

            // Audio is probed and stored before the transaction; a refusal deletes what was stored so far.
            foreach (var story in plan.Stories.Where(s => s.Audio is not null))
            {
                var audio = story.Audio!;
                var path = NewTemp(temp);
                await using (var source = archive.OpenRead(audio.Entry))
                {
                    await CopyBoundedAsync(source, path, long.MaxValue, "", ct);
                }
                var probed = await probe.ProbeAsync(path, ct);
                if (probed.Failure == MediaProbeFailure.TimedOut)
                    throw new ExchangeRefusedException($"De opname ‘{story.Name}’ kon niet op tijd worden gecontroleerd; probeer het opnieuw.");
                if (!probed.Succeeded || (probed.HasVideo && !project.AllowVideo))
                    throw new ExchangeRefusedException($"De opname ‘{story.Name}’ is geen bruikbaar geluidsbestand.");
                if (probed.DurationMs > project.MaxRecordingSeconds * 1000L)
                    throw new ExchangeRefusedException($"De opname ‘{story.Name}’ is langer dan dit project toestaat.");
                await using var file = File.OpenRead(path);
                var media = await store.SaveAsync(file, probed.MediaType, ct);
                stored.Add(media.BlobName);
                audio.Stored = media;
                audio.Probed = probed;
                File.Delete(path);
            }

            var result = await WriteAsync(project, me, codes, plan, notes, report, ct);
            var skipped = result.Skipped.Sum(s => s.Count);
            LogImported(logger, projectId, result.Stories, result.Recordings, result.Codings, skipped);
            return result;
        }
        catch (Exception) when (stored.Count > 0)
        {
            foreach (var blob in stored) await store.DeleteAsync(blob, CancellationToken.None);
            throw;
        }
        finally
        {
            foreach (var path in temp) File.Delete(path);
        }
    }

    private async Task<QdpxImportResult> WriteAsync(Project project, Guid? me, List<QdaCode> codes, ImportPlan plan, NoteBook notes, Report report,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // Every row here is new: change detection runs once per chunk, not on each Add (StoryFactory's check for a unique
        // receipt code reads DbSet.Local, which scans every tracked row), and each chunk of stories is saved and let go,
        // so neither EF's ordering of inserts nor the tracker grows with the project. All of it is one transaction.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var themes = await CodebookExchange.ImportAsync(db, time, project.Id, me, codes, ct);
        await SaveChunkAsync(ct);
        var number = await db.Stories.CountAsync(s => s.ProjectId == project.Id, ct);
        var language = project.DefaultLanguage == "auto" ? null : project.DefaultLanguage;
        int recordings = 0, codings = 0;
        var queued = new List<JobChange>();
        foreach (var chunk in plan.Stories.Chunk(StoriesPerSave))
        {
            foreach (var item in chunk)
            {
                // Whoever imports confirmed (the form asks) that the tellers agreed to analysis where the material came from.
                // The receipt code is dropped: no teller holds it.
                var (story, _) = await StoryFactory.AddAsync(db, project.Id, item.Name ?? $"Geïmporteerd verhaal {++number}",
                    new Consent { Scopes = ConsentScopes.Analysis, GivenAt = now, Method = ConsentMethod.GivenVerbally, RecordedByPersonId = me, TextVersion = "import" },
                    item.CreatedAt ?? now, ct);
                story.Status = item.Text is null ? StoryStatus.Received : StoryStatus.Transcribed;
                story.Language = language;
                story.RecordedByPersonId = me;
                if (item.Text is { } text)
                {
                    var segments = Segments(text.Text, item.Sync, item.Audio?.Probed?.DurationMs);
                    var transcript = new Transcript
                    {
                        StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Imported, Language = language, CreatedByPersonId = me,
                        CreatedAt = now, Segments = segments,
                    };
                    db.Transcripts.Add(transcript);
                    var timing = TranscriptText.From(segments);
                    foreach (var s in item.Selections)
                    {
                        var (start, end) = s.Start is { } a && s.End is { } b ? (a, b) : ByTime(timing, s.BeginMs ?? 0, s.EndMs ?? 0);
                        if (end <= start)
                        {
                            report.Add("selection-untimed", item.SourceName,
                                "Een audiofragment valt op geen enkel stuk transcript met een tijd, en kwam niet mee.");
                            continue;
                        }
                        foreach (var code in s.Codes)
                        {
                            db.Codings.Add(new Coding
                            {
                                ThemeId = themes.ThemeIdByCode[code], TranscriptId = transcript.Id, StartChar = start, EndChar = end,
                                StartMs = timing.MsAt(start), EndMs = timing.MsAt(end), AuthorPersonId = me, AuthorRole = ProjectRole.Begeleider,
                                CreatedAt = s.CreatedAt ?? now, Memo = s.Memo,
                            });
                            codings++;
                        }
                    }
                }
                if (item.Audio?.Stored is { } media && item.Audio.Probed is { } probed)
                {
                    var recording = new Recording
                    {
                        StoryId = story.Id, BlobName = media.BlobName, Format = probed.FormatName, MediaType = probed.MediaType,
                        DurationMs = probed.DurationMs, SizeBytes = media.SizeBytes, Sha256 = media.Sha256, CreatedAt = now,
                    };
                    db.Recordings.Add(recording);
                    recordings++;
                    // Audio without a transcript goes to the worker like a captured story.
                    if (item.Text is null)
                    {
                        var job = new TranscriptionJob { RecordingId = recording.Id, CreatedAt = now, NotBefore = now };
                        db.TranscriptionJobs.Add(job);
                        queued.Add(new JobChange(project.Id, story.Id, job.Id, job.Status, 0, story.Consent.Scopes.AllowsAnalysis()));
                    }
                }
            }
            await SaveChunkAsync(ct);
        }
        db.Record(time, "project.imported", me, project.Id, "project", project.Id);
        await SaveChunkAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled = true;
        // Open stories pages on every node hear of the queued stories as of a captured one (without Redis this node's
        // watcher sees them).
        if (jobChanges.Publishes)
            foreach (var change in queued) await jobChanges.PublishAsync(change, ct);
        return new QdpxImportResult(plan.Stories.Count, recordings, codings, themes.Created, themes.Merged, notes.Placed.Count, report.Items);
    }

    private async Task SaveChunkAsync(CancellationToken ct)
    {
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    /// <summary>The characters of the segments an audio selection's time range overlaps.</summary>
    private static (int Start, int End) ByTime(TranscriptText timing, long beginMs, long endMs)
    {
        int start = -1, end = -1;
        for (var i = 0; i < timing.Segments.Count; i++)
        {
            var s = timing.Segments[i];
            if (s.EndMs <= beginMs || s.StartMs >= endMs || s.EndMs <= s.StartMs) continue;
            if (start < 0) start = timing.Starts[i];
            end = timing.Starts[i] + s.Text.Length;
        }
        return (start, end);
    }

    /// <summary>One segment per line; with sync points, a segment runs from the last point at or before its start to the
    /// first point at or after its end.</summary>
    private static List<TranscriptSegment> Segments(string text, IReadOnlyList<(int Position, long Ms)> sync, long? durationMs)
    {
        var lines = text.Split('\n');
        var result = new List<TranscriptSegment>(lines.Length);
        var points = sync.OrderBy(p => p.Position).ThenBy(p => p.Ms).ToArray();
        var positions = points.Select(p => p.Position).ToArray();
        // Running maximum of times up to each point, and minimum from each point on, so each line is two binary searches.
        var maxBefore = new long[points.Length];
        var minAfter = new long[points.Length];
        for (var i = 0; i < points.Length; i++) maxBefore[i] = Math.Max(points[i].Ms, i > 0 ? maxBefore[i - 1] : 0);
        for (var i = points.Length - 1; i >= 0; i--) minAfter[i] = Math.Min(points[i].Ms, i + 1 < points.Length ? minAfter[i + 1] : long.MaxValue);
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var end = start + lines[i].Length;
            long startMs = 0, endMs = 0;
            if (points.Length > 0)
            {
                var last = UpperBound(positions, start) - 1;
                startMs = last >= 0 ? maxBefore[last] : 0;
                var first = LowerBound(positions, end);
                endMs = first < points.Length ? minAfter[first] : durationMs ?? startMs;
                endMs = Math.Max(endMs, startMs);
            }
            result.Add(new TranscriptSegment { Position = i, StartMs = startMs, EndMs = endMs, Text = lines[i] });
            start = end + 1;
        }
        return result;
    }

    private static int LowerBound(int[] sorted, int value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi) { var mid = (lo + hi) / 2; if (sorted[mid] < value) lo = mid + 1; else hi = mid; }
        return lo;
    }

    private static int UpperBound(int[] sorted, int value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi) { var mid = (lo + hi) / 2; if (sorted[mid] <= value) lo = mid + 1; else hi = mid; }
        return lo;
    }

    /// <summary>The project's notes by GUID. A note's text comes inline or from a file, like a text source's.</summary>
    private static NoteBook ReadNotes(XElement root, QdpxArchive archive, Report report)
    {
        var book = new NoteBook();
        foreach (var note in root.Element(Ns + "Notes")?.Elements(Ns + "Note") ?? [])
        {
            if (!QdaXml.TryParseGuid((string?)note.Attribute("guid"), out var guid)) continue;
            var name = SourceReader.CleanName((string?)note.Attribute("name"));
            var text = note.Element(Ns + "PlainTextContent")?.Value;
            if (string.IsNullOrWhiteSpace(text) && archive.Resolve((string?)note.Attribute("plainTextPath"), (string?)root.Attribute("basePath")) is { } entry)
                text = archive.ReadPlainText(entry, CodingService.MaxMemoLength);
            text = text is null ? null : TextInput.Clean(text, singleLine: false).Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
            if (string.IsNullOrEmpty(text))
            {
                report.Add("note-empty", name, "Een notitie zonder tekst kwam niet mee.");
                continue;
            }
            book.Notes[guid] = new Note(name, text);
        }
        return book;
    }

    /// <summary>Notes on a code end up under its description (a theme has no other place for them).</summary>
    private List<QdaCode> WithCodeNotes(List<QdaCode> codes, XElement root, NoteBook notes)
    {
        if (notes.Notes.Count == 0) return codes;
        var byCode = new Dictionary<Guid, List<Guid>>();
        foreach (var code in root.Element(Ns + "CodeBook")?.Descendants(Ns + "Code") ?? [])
        {
            if (!QdaXml.TryParseGuid((string?)code.Attribute("guid"), out var guid)) continue;
            var refs = code.Elements(Ns + "NoteRef").Select(r => QdaXml.TryParseGuid((string?)r.Attribute("targetGUID"), out var n) ? n : Guid.Empty)
                .Where(notes.Notes.ContainsKey).ToList();
            if (refs.Count > 0) byCode[guid] = refs;
        }
        if (byCode.Count == 0) return codes;
        QdaCode With(QdaCode c)
        {
            var description = c.Description;
            if (byCode.TryGetValue(c.Id, out var refs))
            {
                var added = string.Join("\n\n", refs.Select(notes.Use));
                description = string.IsNullOrEmpty(description) ? added : description + "\n\n" + added;
                if (description.Length > CodebookService.MaxDescriptionLength) description = description[..CodebookService.MaxDescriptionLength];
            }
            return c with { Description = description, Children = c.Children.Select(With).ToList() };
        }
        return codes.Select(With).ToList();
    }

    /// <summary>What REFI-QDA can hold and this app has no place for: notes on a source or the whole project, sets,
    /// cases and variables, links and graphs. Each is named in the report.</summary>
    private static void ReportRest(XElement root, NoteBook notes, Report report)
    {
        foreach (var (guid, note) in notes.Notes)
        {
            if (!notes.Placed.Contains(guid))
                report.Add("note-unplaced", note.Name,
                    "Deze notitie hoort bij een bron of bij het hele project; daar is hier geen plaats voor. Codes en selecties nemen hun notities wel mee.");
        }
        foreach (var set in root.Element(Ns + "Sets")?.Elements(Ns + "Set") ?? [])
        {
            var members = set.Elements(Ns + "MemberCode").Count();
            report.Add("set", SourceReader.CleanName((string?)set.Attribute("name")),
                $"Een set ({members} codes) bestaat hier niet als thema; de codes zelf kwamen wel mee.");
        }
        if (root.Element(Ns + "Cases")?.HasElements == true || root.Element(Ns + "Variables")?.HasElements == true)
            report.Add("cases", null, "Cases en variabelen kwamen niet mee; verhalen hebben hier geen kenmerken.");
        if (root.Element(Ns + "Links")?.HasElements == true || root.Element(Ns + "Graphs")?.HasElements == true)
            report.Add("links", null, "Links en netwerkweergaven kwamen niet mee.");
    }

    private static ZipArchive OpenZip(string path)
    {
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException)
        {
            throw new ExchangeRefusedException("Dit is geen geldig .qdpx-bestand (het is geen zip-archief).");
        }
    }

    /// <summary>project.qde, allowing what Windows tools put before the declaration (a BOM, twice, or a blank line).</summary>
    private XDocument LoadXml(QdpxArchive archive)
    {
        try
        {
            using var stream = new LeadingJunkSkipper(archive.OpenRead(archive.Project));
            using var reader = XmlReader.Create(stream, QdaXml.ReaderSettings(_options.MaxProjectXmlBytes));
            return XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new ExchangeRefusedException($"project.qde is geen geldig XML-bestand (regel {e.LineNumber}).");
        }
    }

    private static async Task CopyBoundedAsync(Stream source, string path, long max, string tooLarge, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 128 * 1024, FileOptions.Asynchronous);
        var buffer = new byte[128 * 1024];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > max) throw new ExchangeRefusedException(tooLarge);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }

    private static string NewTemp(List<string> temp)
    {
        var path = Path.Combine(Path.GetTempPath(), "storytelling-import-" + Guid.NewGuid().ToString("N"));
        temp.Add(path);
        return path;
    }

    private static IEnumerable<QdaCode> Flatten(IEnumerable<QdaCode> codes) => codes.SelectMany(c => Flatten(c.Children).Prepend(c));

    /// <summary>Skips UTF-8 BOMs and whitespace before the first "&lt;" of a UTF-8 document; a UTF-16 file (BOM FF FE or
    /// FE FF first) is passed on untouched for the XML reader to decode.</summary>
    private sealed class LeadingJunkSkipper(Stream inner) : ReadOnlyStream
    {
        private byte[]? _head;
        private int _headPos;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_head is null)
            {
                var head = new byte[256];
                var n = 0;
                int r;
                while (n < head.Length && (r = inner.Read(head, n, head.Length - n)) > 0) n += r;
                var skip = 0;
                if (!(n >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF))))
                {
                    while (true)
                    {
                        if (skip + 2 < n && head[skip] == 0xEF && head[skip + 1] == 0xBB && head[skip + 2] == 0xBF) skip += 3;
                        else if (skip < n && head[skip] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') skip++;
                        else break;
                    }
                }
                _head = head[skip..n];
            }
            if (_headPos < _head.Length)
            {
                var take = Math.Min(count, _head.Length - _headPos);
                Array.Copy(_head, _headPos, buffer, offset, take);
                _headPos += take;
                return take;
            }
            return inner.Read(buffer, offset, count);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    internal sealed class Report
    {
        private readonly Dictionary<(string Code, string? Source), (string Reason, int Count)> _items = [];
        private readonly List<(string, string?)> _order = [];

        public void Add(string code, string? source, string reason)
        {
            if (_items.TryGetValue((code, source), out var item)) _items[(code, source)] = (item.Reason, item.Count + 1);
            else { _items[(code, source)] = (reason, 1); _order.Add((code, source)); }
        }

        public List<QdpxSkippedItem> Items => _order.Select(k => new QdpxSkippedItem(k.Item1, k.Item2, _items[k].Reason, _items[k].Count)).ToList();
    }

    internal sealed record Note(string? Name, string Text);

    internal sealed class NoteBook
    {
        public Dictionary<Guid, Note> Notes { get; } = [];
        public HashSet<Guid> Placed { get; } = [];

        public string Use(Guid guid)
        {
            Placed.Add(guid);
            var note = Notes[guid];
            return string.IsNullOrEmpty(note.Name) ? note.Text : $"{note.Name}: {note.Text}";
        }
    }

    internal sealed class ImportPlan
    {
        public List<PlannedStory> Stories { get; } = [];
        public bool NeedsMemoTheme { get; set; }
    }

    internal sealed class PlannedStory(string? name, string? sourceName, DateTimeOffset? createdAt)
    {
        public string? Name { get; set; } = name;
        public string? SourceName { get; } = sourceName;
        public DateTimeOffset? CreatedAt { get; } = createdAt;
        public ImportText? Text { get; set; }
        public string? TextEntry { get; set; }
        public List<PlannedSelection> Selections { get; } = [];
        public List<(int Position, long Ms)> Sync { get; } = [];
        public PlannedAudio? Audio { get; set; }
        public bool IsTranscript { get; set; }
    }

    internal sealed class PlannedAudio(ZipArchiveEntry entry)
    {
        public ZipArchiveEntry Entry { get; } = entry;
        public StoredMedia? Stored { get; set; }
        public MediaProbeResult? Probed { get; set; }
    }

    /// <summary>A character range (text selections) or a time range (audio selections), with its codes.</summary>
    internal sealed record PlannedSelection(int? Start, int? End, long? BeginMs, long? EndMs, List<Guid> Codes, DateTimeOffset? CreatedAt, string? Memo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId} imported a .qdpx: {Stories} stories, {Recordings} recordings, {Codings} codings, {Skipped} items left out")]
    private static partial void LogImported(ILogger logger, Guid projectId, int stories, int recordings, int codings, int skipped);
}

/// <summary>
/// An imported text as we store it (Windows and old-Mac line ends become "\n", so lines are segments) with the
/// conversion from the file's offsets to our UTF-16 offsets. The file counts code points; whether CRLF counts as one
/// character (ATLAS.ti, QualCoder) or two (the text as written) is decided per source by <see cref="SourceReader"/>.
/// </summary>
internal sealed class ImportText
{
    private readonly int[]? _map;

    public ImportText(string raw, bool crlfCountsOne)
    {
        if (!raw.Contains('\r', StringComparison.Ordinal) && !QdaXml.HasSurrogates(raw))
        {
            Text = raw;
            return;
        }
        var text = new StringBuilder(raw.Length);
        var map = new List<int>(raw.Length + 1);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            map.Add(text.Length);
            if (c == '\r')
            {
                if (i + 1 < raw.Length && raw[i + 1] == '\n')
                {
                    if (!crlfCountsOne) map.Add(text.Length);
                    i++;
                }
                text.Append('\n');
            }
            else if (char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]))
            {
                text.Append(c).Append(raw[++i]);
            }
            else text.Append(c);
        }
        map.Add(text.Length);
        Text = text.ToString();
        _map = [.. map];
    }

    public string Text { get; }

    /// <summary>UTF-16 offset in <see cref="Text"/>, or -1 when outside it.</summary>
    public int ToUtf16(long offset) =>
        _map is null
            ? offset >= 0 && offset <= Text.Length ? (int)offset : -1
            : offset >= 0 && offset < _map.Length ? _map[offset] : -1;
}
