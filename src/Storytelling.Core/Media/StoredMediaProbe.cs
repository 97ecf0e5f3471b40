using Storytelling.Core.Storage;

namespace Storytelling.Core.Media;

public static class StoredMediaProbe
{
    /// <summary>
    /// Probes a blob already in the store: the store's own file when it has one (disk), else a temporary local copy,
    /// because ffprobe must be able to seek (an m4a may keep its index at the end). The copy is always deleted.
    /// </summary>
    public static async Task<MediaProbeResult> ProbeStoredAsync(this IMediaProbe probe, IMediaStore store, string blobName, CancellationToken ct)
    {
        if (store.LocalPathOf(blobName) is { } local) return await probe.ProbeAsync(local, ct);
        var temp = Path.Combine(Path.GetTempPath(), "storytelling-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var source = await store.OpenReadAsync(blobName, 0, null, ct))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 128 * 1024, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(file, ct);
            }
            return await probe.ProbeAsync(temp, ct);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
