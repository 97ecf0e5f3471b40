using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Invitations;

namespace Storytelling.Web.Features.Evaluation;

/// <summary>
/// A round with the token of its new capture link (shown once: only its hash is kept), or why not: field errors (a
/// 400) or no such round or project (a 404).
/// </summary>
public sealed record RoundResult(RoundDto? Round, string? Token = null, Dictionary<string, string[]>? Errors = null, bool NotFound = false)
{
    public static RoundResult Missing { get; } = new(null, NotFound: true);
}

/// <summary>
/// The co-evaluation rounds of one project (the one the caller's address named), for the API and the pages alike:
/// open, close, renew a link, list and compare. A round id of another project is not found, and its link is left as it was.
/// </summary>
public sealed class RoundsService(StorytellingDbContext db, TimeProvider time, InvitationService invitations, CaptureWindow window)
{
    public const int MaxQuestionLength = 1000;
    public static readonly TimeSpan MaxRoundLength = TimeSpan.FromDays(365);

    public async Task<List<RoundDto>> ListAsync(Guid projectId, CancellationToken ct)
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

    /// <summary>
    /// Opens the next round with its own capture link. The first gathering must be over (the project has left
    /// "ophalen"), and only one round is open at a time, so an interviewer's recording has one place to go.
    /// </summary>
    public async Task<RoundResult> OpenAsync(Guid projectId, OpenRoundRequest request, Guid by, CancellationToken ct)
    {
        var phase = await db.Projects.Where(p => p.Id == projectId).Select(p => (ProjectPhase?)p.Phase).FirstOrDefaultAsync(ct);
        if (phase is null) return RoundResult.Missing;
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
        if (errors.Count > 0) return new RoundResult(null, Errors: errors);

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
            return new RoundResult(null, Errors: new() { ["round"] = ["Another round was opened at the same moment; reload to see it."] });
        }
        return new RoundResult(ToDto(round, now, 0), token);
    }

    /// <summary>Closes the round and revokes its link; closing twice is harmless. Null when there is no such round in this project.</summary>
    public async Task<RoundDto?> CloseAsync(Guid projectId, Guid roundId, Guid? by, CancellationToken ct)
    {
        var round = await RoundOfProject(projectId, roundId).FirstOrDefaultAsync(ct);
        if (round is null) return null;
        var now = time.GetUtcNow();
        if (round.Status == EvaluationRoundStatus.Open)
        {
            round.Status = EvaluationRoundStatus.Closed;
            round.ClosedAt = now;
            await db.Invitations.Where(i => i.Id == round.InvitationId && i.ProjectId == projectId && i.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), ct);
            db.Record(time, "evaluation-round.closed", by, projectId, "evaluation-round", round.Id);
            await db.SaveChangesAsync(ct);
        }
        var stories = await db.Stories.CountAsync(s => s.EvaluationRoundId == round.Id, ct);
        return ToDto(round, now, stories);
    }

    /// <summary>
    /// A lost or leaked link is replaced: the old one stops working at once. The link is only ever shown when made,
    /// because only its hash is stored; this is how a facilitator gets to see it again.
    /// </summary>
    public async Task<RoundResult> RenewLinkAsync(Guid projectId, Guid roundId, Guid by, CancellationToken ct)
    {
        var round = await RoundOfProject(projectId, roundId).FirstOrDefaultAsync(ct);
        if (round is null) return RoundResult.Missing;
        var now = time.GetUtcNow();
        if (!round.IsOpen(now))
            return new RoundResult(null, Errors: new() { ["round"] = ["This round is closed; a closed round takes no stories, so it gets no new link."] });
        var (invitation, token) = await invitations.CreateAsync(projectId, InvitationKind.Capture, ProjectRole.Bewoner,
            (round.ClosesAt ?? now + InvitationService.DefaultCaptureLifetime) - now, null, by, ct);
        var old = round.InvitationId;
        await db.Invitations.Where(i => i.Id == old && i.ProjectId == projectId && i.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), ct);
        round.InvitationId = invitation.Id;
        db.Record(time, "evaluation-round.link-renewed", by, projectId, "evaluation-round", round.Id);
        await db.SaveChangesAsync(ct);
        var stories = await db.Stories.CountAsync(s => s.EvaluationRoundId == round.Id, ct);
        return new RoundResult(ToDto(round, now, stories), token);
    }

    /// <summary>The capture link of a round as a teller opens it: this request's scheme, host and base path.</summary>
    public static string CaptureUrl(HttpContext http, string token) =>
        $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/c/{token}";

    /// <summary>
    /// Per theme, the share of stories coded with it in the first gathering and in each round. Only stories whose
    /// teller agreed to the analysis count, and only codings on a story's latest transcript version. The share is
    /// of the group's *coded* stories: a story not yet transcribed or coded says nothing about themes, and counting
    /// it would make every theme look as if it faded while a round is still being analysed.
    /// </summary>
    public async Task<RoundComparisonDto> CompareAsync(Guid projectId, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.GuidingQuestion }).FirstAsync(ct);
        var rounds = await db.EvaluationRounds.AsNoTracking().Where(r => r.ProjectId == projectId).OrderBy(r => r.Number).ToListAsync(ct);
        var stories = await db.Stories.AsNoTracking()
            .Where(s => s.ProjectId == projectId).Analysable()
            .Select(s => new { s.Id, s.EvaluationRoundId }).ToListAsync(ct);
        var coded = await db.Codings.AsNoTracking()
            .OfAnalysableStories()
            .Where(c => c.Theme!.ProjectId == projectId
                && c.Transcript!.Version == db.Transcripts.Where(t => t.StoryId == c.Transcript.StoryId).Max(t => t.Version))
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

    /// <summary>The round with this id, only if it is one of this project's: the one filter every round operation goes through.</summary>
    private IQueryable<EvaluationRound> RoundOfProject(Guid projectId, Guid roundId) =>
        db.EvaluationRounds.Where(r => r.Id == roundId && r.ProjectId == projectId);
}
