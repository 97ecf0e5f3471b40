using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Storytelling.Worker.Models;

/// <summary>Bytes of the file on disk so far (resumed bytes included) out of the expected total.</summary>
public readonly record struct DownloadProgress(long BytesReceived, long TotalBytes)
{
    public double Fraction => TotalBytes > 0 ? Math.Clamp((double)BytesReceived / TotalBytes, 0, 1) : 0;
}

public sealed class ModelDownloaderOptions
{
    /// <summary>A connection that delivers nothing for this long is given up (and retried); there is no overall limit, multi-GB files take what they take.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Attempts per download, each resuming from what the previous one left in the .part file.</summary>
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>A download that did not produce a verified file; the message is one sentence a person can act on.</summary>
public class ModelDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The bytes arrived but are not the published file; the partial file was deleted and nothing was installed.</summary>
public sealed class ModelChecksumException(string message) : ModelDownloadException(message);

/// <summary>
/// Streams a catalogue entry into MODELS/FILE.part, hashing as it goes, resumes an interrupted .part with an HTTP
/// Range request, and renames the file into place only when its size and checksum match the catalogue.
/// Cancellation leaves the .part file so the next run continues where this one stopped.
/// </summary>
public sealed class ModelDownloader(HttpClient http, ModelDownloaderOptions? options = null)
{
    private const int BufferSize = 1 << 17;
    private readonly ModelDownloaderOptions _options = options ?? new ModelDownloaderOptions();

    /// <summary>An HttpClient fit for multi-GB files: no overall timeout (the stall timeout guards instead), a bounded connect time.</summary>
    public static HttpClient CreateHttpClient(HttpMessageHandler? handler = null)
    {
        var client = new HttpClient(handler ?? new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Storytelling-Worker", "1.0"));
        return client;
    }

    public static string PartPath(ModelEntry entry, string modelsDirectory) =>
        Path.Combine(Path.GetFullPath(modelsDirectory), entry.FileName + ".part");

    /// <summary>Downloads <paramref name="entry"/> into <paramref name="modelsDirectory"/> and returns the installed file's path.</summary>
    /// <exception cref="ModelChecksumException">The downloaded bytes do not match the catalogue; nothing was installed.</exception>
    /// <exception cref="ModelDownloadException">The download failed after its retries; the .part file is kept for resuming.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the .part file is kept for resuming.</exception>
    public async Task<string> DownloadAsync(ModelEntry entry, string modelsDirectory, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var directory = Path.GetFullPath(modelsDirectory);
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, entry.FileName);
        var partPath = target + ".part";

        FileStream part;
        try
        {
            // Exclusive: a second download of the same model must not interleave its bytes with ours.
            part = new FileStream(partPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true);
        }
        catch (IOException e)
        {
            throw new ModelDownloadException($"Another download of {entry.FileName} is already writing {partPath}; wait for it or stop it first.", e);
        }

        await using (part)
        using (var hash = new RunningHash(entry.Algorithm))
        {
            if (part.Length > entry.Size) part.SetLength(0);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await TransferAsync(entry, part, hash, progress, cancellationToken);
                    break;
                }
                catch (TransientDownloadException) when (attempt < _options.MaxAttempts)
                {
                    await Task.Delay(_options.RetryDelay, cancellationToken);
                }
                catch (TransientDownloadException e)
                {
                    throw new ModelDownloadException(
                        $"Downloading {entry.FileName} failed after {attempt} attempt{(attempt == 1 ? "" : "s")} ({e.Message}); run the command again to resume from {Megabytes(part.Length)}.", e.InnerException);
                }
            }

            await part.FlushAsync(cancellationToken);
            part.Flush(flushToDisk: true);
            await hash.CatchUpAsync(part, cancellationToken);
            var actual = hash.Finish();
            if (part.Length != entry.Size || !string.Equals(actual, entry.Checksum, StringComparison.OrdinalIgnoreCase))
            {
                part.SetLength(0);
                await part.DisposeAsync();
                File.Delete(partPath);
                throw new ModelChecksumException(
                    $"The downloaded {entry.FileName} does not match its published {entry.AlgorithmName} checksum, so it was deleted and nothing was installed.");
            }
        }

        File.Move(partPath, target, overwrite: true);
        return target;
    }

    private sealed class TransientDownloadException(string message, Exception? inner = null) : Exception(message, inner);

    /// <summary>One request: continues the .part file from its length, or starts it over when the server does not honour the range.</summary>
    private async Task TransferAsync(ModelEntry entry, FileStream part, RunningHash hash, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var offset = part.Length;
        if (offset == entry.Size)
        {
            // Complete already (an earlier run was stopped between the last byte and the rename); the checksum decides.
            progress?.Report(new DownloadProgress(offset, entry.Size));
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, entry.Address);
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(_options.StallTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientDownloadException($"the server did not answer within {Seconds(_options.StallTimeout)}");
        }
        catch (HttpRequestException e)
        {
            throw new TransientDownloadException(e.Message, e);
        }

        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    // The server says there is nothing after our offset: what we have is the whole file, or it is wrong.
                    // Either way the checksum decides; a wrong .part is deleted there and the next run starts clean.
                    return;
                case HttpStatusCode.PartialContent when offset > 0 && response.Content.Headers.ContentRange?.From == offset:
                    break;
                case HttpStatusCode.OK or HttpStatusCode.PartialContent:
                    // No range support (200), or a range we did not ask for: start the file over.
                    offset = 0;
                    part.SetLength(0);
                    hash.Restart();
                    break;
                case >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests:
                    throw new TransientDownloadException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
                default:
                    throw new ModelDownloadException(
                        $"The server answered {(int)response.StatusCode} {response.ReasonPhrase} for {entry.Address}, so {entry.FileName} was not downloaded.");
            }

            var length = response.Content.Headers.ContentLength;
            if (length is { } l && offset + l != entry.Size)
            {
                throw new ModelDownloadException(
                    $"The server offers {offset + l:N0} bytes for {entry.FileName} but the catalogue expects {entry.Size:N0}, so the download was stopped.");
            }

            // Bytes resumed from an earlier run were never hashed by this process: read them once, then hash as they arrive.
            await hash.CatchUpAsync(part, cancellationToken);
            part.Position = offset;
            progress?.Report(new DownloadProgress(offset, entry.Size));
            var buffer = new byte[BufferSize];
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(stall.Token);
                while (true)
                {
                    stall.CancelAfter(_options.StallTimeout);
                    var read = await body.ReadAsync(buffer, stall.Token);
                    if (read == 0) break;
                    if (part.Position + read > entry.Size)
                    {
                        throw new ModelDownloadException(
                            $"The server sent more than the {entry.Size:N0} bytes the catalogue expects for {entry.FileName}, so the download was stopped.");
                    }
                    await part.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    hash.Append(buffer.AsSpan(0, read));
                    progress?.Report(new DownloadProgress(part.Position, entry.Size));
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TransientDownloadException($"no data arrived for {Seconds(_options.StallTimeout)}");
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                await part.FlushAsync(CancellationToken.None);
                throw new TransientDownloadException("the connection broke", e);
            }
            finally
            {
                await part.FlushAsync(CancellationToken.None);
            }

            if (part.Length < entry.Size) throw new TransientDownloadException("the connection closed before the end of the file");
        }
    }

    /// <summary>Hashes a whole file; used for verification and for a completed .part.</summary>
    public static async Task<string> HashFileAsync(string path, ChecksumAlgorithm algorithm, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        return await HashAsync(stream, algorithm, cancellationToken);
    }

    private static async Task<string> HashAsync(Stream stream, ChecksumAlgorithm algorithm, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(algorithm == ChecksumAlgorithm.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1);
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0) hash.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The checksum of the .part file's first <see cref="Length"/> bytes, kept up to date as bytes are written.</summary>
    private sealed class RunningHash(ChecksumAlgorithm algorithm) : IDisposable
    {
        private IncrementalHash _hash = Create(algorithm);

        public long Length { get; private set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            _hash.AppendData(bytes);
            Length += bytes.Length;
        }

        public void Restart()
        {
            _hash.Dispose();
            _hash = Create(algorithm);
            Length = 0;
        }

        /// <summary>Re-reads the file when the hash does not cover exactly its bytes (a resumed file, or a write that failed halfway).</summary>
        public async Task CatchUpAsync(FileStream part, CancellationToken cancellationToken)
        {
            if (Length == part.Length) return;
            Restart();
            part.Position = 0;
            var buffer = new byte[BufferSize];
            int read;
            while ((read = await part.ReadAsync(buffer, cancellationToken)) > 0) Append(buffer.AsSpan(0, read));
        }

        public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public void Dispose() => _hash.Dispose();

        private static IncrementalHash Create(ChecksumAlgorithm algorithm) =>
            IncrementalHash.CreateHash(algorithm == ChecksumAlgorithm.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1);
    }

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} seconds");

    internal static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1_000_000.0:0.0} MB");
}
