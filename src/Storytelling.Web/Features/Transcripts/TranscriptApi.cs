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
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

using Storytelling.Web.Features.Pseudonyms;

namespace Storytelling.Web.Features.Transcripts;

public sealed record SegmentDto(int Position, long StartMs, long EndMs, string Text, string? SpeakerLabel);

public sealed record VersionDto(int Version, TranscriptOrigin Origin, DateTimeOffset CreatedAt);

/// <summary>
/// One transcript version as the caller may see it. Segment texts and the codings' offsets and quotes are in the
/// caller's view: pseudonymised, unless <see cref="ShowsOriginals"/>.
/// </summary>
public sealed record TranscriptDto(Guid Id, Guid StoryId, string TellerPseudonym, int Version, int LatestVersion,
    TranscriptOrigin Origin, string? Language, string? Model, DateTimeOffset CreatedAt, IReadOnlyList<VersionDto> Versions,
    IReadOnlyList<SegmentDto> Segments, IReadOnlyList<CodingDto> Codings, IReadOnlyList<Guid> RemovableCodingIds,
    bool AudioAvailable, long? DurationMs, bool ShowsOriginals, bool AudioWithheld = false, bool AudioSilenced = false);

/// <summary>A segment of a correction. The list's order is the new order; <see cref="Position"/> is accepted for
/// symmetry with <see cref="SegmentDto"/> but the positions are renumbered 0…n-1.</summary>
public sealed record SegmentInput(int? Position, long StartMs, long EndMs, string? Text, string? SpeakerLabel);

public sealed record SpeakerRequest(int BaseVersion, string? SpeakerLabel);

public sealed record CorrectionRequest(int BaseVersion, IReadOnlyList<SegmentInput>? Segments);

/// <summary>Codings whose text was deleted by the correction stay on the old version; they are listed here.</summary>
public sealed record CorrectionResultDto(TranscriptDto Transcript, int ReanchoredCodings, IReadOnlyList<CodingDto> NotReanchored);

public sealed record NewCodingRequest(Guid ThemeId, int StartChar, int EndChar, string? Memo);

public static class TranscriptApi
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
    private static Task<Story?> FindStoryAsync(StorytellingDbContext db, Guid projectId, Guid storyId, CancellationToken ct) =>
        TranscriptService.StoryInProject(db, projectId, storyId).SingleOrDefaultAsync(ct);

    private static async Task<Results<Ok<TranscriptDto>, NotFound>> Get(
        Guid projectId, Guid storyId, int? version, HttpContext http, StorytellingDbContext db, PseudonymService pseudonyms,
        SilencedAudioService silencing, CurrentMember member, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var dto = await ReadAsync(db, pseudonyms, silencing, member, story, version, http.User.PersonId(), ct);
        return dto is null ? TypedResults.NotFound() : TypedResults.Ok(dto);
    }

    private static async Task<TranscriptDto?> ReadAsync(StorytellingDbContext db, PseudonymService pseudonyms, SilencedAudioService silencing,
        CurrentMember member, Story story, int? version, Guid? me, CancellationToken ct)
    {
        var versions = await db.Transcripts.AsNoTracking().Where(t => t.StoryId == story.Id)
            .OrderBy(t => t.Version).Select(t => new VersionDto(t.Version, t.Origin, t.CreatedAt)).ToListAsync(ct);
        if (versions.Count == 0) return null;
        var wanted = version ?? versions[^1].Version;
        var transcript = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .SingleOrDefaultAsync(t => t.StoryId == story.Id && t.Version == wanted, ct);
        if (transcript is null) return null;

        var roles = await member.RolesOfAsync(me, story.ProjectId, ct);
        var (view, seesOriginals, filter) = await ViewForAsync(pseudonyms, story, transcript, roles, ct);
        var rows = await db.Codings.AsNoTracking().Where(c => c.TranscriptId == transcript.Id).ToListAsync(ct);
        var authorIds = rows.Where(c => c.AuthorPersonId != null).Select(c => c.AuthorPersonId!.Value).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(p => authorIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.DisplayName, ct);
        // Which codings this reader may remove: the remove-coding rule (curator: all; author: their own).
        var isFacilitator = Policies.Allows(Policies.CurateCodebook, roles);
        var recording = await db.Recordings.AsNoTracking().Where(r => r.StoryId == story.Id)
            .OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(ct);
        var hearing = seesOriginals ? AudioHearing.Original
            : (await silencing.PlanAsync(story.Id, recording?.DurationMs ?? 0, filter.Pseudonyms, ct)).Hearing;
        var withheld = hearing == AudioHearing.Withheld;

        return new TranscriptDto(transcript.Id, story.Id, story.TellerPseudonym, transcript.Version, versions[^1].Version,
            transcript.Origin, transcript.Language, transcript.ModelName, transcript.CreatedAt, versions,
            view.Original.Segments.Select((s, i) => new SegmentDto(s.Position, s.StartMs, s.EndMs, view.SegmentTexts[i], s.SpeakerLabel)).ToList(),
            rows.OrderBy(c => c.StartChar).ThenBy(c => c.CreatedAt)
                .Select(c => InView(c, story.Id, view, c.AuthorPersonId is { } a ? names.GetValueOrDefault(a) : null)).ToList(),
            rows.Where(c => isFacilitator || (me != null && c.AuthorPersonId == me)).Select(c => c.Id).ToList(),
            recording is { AudioDeletedAt: null } && !withheld, recording?.DurationMs, seesOriginals, withheld,
            recording is { AudioDeletedAt: null } && hearing == AudioHearing.Silenced);
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

    /// <summary>
    /// The recording, byte ranges included. A reader without see-originals hears it with the names that must not be
    /// heard silenced (a copy made once and kept beside the original), or not at all where there are no word times to
    /// silence them by; <paramref name="silenced"/> asks for what such a reader hears whoever asks (the workshop
    /// spotlight plays to a room).
    /// </summary>
    private static async Task<IResult> Audio(Guid projectId, Guid storyId, bool? silenced, HttpContext http, StorytellingDbContext db,
        IMediaStore store, PseudonymService pseudonyms, SilencedAudioService silencing, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var recording = await db.Recordings.AsNoTracking().Where(r => r.StoryId == storyId)
            .OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(ct);
        var seesOriginals = silenced != true && await pseudonyms.SeesOriginalsAsync(projectId, http.User.PersonId(), ct);
        var plan = seesOriginals ? AudioPlan.Original
            : await silencing.PlanAsync(storyId, recording?.DurationMs ?? 0, (await pseudonyms.ForReaderAsync(projectId, storyId, false, ct)).Pseudonyms, ct);
        if (plan.Hearing == AudioHearing.Withheld)
            return TypedResults.Problem("A name that must not be heard is said in this recording, and it has no word times to silence that name by "
                + "(it was transcribed before they were kept, or imported); only a facilitator may listen until it is transcribed again.",
                statusCode: StatusCodes.Status403Forbidden, title: "audio_withheld");
        if (recording is null) return TypedResults.NotFound();
        if (recording.AudioDeletedAt is not null) return await AudioDeletedAsync(db, projectId, ct);

        var (blobName, mediaType) = (recording.BlobName, recording.MediaType);
        if (plan.Hearing == AudioHearing.Silenced)
        {
            try
            {
                var rendition = await silencing.RenditionAsync(recording, plan, ct);
                (blobName, mediaType) = (rendition.BlobName, rendition.MediaType);
            }
            catch (Exception e) when (e is RenditionFailedException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                return TypedResults.Problem("The recording with its names silenced could not be made just now; try again in a few minutes.",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "silenced_audio_unavailable");
            }
        }
        else if (!seesOriginals)
        {
            // Nothing is silenced any more (the last name was removed or a correction dropped it): no copy should linger.
            await silencing.DiscardForRecordingAsync(recording.Id, ct);
        }
        var properties = await store.GetPropertiesAsync(blobName, ct);
        if (properties is null) return TypedResults.NotFound();
        return new RangeStreamResult(store, blobName, properties.SizeBytes, mediaType);
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
        Guid projectId, Guid storyId, CorrectionRequest request, HttpContext http, StorytellingDbContext db, PseudonymService pseudonyms,
        TranscriptService transcripts, SilencedAudioService silencing, CurrentMember member, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var latest = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (latest is null) return TypedResults.NotFound();
        if (request.BaseVersion != latest.Version) return Stale(latest.Version);

        var me = http.User.PersonId();
        var roles = await member.RolesOfAsync(me, projectId, ct);
        var (view, _, _) = await ViewForAsync(pseudonyms, story, latest, roles, ct);
        var saved = await transcripts.SaveCorrectionAsync(story, latest, view, request.Segments, me, ct);
        if (saved.Errors is not null) return TypedResults.ValidationProblem(saved.Errors);
        if (saved.Corrected is not { } corrected) return Stale(latest.Version + 1);

        var dto = (await ReadAsync(db, pseudonyms, silencing, member, story, corrected.Version, me, ct))!;
        return TypedResults.Created($"/api/projects/{projectId}/stories/{storyId}/transcript?version={corrected.Version}",
            new CorrectionResultDto(dto, saved.Moved, saved.Left.Select(c => InView(c, storyId, view, null)).ToList()));
    }

    /// <summary>Relabelling one segment's speaker is a correction like any other (a new version), without resending the text.</summary>
    private static async Task<Results<Created<CorrectionResultDto>, NotFound, ProblemHttpResult, ValidationProblem>> SetSpeaker(
        Guid projectId, Guid storyId, int position, SpeakerRequest request, HttpContext http, StorytellingDbContext db, PseudonymService pseudonyms,
        TranscriptService transcripts, SilencedAudioService silencing, CurrentMember member, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var latest = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (latest is null || latest.Segments.All(s => s.Position != position)) return TypedResults.NotFound();
        var roles = await member.RolesAsync(projectId, ct);
        var (view, _, _) = await ViewForAsync(pseudonyms, story, latest, roles, ct);
        var segments = view.Original.Segments.Select((s, i) => new SegmentInput(s.Position, s.StartMs, s.EndMs, view.SegmentTexts[i],
            s.Position == position ? request.SpeakerLabel : s.SpeakerLabel)).ToList();
        return await Correct(projectId, storyId, new CorrectionRequest(request.BaseVersion, segments), http, db, pseudonyms, transcripts, silencing, member, ct);
    }

    private static ProblemHttpResult Stale(int latest) => TypedResults.Problem(
        $"Version {latest} is now the latest; reload it, apply your change again and save.",
        statusCode: StatusCodes.Status409Conflict, title: "Someone else corrected this transcript meanwhile.");

    private static async Task<Results<Created<CodingDto>, NotFound, ValidationProblem>> AddCoding(
        Guid projectId, Guid storyId, NewCodingRequest request, HttpContext http, StorytellingDbContext db, CodingService codings, PseudonymService pseudonyms,
        CurrentMember member, CancellationToken ct)
    {
        var story = await FindStoryAsync(db, projectId, storyId, ct);
        if (story is null) return TypedResults.NotFound();
        var latest = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (latest is null) return TypedResults.NotFound();
        var me = http.User.PersonId()!.Value;
        var roles = await member.RolesOfAsync(me, projectId, ct);
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
