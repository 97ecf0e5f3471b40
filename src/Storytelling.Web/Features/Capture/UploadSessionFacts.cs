using Microsoft.Extensions.Caching.Memory;

namespace Storytelling.Web.Features.Capture;

/// <summary>
/// What a chunk needs to know about its upload (where it is staged, its declared size, until when it lives),
/// remembered by this node so that a chunk costs no database statement. Only facts that never change while an upload
/// receives are kept; how much arrived is read from the staged bytes, and an expiry seen here is never later than the
/// database's (it only moves forward), so the janitor cannot sweep an upload this node still believes in.
/// </summary>
public sealed class UploadSessionFacts : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public sealed record Facts(string BlobName, long SizeBytes, DateTimeOffset ExpiresAt);

    public Facts? Find(string uploadId) => _cache.TryGetValue(uploadId, out Facts? facts) ? facts : null;

    public void Remember(string uploadId, Facts facts) =>
        _cache.Set(uploadId, facts, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) });

    /// <summary>The upload was completed or refused here: its next chunk asks the database again.</summary>
    public void Forget(string uploadId) => _cache.Remove(uploadId);

    public void Dispose() => _cache.Dispose();
}
