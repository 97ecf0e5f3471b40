using Microsoft.AspNetCore.Http.HttpResults;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Workshops;

public static class WorkshopsApi
{
    public static void MapWorkshopsApi(this IEndpointRouteBuilder app)
    {
        // Opening, closing and the board are the facilitator's (begeleider's) work.
        var staff = app.MapGroup("/api/projects/{projectId:guid}/workshops").RequireAuthorization(Policies.RunWorkshop).WithTags("Workshops");
        staff.MapPost("/", Open);
        staff.MapGet("/", List);
        staff.MapPost("/{sessionId:guid}/close", Close);
        staff.MapGet("/{sessionId:guid}/board", Board);
        staff.MapGet("/{sessionId:guid}/qr.svg", Qr);

        // Joining needs no account: the code is the key, so joins are rate-limited per address.
        var room = app.MapGroup("/api/workshops").AllowAnonymous().WithTags("Workshops");
        room.MapPost("/{code}/join", Join);
    }

    private static async Task<Results<Created<WorkshopDto>, ValidationProblem>> Open(
        Guid projectId, OpenWorkshopRequest request, HttpContext http, WorkshopService workshops, CancellationToken ct)
    {
        var (session, errors) = await workshops.OpenAsync(projectId, request, http.User.PersonId()!.Value, WorkshopLinks.BaseUrl(http), ct);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        return TypedResults.Created($"/api/projects/{projectId}/workshops/{session!.Id}", session);
    }

    private static async Task<Ok<List<WorkshopDto>>> List(Guid projectId, HttpContext http, WorkshopService workshops, CancellationToken ct) =>
        TypedResults.Ok((await workshops.ListAsync(projectId, ct)).Select(s => WorkshopService.ToDto(s, WorkshopLinks.BaseUrl(http))).ToList());

    private static async Task<Results<NoContent, NotFound>> Close(Guid projectId, Guid sessionId, HttpContext http,
        WorkshopService workshops, WorkshopRoom room, CancellationToken ct)
    {
        if (!await workshops.CloseAsync(projectId, sessionId, http.User.PersonId()!.Value, ct)) return TypedResults.NotFound();
        await room.ClosedAsync(sessionId, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<BoardDto>, NotFound>> Board(Guid projectId, Guid sessionId, WorkshopService workshops, CancellationToken ct) =>
        await workshops.FindAsync(projectId, sessionId, ct) is { } session ? TypedResults.Ok(await workshops.BoardAsync(session, ct)) : TypedResults.NotFound();

    private static async Task<IResult> Qr(Guid projectId, Guid sessionId, HttpContext http, WorkshopService workshops, CancellationToken ct) =>
        await workshops.FindAsync(projectId, sessionId, ct) is { } session
            ? TypedResults.Text(WorkshopLinks.QrSvg(WorkshopService.JoinUrl(WorkshopLinks.BaseUrl(http), session.Code)), "image/svg+xml")
            : TypedResults.NotFound();

    private static async Task<IResult> Join(string code, JoinRequest? request, HttpContext http, WorkshopService workshops,
        WorkshopJoinLimiter limiter, CancellationToken ct)
    {
        if (!await limiter.TryAcquireAsync(http.Connection.RemoteIpAddress, ct))
            return TypedResults.Problem(WorkshopHub.TooManyTries, statusCode: StatusCodes.Status429TooManyRequests);
        if (await workshops.FindOpenByCodeAsync(code, ct) is not { } session)
            return TypedResults.Problem("Deze code kennen we niet, of de werksessie is gesloten. Kijk nog eens op het scherm.", statusCode: StatusCodes.Status404NotFound);
        var outcome = await workshops.JoinAsync(session, request?.DisplayName, http.User, ct);
        if (outcome.Joined is null) return TypedResults.Problem(outcome.Error, statusCode: outcome.Status);
        if (outcome.Token is not null) WorkshopLinks.SetGuestCookie(http, outcome.Token);
        return TypedResults.Ok(outcome.Joined);
    }
}
