using Storytelling.Core.Transcription;

namespace Storytelling.Web.Features.Stories;

public static class StoriesSetup
{
    /// <summary>The overview's service, and the push of transcription progress to open pages (<see cref="JobFeed"/>).</summary>
    public static IServiceCollection AddStories(this IServiceCollection services)
    {
        services.AddScoped<StoriesService>();
        services.AddOptions<ProgressOptions>().BindConfiguration(ProgressOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddJobChanges();
        services.AddSingleton<JobAudience>();
        services.AddSingleton<JobPush>();
        services.AddHostedService<JobFeed>();
        return services;
    }

    public static IEndpointRouteBuilder MapProjectHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<ProjectHub>("/hubs/project");
        return app;
    }
}
