using Microsoft.AspNetCore.Mvc.RazorPages;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages;

public sealed class IndexModel(StorytellingDbContext db) : PageModel
{
    public List<ProjectDto> Projects { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Projects = await ProjectsApi.MineAsync(db, User.PersonId(), ct);
}
