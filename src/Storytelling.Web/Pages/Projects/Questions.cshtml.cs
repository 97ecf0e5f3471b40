using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// The hoofdvraag and each evaluation round's question in English and Arabic, the other languages of the capture page.
/// A teller reads the question in the language they chose, the Dutch one where nobody translated it. Texts for tellers
/// are the facilitator's, like the published update.
/// </summary>
[Authorize(Policy = Policies.Facilitate)]
public sealed class QuestionsModel(QuestionsService questions) : ProjectPageModel
{
    public string ProjectName { get; private set; } = "";
    public List<QuestionDto> Questions { get; private set; } = [];
    /// <summary>Which question was just saved (null: the project's own) and whether it was.</summary>
    public Guid? SavedRound { get; private set; }
    public bool Saved { get; private set; }
    /// <summary>Refused fields of the question being saved: language → this page's resource key.</summary>
    public Dictionary<string, string> Errors { get; private set; } = [];
    public Guid? ErrorRound { get; private set; }
    /// <summary>What was typed, shown again after a refusal.</summary>
    public Dictionary<string, string?> Typed { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostProjectAsync(string? en, string? ar, CancellationToken ct)
    {
        var result = await questions.SetProjectAsync(ProjectId, Texts(en, ar), User.PersonId(), ct);
        return await AfterAsync(result, null, en, ar, ct);
    }

    public async Task<IActionResult> OnPostRoundAsync(Guid roundId, string? en, string? ar, CancellationToken ct)
    {
        var result = await questions.SetRoundAsync(ProjectId, roundId, Texts(en, ar), User.PersonId(), ct);
        return await AfterAsync(result, roundId, en, ar, ct);
    }

    private static Dictionary<string, string?> Texts(string? en, string? ar) => new() { ["en"] = en, ["ar"] = ar };

    private async Task<IActionResult> AfterAsync(QuestionSaveResult? result, Guid? roundId, string? en, string? ar, CancellationToken ct)
    {
        if (result is null) return NotFound();
        if (result.Errors is { } errors)
        {
            ErrorRound = roundId;
            Errors = errors.Keys.ToDictionary(k => k, _ => "ErrorTooLong");
            Typed = Texts(en, ar);
        }
        else
        {
            SavedRound = roundId;
            Saved = true;
        }
        return await LoadAsync(ct) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        if (await questions.ListAsync(ProjectId, ct) is not { } list) return false;
        (ProjectName, Questions) = (list.ProjectName, list.Questions);
        return true;
    }
}
