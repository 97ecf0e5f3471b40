namespace Storytelling.Web.Features.Exchange;

public static class ExchangeSetup
{
    public static IServiceCollection AddExchange(this IServiceCollection services)
    {
        services.AddOptions<ExchangeOptions>().BindConfiguration(ExchangeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<RefiQdaExport>();
        services.AddScoped<RefiQdaImport>();
        services.AddScoped<ExchangeService>();
        return services;
    }
}
