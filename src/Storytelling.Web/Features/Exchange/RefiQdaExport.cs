using System.IO.Compression;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Features.Transcripts;

using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Exchange;

public sealed record QdpxExportSummary(int Stories, int Codings, int AudioFiles);

/// <summary>
/// Writes a project as a REFI-QDA .qdpx: project.qde (users, codebook, sources with their selections and codings) and
/// Sources/ (one plain-text file per story, the recordings). Stories are read in batches and written straight into the
/// zip, and project.qde is written to a temporary file alongside, so memory stays flat whatever the project's size.
/// Only stories whose teller agreed to analysis go out, their text pseudonymised for the caller.
/// </summary>
public sealed partial class RefiQdaExport(StorytellingDbContext db, PseudonymService pseudonyms, IMediaStore store, TimeProvider time,
    SilencedAudioService silencing, ILogger<RefiQdaExport> logger)
{
    public const int BatchSize = 100;
    private const string Ns = QdaXml.ProjectNamespace;

    /// <summary>Writes the .qdpx into <paramref name="output"/> (a seekable file stream: a zip's directory comes last).</summary>
    public async Task<QdpxExportSummary> WriteAsync(Guid projectId, Guid? reader, bool includeAudio, Stream output, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.Name, p.GuidingQuestion }).SingleAsync(ct);
        var seesOriginals = await pseudonyms.SeesOriginalsAsync(projectId, reader, ct);
        var filterFor = await pseudonyms.ForReaderAsync(projectId, seesOriginals, ct);
        var codes = await CodebookExchange.LoadAsync(db, projectId, ct);
        var activeThemes = Flatten(codes).Select(c => c.Id).ToHashSet();
        var users = await UsersAsync(projectId, seesOriginals, ct);

        var stories = await db.Stories.AsNoTracking()
            .Where(s => s.ProjectId == projectId).Analysable()
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.Id)
            .Select(s => new StoryRow(s.Id, s.TellerPseudonym, s.CreatedAt)).ToListAsync(ct);

        var qdePath = Path.Combine(Path.GetTempPath(), "storytelling-qde-" + Guid.NewGuid().ToString("N"));
        await using var qde = new FileStream(qdePath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        int codingCount = 0, audioCount = 0;
        using (var w = QdaXml.CreateWriter(qde))
        {
            w.WriteStartDocument();
            w.WriteStartElement("Project", Ns);
            w.WriteAttributeString("name", project.Name);
            w.WriteAttributeString("origin", QdaXml.Origin);
            w.WriteAttributeString("creationDateTime", QdaXml.DateTime(time.GetUtcNow()));
            if (users.Count > 0)
            {
                w.WriteStartElement("Users", Ns);
                foreach (var u in users.Values.DistinctBy(u => u.Guid))
                {
                    w.WriteStartElement("User", Ns);
                    w.WriteAttributeString("guid", QdaXml.FormatGuid(u.Guid));
                    w.WriteAttributeString("name", u.Name);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            if (codes.Count > 0)
            {
                w.WriteStartElement("CodeBook", Ns);
                CodebookExchange.WriteCodes(w, Ns, codes);
                w.WriteEndElement();
            }

            var sourcesOpen = false;
            foreach (var batch in stories.Chunk(BatchSize))
            {
                var ids = batch.Select(s => s.Id).ToList();
                var transcripts = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
                    .Where(t => ids.Contains(t.StoryId) && t.Version == db.Transcripts.Where(x => x.StoryId == t.StoryId).Max(x => x.Version))
                    .ToDictionaryAsync(t => t.StoryId, ct);
                var transcriptIds = transcripts.Values.Select(t => t.Id).ToList();
                var codings = (await db.Codings.AsNoTracking().Where(c => transcriptIds.Contains(c.TranscriptId)).ToListAsync(ct))
                    .Where(c => activeThemes.Contains(c.ThemeId)).ToLookup(c => c.TranscriptId);
                var recordings = includeAudio
                    ? (await db.Recordings.AsNoTracking().Where(r => ids.Contains(r.StoryId) && r.AudioDeletedAt == null).ToListAsync(ct))
                        .GroupBy(r => r.StoryId).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.CreatedAt).First())
                    : [];

                foreach (var story in batch)
                {
                    transcripts.TryGetValue(story.Id, out var transcript);
                    recordings.TryGetValue(story.Id, out var recording);
                    if (transcript is null || transcript.Segments.Count == 0) continue;
                    if (!sourcesOpen) { w.WriteStartElement("Sources", Ns); sourcesOpen = true; }

                    var view = TranscriptView.For(transcript.Segments, filterFor(story.Id).Pseudonyms);
                    var textEntry = story.Id.ToString("D") + ".txt";
                    await using (var entry = zip.CreateEntry(QdaXml.SourcesFolder + textEntry, CompressionLevel.Fastest).Open())
                    {
                        var bytes = QdaXml.Utf8.GetBytes(view.Text);
                        await entry.WriteAsync(bytes, ct);
                    }
                    var offsets = new OffsetConverter(view.Text);
                    var storyCodings = codings[transcript.Id].OrderBy(c => c.StartChar).ThenBy(c => c.CreatedAt).ToList();
                    WriteTextSource(w, story, transcript, view, textEntry, storyCodings, offsets, users);
                    codingCount += storyCodings.Count;

                    var audio = recording is null ? null : await AudioForAsync(recording, seesOriginals, filterFor(story.Id), ct);
                    if (recording is not null && audio is not null
                        && await WriteAudioAsync(zip, w, story, transcript, view, textEntry, recording, audio, offsets, ct))
                        audioCount++;
                }
            }
            if (sourcesOpen) w.WriteEndElement();
            if (!string.IsNullOrWhiteSpace(project.GuidingQuestion)) w.WriteElementString("Description", Ns, "Hoofdvraag: " + project.GuidingQuestion);
            w.WriteEndElement();
            w.WriteEndDocument();
        }

        qde.Position = 0;
        await using (var entry = zip.CreateEntry("project.qde", CompressionLevel.Fastest).Open())
        {
            await qde.CopyToAsync(entry, ct);
        }
        LogExported(logger, projectId, stories.Count, codingCount, audioCount);
        return new QdpxExportSummary(stories.Count, codingCount, audioCount);
    }

    private static void WriteTextSource(XmlWriter w, StoryRow story, Transcript transcript, TranscriptView view, string textEntry,
        List<Coding> codings, OffsetConverter offsets, IReadOnlyDictionary<Guid, ExportUser> users)
    {
        w.WriteStartElement("TextSource", Ns);
        w.WriteAttributeString("guid", QdaXml.FormatGuid(story.Id));
        w.WriteAttributeString("name", story.TellerPseudonym);
        w.WriteAttributeString("plainTextPath", QdaXml.InternalScheme + textEntry);
        w.WriteAttributeString("creationDateTime", QdaXml.DateTime(story.CreatedAt));
        w.WriteAttributeString("modifiedDateTime", QdaXml.DateTime(transcript.CreatedAt));
        w.WriteElementString("Description", Ns, $"Verhaal van {story.TellerPseudonym}, transcript versie {transcript.Version} ({transcript.Origin}).");
        foreach (var c in codings)
        {
            // Stored offsets count in the original text; the file holds the caller's (pseudonymised) text.
            var start = Math.Clamp(view.FromOriginal.MapStart(c.StartChar), 0, view.Text.Length);
            var end = Math.Clamp(view.FromOriginal.MapEnd(c.EndChar), start, view.Text.Length);
            if (end <= start) continue;
            var user = users.GetValueOrDefault(c.AuthorPersonId ?? Guid.Empty);
            w.WriteStartElement("PlainTextSelection", Ns);
            w.WriteAttributeString("guid", QdaXml.FormatGuid(c.Id));
            w.WriteAttributeString("name", Snippet(view.Text[start..end]));
            w.WriteAttributeString("startPosition", offsets.ToCodePoints(start).ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteAttributeString("endPosition", offsets.ToCodePoints(end).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (user is not null) w.WriteAttributeString("creatingUser", QdaXml.FormatGuid(user.Guid));
            w.WriteAttributeString("creationDateTime", QdaXml.DateTime(c.CreatedAt));
            if (!string.IsNullOrWhiteSpace(c.Memo)) w.WriteElementString("Description", Ns, c.Memo);
            w.WriteStartElement("Coding", Ns);
            w.WriteAttributeString("guid", QdaXml.FormatGuid(QdaXml.StableGuid(c.Id, "coding")));
            if (user is not null) w.WriteAttributeString("creatingUser", QdaXml.FormatGuid(user.Guid));
            w.WriteAttributeString("creationDateTime", QdaXml.DateTime(c.CreatedAt));
            w.WriteStartElement("CodeRef", Ns);
            w.WriteAttributeString("targetGUID", QdaXml.FormatGuid(c.ThemeId));
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private sealed record ExportedAudio(string BlobName, string Format, string MediaType);

    /// <summary>
    /// The audio this reader may take along: the recording, or for a reader without see-originals the copy with the
    /// names that must not be heard silenced; null (no audio) where there are no word times to silence them by.
    /// </summary>
    private async Task<ExportedAudio?> AudioForAsync(Recording recording, bool seesOriginals, PseudonymFilter filter, CancellationToken ct)
    {
        var original = new ExportedAudio(recording.BlobName, recording.Format, recording.MediaType);
        if (seesOriginals) return original;
        var plan = await silencing.PlanAsync(recording.StoryId, recording.DurationMs, filter.Pseudonyms, ct);
        switch (plan.Hearing)
        {
            case AudioHearing.Original:
                return original;
            case AudioHearing.Silenced:
                try
                {
                    var rendition = await silencing.RenditionAsync(recording, plan, ct);
                    return new ExportedAudio(rendition.BlobName, "mp4", rendition.MediaType);
                }
                catch (RenditionFailedException)
                {
                    LogAudioMissing(logger, recording.Id);
                    return null;
                }
            default:
                return null;
        }
    }

    /// <summary>The recording as an AudioSource whose Transcript points at the story's text file, with a sync point at
    /// each segment's start and end, so tools can play the audio along the text.</summary>
    private async Task<bool> WriteAudioAsync(ZipArchive zip, XmlWriter w, StoryRow story, Transcript transcript, TranscriptView view,
        string textEntry, Recording recording, ExportedAudio audio, OffsetConverter offsets, CancellationToken ct)
    {
        var audioEntry = recording.Id.ToString("D") + "." + QdaXml.AudioExtension(audio.Format, audio.MediaType);
        try
        {
            await using var source = await store.OpenReadAsync(audio.BlobName, 0, null, ct);
            await using var entry = zip.CreateEntry(QdaXml.SourcesFolder + audioEntry, CompressionLevel.NoCompression).Open();
            await source.CopyToAsync(entry, ct);
        }
        catch (MediaNotFoundException)
        {
            // The database still names a file the store no longer has (retention raced us): leave the audio out.
            LogAudioMissing(logger, recording.Id);
            return false;
        }

        w.WriteStartElement("AudioSource", Ns);
        w.WriteAttributeString("guid", QdaXml.FormatGuid(recording.Id));
        w.WriteAttributeString("name", story.TellerPseudonym);
        w.WriteAttributeString("path", QdaXml.InternalScheme + audioEntry);
        w.WriteAttributeString("creationDateTime", QdaXml.DateTime(recording.CreatedAt));
        w.WriteStartElement("Transcript", Ns);
        w.WriteAttributeString("guid", QdaXml.FormatGuid(transcript.Id));
        w.WriteAttributeString("name", story.TellerPseudonym);
        w.WriteAttributeString("plainTextPath", QdaXml.InternalScheme + textEntry);
        w.WriteAttributeString("creationDateTime", QdaXml.DateTime(transcript.CreatedAt));
        var position = 0;
        for (var i = 0; i < view.SegmentTexts.Count; i++)
        {
            var segment = view.Original.Segments[i];
            WriteSyncPoint(w, QdaXml.StableGuid(segment.Id, "start"), segment.StartMs, offsets.ToCodePoints(position));
            position += view.SegmentTexts[i].Length;
            WriteSyncPoint(w, QdaXml.StableGuid(segment.Id, "end"), segment.EndMs, offsets.ToCodePoints(position));
            position += 1;
        }
        w.WriteEndElement();
        w.WriteEndElement();
        return true;
    }

    private static void WriteSyncPoint(XmlWriter w, Guid guid, long ms, int position)
    {
        w.WriteStartElement("SyncPoint", Ns);
        w.WriteAttributeString("guid", QdaXml.FormatGuid(guid));
        w.WriteAttributeString("timeStamp", ms.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteAttributeString("position", position.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndElement();
    }

    /// <summary>
    /// The people whose codings go out. Display names of staff are personal data: only a caller who sees originals
    /// gets them (with the account's id as GUID); anyone else gets role names ("Bewoner 1") under GUIDs made for this
    /// export, so nothing in the file links back to an account. Guests of a live workshop are one user, "Gast".
    /// </summary>
    private async Task<Dictionary<Guid, ExportUser>> UsersAsync(Guid projectId, bool seesOriginals, CancellationToken ct)
    {
        var authors = await db.Codings.AsNoTracking()
            .Where(c => c.Transcript!.Story!.ProjectId == projectId)
            .OfAnalysableStories()
            .Select(c => new { c.AuthorPersonId, c.AuthorRole }).Distinct().ToListAsync(ct);
        var result = new Dictionary<Guid, ExportUser>();
        if (authors.Any(a => a.AuthorPersonId is null)) result[Guid.Empty] = new ExportUser(QdaXml.StableGuid(projectId, "user:guest"), "Gast (werksessie)");
        var people = authors.Where(a => a.AuthorPersonId is not null)
            .GroupBy(a => a.AuthorPersonId!.Value)
            .Select(g => (Id: g.Key, Role: g.Select(a => a.AuthorRole).Min()))
            .OrderBy(p => p.Role).ThenBy(p => p.Id).ToList();
        if (seesOriginals)
        {
            var ids = people.Select(p => p.Id).ToList();
            var names = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
            foreach (var p in people) result[p.Id] = new ExportUser(p.Id, names.GetValueOrDefault(p.Id) ?? RoleName(p.Role) + " (verwijderd)");
        }
        else
        {
            var perRole = new Dictionary<ProjectRole, int>();
            foreach (var p in people)
            {
                perRole[p.Role] = perRole.GetValueOrDefault(p.Role) + 1;
                // Derived from the project and the label only, so the same label keeps its GUID between exports and the
                // GUID still says nothing about the account behind it.
                var label = $"{RoleName(p.Role)} {perRole[p.Role]}";
                result[p.Id] = new ExportUser(QdaXml.StableGuid(projectId, "user:" + label), label);
            }
        }
        return result;
    }

    // The same labels a workshop room shows for staff: one rule for where names must not travel.
    private static string RoleName(ProjectRole role) => RoleClasses.Label(role);

    private static string Snippet(string quote)
    {
        var flat = quote.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 80 ? flat : flat[..80].TrimEnd() + "…";
    }

    private static IEnumerable<QdaCode> Flatten(IEnumerable<QdaCode> codes) => codes.SelectMany(c => Flatten(c.Children).Prepend(c));

    private sealed record StoryRow(Guid Id, string TellerPseudonym, DateTimeOffset CreatedAt);

    private sealed record ExportUser(Guid Guid, string Name);

    /// <summary>UTF-16 → code points for one text; free when the text has no surrogate pairs (nearly always).</summary>
    private sealed class OffsetConverter(string text)
    {
        private readonly bool _identity = !QdaXml.HasSurrogates(text);
        public int ToCodePoints(int utf16) => _identity ? utf16 : QdaXml.ToCodePoints(text, utf16);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId} exported as .qdpx: {Stories} stories, {Codings} codings, {AudioFiles} audio files")]
    private static partial void LogExported(ILogger logger, Guid projectId, int stories, int codings, int audioFiles);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording {RecordingId} is missing from the media store; exported without audio")]
    private static partial void LogAudioMissing(ILogger logger, Guid recordingId);
}
