using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Net.Http.Headers;

namespace Storytelling.Web.Security;

/// <summary>
/// A page on another site can make a browser send a form (urlencoded, multipart or text/plain) or a body without any
/// Content-Type without asking first; everything else needs a CORS preflight, which this app never grants. So the API
/// refuses those bodies on every state-changing request (415), raw-body endpoints accept only their file's real types,
/// and the one multipart endpoint (story import) demands the antiforgery token in the RequestVerificationToken header.
/// SameSite=Strict on the sign-in cookie is the first wall; this is the second, for sibling sites and old browsers.
/// </summary>
public static class CrossSiteForms
{
    public const string TokenHeader = "RequestVerificationToken";

    private static readonly string[] FormTypes = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

    /// <summary>Marks an API endpoint that takes multipart/form-data: allowed with a valid antiforgery token header.</summary>
    public sealed class MultipartWithAntiforgery;

    public static WebApplication UseCrossSiteFormGuard(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var request = http.Request;
            if (!request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                || HttpMethods.IsOptions(request.Method) || request.ContentType is null)
            {
                await next(http);
                return;
            }
            var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value ?? "" : "";
            if (!FormTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
            {
                await next(http);
                return;
            }
            if (mediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
                && http.GetEndpoint()?.Metadata.GetMetadata<MultipartWithAntiforgery>() is not null)
            {
                // The header only: reading a form field would buffer a whole recording before the check.
                var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
                if (request.Headers.ContainsKey(TokenHeader) && await antiforgery.IsRequestValidAsync(http))
                {
                    await next(http);
                    return;
                }
                await Results.Problem(statusCode: StatusCodes.Status400BadRequest,
                    detail: $"Send the antiforgery token in the {TokenHeader} header (GET /api/account/antiforgery gives one).").ExecuteAsync(http);
                return;
            }
            await Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                detail: "This address does not take form posts; send JSON (application/json) or the file's own type.").ExecuteAsync(http);
        });
        return app;
    }

    /// <summary>A raw-body endpoint takes only these media types (never a missing one, which a cross-site fetch can send).</summary>
    public static TBuilder AcceptsOnly<TBuilder>(this TBuilder builder, string example, params string[] types) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var contentType = context.HttpContext.Request.ContentType;
            var mediaType = contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value : null;
            if (mediaType is null || !types.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
                return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                    detail: $"Send the file with Content-Type: {example} (or one of {string.Join(", ", types)}).");
            return await next(context);
        });
}
