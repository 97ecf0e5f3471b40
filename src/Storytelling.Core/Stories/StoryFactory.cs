using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;

namespace Storytelling.Core.Stories;

/// <summary>
/// The one place a story is born: capture, the import of earlier recordings, REFI-QDA import and the demo all come
/// here, so every story gets a receipt code unique in the installation and stored only as its hash, a teller
/// pseudonym, its consent and its time the same way.
/// </summary>
public static class StoryFactory
{
    /// <summary>Adds a new story to <paramref name="db"/> (not saved) and returns it with its receipt code: the only
    /// moment the code exists in plain, to be shown once to whoever hands it to the teller, or dropped.</summary>
    public static async Task<(Story Story, string ReceiptCode)> AddAsync(StorytellingDbContext db, Guid projectId, string tellerPseudonym,
        Consent consent, DateTimeOffset createdAt, CancellationToken ct)
    {
        var code = await ReceiptCode.NewUniqueAsync(db, ct);
        var story = new Story
        {
            ProjectId = projectId,
            TellerPseudonym = tellerPseudonym,
            ReceiptCodeHash = ReceiptCode.Hash(code),
            Consent = consent,
            CreatedAt = createdAt,
        };
        db.Stories.Add(story);
        return (story, code);
    }

    /// <summary>"Verteller N" for a teller who gave no name: the project's next number.</summary>
    public static async Task<string> NextTellerNameAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct) =>
        $"Verteller {await db.Stories.CountAsync(s => s.ProjectId == projectId, ct) + 1}";
}
