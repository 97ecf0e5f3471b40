using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Invitations;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Evaluation;

public sealed record OpenRoundRequest(string? Question, DateTimeOffset? ClosesAt);

public sealed record RoundDto(Guid Id, int Number, string Question, DateTimeOffset OpensAt, DateTimeOffset? ClosesAt,
    EvaluationRoundStatus Status, bool IsOpen, int StoryCount);

/// <summary>The capture link is returned once, when the round is opened or its link renewed; only its hash is kept.</summary>
public sealed record RoundWithLinkDto(RoundDto Round, string CaptureUrl);

/// <summary>One column of the comparison: the first gathering (no round) or a round.</summary>
public sealed record ComparisonGroupDto(Guid? RoundId, int? Number, string Label, string Question, int Stories, int CodedStories);

/// <summary>A theme in one group: stories coded with it, their share of the group's coded stories, and whether it is new there.</summary>
public sealed record ComparisonCellDto(int Count, double? Percent, bool New);

/// <summary>Change is the latest round's share minus the first gathering's, in percentage points.</summary>
public sealed record ThemeComparisonDto(Guid ThemeId, string Name, string Colour, ThemeKind Kind, IReadOnlyList<ComparisonCellDto> Cells, double? Change);

public sealed record RoundComparisonDto(IReadOnlyList<ComparisonGroupDto> Groups, IReadOnlyList<ThemeComparisonDto> Themes);

public static class RoundsApi
{
    public const int MaxQuestionLength = 1000;
    public static readonly TimeSpan MaxRoundLength = TimeSpan.FromDays(365);

    public static RouteGroupBuilder MapRoundsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/rounds").RequireAuthorization(Policies.Analyse).WithTags("Evaluation");
        group.MapGet("/", List);
        group.MapGet("/comparison", Compare);
        group.MapPost("/", Open).RequireAuthorization(Policies.LeadEvaluation);
        group.MapPost("/{roundId:guid}/close", Close).RequireAuthorization(Policies.LeadEvaluation);
        group.MapPost("/{roundId:guid}/link", RenewLink).RequireAuthorization(Policies.LeadEvaluation);
        return group;
    }

    private static async Task<Ok<List<RoundDto>>> List(Guid projectId, StorytellingDbContext db, TimeProvider time, CancellationToken ct) =>
        TypedResults.Ok(await ListAsync(db, time, projectId, ct));

    public static async Task<List<RoundDto>> ListAsync(StorytellingDbContext db, TimeProvider time, Guid projectId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var rounds = await db.EvaluationRounds.AsNoTracking().Where(r => r.ProjectId == projectId).ToListAsync(ct);
        var counts = await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId && s.EvaluationRoundId != null)
            .GroupBy(s => s.EvaluationRoundId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key!.Value, g => g.Count, ct);
        return rounds.OrderBy(r => r.Number).Select(r => ToDto(r, now, counts.GetValueOrDefault(r.Id))).ToList();
    }

    private static RoundDto ToDto(EvaluationRound r, DateTimeOffset now, int stories) =>
        new(r.Id, r.Number, r.Question, r.OpensAt, r.ClosesAt, r.IsOpen(now) ? EvaluationRoundStatus.Open : EvaluationRoundStatus.Closed,
            r.IsOpen(now), stories);

    private static async Task<Results<Created<RoundWithLinkDto>, ValidationProblem, NotFound>> Open(
        Guid projectId, OpenRoundRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time,
        InvitationService invitations, CaptureWindow window, CancellationToken ct)
    {
        var outcome = await OpenAsync(db, time, invitations, window, projectId, request, http.User.PersonId()!.Value, ct);
        if (outcome.NotFound) return TypedResults.NotFound();
        if (outcome.Errors is { } errors) return TypedResults.ValidationProblem(errors);
        return TypedResults.Created($"/api/projects/{projectId}/rounds/{outcome.Round!.Id}",
            new RoundWithLinkDto(outcome.Round, CaptureUrl(http, outcome.Token!)));
    }

    public sealed record OpenOutcome(bool NotFound = false, Dictionary<string, string[]>? Errors = null, RoundDto? Round = null, string? Token = null);

    /// <summary>
    /// Opens the next round with its own capture link. The first gathering must be over (the project has left
    /// "ophalen"), and only one round is open at a time, so an interviewer's recording has one place to go.
    /// </summary>
    public static async Task<OpenOutcome> OpenAsync(StorytellingDbContext db, TimeProvider time, InvitationService invitations,
        CaptureWindow window, Guid projectId, OpenRoundRequest request, Guid by, CancellationToken ct)
    {
        var phase = await db.Projects.Where(p => p.Id == projectId).Select(p => (ProjectPhase?)p.Phase).FirstOrDefaultAsync(ct);
        if (phase is null) return new OpenOutcome(NotFound: true);
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var question = request.Question?.Trim();
        if (string.IsNullOrEmpty(question) || question.Length > MaxQuestionLength)
            errors["question"] = [$"A round needs its own question of 1 to {MaxQuestionLength} characters, e.g. \"Wat is er voor jou veranderd?\"."];
        if (request.ClosesAt is { } closes && (closes <= now || closes > now + MaxRoundLength))
            errors["closesAt"] = ["A round closes after now and within a year; leave it empty to close it by hand."];
        if (phase == ProjectPhase.Gather)
            errors["phase"] = ["The first gathering is still open; move the project to a later phase before opening an evaluation round."];
        else if (await window.OpenRoundAsync(projectId, ct) is { } open)
            errors["round"] = [$"Round {open.Number} is still open; close it before opening the next."];
        if (errors.Count > 0) return new OpenOutcome(Errors: errors);

        var number = (await db.EvaluationRounds.Where(r => r.ProjectId == projectId).MaxAsync(r => (int?)r.Number, ct) ?? 0) + 1;
        var lifetime = (request.ClosesAt ?? now + InvitationService.DefaultCaptureLifetime) - now;
        var (invitation, token) = await invitations.CreateAsync(projectId, InvitationKind.Capture, ProjectRole.Bewoner, lifetime, null, by, ct);
        var round = new EvaluationRound
        {
            ProjectId = projectId, Number = number, Question = question!, OpensAt = now, ClosesAt = request.ClosesAt,
            InvitationId = invitation.Id, CreatedByPersonId = by, CreatedAt = now,
        };
        db.EvaluationRounds.Add(round);
        db.Record(time, "evaluation-round.opened", by, projectId, "evaluation-round", round.Id);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two facilitators opened a round at the same moment: the unique (project, number) index kept one.
            invitation.RevokedAt = now;
            db.Entry(round).State = EntityState.Detached;
            db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).ToList().ForEach(e => e.State = EntityState.Detached);
            await db.SaveChangesAsync(ct);
            return new OpenOutcome(Errors: new() { ["round"] = ["Another round was opened at the same moment; reload to see it."] });
        }
        return new OpenOutcome(Round: ToDto(round, now, 0), Token: token);
    }

    private static async Task<Results<Ok<RoundDto>, NotFound>> Close(Guid projectId, Guid roundId, HttpContext http,
        StorytellingDbContext db, TimeProvider time, CancellationToken ct) =>
        await CloseAsync(db, time, projectId, roundId, http.User.PersonId(), ct) is { } dto ? TypedResults.Ok(dto) : TypedResults.NotFound();

    /// <summary>Closes the round and revokes its link; closing twice is harmless.</summary>
    public static async Task<RoundDto?> CloseAsync(StorytellingDbContext db, TimeProvider time, Guid projectId, Guid roundId, Guid? by, CancellationToken ct)
    {
        var round = await db.EvaluationRounds.FirstOrDefaultAsync(r => r.Id == roundId && r.ProjectId == projectId, ct);
        if (round is null) return null;
        var now = time.GetUtcNow();
        if (round.Status == EvaluationRoundStatus.Open)
        {
            round.Status = EvaluationRoundStatus.Closed;
            round.ClosedAt = now;
            await db.Invitations.Where(i => i.Id == round.InvitationId && i.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), ct);
            db.Record(time, "evaluation-round.closed", by, projectId, "evaluation-round", round.Id);
            await db.SaveChangesAsync(ct);
        }
        var stories = await db.Stories.CountAsync(s => s.EvaluationRoundId == round.Id, ct);
        return ToDto(round, now, stories);
    }

    private static async Task<Results<Ok<RoundWithLinkDto>, ValidationProblem, NotFound>> RenewLink(Guid projectId, Guid roundId, HttpContext http,
        StorytellingDbContext db, TimeProvider time, InvitationService invitations, CancellationToken ct)
    {
        var (round, token, error) = await RenewLinkAsync(db, time, invitations, projectId, roundId, http.User.PersonId()!.Value, ct);
        if (round is null && error is null) return TypedResults.NotFound();
        if (error is not null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["round"] = [error] });
        return TypedResults.Ok(new RoundWithLinkDto(round!, CaptureUrl(http, token!)));
    }

    /// <summary>
    /// A lost or leaked link is replaced: the old one stops working at once. The link is only ever shown when made,
    /// because only its hash is stored; this is how a facilitator gets to see it again.
    /// </summary>
    public static async Task<(RoundDto? Round, string? Token, string? Error)> RenewLinkAsync(StorytellingDbContext db, TimeProvider time,
        InvitationService invitations, Guid projectId, Guid roundId, Guid by, CancellationToken ct)
    {
        var round = await db.EvaluationRounds.FirstOrDefaultAsync(r => r.Id == roundId && r.ProjectId == projectId, ct);
        if (round is null) return (null, null, null);
        var now = time.GetUtcNow();
        if (!round.IsOpen(now)) return (null, null, "This round is closed; a closed round takes no stories, so it gets no new link.");
        var (invitation, token) = await invitations.CreateAsync(projectId, InvitationKind.Capture, ProjectRole.Bewoner,
            (round.ClosesAt ?? now + InvitationService.DefaultCaptureLifetime) - now, null, by, ct);
        var old = round.InvitationId;
        await db.Invitations.Where(i => i.Id == old && i.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), ct);
        round.InvitationId = invitation.Id;
        db.Record(time, "evaluation-round.link-renewed", by, projectId, "evaluation-round", round.Id);
        await db.SaveChangesAsync(ct);
        var stories = await db.Stories.CountAsync(s => s.EvaluationRoundId == round.Id, ct);
        return (ToDto(round, now, stories), token, null);
    }

    public static string CaptureUrl(HttpContext http, string token) =>
        $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/c/{token}";

    private static async Task<Ok<RoundComparisonDto>> Compare(Guid projectId, StorytellingDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await CompareAsync(db, projectId, ct));

    /// <summary>
    /// Per theme, the share of stories coded with it in the first gathering and in each round. Only stories whose
    /// teller agreed to the analysis count, and only codings on a story's latest transcript version. The share is
    /// of the group's *coded* stories: a story not yet transcribed or coded says nothing about themes, and counting
    /// it would make every theme look as if it faded while a round is still being analysed.
    /// </summary>
    public static async Task<RoundComparisonDto> CompareAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.GuidingQuestion }).FirstAsync(ct);
        var rounds = await db.EvaluationRounds.AsNoTracking().Where(r => r.ProjectId == projectId).OrderBy(r => r.Number).ToListAsync(ct);
        var stories = await db.Stories.AsNoTracking()
            .Where(s => s.ProjectId == projectId && (s.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis)
            .Select(s => new { s.Id, s.EvaluationRoundId }).ToListAsync(ct);
        var coded = await db.Codings.AsNoTracking()
            .Where(c => c.Theme!.ProjectId == projectId
                && (c.Transcript!.Story!.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis
                && c.Transcript.Version == db.Transcripts.Where(t => t.StoryId == c.Transcript.StoryId).Max(t => t.Version))
            .Select(c => new { c.Transcript!.StoryId, c.ThemeId }).Distinct().ToListAsync(ct);
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null).ToListAsync(ct);

        var groupOf = stories.ToDictionary(s => s.Id, s => s.EvaluationRoundId);
        var keys = new List<Guid?> { null };
        keys.AddRange(rounds.Select(r => (Guid?)r.Id));
        var codedStories = coded.Select(c => c.StoryId).Distinct().Where(groupOf.ContainsKey).ToList();
        var groups = keys.Select(key =>
        {
            var round = rounds.FirstOrDefault(r => r.Id == key);
            return new ComparisonGroupDto(key, round?.Number, round is null ? "Eerste ophaalronde" : $"Ronde {round.Number}",
                round?.Question ?? project.GuidingQuestion,
                stories.Count(s => s.EvaluationRoundId == key), codedStories.Count(id => groupOf[id] == key));
        }).ToList();

        var counts = coded.Where(c => groupOf.ContainsKey(c.StoryId))
            .GroupBy(c => (c.ThemeId, Group: groupOf[c.StoryId])).ToDictionary(g => g.Key, g => g.Count());
        var rows = themes.Select(theme =>
        {
            var cells = new List<ComparisonCellDto>();
            var seenBefore = false;
            var raw = new List<double?>();
            for (var i = 0; i < keys.Count; i++)
            {
                var count = counts.GetValueOrDefault((theme.Id, keys[i]));
                double? share = groups[i].CodedStories == 0 ? null : 100.0 * count / groups[i].CodedStories;
                raw.Add(share);
                cells.Add(new ComparisonCellDto(count, share is { } s ? Math.Round(s, 1) : null, New: i > 0 && count > 0 && !seenBefore));
                seenBefore |= count > 0;
            }
            double? change = keys.Count > 1 && raw[0] is { } first && raw[^1] is { } last ? Math.Round(last - first, 1) : null;
            return new ThemeComparisonDto(theme.Id, theme.Name, theme.Colour, theme.Kind, cells, change);
        })
        .OrderByDescending(t => t.Change is { } c ? Math.Abs(c) : -1)
        .ThenByDescending(t => t.Cells.Sum(c => c.Count))
        .ThenBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase)
        .ToList();
        return new RoundComparisonDto(groups, rows);
    }
}
