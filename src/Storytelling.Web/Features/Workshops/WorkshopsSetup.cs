namespace Storytelling.Web.Features.Workshops;

public static class WorkshopsSetup
{
    public static IServiceCollection AddWorkshops(this IServiceCollection services)
    {
        services.AddOptions<WorkshopOptions>().BindConfiguration(WorkshopOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<WorkshopService>();
        services.AddSingleton<WorkshopJoinLimiter>();
        services.AddSingleton<WorkshopWriteGate>();
        services.AddSingleton<CodingPacer>();
        services.AddScoped<TussenruimteService>();
        services.AddScoped<Core.Stories.IStoryWithdrawalListener, WorkshopWithdrawalListener>();
        return services;
    }
}
