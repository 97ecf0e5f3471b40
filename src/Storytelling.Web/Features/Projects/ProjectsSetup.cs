namespace Storytelling.Web.Features.Projects;

public static class ProjectsSetup
{
    public static IServiceCollection AddProjects(this IServiceCollection services) =>
        services.AddScoped<ProjectsService>().AddScoped<ProjectOverview>().AddScoped<QuestionsService>();
}
