using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Exchange;

public sealed record CodebookImportDto(int Created, int Merged);

/// <summary>
/// REFI-QDA exchange with ATLAS.ti, MAXQDA, NVivo and QualCoder: the whole project as .qdpx, the codebook alone as .qdc.
/// Imports take the file as the raw request body (no multipart), so a script can send it with one request; only with the
/// file's own Content-Type (never text/plain or none), so no other site can make a browser post one (CrossSiteForms).
/// </summary>
public static class ExchangeApi
{
    public static RouteGroupBuilder MapExchangeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/exchange").WithTags("Exchange");
        group.MapGet("/project.qdpx", ExportProject).RequireAuthorization(Policies.Export);
        group.MapGet("/codebook.qdc", ExportCodebook).RequireAuthorization(Policies.Analyse);
        group.MapPost("/codebook", ImportCodebook).RequireAuthorization(Policies.Import)
            .AcceptsOnly("application/xml", "application/xml", "text/xml", "application/octet-stream");
        group.MapPost("/project", ImportProject).RequireAuthorization(Policies.Import)
            .AcceptsOnly("application/zip", "application/zip", "application/x-zip-compressed", "application/octet-stream");
        return group;
    }

    internal static async Task<IResult> ExportProject(Guid projectId, bool? audio, HttpContext http, ExchangeService exchange, CancellationToken ct)
    {
        var file = await exchange.ExportProjectAsync(projectId, http.User.PersonId(), audio ?? true, ct);
        return TypedResults.File(file.Content, file.ContentType, file.FileName);
    }

    internal static async Task<IResult> ExportCodebook(Guid projectId, ExchangeService exchange, CancellationToken ct) =>
        await exchange.ExportCodebookAsync(projectId, ct) is { } file
            ? TypedResults.File(file.Content, file.ContentType, file.FileName)
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: "Het codeboek is nog leeg; er is niets om te exporteren.");

    internal static async Task<Results<Ok<CodebookImportDto>, ValidationProblem>> ImportCodebook(Guid projectId, HttpRequest request,
        ExchangeService exchange, CancellationToken ct) =>
        Answer(await exchange.ImportCodebookAsync(projectId, request.Body, request.HttpContext.User.PersonId(), ct));

    internal static async Task<Results<Ok<QdpxImportResult>, ValidationProblem>> ImportProject(Guid projectId, bool? consentConfirmed,
        HttpRequest request, ExchangeService exchange, IOptions<ExchangeOptions> options, CancellationToken ct)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.Value.MaxUploadBytes;
        return Answer(await exchange.ImportProjectAsync(projectId, consentConfirmed == true, request.Body, request.HttpContext.User.PersonId(), ct));
    }

    private static Results<Ok<T>, ValidationProblem> Answer<T>(ExchangeResult<T> result) where T : class =>
        result.Refusal is { } sentence
            ? TypedResults.ValidationProblem(result.Errors!, detail: sentence)
            : TypedResults.Ok(result.Imported!);
}
