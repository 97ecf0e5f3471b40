using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Web.Features.Analysis;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

using Storytelling.Web.Features.Pseudonyms;

namespace Storytelling.Web.Features.Workspace;

public sealed record SegmentDto(int Position, long StartMs, long EndMs, string Text, string? SpeakerLabel);

public sealed record VersionDto(int Version, TranscriptOrigin Origin, DateTimeOffset CreatedAt);

/// <summary>
/// One transcript version as the caller may see it. Segment texts and the codings' offsets and quotes are in the
/// caller's view: pseudonymised, unless <see cref="ShowsOriginals"/>.
/// </summary>
public sealed record TranscriptDto(Guid Id, Guid StoryId, string TellerPseudonym, int Version, int LatestVersion,
    TranscriptOrigin Origin, string? Language, string? Model, DateTimeOffset CreatedAt, IReadOnlyList<VersionDto> Versions,
    IReadOnlyList<SegmentDto> Segments, IReadOnlyList<CodingDto> Codings, IReadOnlyList<Guid> RemovableCodingIds,
    bool AudioAvailable, long? DurationMs, bool ShowsOriginals, bool AudioWithheld = false);

/// <summary>A segment of a correction. The list's order is the new order; <see cref="Position"/> is accepted for
/// symmetry with <see cref="SegmentDto"/> but the positions are renumbered 0…n-1.</summary>
public sealed record SegmentInput(int? Position, long StartMs, long EndMs, string? Text, string? SpeakerLabel);

public sealed record SpeakerRequest(int BaseVersion, string? SpeakerLabel);

public sealed record CorrectionRequest(int BaseVersion, IReadOnlyList<SegmentInput>? Segments);

/// <summary>Codings whose text was deleted by the correction stay on the old version; they are listed here.</summary>
public sealed record CorrectionResultDto(TranscriptDto Transcript, int ReanchoredCodings, IReadOnlyList<CodingDto> NotReanchored);

public sealed record NewCodingRequest(Guid ThemeId, int StartChar, int EndChar, string? Memo);

public static partial class TranscriptApi
{
    public const int MaxSegments = 10_000;
    public const int MaxSegmentLength = 5_000;
    public const int MaxTotalLength = 2_000_000;
    public const int MaxSpeakerLabelLength = 50;

    /// <summary>When someone holds several analysing roles, the coding counts for the first of these, so the
    /// residents-versus-officials comparison hears a resident's voice as a resident's.</summary>
    public static readonly ProjectRole[] CodingRolePreference = [ProjectRole.Bewoner, ProjectRole.Beleidsmedewerker, ProjectRole.Begeleider];

    public static RouteGroupBuilder MapTranscriptApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/stories/{storyId:guid}")
            .RequireAuthorization(Policies.Analyse).WithTags("Transcript");
        group.MapGet("/transcript", Get);
        group.MapGet("/audio", Audio);
        group.MapPost("/corrections", Correct);
        group.MapPut("/segments/{position:int}/speaker", SetSpeaker);
        group.MapPost("/codings", AddCoding);
        group.MapDelete("/codings/{codingId:guid}", RemoveCoding);
        return group;
    }

    /// <summary>The story when it belongs to the project and its teller agreed to analysis; otherwise null (a 404).</summary>
    public static Task<Story?> FindStoryAsync(StorytellingDbContext db, Guid projectId, Guid storyId, CancellationToken ct) =>
        db.Stories.AsNoTracking()
            .Where(s => s.Id == storyId && s.ProjectId == projectId && (s.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis)
            .SingleOrDefaultAsync(ct);

    private static async Task<Results<Ok<TranscriptDto>, NotFound>> Get(
        Guid projectId, Guid storyId, int? version, HttpContext http, StorytellingDbContext db, PseudonymService pseudonyms, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var dto = await ReadAsync(db, pseudonyms, story, version, http.User.PersonId(), ct);
        return dto is null ? TypedResults.NotFound() : TypedResults.Ok(dto);
    }

    private static async Task<TranscriptDto?> ReadAsync(StorytellingDbContext db, PseudonymService pseudonyms, Story story, int? version,
        Guid? me, CancellationToken ct)
    {
        var versions = await db.Transcripts.AsNoTracking().Where(t => t.StoryId == story.Id)
            .OrderBy(t => t.Version).Select(t => new VersionDto(t.Version, t.Origin, t.CreatedAt)).ToListAsync(ct);
        if (versions.Count == 0) return null;
        var wanted = version ?? versions[^1].Version;
        var transcript = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .SingleOrDefaultAsync(t => t.StoryId == story.Id && t.Version == wanted, ct);
        if (transcript is null) return null;

        var roles = await ProjectsApi.MyRolesAsync(db, story.ProjectId, me, ct);
        var (view, seesOriginals, filter) = await ViewForAsync(pseudonyms, story, transcript, roles, ct);
        var withheld = await AudioWithheldAsync(db, filter, story.Id, ct);
        var rows = await db.Codings.AsNoTracking().Where(c => c.TranscriptId == transcript.Id).ToListAsync(ct);
        var authorIds = rows.Where(c => c.AuthorPersonId != null).Select(c => c.AuthorPersonId!.Value).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(p => authorIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.DisplayName, ct);
        // Which codings this reader may remove: the remove-coding rule (curator: all; author: their own).
        var isFacilitator = Policies.Allows(Policies.CurateCodebook, roles);
        var recording = await db.Recordings.AsNoTracking().Where(r => r.StoryId == story.Id)
            .OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(ct);

        return new TranscriptDto(transcript.Id, story.Id, story.TellerPseudonym, transcript.Version, versions[^1].Version,
            transcript.Origin, transcript.Language, transcript.ModelName, transcript.CreatedAt, versions,
            view.Original.Segments.Select((s, i) => new SegmentDto(s.Position, s.StartMs, s.EndMs, view.SegmentTexts[i], s.SpeakerLabel)).ToList(),
            rows.OrderBy(c => c.StartChar).ThenBy(c => c.CreatedAt)
                .Select(c => InView(c, story.Id, view, c.AuthorPersonId is { } a ? names.GetValueOrDefault(a) : null)).ToList(),
            rows.Where(c => isFacilitator || (me != null && c.AuthorPersonId == me)).Select(c => c.Id).ToList(),
            recording is { AudioDeletedAt: null } && !withheld, recording?.DurationMs, seesOriginals, withheld);
    }

    /// <summary>
    /// Whether this reader may not hear the story: one of its transcript versions says a name marked "silence audio"
    /// (see <see cref="PseudonymFilter.SilencesAudioIn"/>). Names do not cross segments, so segments are checked one by one.
    /// </summary>
    internal static async Task<bool> AudioWithheldAsync(StorytellingDbContext db, PseudonymFilter filter, Guid storyId, CancellationToken ct)
    {
        if (!filter.Pseudonyms.Any(p => p.SilenceAudio)) return false;
        var transcriptIds = db.Transcripts.Where(t => t.StoryId == storyId).Select(t => t.Id);
        var texts = await db.TranscriptSegments.AsNoTracking().Where(s => transcriptIds.Contains(s.TranscriptId)).Select(s => s.Text).ToListAsync(ct);
        return texts.Any(filter.SilencesAudioIn);
    }

    private static async Task<(TranscriptView View, bool SeesOriginals, PseudonymFilter Filter)> ViewForAsync(PseudonymService pseudonyms, Story story,
        Transcript transcript, IReadOnlyCollection<ProjectRole> roles, CancellationToken ct)
    {
        var seesOriginals = roles.Any(Policies.ProjectRoles[Policies.SeeOriginals].Contains);
        var filter = await pseudonyms.ForReaderAsync(story.ProjectId, story.Id, seesOriginals, ct);
        return (TranscriptView.For(transcript.Segments, filter.Pseudonyms), seesOriginals, filter);
    }

    /// <summary>A coding with its offsets and quote moved into the reader's view of the text.</summary>
    private static CodingDto InView(Coding c, Guid storyId, TranscriptView view, string? authorName)
    {
        var start = Math.Clamp(view.FromOriginal.MapStart(c.StartChar), 0, view.Text.Length);
        var end = Math.Clamp(view.FromOriginal.MapEnd(c.EndChar), start, view.Text.Length);
        return CodingService.ToDto(c, storyId, view.Text[start..end], authorName) with { StartChar = start, EndChar = end };
    }

    private static async Task<IResult> Audio(Guid projectId, Guid storyId, HttpContext http, StorytellingDbContext db, IMediaStore store,
        PseudonymService pseudonyms, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var seesOriginals = await pseudonyms.SeesOriginalsAsync(projectId, http.User.PersonId(), ct);
        if (!seesOriginals && await AudioWithheldAsync(db, await pseudonyms.ForReaderAsync(projectId, storyId, false, ct), storyId, ct))
            return TypedResults.Problem("A name that must not be heard is said in this recording; only a facilitator may listen.",
                statusCode: StatusCodes.Status403Forbidden, title: "audio_withheld");
        var recording = await db.Recordings.AsNoTracking().Where(r => r.StoryId == storyId)
            .OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(ct);
        if (recording is null) return TypedResults.NotFound();
        if (recording.AudioDeletedAt is not null) return await AudioDeletedAsync(db, projectId, ct);
        var properties = await store.GetPropertiesAsync(recording.BlobName, ct);
        if (properties is null) return TypedResults.NotFound();
        return new RangeStreamResult(store, recording.BlobName, properties.SizeBytes, recording.MediaType);
    }

    /// <summary>410 Gone rather than 404: the audio existed and was deleted on purpose; the transcript stays.</summary>
    private static async Task<IResult> AudioDeletedAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var days = await db.Projects.Where(p => p.Id == projectId).Select(p => p.AudioRetentionDays).FirstOrDefaultAsync(ct);
        return TypedResults.Problem(AudioDeletedNote(days), statusCode: StatusCodes.Status410Gone, title: "Audio deleted (retention period).");
    }

    /// <summary>The sentence the transcript page and the audio endpoint show once retention removed the audio.</summary>
    public static string AudioDeletedNote(int? days) => days is { } n
        ? $"Audio verwijderd na {n} dagen (bewaartermijn); het transcript blijft."
        : "Audio verwijderd (bewaartermijn); het transcript blijft.";

    private static async Task<Results<Created<CorrectionResultDto>, NotFound, ProblemHttpResult, ValidationProblem>> Correct(
        Guid projectId, Guid storyId, CorrectionRequest request, HttpContext http, StorytellingDbContext db, CodingService codings, PseudonymService pseudonyms,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var latest = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (latest is null) return TypedResults.NotFound();
        if (request.BaseVersion != latest.Version) return Stale(latest.Version);

        var me = http.User.PersonId();
        var roles = await ProjectsApi.MyRolesAsync(db, projectId, me, ct);
        var (view, _, _) = await ViewForAsync(pseudonyms, story, latest, roles, ct);
        var saved = await SaveCorrectionAsync(db, story, latest, view, request.Segments, me, time, loggers, ct);
        if (saved.Errors is not null) return TypedResults.ValidationProblem(saved.Errors);
        if (saved.Corrected is not { } corrected) return Stale(latest.Version + 1);

        var dto = (await ReadAsync(db, pseudonyms, story, corrected.Version, me, ct))!;
        return TypedResults.Created($"/api/projects/{projectId}/stories/{storyId}/transcript?version={corrected.Version}",
            new CorrectionResultDto(dto, saved.Moved, saved.Left.Select(c => InView(c, storyId, view, null)).ToList()));
    }

    /// <summary>The outcome of <see cref="SaveCorrectionAsync"/>: field errors, or the new version (null when a
    /// concurrent save took its version number) with the codings moved to it and those left behind.</summary>
    internal sealed record CorrectionSave(Transcript? Corrected, int Moved, IReadOnlyList<Coding> Left, Dictionary<string, string[]>? Errors);

    /// <summary>
    /// Validates <paramref name="input"/> (in the text of <paramref name="view"/>) and saves it as the version after
    /// <paramref name="latest"/>, moving the codings along. The one correction path: the workspace and the teller's
    /// own page both come here, so versions, re-anchoring and the audit entry never differ between them.
    /// </summary>
    internal static async Task<CorrectionSave> SaveCorrectionAsync(StorytellingDbContext db, Story story, Transcript latest, TranscriptView view,
        IReadOnlyList<SegmentInput>? input, Guid? me, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
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
        var logger = loggers.CreateLogger(typeof(TranscriptApi).FullName!);
        LogCorrected(logger, storyId, corrected.Version, moved, left.Count);
        return new CorrectionSave(corrected, moved, left, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Story {StoryId} corrected to version {Version}; {Moved} codings re-anchored, {Left} left behind")]
    private static partial void LogCorrected(ILogger logger, Guid storyId, int version, int moved, int left);

    /// <summary>Relabelling one segment's speaker is a correction like any other (a new version), without resending the text.</summary>
    private static async Task<Results<Created<CorrectionResultDto>, NotFound, ProblemHttpResult, ValidationProblem>> SetSpeaker(
        Guid projectId, Guid storyId, int position, SpeakerRequest request, HttpContext http, StorytellingDbContext db, CodingService codings, PseudonymService pseudonyms,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var latest = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (latest is null || latest.Segments.All(s => s.Position != position)) return TypedResults.NotFound();
        var roles = await ProjectsApi.MyRolesAsync(db, projectId, http.User.PersonId(), ct);
        var (view, _, _) = await ViewForAsync(pseudonyms, story, latest, roles, ct);
        var segments = view.Original.Segments.Select((s, i) => new SegmentInput(s.Position, s.StartMs, s.EndMs, view.SegmentTexts[i],
            s.Position == position ? request.SpeakerLabel : s.SpeakerLabel)).ToList();
        return await Correct(projectId, storyId, new CorrectionRequest(request.BaseVersion, segments), http, db, codings, pseudonyms, time, loggers, ct);
    }

    /// <summary>The coding's range in the new text, or null when every character it covered was deleted.</summary>
    public static (int Start, int End)? Reanchor(TextMapping mapping, TranscriptText newText, int startChar, int endChar)
    {
        var start = Math.Clamp(mapping.MapStart(startChar), 0, newText.Text.Length);
        var end = Math.Clamp(mapping.MapEnd(endChar), 0, newText.Text.Length);
        if (end <= start || string.IsNullOrWhiteSpace(newText.Text[start..end])) return null;
        return (start, end);
    }

    private static ProblemHttpResult Stale(int latest) => TypedResults.Problem(
        $"Version {latest} is now the latest; reload it, apply your change again and save.",
        statusCode: StatusCodes.Status409Conflict, title: "Someone else corrected this transcript meanwhile.");

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

    private static async Task<Results<Created<CodingDto>, NotFound, ValidationProblem>> AddCoding(
        Guid projectId, Guid storyId, NewCodingRequest request, HttpContext http, StorytellingDbContext db, CodingService codings, PseudonymService pseudonyms,
        CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var latest = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (latest is null) return TypedResults.NotFound();
        var me = http.User.PersonId()!.Value;
        var roles = await ProjectsApi.MyRolesAsync(db, projectId, me, ct);
        var (view, _, _) = await ViewForAsync(pseudonyms, story, latest, roles, ct);
        if (request.StartChar < 0 || request.EndChar > view.Text.Length || request.StartChar >= request.EndChar)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["range"] = [$"The selection must lie within the transcript (0–{view.Text.Length}) and not be empty."],
            });

        var role = CodingRolePreference.First(roles.Contains);
        var name = await db.Users.Where(p => p.Id == me).Select(p => p.DisplayName).SingleAsync(ct);
        var result = await codings.CreateAsync(projectId,
            new NewCoding(storyId, request.ThemeId, view.ToOriginal.MapStart(request.StartChar), view.ToOriginal.MapEnd(request.EndChar), request.Memo),
            new CodingAuthor(me, role, name), ct);
        if (result.Errors is not null) return TypedResults.ValidationProblem(result.Errors);
        var coding = await db.Codings.AsNoTracking().SingleAsync(c => c.Id == result.Coding!.Id, ct);
        return TypedResults.Created($"/api/projects/{projectId}/stories/{storyId}/codings/{coding.Id}", InView(coding, storyId, view, name));
    }

    private static async Task<Results<NoContent, NotFound, ForbidHttpResult>> RemoveCoding(
        Guid projectId, Guid storyId, Guid codingId, HttpContext http, StorytellingDbContext db, CodingService codings,
        IAuthorizationService authorization, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var coding = await db.Codings.AsNoTracking()
            .Where(c => c.Id == codingId && c.Transcript!.StoryId == storyId && c.Theme!.ProjectId == projectId)
            .Select(c => new { c.AuthorPersonId }).SingleOrDefaultAsync(ct);
        if (coding is null) return TypedResults.NotFound();
        // The remove-coding rule: the author takes back their own, the curator moderates everyone's.
        if (!(await authorization.AuthorizeAsync(http.User, new CodingResource(projectId, coding.AuthorPersonId), Policies.RemoveCoding)).Succeeded)
            return TypedResults.Forbid();
        return await codings.RemoveAsync(projectId, codingId, http.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }
}

/// <summary>
/// Streams a recording with HTTP range support (RFC 9110 §14): one range per request, read straight from the store
/// at that offset, so seeking in a 2-hour recording never reads the bytes before it.
/// </summary>
internal sealed class RangeStreamResult(IMediaStore store, string blobName, long size, string contentType) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        var response = http.Response;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.CacheControl = "private, no-store";
        var range = http.Request.Headers.Range.ToString();
        long offset = 0, length = size;
        if (!string.IsNullOrEmpty(range) && HttpMethods.IsGet(http.Request.Method))
        {
            var parsed = ParseRange(range, size);
            if (parsed is null)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{size}";
                return;
            }
            if (parsed is { } r && r.Length >= 0)
            {
                (offset, length) = r;
                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{size}";
            }
        }
        response.ContentType = contentType;
        response.ContentLength = length;
        if (length == 0) return;
        await using var stream = await store.OpenReadAsync(blobName, offset, length, http.RequestAborted);
        await stream.CopyToAsync(response.Body, http.RequestAborted);
    }

    /// <summary>(offset, length); length -1 means "ignore the header and send everything" (several ranges or a unit we
    /// do not know, which RFC 9110 allows); null means unsatisfiable (416).</summary>
    internal static (long Offset, long Length)? ParseRange(string header, long size)
    {
        if (!RangeHeaderValue.TryParse(header, out var parsed) || !string.Equals(parsed.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase)
            || parsed.Ranges.Count != 1)
            return (0, -1);
        var r = parsed.Ranges.First();
        if (r.From is { } from)
        {
            if (from >= size) return null;
            var to = Math.Min(r.To ?? size - 1, size - 1);
            return to < from ? null : (from, to - from + 1);
        }
        if (r.To is { } suffix && suffix > 0 && size > 0)
        {
            var n = Math.Min(suffix, size);
            return (size - n, n);
        }
        return null;
    }
}
