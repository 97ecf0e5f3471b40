using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Admin;

public sealed class NewProjectModel(StorytellingDbContext db, TimeProvider time) : PageModel
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
        var errors = input.Validate();
        if (errors.Count > 0)
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
        var project = await ProjectsApi.CreateProjectAsync(db, time, input, User.PersonId()!.Value, ct);
        return Redirect($"/projects/{project.Id}");
    }
}
