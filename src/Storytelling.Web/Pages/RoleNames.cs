using Storytelling.Core.Projects;

namespace Storytelling.Web.Pages;

public static class RoleNames
{
    public static string Dutch(ProjectRole role) => role switch
    {
        ProjectRole.Bewoner => "bewoner",
        ProjectRole.Interviewer => "interviewer",
        ProjectRole.Begeleider => "begeleider",
        ProjectRole.Beleidsmedewerker => "beleidsmedewerker",
        ProjectRole.Beheerder => "beheerder",
        _ => role.ToString(),
    };

    public static string Dutch(ProjectPhase phase) => phase switch
    {
        ProjectPhase.Gather => "ophalen",
        ProjectPhase.Analyse => "analyseren",
        ProjectPhase.Experiment => "experimenteren",
        ProjectPhase.CoEvaluate => "co-evalueren",
        _ => phase.ToString(),
    };
}
