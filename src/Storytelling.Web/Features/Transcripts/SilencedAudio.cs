using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>Section "Storytelling:SilencedAudio": how names that must not be heard are silenced in a recording.</summary>
public sealed class SilencedAudioOptions
{
    public const string Section = "Storytelling:SilencedAudio";

    /// <summary>Silence before and after each name's words, in ms: word times from Whisper are good to about a tenth of a second.</summary>
    [Range(0, 2000, ErrorMessage = "Setting Storytelling:SilencedAudio:MarginMs must be between 0 and 2000 (milliseconds of silence around each silenced name).")]
    public int MarginMs { get; set; } = 150;

    /// <summary>How long making one silenced copy may take before ffmpeg is stopped (a 2-hour story takes about a minute).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00")]
    public TimeSpan RenderTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Silenced copies made at once; encoding is CPU-bound and the machine also serves requests.</summary>
    [Range(1, 16, ErrorMessage = "Setting Storytelling:SilencedAudio:MaxConcurrentRenders must be between 1 and 16.")]
    public int MaxConcurrentRenders { get; set; } = 1;
}

/// <summary>What a reader without see-originals hears of a recording.</summary>
public enum AudioHearing
{
    /// <summary>No silenced name is said: the recording as it is.</summary>
    Original,
    /// <summary>The recording with <see cref="AudioPlan.Spans"/> silenced.</summary>
    Silenced,
    /// <summary>A silenced name is said but there are no word times to silence it by: nothing.</summary>
    Withheld,
}

public sealed record AudioPlan(AudioHearing Hearing, IReadOnlyList<AudioSpan> Spans)
{
    public static readonly AudioPlan Original = new(AudioHearing.Original, []);
    public static readonly AudioPlan Withheld = new(AudioHearing.Withheld, []);
}

/// <summary>
/// Names marked "silence audio", silenced in the recording itself. Where a name is said comes from the machine
/// version's word times (a correction changes the text, not when the recording says what); a name a version's text
/// says where no word of the machine version matches it (a correction fixed a misheard name, "Jan's") silences that
/// whole segment, so a name is never heard because Whisper spelled it differently. The silenced copy (a rendition) is
/// made lazily on the first request, once per recording and set of spans, and kept in the media store.
/// </summary>
public sealed partial class SilencedAudioService(StorytellingDbContext db, IMediaStore store, RenditionRenderer renderer,
    IOptions<SilencedAudioOptions> options, TimeProvider time, ILogger<SilencedAudioService> logger)
{
    /// <summary>
    /// What a reader without see-originals hears of the story, given that reader's <paramref name="pseudonyms"/>
    /// (those with SilenceAudio count). <paramref name="durationMs"/> keeps the spans inside the recording (0: unknown).
    /// </summary>
    public async Task<AudioPlan> PlanAsync(Guid storyId, long durationMs, IReadOnlyCollection<Pseudonym> pseudonyms, CancellationToken ct)
    {
        var silenced = pseudonyms.Where(p => p.SilenceAudio).ToList();
        if (silenced.Count == 0) return AudioPlan.Original;
        var transcripts = await db.Transcripts.AsNoTracking().Where(t => t.StoryId == storyId)
            .Select(t => new { t.Id, t.Version, t.Origin }).ToListAsync(ct);
        var ids = transcripts.Select(t => t.Id).ToList();
        var segments = await db.TranscriptSegments.AsNoTracking().Where(s => ids.Contains(s.TranscriptId))
            .Select(s => new { s.TranscriptId, s.Position, s.StartMs, s.EndMs, s.Text, s.WordTimes }).ToListAsync(ct);

        var counter = new PseudonymText.Replacer(silenced);
        var saying = segments.Select(s => (Segment: s, Count: counter.CountIn(s.Text))).Where(x => x.Count > 0).ToList();
        var timed = transcripts.Where(t => t.Origin == TranscriptOrigin.Machine).OrderByDescending(t => t.Version)
            .FirstOrDefault(t => segments.Any(s => s.TranscriptId == t.Id && s.WordTimes != null));
        if (timed is null) return saying.Count > 0 ? AudioPlan.Withheld : AudioPlan.Original;

        var words = segments.Where(s => s.TranscriptId == timed.Id).OrderBy(s => s.Position).SelectMany(s => WordTimes.Decode(s.WordTimes)).ToList();
        var found = SilencedSpans.Find(words, silenced.Select(p => p.Original));
        var spans = found.ToList();
        foreach (var (segment, count) in saying)
        {
            if (found.Count(w => w.StartMs < segment.EndMs && w.EndMs > segment.StartMs) < count)
                spans.Add(new AudioSpan(segment.StartMs, segment.EndMs));
        }
        var widened = SilencedSpans.Widen(spans, options.Value.MarginMs, durationMs);
        return widened.Count == 0 ? AudioPlan.Original : new AudioPlan(AudioHearing.Silenced, widened);
    }

    /// <summary>
    /// The rendition of <paramref name="recording"/> with <paramref name="plan"/>'s spans silenced, made now when there
    /// is none (one at a time per recording, so concurrent listeners wait for the same copy); an older rendition of the
    /// recording (other spans) is deleted once the new one is stored.
    /// </summary>
    public async Task<AudioRendition> RenditionAsync(Recording recording, AudioPlan plan, CancellationToken ct)
    {
        var key = KeyOf(plan.Spans);
        if (await FindAsync(recording.Id, key, ct) is { } ready) return ready;
        using var _ = await renderer.LockAsync(recording.Id, ct);
        if (await FindAsync(recording.Id, key, ct) is { } made) return made;

        var stored = await renderer.RenderAsync(recording.BlobName, plan.Spans, ct);
        ct = CancellationToken.None; // from here the copy is stored and recorded even if the listener went away
        var rendition = new AudioRendition
        {
            RecordingId = recording.Id, Key = key, BlobName = stored.BlobName, MediaType = RenditionRenderer.MediaType,
            SizeBytes = stored.SizeBytes, CreatedAt = time.GetUtcNow(),
        };
        db.AudioRenditions.Add(rendition);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another web node made the same rendition meanwhile: keep theirs.
            db.ChangeTracker.Clear();
            await store.DeleteAsync(stored.BlobName, CancellationToken.None);
            return await FindAsync(recording.Id, key, ct) ?? throw new InvalidOperationException("The silenced recording vanished while it was made.");
        }
        db.Entry(rendition).State = EntityState.Detached;
        LogRendered(logger, recording.Id, plan.Spans.Count);
        await DiscardAsync(db.AudioRenditions.Where(r => r.RecordingId == recording.Id && r.Key != key), ct);
        return rendition;
    }

    /// <summary>Deletes the renditions of one recording (none of them matches what readers should hear any more).</summary>
    public Task<int> DiscardForRecordingAsync(Guid recordingId, CancellationToken ct) =>
        DiscardAsync(db.AudioRenditions.Where(r => r.RecordingId == recordingId), ct);

    /// <summary>Deletes the renditions of one story, or with <paramref name="storyId"/> null of every story of the project.</summary>
    public Task<int> DiscardAsync(Guid projectId, Guid? storyId, CancellationToken ct) =>
        DiscardAsync(db.AudioRenditions.Where(r => r.Recording!.Story!.ProjectId == projectId && (storyId == null || r.Recording.StoryId == storyId)), ct);

    private async Task<AudioRendition?> FindAsync(Guid recordingId, string key, CancellationToken ct)
    {
        var found = await db.AudioRenditions.AsNoTracking().FirstOrDefaultAsync(r => r.RecordingId == recordingId && r.Key == key, ct);
        if (found is null || await store.GetPropertiesAsync(found.BlobName, ct) is not null) return found;
        await db.AudioRenditions.Where(r => r.Id == found.Id).ExecuteDeleteAsync(ct); // its bytes were lost: make it again
        return null;
    }

    /// <summary>Rows first, with the blobs promised in the same commit (the pending-deletion sweep finishes what fails), then the bytes.</summary>
    private async Task<int> DiscardAsync(IQueryable<AudioRendition> which, CancellationToken ct)
    {
        var rows = await which.Select(r => new { r.Id, r.BlobName }).ToListAsync(ct);
        if (rows.Count == 0) return 0;
        var ids = rows.Select(r => r.Id).ToList();
        var now = time.GetUtcNow();
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.AudioRenditions.Where(r => ids.Contains(r.Id)).ExecuteDeleteAsync(ct);
            foreach (var row in rows)
                db.PendingBlobDeletions.Add(new PendingBlobDeletion { BlobName = row.BlobName, CreatedAt = now, NextAttemptAt = now });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        });
        db.ChangeTracker.Clear();
        foreach (var row in rows)
        {
            try
            {
                await store.DeleteAsync(row.BlobName, ct);
                await db.PendingBlobDeletions.Where(p => p.BlobName == row.BlobName).ExecuteDeleteAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogDeleteDeferred(logger, row.Id, e.GetType().Name);
            }
        }
        return rows.Count;
    }

    /// <summary>The rendition's identity: its format and the exact spans it silences, so the same spans never render twice.</summary>
    internal static string KeyOf(IReadOnlyList<AudioSpan> spans)
    {
        var text = new StringBuilder(RenditionRenderer.Format);
        foreach (var s in spans) text.Append('|').Append(s.StartMs).Append('-').Append(s.EndMs);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silenced copy of recording {RecordingId} made ({Spans} spans)")]
    private static partial void LogRendered(ILogger logger, Guid recordingId, int spans);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silenced copy {RenditionId} could not be deleted yet ({Error}); the pending-deletion sweep retries")]
    private static partial void LogDeleteDeferred(ILogger logger, Guid renditionId, string error);
}

/// <summary>Tells the transcripts feature that the names silenced in a project (or one story) changed.</summary>
internal sealed class SilencedNamesListener(SilencedAudioService silencing) : ISilencedNamesListener
{
    public Task OnSilencedNamesChangedAsync(Guid projectId, Guid? storyId, CancellationToken cancellationToken) =>
        silencing.DiscardAsync(projectId, storyId, cancellationToken);
}
