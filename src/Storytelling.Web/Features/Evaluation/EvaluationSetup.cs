namespace Storytelling.Web.Features.Evaluation;

/// <summary>Phases, experiments and co-evaluation rounds: one registration line each in the host.</summary>
public static class EvaluationSetup
{
    /// <summary>The one registration of the evaluation services the API, the pages and the capture door use.</summary>
    public static IServiceCollection AddStorytellingEvaluation(this IServiceCollection services) =>
        services.AddScoped<PhasesService>().AddScoped<ExperimentsService>().AddScoped<RoundsService>().AddScoped<CaptureWindow>();

    public static IEndpointRouteBuilder MapEvaluationApi(this IEndpointRouteBuilder app)
    {
        app.MapPhasesApi();
        app.MapExperimentsApi();
        app.MapRoundsApi();
        return app;
    }
}
