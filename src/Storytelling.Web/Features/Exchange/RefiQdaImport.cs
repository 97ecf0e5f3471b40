using System.Globalization;
using System.IO.Compression;
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
using Storytelling.Web.Features.Transcripts;

using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Exchange;

public sealed record QdpxImportResult(int Stories, int Recordings, int Codings, int ThemesCreated, int ThemesMerged, int SourcesSkipped);

/// <summary>
/// Reads a .qdpx from another QDA tool (or from us) into a project: codes become themes (merged by name), text sources
/// and audio transcripts become stories with an imported transcript, audio sources become recordings (probed like a
/// capture), selections with codings become codings. Everything is checked before anything is written; the database
/// work is one transaction and stored audio is deleted again if it fails, so an import happens entirely or not at all.
/// </summary>
public sealed partial class RefiQdaImport(StorytellingDbContext db, IMediaStore store, IMediaProbe probe, TimeProvider time,
    IOptions<ExchangeOptions> options, ILogger<RefiQdaImport> logger)
{
    private static readonly XNamespace Ns = QdaXml.ProjectNamespace;
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
            var entries = CheckEntries(zip);
            var budget = new long[] { _options.MaxUncompressedBytes };

            if (!entries.TryGetValue("project.qde", out var qdeEntry))
                throw new ExchangeRefusedException("Dit .qdpx-bestand bevat geen project.qde.");
            if (qdeEntry.Length > _options.MaxProjectXmlBytes)
                throw new ExchangeRefusedException($"project.qde is groter dan {_options.MaxProjectXmlBytes / (1024 * 1024)} MB.");
            var doc = LoadXml(qdeEntry, budget);
            if (doc.Root is not { } root || root.Name != Ns + "Project")
                throw new ExchangeRefusedException("project.qde is geen REFI-QDA-project: het hoofdelement Project ontbreekt.");

            var seen = new HashSet<Guid>();
            var codes = CodebookExchange.ReadCodes(root.Element(Ns + "CodeBook")?.Element(Ns + "Codes"), Ns, _options, [0], seen);
            var codeGuids = Flatten(codes).Select(c => c.Id).ToHashSet();
            var plan = ReadSources(root.Element(Ns + "Sources"), entries, budget, codeGuids, seen);

            // Audio is probed and stored before the transaction; a refusal deletes what was stored so far.
            foreach (var story in plan.Stories.Where(s => s.Audio is not null))
            {
                var audio = story.Audio!;
                var path = NewTemp(temp);
                await using (var source = entries[audio.Entry].Open())
                {
                    await CopyBoundedAsync(new BudgetStream(source, budget), path, long.MaxValue, "", ct);
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
            }

            var result = await WriteAsync(project, me, codes, plan, ct);
            LogImported(logger, projectId, result.Stories, result.Recordings, result.Codings);
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

    private async Task<QdpxImportResult> WriteAsync(Project project, Guid? me, List<QdaCode> codes, ImportPlan plan, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var themes = await CodebookExchange.ImportAsync(db, time, project.Id, me, codes, ct);
        var number = await db.Stories.CountAsync(s => s.ProjectId == project.Id, ct);
        int recordings = 0, codings = 0;
        foreach (var item in plan.Stories)
        {
            // Whoever imports confirmed (the form asks) that the tellers agreed to analysis where the material came from.
            // The receipt code is dropped: no teller holds it.
            var (story, _) = await StoryFactory.AddAsync(db, project.Id, item.Name ?? $"Geïmporteerd verhaal {++number}",
                new Consent { Scopes = ConsentScopes.Analysis, GivenAt = now, Method = ConsentMethod.GivenVerbally, RecordedByPersonId = me, TextVersion = "import" },
                item.CreatedAt ?? now, ct);
            story.Status = item.Text is null ? StoryStatus.Received : StoryStatus.Transcribed;
            story.Language = project.DefaultLanguage == "auto" ? null : project.DefaultLanguage;
            story.RecordedByPersonId = me;
            if (item.Text is { } text)
            {
                var segments = Segments(text, item.Audio?.SyncPoints ?? [], item.Audio?.Probed?.DurationMs);
                var transcript = new Transcript
                {
                    StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Imported, Language = story.Language, CreatedByPersonId = me,
                    CreatedAt = now, Segments = segments,
                };
                db.Transcripts.Add(transcript);
                var timing = TranscriptText.From(segments);
                foreach (var s in item.Selections)
                {
                    foreach (var code in s.Codes)
                    {
                        db.Codings.Add(new Coding
                        {
                            ThemeId = themes.ThemeIdByCode[code], TranscriptId = transcript.Id, StartChar = s.Start, EndChar = s.End,
                            StartMs = timing.MsAt(s.Start), EndMs = timing.MsAt(s.End), AuthorPersonId = me, AuthorRole = ProjectRole.Begeleider,
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
                if (item.Text is null) db.TranscriptionJobs.Add(new TranscriptionJob { RecordingId = recording.Id, CreatedAt = now, NotBefore = now });
            }
        }
        db.Record(time, "project.imported", me, project.Id, "project", project.Id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new QdpxImportResult(plan.Stories.Count, recordings, codings, themes.Created, themes.Merged, plan.Skipped);
    }

    /// <summary>One segment per line; with sync points, a segment runs from the last point at or before its start to the
    /// first point at or after its end.</summary>
    private static List<TranscriptSegment> Segments(string text, IReadOnlyList<(int Position, long Ms)> sync, long? durationMs)
    {
        var lines = text.Split('\n');
        var result = new List<TranscriptSegment>(lines.Length);
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var end = start + lines[i].Length;
            long startMs = 0, endMs = 0;
            if (sync.Count > 0)
            {
                startMs = sync.Where(p => p.Position <= start).Select(p => p.Ms).DefaultIfEmpty(0).Max();
                endMs = sync.Where(p => p.Position >= end).Select(p => p.Ms).DefaultIfEmpty(durationMs ?? startMs).Min();
                endMs = Math.Max(endMs, startMs);
            }
            result.Add(new TranscriptSegment { Position = i, StartMs = startMs, EndMs = endMs, Text = lines[i] });
            start = end + 1;
        }
        return result;
    }

    private static ImportPlan ReadSources(XElement? sources, Dictionary<string, ZipArchiveEntry> entries, long[] budget, HashSet<Guid> codeGuids,
        HashSet<Guid> seen)
    {
        var plan = new ImportPlan();
        if (sources is null) return plan;
        var byTextPath = new Dictionary<string, PlannedStory>(StringComparer.OrdinalIgnoreCase);
        foreach (var source in sources.Elements())
        {
            var name = Name(source);
            var guidOk = QdaXml.TryParseGuid((string?)source.Attribute("guid"), out var guid);
            if (!guidOk) throw new ExchangeRefusedException($"De bron ‘{name ?? "?"}’ heeft geen geldige GUID.");
            if (!seen.Add(guid)) throw new ExchangeRefusedException($"De GUID van bron ‘{name ?? "?"}’ komt twee keer voor.");
            if (source.Name == Ns + "TextSource")
            {
                var (text, path) = ReadText(source, name, entries, budget);
                var story = new PlannedStory(name, Instant(source)) { Text = text.Text };
                foreach (var selection in source.Elements(Ns + "PlainTextSelection"))
                    story.Selections.Add(ReadSelection(selection, name, text, codeGuids, seen));
                plan.Stories.Add(story);
                if (path is not null) byTextPath[path] = story;
            }
            else if (source.Name == Ns + "AudioSource")
            {
                var entry = QdaXml.InternalEntry((string?)source.Attribute("path"));
                if (entry is null || !entries.ContainsKey(entry))
                    throw new ExchangeRefusedException($"De opname ‘{name ?? "?"}’ verwijst naar een bestand dat niet in het .qdpx-bestand zit.");
                var transcript = source.Element(Ns + "Transcript");
                PlannedStory story;
                ImportText? text = null;
                if (transcript is not null)
                {
                    var (t, path) = ReadText(transcript, name, entries, budget);
                    text = t;
                    if (path is not null && byTextPath.TryGetValue(path, out var linked) && linked.Audio is null) story = linked;
                    else { story = new PlannedStory(name, Instant(source)) { Text = t.Text }; plan.Stories.Add(story); }
                }
                else { story = new PlannedStory(name, Instant(source)); plan.Stories.Add(story); }
                var sync = new List<(int, long)>();
                if (transcript is not null && text is not null)
                {
                    foreach (var point in transcript.Elements(Ns + "SyncPoint"))
                    {
                        var position = text.ToUtf16(Long(point, "position", name));
                        if (position < 0) throw new ExchangeRefusedException($"Een synchronisatiepunt van ‘{name}’ ligt buiten de tekst.");
                        sync.Add((position, Math.Max(0, Long(point, "timeStamp", name))));
                    }
                }
                story.Audio = new PlannedAudio(entry, sync);
            }
            else plan.Skipped++;
        }
        return plan;
    }

    private static PlannedSelection ReadSelection(XElement selection, string? source, ImportText text, HashSet<Guid> codeGuids, HashSet<Guid> seen)
    {
        if (!QdaXml.TryParseGuid((string?)selection.Attribute("guid"), out var guid) || !seen.Add(guid))
            throw new ExchangeRefusedException($"Een selectie in bron ‘{source}’ heeft geen geldige of een dubbele GUID.");
        var start = text.ToUtf16(Long(selection, "startPosition", source));
        var end = text.ToUtf16(Long(selection, "endPosition", source));
        if (start < 0 || end < 0 || start >= end)
            throw new ExchangeRefusedException($"Een selectie in bron ‘{source}’ ligt buiten de tekst of is leeg.");
        var codes = new List<Guid>();
        foreach (var coding in selection.Elements(Ns + "Coding"))
        {
            if (!QdaXml.TryParseGuid((string?)coding.Element(Ns + "CodeRef")?.Attribute("targetGUID"), out var code) || !codeGuids.Contains(code))
                throw new ExchangeRefusedException($"Een codering in bron ‘{source}’ verwijst naar een code die niet in het codeboek staat.");
            if (!codes.Contains(code)) codes.Add(code);
        }
        var memo = selection.Element(Ns + "Description")?.Value is { } description ? TextInput.Clean(description, singleLine: false).Trim() : null;
        if (memo is { Length: > CodingService.MaxMemoLength }) memo = memo[..CodingService.MaxMemoLength];
        return new PlannedSelection(start, end, codes, Instant(selection), string.IsNullOrEmpty(memo) ? null : memo);
    }

    private static (ImportText Text, string? Path) ReadText(XElement source, string? name, Dictionary<string, ZipArchiveEntry> entries, long[] budget)
    {
        var inline = source.Element(Ns + "PlainTextContent")?.Value;
        if (inline is not null) return (new ImportText(TextInput.Clean(inline, singleLine: false)), null);
        var path = (string?)source.Attribute("plainTextPath");
        var entry = QdaXml.InternalEntry(path);
        if (entry is null || !entries.TryGetValue(entry, out var zipEntry))
            throw new ExchangeRefusedException($"De bron ‘{name ?? "?"}’ verwijst naar een tekstbestand dat niet in het .qdpx-bestand zit.");
        using var stream = new BudgetStream(zipEntry.Open(), budget);
        using var reader = new StreamReader(stream, QdaXml.Utf8, detectEncodingFromByteOrderMarks: true);
        // A NUL or other control character in a text file would reach the database (PostgreSQL refuses a NUL outright).
        var text = TextInput.Clean(reader.ReadToEnd(), singleLine: false);
        if (text.Length > TranscriptApi.MaxTotalLength)
            throw new ExchangeRefusedException($"De tekst van ‘{name}’ is langer dan {TranscriptApi.MaxTotalLength} tekens.");
        return (new ImportText(text), entry);
    }

    private static long Long(XElement e, string attribute, string? source) =>
        long.TryParse((string?)e.Attribute(attribute), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ExchangeRefusedException($"In bron ‘{source}’ ontbreekt een geldig getal voor {attribute}.");

    private static string? Name(XElement source)
    {
        var name = ((string?)source.Attribute("name")) is { } raw ? TextInput.Clean(raw, singleLine: true).Trim() : null;
        if (string.IsNullOrEmpty(name)) return null;
        // A source name becomes the story's pseudonym: stripped of its extension and held to the column's length.
        name = Path.GetFileNameWithoutExtension(name) is { Length: > 0 } bare && name.Contains('.') ? bare : name;
        return name.Length > 100 ? name[..100] : name;
    }

    private static DateTimeOffset? Instant(XElement e) =>
        DateTimeOffset.TryParse((string?)e.Attribute("creationDateTime"), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

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

    /// <summary>Entry names must stay inside the archive and sizes within bounds, before a single entry is opened.</summary>
    private Dictionary<string, ZipArchiveEntry> CheckEntries(ZipArchive zip)
    {
        if (zip.Entries.Count > _options.MaxEntries)
            throw new ExchangeRefusedException($"Het .qdpx-bestand bevat meer dan {_options.MaxEntries} bestanden.");
        var result = new Dictionary<string, ZipArchiveEntry>(StringComparer.OrdinalIgnoreCase);
        long total = 0;
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName.EndsWith('/')) continue;
            if (!QdaXml.SafeEntryName(entry.FullName))
                throw new ExchangeRefusedException("Het .qdpx-bestand bevat een bestandsnaam die buiten het archief wijst.");
            total += entry.Length;
            if (total > _options.MaxUncompressedBytes)
                throw new ExchangeRefusedException($"Uitgepakt is het .qdpx-bestand groter dan {_options.MaxUncompressedBytes / (1024 * 1024)} MB.");
            result[entry.FullName] = entry;
        }
        return result;
    }

    private XDocument LoadXml(ZipArchiveEntry entry, long[] budget)
    {
        try
        {
            using var stream = new BudgetStream(entry.Open(), budget);
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

    private sealed class ImportPlan
    {
        public List<PlannedStory> Stories { get; } = [];
        public int Skipped { get; set; }
    }

    private sealed class PlannedStory(string? name, DateTimeOffset? createdAt)
    {
        public string? Name { get; } = name;
        public DateTimeOffset? CreatedAt { get; } = createdAt;
        public string? Text { get; set; }
        public List<PlannedSelection> Selections { get; } = [];
        public PlannedAudio? Audio { get; set; }
    }

    private sealed class PlannedAudio(string entry, IReadOnlyList<(int Position, long Ms)> syncPoints)
    {
        public string Entry { get; } = entry;
        public IReadOnlyList<(int Position, long Ms)> SyncPoints { get; } = syncPoints;
        public StoredMedia? Stored { get; set; }
        public MediaProbeResult? Probed { get; set; }
    }

    private sealed record PlannedSelection(int Start, int End, List<Guid> Codes, DateTimeOffset? CreatedAt, string? Memo);

    /// <summary>
    /// An imported text as we store it (Windows line ends become "\n", so lines are segments) with the conversion from
    /// the file's code-point offsets, which count every "\r", to our UTF-16 offsets.
    /// </summary>
    private sealed class ImportText
    {
        private readonly string _raw;
        private readonly bool _simple;

        public ImportText(string raw)
        {
            _raw = raw;
            Text = raw.Replace("\r\n", "\n", StringComparison.Ordinal);
            _simple = Text.Length == raw.Length && !QdaXml.HasSurrogates(raw);
        }

        public string Text { get; }

        /// <summary>UTF-16 offset in <see cref="Text"/>, or -1 when outside it.</summary>
        public int ToUtf16(long codePoints)
        {
            if (_simple) return codePoints >= 0 && codePoints <= Text.Length ? (int)codePoints : -1;
            var raw = QdaXml.ToUtf16(_raw, codePoints);
            if (raw < 0) return -1;
            var dropped = 0;
            for (var i = 0; i + 1 < raw && i + 1 < _raw.Length; i++) if (_raw[i] == '\r' && _raw[i + 1] == '\n') dropped++;
            return raw - dropped;
        }
    }

    /// <summary>Counts bytes read against the archive's shared uncompressed budget, so an entry that lies about its size
    /// (a zip bomb) is stopped at the limit rather than believed.</summary>
    private sealed class BudgetStream(Stream inner, long[] budget) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            budget[0] -= read;
            if (budget[0] < 0) throw new ExchangeRefusedException("Uitgepakt is het .qdpx-bestand groter dan toegestaan.");
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId} imported a .qdpx: {Stories} stories, {Recordings} recordings, {Codings} codings")]
    private static partial void LogImported(ILogger logger, Guid projectId, int stories, int recordings, int codings);
}
