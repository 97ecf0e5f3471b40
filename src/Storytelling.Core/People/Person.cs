using Microsoft.AspNetCore.Identity;
using Storytelling.Core.Projects;

namespace Storytelling.Core.People;

/// <summary>An account. Tellers who only record a story never get one: they hold a receipt code instead.</summary>
public sealed class Person : IdentityUser<Guid>
{
    public Person() => Id = Guid.NewGuid();

    public required string DisplayName { get; set; }
    /// <summary>Installation administrator (beheerder of the server): creates projects and manages people,
    /// but reads no story unless they are also a member of its project.</summary>
    public bool IsAdministrator { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public List<ProjectMembership> Memberships { get; set; } = [];
}
