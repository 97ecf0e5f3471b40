namespace Storytelling.Web.Features.Transcripts;

public static class WorkspaceSetup
{
    public static IServiceCollection AddWorkspace(this IServiceCollection services) => services.AddScoped<TranscriptService>();
}
