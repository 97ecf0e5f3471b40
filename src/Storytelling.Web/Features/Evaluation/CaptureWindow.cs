using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Features.Evaluation;

/// <summary>Whether a capture link takes new stories now, which question the teller sees (in Dutch, with its
/// translations), and which round they go to.</summary>
public sealed record CaptureWindowState(bool Open, string Question, Guid? EvaluationRoundId, IReadOnlyList<QuestionTranslation>? Translations = null)
{
    /// <summary>The question in Dutch ("nl") and in each language the capture page offers that has a translation; a
    /// language without one reads the Dutch (the page marks it lang="nl").</summary>
    public IReadOnlyDictionary<string, string> Questions =>
        Translation.UiLanguages.ResidentLanguages
            .Where(l => l == "nl" || QuestionTranslations.For(Question, Translations, l) != Question)
            .ToDictionary(l => l, l => l == "nl" ? Question : QuestionTranslations.For(Question, Translations, l));
}

/// <summary>
/// What the project's phase opens and closes for capture. A plain capture link takes stories only while the project
/// gathers; a round's own link takes them while that round is open, whatever the phase. Signed-in interviewers
/// record into the gathering, or into the one open round. Uploads already started are finished either way: the
/// phone holds the only copy of the recording, so closing never throws a told story away.
/// </summary>
public sealed class CaptureWindow(StorytellingDbContext db, TimeProvider time)
{
    public async Task<CaptureWindowState> ForLinkAsync(Invitation invitation, Project project, CancellationToken ct)
    {
        var round = await db.EvaluationRounds.AsNoTracking()
            .FirstOrDefaultAsync(r => r.InvitationId == invitation.Id && r.ProjectId == project.Id, ct);
        if (round is not null) return new CaptureWindowState(round.IsOpen(time.GetUtcNow()), round.Question, round.Id, round.QuestionTranslations);
        return new CaptureWindowState(project.Phase == ProjectPhase.Gather, project.GuidingQuestion, null, project.QuestionTranslations);
    }

    public async Task<CaptureWindowState> ForInterviewerAsync(Project project, CancellationToken ct)
    {
        if (project.Phase == ProjectPhase.Gather) return new CaptureWindowState(true, project.GuidingQuestion, null, project.QuestionTranslations);
        var round = await OpenRoundAsync(project.Id, ct);
        return round is null
            ? new CaptureWindowState(false, project.GuidingQuestion, null, project.QuestionTranslations)
            : new CaptureWindowState(true, round.Question, round.Id, round.QuestionTranslations);
    }

    /// <summary>The project's open round, if any (at most one is open at a time).</summary>
    public async Task<EvaluationRound?> OpenRoundAsync(Guid projectId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var rounds = await db.EvaluationRounds.AsNoTracking()
            .Where(r => r.ProjectId == projectId && r.Status == EvaluationRoundStatus.Open).ToListAsync(ct);
        return rounds.Where(r => r.IsOpen(now)).MaxBy(r => r.Number);
    }
}
