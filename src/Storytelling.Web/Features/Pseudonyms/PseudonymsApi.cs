using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Pseudonyms;

/// <summary>
/// <see cref="Kind"/> picks the suggested stand-in when no replacement is given: "Persoon" (default), "Plaats",
/// "Organisatie". SilenceAudio withholds the recording from readers who may not see originals; see ARCHITECTURE.md.
/// </summary>
public sealed record CreatePseudonymRequest(string? Original, string? Replacement, Guid? StoryId, bool SilenceAudio = false, string? Kind = null);

public sealed record PseudonymDto(Guid Id, Guid? StoryId, string Original, string Replacement, bool SilenceAudio, DateTimeOffset CreatedAt);

public static class PseudonymsApi
{
    public const int MaxLength = 200;
    private static readonly string[] Kinds = ["Persoon", "Plaats", "Organisatie"];

    public static RouteGroupBuilder MapPseudonymsApi(this IEndpointRouteBuilder app)
    {
        // Listing or making a pseudonym reveals the original, so the whole group is for those who may see originals.
        var group = app.MapGroup("/api/projects/{projectId:guid}/pseudonyms").RequireAuthorization(Policies.SeeOriginals).WithTags("Pseudonyms");
        group.MapGet("/", List);
        group.MapPost("/", Create);
        group.MapDelete("/{pseudonymId:guid}", Delete);
        return group;
    }

    private static async Task<Ok<List<PseudonymDto>>> List(Guid projectId, Guid? storyId, StorytellingDbContext db, CancellationToken ct)
    {
        var list = await db.Pseudonyms.AsNoTracking()
            .Where(p => p.ProjectId == projectId && (storyId == null || p.StoryId == null || p.StoryId == storyId))
            .ToListAsync(ct);
        return TypedResults.Ok(list.OrderBy(p => p.Replacement, StringComparer.CurrentCultureIgnoreCase).Select(ToDto).ToList());
    }

    private static async Task<Results<Created<PseudonymDto>, ValidationProblem>> Create(
        Guid projectId, CreatePseudonymRequest request, HttpContext http, StorytellingDbContext db, PseudonymService pseudonyms,
        IEnumerable<ISilencedNamesListener> listeners, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var original = request.Original?.Trim();
        if (string.IsNullOrEmpty(original) || original.Length > MaxLength || !original.Any(char.IsLetterOrDigit))
            errors["original"] = [$"Give the name or place as it appears in the text (1 to {MaxLength} characters)."];
        var replacement = request.Replacement?.Trim();
        if (request.Replacement is not null && (replacement!.Length == 0 || replacement.Length > MaxLength))
            errors["replacement"] = [$"A replacement needs 1 to {MaxLength} characters, or leave it out for a suggestion."];
        var kind = Kinds.FirstOrDefault(k => string.Equals(k, request.Kind ?? "Persoon", StringComparison.OrdinalIgnoreCase));
        if (kind is null) errors["kind"] = ["Kind must be Persoon, Plaats or Organisatie."];
        if (request.StoryId is { } storyId && !await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct))
            errors["storyId"] = ["This story is not in the project."];
        if (errors.Count == 0 && replacement is not null && string.Equals(replacement, original, StringComparison.OrdinalIgnoreCase))
            errors["replacement"] = ["The replacement must differ from the original."];
        // Pseudonyms per project are few; comparing in memory keeps the case-insensitive rule the same on both databases.
        var existing = await db.Pseudonyms.AsNoTracking().Where(p => p.ProjectId == projectId)
            .Select(p => new { p.StoryId, p.Original, p.Replacement }).ToListAsync(ct);
        if (errors.Count == 0 && existing.Any(p => p.StoryId == request.StoryId && string.Equals(p.Original, original, StringComparison.OrdinalIgnoreCase)))
            errors["original"] = ["This name already has a pseudonym here; delete that one first to change it."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        // Consistency: the same original already replaced elsewhere in the project keeps its stand-in.
        replacement ??= existing.FirstOrDefault(p => string.Equals(p.Original, original, StringComparison.OrdinalIgnoreCase))?.Replacement
            ?? await pseudonyms.SuggestAsync(projectId, kind!, ct);

        var me = http.User.PersonId();
        var pseudonym = new Pseudonym
        {
            ProjectId = projectId,
            StoryId = request.StoryId,
            Original = original!,
            Replacement = replacement,
            SilenceAudio = request.SilenceAudio,
            CreatedByPersonId = me,
            CreatedAt = time.GetUtcNow(),
        };
        db.Pseudonyms.Add(pseudonym);
        db.Record(time, "pseudonym.created", me, projectId, "pseudonym", pseudonym.Id);
        await db.SaveChangesAsync(ct);
        if (pseudonym.SilenceAudio)
            foreach (var listener in listeners) await listener.OnSilencedNamesChangedAsync(projectId, pseudonym.StoryId, ct);
        return TypedResults.Created($"/api/projects/{projectId}/pseudonyms/{pseudonym.Id}", ToDto(pseudonym));
    }

    private static async Task<Results<NoContent, NotFound>> Delete(
        Guid projectId, Guid pseudonymId, HttpContext http, StorytellingDbContext db, IEnumerable<ISilencedNamesListener> listeners,
        TimeProvider time, CancellationToken ct)
    {
        var gone = await db.Pseudonyms.AsNoTracking().Where(p => p.Id == pseudonymId && p.ProjectId == projectId)
            .Select(p => new { p.StoryId, p.SilenceAudio }).SingleOrDefaultAsync(ct);
        var rows = await db.Pseudonyms.Where(p => p.Id == pseudonymId && p.ProjectId == projectId).ExecuteDeleteAsync(ct);
        if (rows == 0 || gone is null) return TypedResults.NotFound();
        db.Record(time, "pseudonym.deleted", http.User.PersonId(), projectId, "pseudonym", pseudonymId);
        await db.SaveChangesAsync(ct);
        if (gone.SilenceAudio)
            foreach (var listener in listeners) await listener.OnSilencedNamesChangedAsync(projectId, gone.StoryId, ct);
        return TypedResults.NoContent();
    }

    private static PseudonymDto ToDto(Pseudonym p) => new(p.Id, p.StoryId, p.Original, p.Replacement, p.SilenceAudio, p.CreatedAt);
}
