using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Translation;

namespace Storytelling.Web.Features.Projects;

/// <summary>A question in Dutch with its translations, by language (only languages that have one).</summary>
public sealed record QuestionDto(Guid? RoundId, int? RoundNumber, bool RoundOpen, string Dutch, IReadOnlyDictionary<string, string> Translations);

/// <summary>The project's name and its questions: its own first, then each round's in order.</summary>
public sealed record ProjectQuestions(string ProjectName, List<QuestionDto> Questions);

/// <summary>What saving translations gives: the question as now stored, or field errors by language; null when the
/// round is not one of this project's.</summary>
public sealed record QuestionSaveResult(QuestionDto? Question, Dictionary<string, string[]>? Errors);

/// <summary>
/// The project's hoofdvraag and each evaluation round's question in the other languages a teller can choose on the
/// capture page (English, Arabic). The Dutch text stays the question; an empty translation is removed, so the teller
/// reads the Dutch again. Every round id is looked up together with the project id of the address.
/// </summary>
public sealed class QuestionsService(StorytellingDbContext db, TimeProvider time)
{
    public const int MaxLength = 1000;

    /// <summary>Languages a question can be translated into: the capture page's, except Dutch itself.</summary>
    public static IReadOnlyList<string> Languages { get; } = UiLanguages.ResidentLanguages.Where(l => l != "nl").ToArray();

    /// <summary>The project's question first, then its rounds in order; null when the project does not exist.</summary>
    public async Task<ProjectQuestions?> ListAsync(Guid projectId, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        var now = time.GetUtcNow();
        var rounds = await db.EvaluationRounds.AsNoTracking().Where(r => r.ProjectId == projectId).OrderBy(r => r.Number).ToListAsync(ct);
        return new ProjectQuestions(project.Name, [new QuestionDto(null, null, false, project.GuidingQuestion, Map(project.QuestionTranslations)),
            .. rounds.Select(r => new QuestionDto(r.Id, r.Number, r.IsOpen(now), r.Question, Map(r.QuestionTranslations)))]);
    }

    public async Task<QuestionSaveResult?> SetProjectAsync(Guid projectId, IReadOnlyDictionary<string, string?> texts, Guid? by, CancellationToken ct)
    {
        var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        if (Validate(texts) is { } errors) return new QuestionSaveResult(null, errors);
        project.QuestionTranslations = Merge(project.QuestionTranslations, texts);
        db.Record(time, "project.question-translated", by, projectId, "project", projectId);
        await db.SaveChangesAsync(ct);
        return new QuestionSaveResult(new QuestionDto(null, null, false, project.GuidingQuestion, Map(project.QuestionTranslations)), null);
    }

    public async Task<QuestionSaveResult?> SetRoundAsync(Guid projectId, Guid roundId, IReadOnlyDictionary<string, string?> texts, Guid? by, CancellationToken ct)
    {
        var round = await db.EvaluationRounds.FirstOrDefaultAsync(r => r.Id == roundId && r.ProjectId == projectId, ct);
        if (round is null) return null;
        if (Validate(texts) is { } errors) return new QuestionSaveResult(null, errors);
        round.QuestionTranslations = Merge(round.QuestionTranslations, texts);
        db.Record(time, "round.question-translated", by, projectId, "round", roundId);
        await db.SaveChangesAsync(ct);
        return new QuestionSaveResult(new QuestionDto(round.Id, round.Number, round.IsOpen(time.GetUtcNow()), round.Question, Map(round.QuestionTranslations)), null);
    }

    private static Dictionary<string, string[]>? Validate(IReadOnlyDictionary<string, string?> texts)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (language, text) in texts)
        {
            if (!Languages.Contains(language)) errors[language] = [$"Questions are translated into {string.Join(", ", Languages)} only."];
            else if (text?.Trim().Length > MaxLength) errors[language] = [$"A question is at most {MaxLength} characters long."];
        }
        return errors.Count == 0 ? null : errors;
    }

    /// <summary>The languages named replace what was there (empty removes); the others stay.</summary>
    private static List<QuestionTranslation> Merge(List<QuestionTranslation>? current, IReadOnlyDictionary<string, string?> texts)
    {
        var result = (current ?? []).Where(t => !texts.ContainsKey(t.Language)).Select(t => new QuestionTranslation { Language = t.Language, Text = t.Text }).ToList();
        foreach (var (language, text) in texts)
            if (!string.IsNullOrWhiteSpace(text)) result.Add(new QuestionTranslation { Language = language, Text = text.Trim() });
        return result.OrderBy(t => t.Language, StringComparer.Ordinal).ToList();
    }

    private static Dictionary<string, string> Map(List<QuestionTranslation>? translations) =>
        (translations ?? []).Where(t => !string.IsNullOrWhiteSpace(t.Text)).ToDictionary(t => t.Language, t => t.Text);
}
