using Microsoft.AspNetCore.Mvc.RazorPages;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages;

public sealed class IndexModel(ProjectsService projects) : PageModel
{
    public List<ProjectDto> Projects { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Projects = await projects.MineAsync(User.PersonId(), ct);
}
