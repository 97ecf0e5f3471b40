namespace Storytelling.Web.Features.Evaluation;

public static class EvaluationEndpoints
{
    /// <summary>Phases, experiments and co-evaluation rounds: one registration line in the host.</summary>
    public static IEndpointRouteBuilder MapEvaluationApi(this IEndpointRouteBuilder app)
    {
        app.MapPhasesApi();
        app.MapExperimentsApi();
        app.MapRoundsApi();
        return app;
    }
}
