using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Admin;

public sealed class NewProjectModel(ProjectsService projects) : PageModel
{
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? GuidingQuestion { get; set; }
    [BindProperty] public string? Languages { get; set; } = "nl, en, ar";
    /// <summary>Resource keys of the page (NewProject.resx), one per field that is not right.</summary>
    public List<string> Errors { get; private set; } = [];

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var languages = (Languages ?? "nl").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var input = new ProjectInput(Name, GuidingQuestion, languages.FirstOrDefault() ?? "nl", languages, null, null, null, null, null);
        var result = await projects.CreateAsync(input, User.PersonId()!.Value, ct);
        if (result.Errors is { } errors)
        {
            Errors = errors.Keys.Select(field => field switch
            {
                "name" => Name?.Trim().Length > 200 ? "ErrorNameTooLong" : "ErrorNameMissing",
                "guidingQuestion" => GuidingQuestion?.Trim().Length > 1000 ? "ErrorQuestionTooLong" : "ErrorQuestionMissing",
                "allowedLanguages" or "defaultLanguage" => "ErrorLanguages",
                _ => "ErrorOther",
            }).Distinct().ToList();
            return Page();
        }
        return Redirect($"/projects/{result.Project!.Id}");
    }
}
