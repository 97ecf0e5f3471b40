using Storytelling.Core.Analysis;

namespace Storytelling.Web.Features.Transcripts;

public static class WorkspaceSetup
{
    public static IServiceCollection AddWorkspace(this IServiceCollection services)
    {
        services.AddScoped<TranscriptService>();
        services.AddOptions<SilencedAudioOptions>().BindConfiguration(SilencedAudioOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RenditionRenderer>();
        services.AddScoped<SilencedAudioService>();
        services.AddScoped<ISilencedNamesListener, SilencedNamesListener>();
        return services;
    }
}
