namespace Storytelling.Web.Features.Stories;

public static class StoriesSetup
{
    public static IServiceCollection AddStories(this IServiceCollection services) => services.AddScoped<StoriesService>();
}
