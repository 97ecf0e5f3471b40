namespace Storytelling.Web.Features.Codebook;

public static class CodebookSetup
{
    public static IServiceCollection AddCodebook(this IServiceCollection services) => services.AddScoped<CodebookService>();
}
