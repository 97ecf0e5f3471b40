using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using static Storytelling.Web.Features.Transcripts.TranscriptApi;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>The outcome of <see cref="TranscriptService.SaveCorrectionAsync"/>: field errors, or the new version (null when a
/// concurrent save took its version number) with the codings moved to it and those left behind.</summary>
internal sealed record CorrectionSave(Transcript? Corrected, int Moved, IReadOnlyList<Coding> Left, Dictionary<string, string[]>? Errors);

/// <summary>
/// Transcripts of one project's stories, for the API, the transcript page and the teller's own page. A story is only
/// found together with the project the caller took from the address (and only when its teller agreed to analysis),
/// so a story of another project behaves as one that does not exist.
/// </summary>
public sealed partial class TranscriptService(StorytellingDbContext db, TimeProvider time, ILogger<TranscriptService> logger)
{
    /// <summary>The story when it belongs to the project and its teller agreed to analysis; otherwise null (a 404).</summary>
    public Task<Story?> FindStoryAsync(Guid projectId, Guid storyId, CancellationToken ct) => StoryInProject(db, projectId, storyId).SingleOrDefaultAsync(ct);

    /// <summary>The one ownership check for a story in the address, also used by the transcript and export endpoints.</summary>
    internal static IQueryable<Story> StoryInProject(StorytellingDbContext db, Guid projectId, Guid storyId) =>
        db.Stories.AsNoTracking()
            .Where(s => s.Id == storyId && s.ProjectId == projectId).Analysable();

    /// <summary>
    /// Validates <paramref name="input"/> (in the text of <paramref name="view"/>) and saves it as the version after
    /// <paramref name="latest"/>, moving the codings along. The one correction path: the workspace and the teller's
    /// own page both come here, so versions, re-anchoring and the audit entry never differ between them.
    /// </summary>
    internal async Task<CorrectionSave> SaveCorrectionAsync(Story story, Transcript latest, TranscriptView view,
        IReadOnlyList<SegmentInput>? input, Guid? me, CancellationToken ct)
    {
        var storyId = story.Id;
        var recordingMs = await db.Recordings.Where(r => r.StoryId == storyId).Select(r => (long?)r.DurationMs).MaxAsync(ct) ?? 0;
        var limitMs = Math.Max(recordingMs, latest.Segments.Count == 0 ? 0 : latest.Segments.Max(s => s.EndMs));
        var errors = Validate(input, limitMs);
        if (errors.Count > 0) return new CorrectionSave(null, 0, [], errors);

        var segments = new List<TranscriptSegment>(input!.Count);
        for (var i = 0; i < input.Count; i++)
        {
            var s = input[i];
            var shown = s.Text!.Trim();
            // A segment at the same place keeps the stored names the reader saw as pseudonyms.
            var text = i < view.SegmentTexts.Count ? view.Reoriginalise(i, shown) : shown;
            var previous = i < view.Original.Segments.Count ? view.Original.Segments[i] : null;
            segments.Add(new TranscriptSegment
            {
                Position = i, StartMs = s.StartMs, EndMs = s.EndMs, Text = text,
                SpeakerLabel = string.IsNullOrWhiteSpace(s.SpeakerLabel) ? null : s.SpeakerLabel.Trim(),
                Language = previous?.Language,
                Confidence = previous is not null && previous.Text == text ? previous.Confidence : null,
            });
        }
        var oldText = view.Original;
        var newText = TranscriptText.From(segments);
        if (newText.Text == oldText.Text && segments.Select(s => (s.StartMs, s.EndMs, s.SpeakerLabel))
                .SequenceEqual(oldText.Segments.Select(s => (s.StartMs, s.EndMs, s.SpeakerLabel))))
            return new CorrectionSave(null, 0, [], new Dictionary<string, string[]> { ["segments"] = ["Nothing was changed, so no new version was made."] });

        var now = time.GetUtcNow();
        var corrected = new Transcript
        {
            StoryId = storyId, Version = latest.Version + 1, Origin = TranscriptOrigin.HumanCorrection, Language = latest.Language,
            CreatedByPersonId = me, CreatedAt = now, Segments = segments,
        };
        db.Transcripts.Add(corrected);

        // Codings follow their words into the new version; one whose words are all gone stays on the old one.
        var mapping = TextDiff.Compute(oldText.Text, newText.Text);
        var moved = 0;
        var left = new List<Coding>();
        foreach (var coding in await db.Codings.Where(c => c.TranscriptId == latest.Id).ToListAsync(ct))
        {
            if (Reanchor(mapping, newText, coding.StartChar, coding.EndChar) is not { } range)
            {
                left.Add(coding);
                continue;
            }
            coding.TranscriptId = corrected.Id;
            (coding.StartChar, coding.EndChar) = range;
            coding.StartMs = newText.MsAt(range.Start);
            coding.EndMs = Math.Max(coding.StartMs, newText.MsAt(range.End));
            moved++;
        }
        db.Record(time, "transcript.corrected", me, story.ProjectId, "transcript", corrected.Id);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The unique (story, version) index: someone saved the same next version a moment earlier.
            db.ChangeTracker.Clear();
            return new CorrectionSave(null, 0, [], null);
        }
        LogCorrected(logger, storyId, corrected.Version, moved, left.Count);
        return new CorrectionSave(corrected, moved, left, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Story {StoryId} corrected to version {Version}; {Moved} codings re-anchored, {Left} left behind")]
    private static partial void LogCorrected(ILogger logger, Guid storyId, int version, int moved, int left);


    /// <summary>The coding's range in the new text, or null when every character it covered was deleted.</summary>
    public static (int Start, int End)? Reanchor(TextMapping mapping, TranscriptText newText, int startChar, int endChar)
    {
        var start = Math.Clamp(mapping.MapStart(startChar), 0, newText.Text.Length);
        var end = Math.Clamp(mapping.MapEnd(endChar), 0, newText.Text.Length);
        if (end <= start || string.IsNullOrWhiteSpace(newText.Text[start..end])) return null;
        return (start, end);
    }


    private static Dictionary<string, string[]> Validate(IReadOnlyList<SegmentInput>? segments, long limitMs)
    {
        var errors = new Dictionary<string, string[]>();
        if (segments is null || segments.Count == 0)
        {
            errors["segments"] = ["A transcript needs at least one segment."];
            return errors;
        }
        if (segments.Count > MaxSegments)
        {
            errors["segments"] = [$"A transcript can have at most {MaxSegments} segments."];
            return errors;
        }
        long total = 0;
        long previousStart = 0;
        for (var i = 0; i < segments.Count && errors.Count < 20; i++)
        {
            var s = segments[i];
            var key = $"segments[{i}]";
            var text = s.Text?.Trim();
            total += text?.Length ?? 0;
            if (string.IsNullOrEmpty(text)) errors[key + ".text"] = ["A segment needs text; remove the segment instead of emptying it."];
            else if (text.Length > MaxSegmentLength) errors[key + ".text"] = [$"A segment can be at most {MaxSegmentLength} characters; split it."];
            else if (!IsPlainText(text)) errors[key + ".text"] = ["A segment's text cannot hold line breaks or control characters."];
            if (s.StartMs < 0 || s.EndMs < s.StartMs || s.EndMs > limitMs)
                errors[key + ".time"] = [$"Start and end must lie within the recording (0–{limitMs} ms), end not before start."];
            else if (s.StartMs < previousStart)
                errors[key + ".time"] = ["Segments must be in time order: this one starts before the one above it."];
            previousStart = Math.Max(previousStart, s.StartMs);
            if (s.SpeakerLabel is { } label && (label.Trim().Length > MaxSpeakerLabelLength || !IsPlainText(label)))
                errors[key + ".speakerLabel"] = [$"A speaker label is at most {MaxSpeakerLabelLength} characters on one line."];
        }
        if (total > MaxTotalLength) errors["segments"] = [$"A transcript can hold at most {MaxTotalLength} characters."];
        return errors;
    }

    /// <summary>No control characters (the plain text joins segments with "\n") and no broken UTF-16.</summary>
    private static bool IsPlainText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i])) return false;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }
}
