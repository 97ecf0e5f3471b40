using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Security;

/// <summary>
/// Every policy below checks the caller's role *in the project named by the route's {projectId}*, so being a
/// facilitator in one project grants nothing in another. The table is the single place where rights are decided.
/// </summary>
public static class Policies
{
    public const string Administrator = "administrator";
    public const string ProjectMember = "project-member";
    public const string ManageProject = "manage-project";
    public const string Analyse = "analyse";
    public const string Capture = "capture";
    public const string CurateCodebook = "curate-codebook";
    public const string Export = "export";
    public const string ReadAudit = "read-audit";
    /// <summary>Bring material in from other tools (REFI-QDA .qdpx and .qdc, earlier recordings with their transcripts):
    /// it creates stories and themes and vouches for consent given outside the app, the facilitator's responsibility.</summary>
    public const string Import = "import";
    /// <summary>Moves the project's phase and opens or closes co-evaluation rounds.</summary>
    public const string LeadEvaluation = "lead-evaluation";
    /// <summary>Writes improvement proposals and experiments.</summary>
    public const string ManageExperiments = "manage-experiments";
    /// <summary>May see names and places as spoken, before pseudonyms replace them; everyone else sees pseudonyms.</summary>
    public const string SeeOriginals = "see-originals";
    /// <summary>Acts for tellers: withdraws a story on a teller's behalf, publishes "what happened with the stories".</summary>
    public const string Facilitate = "facilitate";

    public const string AdministratorClaim = "storytelling:administrator";

    public static readonly IReadOnlyDictionary<string, ProjectRole[]> ProjectRoles = new Dictionary<string, ProjectRole[]>
    {
        [ProjectMember] = Enum.GetValues<ProjectRole>(),
        // The installation's and project's beheerder manage people and settings but read no stories:
        // least privilege for the role that needs it least.
        [ManageProject] = [ProjectRole.Begeleider, ProjectRole.Beheerder],
        // Gelijkwaardigheid: residents analyse with the same rights as officials.
        [Analyse] = [ProjectRole.Bewoner, ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker],
        [Capture] = [ProjectRole.Interviewer, ProjectRole.Begeleider],
        [CurateCodebook] = [ProjectRole.Begeleider],
        [Export] = [ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker],
        [ReadAudit] = [ProjectRole.Beheerder],
        [Import] = [ProjectRole.Begeleider],
        [LeadEvaluation] = [ProjectRole.Begeleider],
        [ManageExperiments] = [ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker],
        [SeeOriginals] = [ProjectRole.Begeleider],
        [Facilitate] = [ProjectRole.Begeleider],
    };

    public static void AddStorytellingPolicies(this AuthorizationOptions options)
    {
        options.AddPolicy(Administrator, p => p.RequireAuthenticatedUser().RequireClaim(AdministratorClaim, "true"));
        foreach (var (name, roles) in ProjectRoles)
        {
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().AddRequirements(new ProjectRoleRequirement(roles)));
        }
    }

    public static Guid? PersonId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;
}

public sealed class ProjectRoleRequirement(IReadOnlyList<ProjectRole> roles) : IAuthorizationRequirement
{
    public IReadOnlyList<ProjectRole> Roles { get; } = roles;
}

/// <summary>Looks the membership up per request rather than caching it in the cookie, so a removed member
/// loses access at once.</summary>
internal sealed class ProjectRoleHandler(StorytellingDbContext db, IHttpContextAccessor accessor)
    : AuthorizationHandler<ProjectRoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ProjectRoleRequirement requirement)
    {
        var http = context.Resource as HttpContext ?? accessor.HttpContext;
        var personId = context.User.PersonId();
        if (http is null || personId is null) return;
        if (!Guid.TryParse(http.GetRouteValue("projectId")?.ToString(), out var projectId)) return;

        var roles = requirement.Roles;
        var allowed = await db.Memberships.AnyAsync(
            m => m.ProjectId == projectId && m.PersonId == personId && roles.Contains(m.Role), http.RequestAborted);
        if (allowed) context.Succeed(requirement);
    }
}
