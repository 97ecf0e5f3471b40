using Storytelling.Core.People;

namespace Storytelling.Core.Projects;

/// <summary>One role of one person in one project. A person holding several roles has several rows.</summary>
public sealed class ProjectMembership
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public Project? Project { get; set; }
    public Guid PersonId { get; set; }
    public Person? Person { get; set; }
    public ProjectRole Role { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
    /// <summary>Who granted it (an invitation's creator, or an administrator); null when created by the CLI.</summary>
    public Guid? GrantedByPersonId { get; set; }
}

/// <summary>Roles inside a project (MISSION.md "Users"). Stored by name so the database stays readable.</summary>
public enum ProjectRole
{
    Bewoner,            // resident / storyteller who joins the analysis
    Interviewer,        // peer community reporter
    Begeleider,         // facilitator
    Beleidsmedewerker,  // policy officer
    Beheerder,          // project administrator
}
