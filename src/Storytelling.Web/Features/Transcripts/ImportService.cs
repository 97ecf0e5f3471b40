using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Media;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>What the facilitator fills in next to the two files.</summary>
public sealed record ImportForm(
    string? TellerPseudonym,
    string? Language,
    string? Format,
    bool ConsentAnalysis,
    bool ConsentQuotesInReports,
    bool ConsentAudioInWorkshops,
    bool ConsentConfirmed,
    DateOnly? ConsentGivenOn);

/// <summary>The receipt code is shown once, to the facilitator, who hands it to the teller.</summary>
/// <summary><paramref name="Notices"/>: how the transcript was read where it could be misread (an encoding guessed,
/// a cue a player would skip), one sentence each.</summary>
public sealed record ImportedStoryDto(Guid StoryId, string ReceiptCode, string TellerPseudonym, long DurationMs, string Format,
    TranscriptFileFormat TranscriptFormat, int Segments, IReadOnlyList<string>? Notices = null);

public sealed record ImportOutcome(ImportedStoryDto? Story, int Status, Dictionary<string, string[]>? Errors)
{
    public static ImportOutcome Refused(int status, string field, string message) => new(null, status, new() { [field] = [message] });
}

/// <summary>
/// Brings in a story recorded before the project used this app: its audio (probed exactly like a capture upload) and
/// an existing transcript (WebVTT, SRT or plain text) that becomes version 1 with origin Imported, so no transcription
/// job is made. Story, recording, transcript and audit entry are saved in one transaction; any refusal deletes the
/// stored audio, so nothing is left behind.
/// </summary>
public sealed partial class ImportService(StorytellingDbContext db, IMediaStore store, IMediaProbe probe, TimeProvider time,
    ILogger<ImportService> logger)
{
    /// <summary>A subtitle file's last cue often runs a little past the audio (encoder padding, rounding in editors);
    /// up to this much is trimmed to the audio's end, more is refused as a transcript of some other recording.</summary>
    public const long EndToleranceMs = 1_000;

    /// <summary>Streams the audio into the store, stopping as soon as it passes the project's size limit.</summary>
    public async Task<(StoredMedia? Media, ImportOutcome? Refusal)> StoreAudioAsync(Project project, Stream audio, string? contentType, CancellationToken ct)
    {
        try
        {
            var media = await store.SaveAsync(new CappedReadStream(audio, project.MaxRecordingBytes),
                string.IsNullOrWhiteSpace(contentType) || contentType.Length > 100 ? "application/octet-stream" : contentType, ct);
            if (media.SizeBytes == 0)
            {
                await store.DeleteAsync(media.BlobName, ct);
                return (null, ImportOutcome.Refused(StatusCodes.Status400BadRequest, "audio", "The audio file is empty."));
            }
            return (media, null);
        }
        catch (CappedReadStream.TooLargeException)
        {
            return (null, ImportOutcome.Refused(StatusCodes.Status413PayloadTooLarge, "audio",
                $"The audio file is larger than this project allows ({project.MaxRecordingBytes / (1024 * 1024)} MB)."));
        }
    }

    /// <summary>Checks everything, then creates the story; on any refusal (or failure) the stored audio is deleted.</summary>
    public async Task<ImportOutcome> ImportAsync(Project project, ImportForm form, StoredMedia audio, byte[]? transcript,
        string? transcriptFileName, Guid facilitator, CancellationToken ct)
    {
        var kept = false;
        try
        {
            var outcome = await ImportCoreAsync(project, form, audio, transcript, transcriptFileName, facilitator, ct);
            kept = outcome.Story is not null;
            if (!kept) LogRefused(logger, project.Id, outcome.Status);
            return outcome;
        }
        finally
        {
            // Also on exceptions and cancellation: the blob is ours until the story row holding it is committed.
            if (!kept) await store.DeleteAsync(audio.BlobName, CancellationToken.None);
        }
    }

    private async Task<ImportOutcome> ImportCoreAsync(Project project, ImportForm form, StoredMedia audio, byte[]? transcriptBytes,
        string? transcriptFileName, Guid facilitator, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var now = time.GetUtcNow();
        if (!form.ConsentAnalysis) errors["consentAnalysis"] = ["A story can only be imported when the teller agreed to its analysis."];
        if (!form.ConsentConfirmed) errors["consentConfirmed"] = ["Confirm that the teller gave this consent before the import."];
        if (form.ConsentGivenOn is { } on && on > DateOnly.FromDateTime(now.UtcDateTime).AddDays(1))
            errors["consentGivenOn"] = ["The date consent was given cannot lie in the future."];
        var pseudonym = form.TellerPseudonym?.Trim();
        if (pseudonym is { Length: > 100 } || (pseudonym is not null && pseudonym.Any(char.IsControl)))
            errors["tellerPseudonym"] = ["A teller's pseudonym is at most 100 characters on one line."];
        var language = string.IsNullOrWhiteSpace(form.Language) ? null : form.Language.Trim().ToLowerInvariant();
        if (language is not null && !project.AllowedLanguages.Contains(language))
            errors["language"] = [$"The language must be one of this project's languages: {string.Join(", ", project.AllowedLanguages)}."];
        TranscriptFileFormat? format = form.Format?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => null,
            "vtt" or "webvtt" => TranscriptFileFormat.WebVtt,
            "srt" => TranscriptFileFormat.Srt,
            "txt" or "text" or "plain" => TranscriptFileFormat.PlainText,
            _ => (TranscriptFileFormat)(-1),
        };
        if (format == (TranscriptFileFormat)(-1)) errors["format"] = ["The transcript format is 'vtt', 'srt', 'text' or empty to detect it."];
        string? text = null;
        DecodedText? decoded = null;
        if (transcriptBytes is null || transcriptBytes.Length == 0) errors["transcript"] = ["Add the transcript file (WebVTT, SRT or plain text)."];
        else if (transcriptBytes.Length > TranscriptFormats.MaxFileBytes) errors["transcript"] = ["The transcript file is larger than 8 MB."];
        else if ((decoded = TextDecoding.Decode(transcriptBytes)).Encoding == "binary")
            errors["transcript"] = ["The transcript is not a text file; save it as text (UTF-8) and try again."];
        else text = decoded.Text;
        if (errors.Count > 0) return new ImportOutcome(null, StatusCodes.Status400BadRequest, errors);

        var probed = await probe.ProbeStoredAsync(store, audio.BlobName, ct);
        var refusal = probed.Failure switch
        {
            MediaProbeFailure.None => null,
            MediaProbeFailure.TimedOut => ImportOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "audio", "Checking the audio took too long; try again in a moment."),
            MediaProbeFailure.Empty => ImportOutcome.Refused(StatusCodes.Status400BadRequest, "audio", "The audio file is empty."),
            MediaProbeFailure.NotMedia => ImportOutcome.Refused(StatusCodes.Status415UnsupportedMediaType, "audio", "The audio file is not a sound recording."),
            MediaProbeFailure.NoAudio => ImportOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "audio", "There is no sound in the audio file."),
            _ => ImportOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "audio", "The audio file is damaged or incomplete."),
        };
        if (refusal is not null) return refusal;
        if (probed.HasVideo && !project.AllowVideo)
            return ImportOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "audio", "This project takes audio only; the file holds video.");
        if (probed.DurationMs > project.MaxRecordingSeconds * 1000L)
            return ImportOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "audio", "The recording is longer than this project allows.");

        var detected = format ?? TranscriptFormats.Detect(transcriptFileName, text!);
        var parsed = detected switch
        {
            TranscriptFileFormat.WebVtt => TranscriptFormats.ParseVtt(text!),
            TranscriptFileFormat.Srt => TranscriptFormats.ParseSrt(text!),
            _ => TranscriptFormats.ParsePlain(text!, probed.DurationMs),
        };
        if (parsed.Error is { } error) return ImportOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "transcript", error);
        var duration = probed.DurationMs;
        if (parsed.Cues.FirstOrDefault(c => c.EndMs > duration + EndToleranceMs) is { } late)
            return ImportOutcome.Refused(StatusCodes.Status422UnprocessableEntity, "transcript",
                $"The cue at {TranscriptFormats.Time(late.StartMs, '.')}–{TranscriptFormats.Time(late.EndMs, '.')} lies past the end of the audio " +
                $"({TranscriptFormats.Time(duration, '.')}); is this the transcript of this recording?");

        var (story, receipt) = await StoryFactory.AddAsync(db, project.Id,
            string.IsNullOrEmpty(pseudonym) ? await StoryFactory.NextTellerNameAsync(db, project.Id, ct) : pseudonym,
            new Consent
            {
                Scopes = ConsentScopes.Analysis
                    | (form.ConsentQuotesInReports ? ConsentScopes.QuotesInReports : 0)
                    | (form.ConsentAudioInWorkshops ? ConsentScopes.AudioInWorkshops : 0),
                GivenAt = form.ConsentGivenOn is { } given ? new DateTimeOffset(given.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : now,
                Method = ConsentMethod.Imported,
                RecordedByPersonId = facilitator,
            }, now, ct);
        story.Status = StoryStatus.Transcribed;
        story.Language = language;
        var recording = new Recording
        {
            StoryId = story.Id, BlobName = audio.BlobName, Format = probed.FormatName, MediaType = probed.MediaType,
            DurationMs = duration, SizeBytes = audio.SizeBytes, Sha256 = audio.Sha256, CreatedAt = now,
        };
        var transcriptLanguage = language ?? (project.DefaultLanguage == "auto" ? null : project.DefaultLanguage);
        var transcript = new Transcript
        {
            StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Imported, Language = transcriptLanguage,
            CreatedByPersonId = facilitator, CreatedAt = now,
            Segments = parsed.Cues.Select((c, i) => new TranscriptSegment
            {
                Position = i, StartMs = Math.Min(c.StartMs, duration), EndMs = Math.Min(c.EndMs, duration), Text = c.Text,
                SpeakerLabel = c.Speaker, Language = transcriptLanguage,
            }).ToList(),
        };
        db.Recordings.Add(recording);
        db.Transcripts.Add(transcript);
        db.Record(time, "story.imported", facilitator, project.Id, "story", story.Id);
        // The receipt code is handed out on this commit, as with capture: it must survive a power cut.
        await db.DurablyAsync(() => db.SaveChangesAsync(ct), ct);
        LogImported(logger, story.Id, project.Id, detected, transcript.Segments.Count, duration);
        var notices = new List<string>();
        if (decoded is { Guessed: true })
            notices.Add($"The transcript was not UTF-8 and had no byte-order mark, so it was read as {decoded.Encoding} (what Windows subtitle editors write); check its accented letters.");
        notices.AddRange(parsed.Notices ?? []);
        return new ImportOutcome(new ImportedStoryDto(story.Id, receipt, story.TellerPseudonym, duration, recording.Format,
            detected, transcript.Segments.Count, notices), StatusCodes.Status201Created, null);
    }



    [LoggerMessage(Level = LogLevel.Information, Message = "Story {StoryId} imported into project {ProjectId} ({TranscriptFormat}, {Segments} segments, {DurationMs} ms)")]
    private static partial void LogImported(ILogger logger, Guid storyId, Guid projectId, TranscriptFileFormat transcriptFormat, int segments, long durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import into project {ProjectId} refused with status {Status}")]
    private static partial void LogRefused(ILogger logger, Guid projectId, int status);
}

/// <summary>Passes bytes through until more than the limit arrived, then throws, so an oversized upload stops early.</summary>
internal sealed class CappedReadStream(Stream inner, long limit) : Stream
{
    internal sealed class TooLargeException() : IOException("The content is larger than allowed.");

    private long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        _read += n;
        if (_read > limit) throw new TooLargeException();
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        _read += n;
        if (_read > limit) throw new TooLargeException();
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
