namespace Storytelling.Worker.Models;

public enum ModelFileStatus
{
    Ok,
    Mismatch,
    Missing,
}

/// <summary>The outcome of checking one file; <see cref="Detail"/> says what differs, in words.</summary>
public sealed record ModelFileCheck(string Path, ModelFileStatus Status, string Detail);

public static class ModelVerifier
{
    /// <summary>Compares a file on disk with a catalogue entry: size first (cheap), then the full checksum.</summary>
    public static async Task<ModelFileCheck> CheckAsync(ModelEntry entry, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var file = new FileInfo(path);
        if (!file.Exists) return new ModelFileCheck(file.FullName, ModelFileStatus.Missing, "not downloaded");
        if (file.Length != entry.Size)
        {
            return new ModelFileCheck(file.FullName, ModelFileStatus.Mismatch, $"{file.Length:N0} bytes where the catalogue has {entry.Size:N0}");
        }
        var actual = await ModelDownloader.HashFileAsync(file.FullName, entry.Algorithm, cancellationToken);
        return string.Equals(actual, entry.Checksum, StringComparison.OrdinalIgnoreCase)
            ? new ModelFileCheck(file.FullName, ModelFileStatus.Ok, entry.AlgorithmName + " matches")
            : new ModelFileCheck(file.FullName, ModelFileStatus.Mismatch, entry.AlgorithmName + " differs from the published one");
    }
}
