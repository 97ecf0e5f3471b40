namespace Storytelling.Web.Features.Workspace;

public static class WorkspaceSetup
{
    public static IServiceCollection AddWorkspace(this IServiceCollection services) => services.AddScoped<TranscriptService>();
}
