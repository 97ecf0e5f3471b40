using System.IO.Pipelines;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storytelling.Core.Audit;
using Storytelling.Core.Capture;
using Storytelling.Core.Media;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Telemetry;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;

namespace Storytelling.Web.Features.Capture;

/// <summary>
/// Resumable uploads: create a session, stage chunks at the offset the server confirmed, complete.
/// Completion decides by probing the content, then creates story, recording and transcription job in one
/// transaction, or refuses and removes every byte of it.
/// </summary>
public sealed partial class UploadService(
    StorytellingDbContext db, IMediaStore store, IMediaProbe probe, TimeProvider time,
    IOptions<CaptureOptions> options, UploadSessionFacts facts, StorytellingMetrics metrics, IJobChanges jobChanges,
    ILogger<UploadService> logger)
{
    // How stale the database's expiry of a receiving upload may get before a chunk moves it on: one short
    // statement a minute per upload instead of one per chunk.
    private static readonly TimeSpan ExpiryRefresh = TimeSpan.FromMinutes(1);

    private readonly CaptureOptions _options = options.Value;

    public async Task<Outcome<UploadDto>> CreateAsync(Project project, CreateUploadRequest request, Guid? invitationId,
        Guid? recordedBy, CancellationToken ct, Guid? evaluationRoundId = null)
    {
        if (request.Consent is not { Analysis: true }) return CaptureErrors.ConsentMissing;
        if (request.SizeBytes is not { } size || size <= 0) return CaptureErrors.Empty;
        if (size > project.MaxRecordingBytes) return CaptureErrors.TooLarge;
        var mediaType = request.MediaType?.Trim() ?? "";
        if (mediaType.Length is 0 or > 100 || !MediaTypeShape().IsMatch(mediaType)) return CaptureErrors.BadRequest;
        var sha = request.Sha256?.Trim().ToLowerInvariant();
        if (sha is { Length: > 0 } && !Sha256Shape().IsMatch(sha)) return CaptureErrors.BadRequest;
        var language = request.Language?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(language) || !project.AllowedLanguages.Contains(language)) language = null;
        var pseudonym = request.TellerPseudonym?.Trim();
        if (pseudonym is { Length: > 100 }) return CaptureErrors.BadRequest;

        var verbal = recordedBy is not null && request.ConsentGivenVerbally == true;
        var now = time.GetUtcNow();
        var session = new UploadSession
        {
            Id = UploadSession.NewId(),
            ProjectId = project.Id,
            BlobName = BlobNames.New(),
            SizeBytes = size,
            DeclaredMediaType = mediaType,
            ExpectedSha256 = string.IsNullOrEmpty(sha) ? null : sha,
            ConsentScopes = ConsentScopes.Analysis
                | (request.Consent.QuotesInReports ? ConsentScopes.QuotesInReports : 0)
                | (request.Consent.AudioInWorkshops ? ConsentScopes.AudioInWorkshops : 0),
            ConsentMethod = verbal ? ConsentMethod.GivenVerbally : ConsentMethod.GivenOnline,
            ConsentRecordedByPersonId = verbal ? recordedBy : null,
            Language = language,
            TellerPseudonym = string.IsNullOrEmpty(pseudonym) ? null : pseudonym,
            InvitationId = invitationId,
            RecordedByPersonId = recordedBy,
            EvaluationRoundId = evaluationRoundId,
            CreatedAt = now,
            ExpiresAt = now.AddHours(_options.SessionLifetimeHours),
        };
        db.UploadSessions.Add(session);
        await db.SaveChangesAsync(ct);
        await store.BeginStagingAsync(session.BlobName, ct);
        facts.Remember(session.Id, new(session.BlobName, session.SizeBytes, session.ExpiresAt));
        return ToDto(session);
    }

    public async Task<Outcome<UploadDto>> GetAsync(string uploadId, CancellationToken ct)
    {
        var session = await FindAsync(uploadId, ct);
        if (session is null) return CaptureErrors.UploadUnknown;
        // Never the receipt code: the upload id travels in addresses, the code only in the answer that created the story.
        return ToDto(session, await ReceivedAsync(session, ct));
    }

    /// <summary>
    /// The hot path: no database statement for a chunk of an upload this node knows (see <see cref="UploadSessionFacts"/>).
    /// The staged bytes are the confirmed offset; the store appends only at their end, one writer at a time, on
    /// whichever node the chunk arrives.
    /// </summary>
    public async Task<Outcome<ChunkAcceptedDto>> AppendAsync(string uploadId, long? offset, long? length, PipeReader body, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var known = facts.Find(uploadId);
        if (known is null || known.ExpiresAt < now)
        {
            var session = await FindAsync(uploadId, ct);
            if (session is null) return CaptureErrors.UploadUnknown;
            if (session.Status == UploadStatus.Completed) return new ChunkAcceptedDto(session.SizeBytes);
            known = new(session.BlobName, session.SizeBytes, session.ExpiresAt);
            facts.Remember(uploadId, known);
        }
        if (offset is not { } start || start < 0) return CaptureErrors.BadRequest;
        if (length is not { } count) return CaptureErrors.LengthRequired;
        if (count > _options.MaxChunkBytes) return CaptureErrors.ChunkTooLarge;
        if (start + count > known.SizeBytes) return CaptureErrors.TooLarge;

        long? staged;
        try
        {
            staged = await store.AppendStagedAsync(known.BlobName, start, count, body, ct);
            // Nothing staged: completed, refused or swept, maybe on another node, or begun before staging was begun
            // at creation. The database decides.
            if (staged is null) return await AppendUnstagedAsync(uploadId, start, count, body, ct);
        }
        catch (InvalidDataException)
        {
            return CaptureErrors.SizeMismatch;
        }

        if (known.ExpiresAt < now.AddHours(_options.SessionLifetimeHours) - ExpiryRefresh)
        {
            await ExtendAsync(uploadId, known, now, ct);
        }
        if (staged < start + count) return OutOfOrder(staged.Value);
        metrics.UploadReceived(count);
        return new ChunkAcceptedDto(staged.Value);
    }

    private async Task<Outcome<ChunkAcceptedDto>> AppendUnstagedAsync(string uploadId, long start, long count, PipeReader body, CancellationToken ct)
    {
        facts.Forget(uploadId);
        var session = await FindAsync(uploadId, ct);
        if (session is null) return CaptureErrors.UploadUnknown;
        if (session.Status == UploadStatus.Completed) return new ChunkAcceptedDto(session.SizeBytes);
        if (session.ReceivedBytes == session.SizeBytes)
        {
            // A completion took every byte and is checking them (or timed out doing so): a late retry changes nothing.
            await body.CopyToAsync(Stream.Null, ct);
            return new ChunkAcceptedDto(session.SizeBytes);
        }
        await store.BeginStagingAsync(session.BlobName, ct);
        var staged = await store.AppendStagedAsync(session.BlobName, start, count, body, ct) ?? 0;
        return staged >= start + count ? new ChunkAcceptedDto(staged) : OutOfOrder(staged);
    }

    /// <summary>A chunk keeps its upload alive; the database hears of it once a minute, which is what the janitor reads.</summary>
    private async Task ExtendAsync(string uploadId, UploadSessionFacts.Facts known, DateTimeOffset now, CancellationToken ct)
    {
        var expires = now.AddHours(_options.SessionLifetimeHours);
        var moved = await db.UploadSessions
            .Where(u => u.Id == uploadId && u.Status == UploadStatus.Receiving && u.ExpiresAt < expires)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.ExpiresAt, expires), ct);
        if (moved == 1) facts.Remember(uploadId, known with { ExpiresAt = expires });
    }

    /// <param name="recordingSha256">On a repeated call (the first answer got lost), proof that the caller holds the
    /// recording itself and not just the upload id, which travels in addresses: it then gets a fresh receipt code.</param>
    public async Task<Outcome<CompletedUploadDto>> CompleteAsync(string uploadId, string? recordingSha256, CancellationToken ct)
    {
        var session = await FindAsync(uploadId, ct, tracked: true);
        if (session is null) return CaptureErrors.UploadUnknown;
        if (session.Status == UploadStatus.Completed) return await CompletedAsync(session.StoryId!.Value, recordingSha256, ct);
        var received = await ReceivedAsync(session, ct);
        if (received != session.SizeBytes)
            return new Outcome<CompletedUploadDto>(default, CaptureErrors.Incomplete, new() { ["receivedBytes"] = received });
        facts.Forget(uploadId);
        if (session.ReceivedBytes != received)
        {
            // Before the staged bytes become the recording's blob, the row remembers that they all arrived: a status
            // asked or a chunk retried after this finds them there, not in staging.
            session.ReceivedBytes = received;
            await db.SaveChangesAsync(ct);
        }

        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == session.ProjectId, ct);
        StoredMedia media;
        try
        {
            media = await store.CommitStagedAsync(session.BlobName, session.SizeBytes, session.DeclaredMediaType, ct);
        }
        catch (Exception e) when (e is InvalidDataException or MediaNotFoundException)
        {
            return await RefuseAsync(session, CaptureErrors.SizeMismatch, ct);
        }
        if (media.SizeBytes != session.SizeBytes) return await RefuseAsync(session, CaptureErrors.SizeMismatch, ct);
        if (session.ExpectedSha256 is { } expected && expected != media.Sha256) return await RefuseAsync(session, CaptureErrors.HashMismatch, ct);

        var probed = await probe.ProbeStoredAsync(store, session.BlobName, ct);
        switch (probed.Failure)
        {
            case MediaProbeFailure.TimedOut:
                // Transient: keep every byte, the client may ask again.
                return CaptureErrors.ProbeTimedOut;
            case MediaProbeFailure.Empty:
                return await RefuseAsync(session, CaptureErrors.Empty, ct);
            case MediaProbeFailure.NotMedia:
                return await RefuseAsync(session, CaptureErrors.NotMedia, ct);
            case MediaProbeFailure.NoAudio:
                return await RefuseAsync(session, CaptureErrors.NoAudio, ct);
            case MediaProbeFailure.Unreadable:
                return await RefuseAsync(session, CaptureErrors.Unreadable, ct);
        }
        if (probed.DurationMs > project.MaxRecordingSeconds * 1000L) return await RefuseAsync(session, CaptureErrors.TooLong, ct);

        var now = time.GetUtcNow();
        var (story, receipt) = await StoryFactory.AddAsync(db, project.Id,
            session.TellerPseudonym ?? await StoryFactory.NextTellerNameAsync(db, project.Id, ct),
            new Consent
            {
                Scopes = session.ConsentScopes,
                GivenAt = session.CreatedAt,
                Method = session.ConsentMethod,
                RecordedByPersonId = session.ConsentRecordedByPersonId,
            }, now, ct);
        story.Language = session.Language;
        story.RecordedByPersonId = session.RecordedByPersonId;
        story.EvaluationRoundId = session.EvaluationRoundId;
        var recording = new Recording
        {
            StoryId = story.Id,
            BlobName = session.BlobName,
            Format = probed.FormatName,
            MediaType = probed.MediaType,
            DurationMs = probed.DurationMs,
            SizeBytes = media.SizeBytes,
            Sha256 = media.Sha256,
            CreatedAt = now,
        };
        db.Recordings.Add(recording);
        var job = new TranscriptionJob { RecordingId = recording.Id, CreatedAt = now, NotBefore = now };
        db.TranscriptionJobs.Add(job);
        session.Status = UploadStatus.Completed;
        session.StoryId = story.Id;
        session.ExpiresAt = now.AddHours(_options.SessionLifetimeHours);
        db.Record(time, "story.received", session.RecordedByPersonId, project.Id, "story", story.Id);
        // The teller deletes her copy once she has the receipt code: this commit must survive a power cut.
        await db.DurablyAsync(() => db.SaveChangesAsync(ct), ct);
        LogReceived(logger, story.Id, recording.Format, recording.DurationMs);
        // Open project pages on every node learn of the queued job (without Redis this node's watcher sees it).
        if (jobChanges.Publishes)
            await jobChanges.PublishAsync(new JobChange(project.Id, story.Id, job.Id, job.Status, 0, story.Consent.Scopes.AllowsAnalysis()), ct);
        return new CompletedUploadDto(story.Id, receipt, recording.DurationMs, recording.Format);
    }


    private async Task<Outcome<CompletedUploadDto>> RefuseAsync(UploadSession session, CaptureErrors.Error error, CancellationToken ct)
    {
        // Nothing half-created: the bytes go, and so does the session.
        facts.Forget(session.Id);
        await store.DeleteAsync(session.BlobName, ct);
        await store.DeleteStagedAsync(session.BlobName, ct);
        db.UploadSessions.Remove(session);
        db.Record(time, "upload.refused", session.RecordedByPersonId, session.ProjectId, "upload", null);
        await db.SaveChangesAsync(ct);
        LogRefused(logger, error.Code);
        return error;
    }

    private async Task<Outcome<CompletedUploadDto>> CompletedAsync(Guid storyId, string? recordingSha256, CancellationToken ct)
    {
        var story = await db.Stories.Include(s => s.Recordings).FirstOrDefaultAsync(s => s.Id == storyId, ct);
        if (story is null || story.Recordings.Count == 0) return CaptureErrors.UploadUnknown; // the story was withdrawn meanwhile
        var recording = story.Recordings[0];
        // The code was shown once and is stored only as a hash: asked again, only the holder of the recording gets a
        // new one (the old one stops working); anyone else learns that the story arrived, and nothing more.
        string? receipt = null;
        if (recordingSha256 is { Length: 64 } proof && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(proof.ToLowerInvariant()), System.Text.Encoding.ASCII.GetBytes(recording.Sha256.ToLowerInvariant())))
        {
            receipt = await ReceiptCode.NewUniqueAsync(db, ct);
            story.ReceiptCodeHash = ReceiptCode.Hash(receipt);
            db.Record(time, "story.receipt_reissued", null, story.ProjectId, "story", story.Id);
            await db.DurablyAsync(() => db.SaveChangesAsync(ct), ct);
        }
        return new CompletedUploadDto(storyId, receipt, recording.DurationMs, recording.Format);
    }


    private async Task<UploadSession?> FindAsync(string uploadId, CancellationToken ct, bool tracked = false)
    {
        if (!UploadSession.LooksLikeId(uploadId)) return null;
        var query = tracked ? db.UploadSessions : db.UploadSessions.AsNoTracking();
        var session = await query.FirstOrDefaultAsync(u => u.Id == uploadId, ct);
        if (session is null || session.ExpiresAt < time.GetUtcNow()) return null;
        return session;
    }

    /// <summary>How much arrived: the staged bytes while receiving; once a completion took them all, the row says so.</summary>
    private async Task<long> ReceivedAsync(UploadSession session, CancellationToken ct) =>
        session.Status == UploadStatus.Completed || session.ReceivedBytes == session.SizeBytes
            ? session.ReceivedBytes
            : Math.Max(session.ReceivedBytes, await store.GetStagedLengthAsync(session.BlobName, ct) ?? 0);

    private static Outcome<ChunkAcceptedDto> OutOfOrder(long expected) =>
        new(default, CaptureErrors.OutOfOrder, new() { ["expectedOffset"] = expected });

    private UploadDto ToDto(UploadSession s, long? received = null) =>
        new(s.Id, s.SizeBytes, received ?? s.ReceivedBytes, _options.MaxChunkBytes, s.ExpiresAt, s.Status, s.StoryId);

    [GeneratedRegex("^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*(;.*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MediaTypeShape();

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Shape();

    [LoggerMessage(Level = LogLevel.Information, Message = "Story {StoryId} received ({Format}, {DurationMs} ms)")]
    private static partial void LogReceived(ILogger logger, Guid storyId, string format, long durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string code);
}
