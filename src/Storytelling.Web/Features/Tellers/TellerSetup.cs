namespace Storytelling.Web.Features.Tellers;

/// <summary>Marker type whose resources (TellerText.resx, .en.resx, .ar.resx) hold every string of the teller's pages.</summary>
public sealed class TellerText;

public static class TellerSetup
{
    public static IServiceCollection AddTellerPages(this IServiceCollection services)
    {
        services.AddOptions<TellerOptions>().BindConfiguration(TellerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TellerCodeLimiter>();
        services.AddScoped<TellerAccess>();
        services.AddScoped<StoryWithdrawal>();
        services.AddScoped<StoryConsentChange>();
        services.AddScoped<TellersService>();
        services.AddScoped<PendingBlobDeletions>();
        services.AddHostedService<PendingBlobSweeper>();
        return services;
    }
}
