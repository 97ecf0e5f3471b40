using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Security;

/// <summary>
/// Every policy below checks the caller's role *in the project named by the route's {projectId}* (or by the resource
/// an endpoint, page or hub method passes to <see cref="IAuthorizationService"/>), so being a facilitator in one
/// project grants nothing in another. The table is the single place where rights are decided.
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
    /// <summary>Opens and closes live workshops, drives the board and the spotlight (the WorkshopHub's board methods too).</summary>
    public const string RunWorkshop = "run-workshop";
    /// <summary>Sees every story in the story list, also those whose teller gave no consent to analysis (to act for the
    /// teller); everyone else who analyses sees only analysable stories.</summary>
    public const string SeeAllStories = "see-all-stories";
    /// <summary>Resource-based (<see cref="CodingResource"/>): a coding's author takes back their own while they may
    /// still analyse; the codebook's curator moderates everyone's.</summary>
    public const string RemoveCoding = "remove-coding";
    /// <summary>Resource-based (<see cref="InvitationScope"/>): who manages the project invites; only a beheerder hands
    /// out the beheerder role (nobody hands out more power than they hold).</summary>
    public const string Invite = "invite";

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
        [RunWorkshop] = [ProjectRole.Begeleider],
        [SeeAllStories] = [ProjectRole.Begeleider],
    };

    /// <summary>Whether any of these roles (one person's, in one project) holds the right.</summary>
    public static bool Allows(string policy, IEnumerable<ProjectRole> roles) => roles.Any(ProjectRoles[policy].Contains);

    public static void AddStorytellingPolicies(this AuthorizationOptions options)
    {
        options.AddPolicy(Administrator, p => p.RequireAuthenticatedUser().RequireClaim(AdministratorClaim, "true"));
        foreach (var (name, roles) in ProjectRoles)
        {
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().AddRequirements(new ProjectRoleRequirement(roles)));
        }
        options.AddPolicy(RemoveCoding, p => p.RequireAuthenticatedUser().AddRequirements(new AuthorOrCuratorRequirement()));
        options.AddPolicy(Invite, p => p.RequireAuthenticatedUser().AddRequirements(new InviteRequirement()));
    }

    /// <summary>The policies, their handlers and the per-request <see cref="CurrentMember"/>.</summary>
    public static IServiceCollection AddStorytellingAuthorization(this IServiceCollection services)
    {
        services.AddAuthorization(o => o.AddStorytellingPolicies());
        services.AddHttpContextAccessor();
        services.AddScoped<CurrentMember>();
        services.AddScoped<IAuthorizationHandler, ProjectRoleHandler>();
        services.AddScoped<IAuthorizationHandler, AuthorOrCuratorHandler>();
        services.AddScoped<IAuthorizationHandler, InviteHandler>();
        return services;
    }

    public static Guid? PersonId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;
}

/// <summary>
/// Named classifications of roles, used wherever the code asks "is this a resident?" rather than "may this person?"
/// (the tussenruimte and reports compare residents with professionals; an experiment's owner is staff; workshop rooms
/// and exports name staff by role).
/// </summary>
public static class RoleClasses
{
    /// <summary>The residents' side of the tussenruimte: bewoners.</summary>
    public static bool IsResident(ProjectRole role) => role == ProjectRole.Bewoner;

    /// <summary>The professionals' side of the tussenruimte: those who work with the stories for an organisation.</summary>
    public static bool IsProfessional(ProjectRole role) => role is ProjectRole.Begeleider or ProjectRole.Beleidsmedewerker or ProjectRole.Interviewer;

    /// <summary>Everyone working for the project rather than living it (professionals and the beheerder): may own an
    /// experiment, and appears in a workshop room by role label, never by name.</summary>
    public static bool IsStaff(ProjectRole role) => !IsResident(role);

    /// <summary>Roles that read stories in some form (analysis, originals, the full list). A new one in a project is
    /// shown to its facilitators.</summary>
    public static bool ReadsStories(ProjectRole role) =>
        Policies.Allows(Policies.Analyse, [role]) || Policies.Allows(Policies.SeeOriginals, [role]) || Policies.Allows(Policies.SeeAllStories, [role]);

    public static readonly ProjectRole[] StoryReaders = Enum.GetValues<ProjectRole>().Where(ReadsStories).ToArray();

    /// <summary>
    /// How a person appears where names must not travel (REFI-QDA exports for readers without see-originals, workshop
    /// rooms open to guests): by role, in Dutch, the installation's language for shared files.
    /// </summary>
    public static string Label(ProjectRole role) => role switch
    {
        ProjectRole.Bewoner => "Bewoner",
        ProjectRole.Begeleider => "Begeleider",
        ProjectRole.Beleidsmedewerker => "Beleidsmedewerker",
        ProjectRole.Interviewer => "Interviewer",
        _ => UnknownLabel,
    };

    public const string UnknownLabel = "Deelnemer";
}

/// <summary>Something that belongs to one project; handlers read the project from it instead of the route.</summary>
public interface IProjectResource
{
    Guid ProjectId { get; }
}

/// <summary>A project named outside an HTTP route (a hub method's argument, a session's project).</summary>
public sealed record ProjectScope(Guid ProjectId) : IProjectResource;

/// <summary>A coding someone wants to remove: its project and its author (null for a workshop guest).</summary>
public sealed record CodingResource(Guid ProjectId, Guid? AuthorPersonId) : IProjectResource;

/// <summary>An invitation someone wants to create.</summary>
public sealed record InvitationScope(Guid ProjectId, InvitationKind Kind, ProjectRole Role) : IProjectResource;

public sealed class ProjectRoleRequirement(IReadOnlyList<ProjectRole> roles) : IAuthorizationRequirement
{
    public IReadOnlyList<ProjectRole> Roles { get; } = roles;
}

public sealed class AuthorOrCuratorRequirement : IAuthorizationRequirement;

public sealed class InviteRequirement : IAuthorizationRequirement
{
    /// <summary>The rule itself, for pages that list the roles one may hand out.</summary>
    public static bool Allows(IReadOnlyCollection<ProjectRole> inviterRoles, InvitationKind kind, ProjectRole role) =>
        Policies.Allows(Policies.ManageProject, inviterRoles)
        && (kind != InvitationKind.Membership || role != ProjectRole.Beheerder || inviterRoles.Contains(ProjectRole.Beheerder));
}

/// <summary>Looks the membership up per request (through the request's <see cref="CurrentMember"/>) rather than caching
/// it in the cookie, so a removed member loses access at once.</summary>
internal sealed class ProjectRoleHandler(CurrentMember member, IHttpContextAccessor accessor)
    : AuthorizationHandler<ProjectRoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ProjectRoleRequirement requirement)
    {
        var personId = context.User.PersonId();
        var http = context.Resource as HttpContext ?? accessor.HttpContext;
        var projectId = context.Resource is IProjectResource r ? r.ProjectId : CurrentMember.RouteProjectId(http);
        if (personId is null || projectId is null) return;
        var roles = await member.RolesOfAsync(personId, projectId.Value, http?.RequestAborted ?? CancellationToken.None);
        if (requirement.Roles.Any(roles.Contains)) context.Succeed(requirement);
    }
}

internal sealed class AuthorOrCuratorHandler(CurrentMember member, IHttpContextAccessor accessor)
    : AuthorizationHandler<AuthorOrCuratorRequirement, CodingResource>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, AuthorOrCuratorRequirement requirement, CodingResource resource)
    {
        if (context.User.PersonId() is not { } personId) return;
        var roles = await member.RolesOfAsync(personId, resource.ProjectId, accessor.HttpContext?.RequestAborted ?? CancellationToken.None);
        // Moderation is the curator's; everyone else takes back only their own, and only while they still analyse here.
        if (Policies.Allows(Policies.CurateCodebook, roles)
            || (resource.AuthorPersonId == personId && Policies.Allows(Policies.Analyse, roles)))
            context.Succeed(requirement);
    }
}

internal sealed class InviteHandler(CurrentMember member, IHttpContextAccessor accessor)
    : AuthorizationHandler<InviteRequirement, InvitationScope>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, InviteRequirement requirement, InvitationScope resource)
    {
        if (context.User.PersonId() is not { } personId) return;
        var roles = await member.RolesOfAsync(personId, resource.ProjectId, accessor.HttpContext?.RequestAborted ?? CancellationToken.None);
        if (InviteRequirement.Allows(roles, resource.Kind, resource.Role)) context.Succeed(requirement);
    }
}
