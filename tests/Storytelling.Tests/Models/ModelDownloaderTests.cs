extern alias worker;

using System.Net;
using Storytelling.Tests.Infrastructure;
using worker::Storytelling.Worker.Models;

namespace Storytelling.Tests.Models;

public sealed class ModelDownloaderTests : IAsyncLifetime
{
    private readonly string _folder = Repo.NewTempFolder("models");
    private ModelFileServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await ModelFileServer.StartAsync();
        _http = ModelDownloader.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Repo.DeleteFolder(_folder);
    }

    private ModelEntry Serve(byte[]? bytes = null, ChecksumAlgorithm algorithm = ChecksumAlgorithm.Sha256)
    {
        var entry = ModelTestData.Entry(_server.BaseAddress, bytes, algorithm);
        _server.Files[entry.FileName] = bytes ?? ModelTestData.Bytes;
        return entry;
    }

    private string Installed(ModelEntry entry) => Path.Combine(_folder, entry.FileName);
    private string Part(ModelEntry entry) => Installed(entry) + ".part";

    [Fact]
    public async Task Download_installs_the_verified_file_and_reports_monotonic_progress_up_to_the_total()
    {
        var entry = Serve();
        var progress = new RecordingProgress();

        var path = await new ModelDownloader(_http).DownloadAsync(entry, _folder, progress, CancellationToken.None);

        Assert.Equal(Installed(entry), path);
        Assert.Equal(ModelTestData.Bytes, await File.ReadAllBytesAsync(path));
        Assert.False(File.Exists(Part(entry)));
        Assert.True(progress.Reports.Count > 2);
        Assert.All(progress.Reports, r => Assert.Equal(entry.Size, r.TotalBytes));
        Assert.Equal(progress.Reports.Select(r => r.BytesReceived).Order(), progress.Reports.Select(r => r.BytesReceived));
        Assert.Equal(entry.Size, progress.Reports[^1].BytesReceived);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Download_resumes_with_a_range_request_after_the_server_cuts_the_connection_midway()
    {
        var entry = Serve();
        var half = entry.Size / 2;
        _server.CutAfter = i => i == 0 ? half : null;

        await new ModelDownloader(_http, ModelTestData.FastRetries).DownloadAsync(entry, _folder, null, CancellationToken.None);

        Assert.Equal(ModelTestData.Bytes, await File.ReadAllBytesAsync(Installed(entry)));
        var requests = _server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Null(requests[0].Range);
        Assert.Equal(half, requests[0].BytesSent);
        Assert.NotNull(requests[1].Range);
        var resumedAt = long.Parse(requests[1].Range!.Replace("bytes=", "", StringComparison.Ordinal).TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, half);
        Assert.Equal(HttpStatusCode.PartialContent, requests[1].Status);
        Assert.Equal(entry.Size - resumedAt, requests[1].BytesSent);
    }

    [Fact]
    public async Task Download_resumes_through_a_redirect_like_the_publishers_resolve_addresses()
    {
        var entry = Serve().WithBaseAddress(_server.RedirectingBaseAddress);
        _server.CutAfter = i => i == 0 ? entry.Size / 2 : null;

        await new ModelDownloader(_http, ModelTestData.FastRetries).DownloadAsync(entry, _folder, null, CancellationToken.None);

        Assert.Equal(ModelTestData.Bytes, await File.ReadAllBytesAsync(Installed(entry)));
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal(HttpStatusCode.PartialContent, _server.Requests[1].Status);
        Assert.StartsWith("bytes=", _server.Requests[1].Range, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stalled_connection_is_given_up_after_the_stall_timeout_and_the_part_file_kept()
    {
        var entry = Serve();
        _server.ChunkDelay = TimeSpan.FromSeconds(5);
        var options = new ModelDownloaderOptions { StallTimeout = TimeSpan.FromMilliseconds(300), MaxAttempts = 2, RetryDelay = TimeSpan.Zero };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => new ModelDownloader(_http, options).DownloadAsync(entry, _folder, null, CancellationToken.None));

        Assert.Contains("failed after 2 attempts (no data arrived for 0.3 seconds); run the command again to resume from", error.Message);
        Assert.True(new FileInfo(Part(entry)).Length > 0);
        Assert.False(File.Exists(Installed(entry)));
    }

    [Fact]
    public async Task Download_starts_over_when_the_server_ignores_the_range_and_still_installs_the_right_file()
    {
        var entry = Serve();
        _server.HonourRange = false;
        _server.CutAfter = i => i == 0 ? entry.Size / 3 : null;

        await new ModelDownloader(_http, ModelTestData.FastRetries).DownloadAsync(entry, _folder, null, CancellationToken.None);

        Assert.Equal(ModelTestData.Bytes, await File.ReadAllBytesAsync(Installed(entry)));
        var second = _server.Requests[1];
        Assert.NotNull(second.Range);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(entry.Size, second.BytesSent);
    }

    [Fact]
    public async Task Cancelling_keeps_the_part_file_and_the_next_run_resumes_from_it()
    {
        var entry = Serve();
        _server.ChunkDelay = TimeSpan.FromMilliseconds(5);
        using var cancel = new CancellationTokenSource();
        var progress = new RecordingProgress(p => { if (p.BytesReceived > entry.Size / 2) cancel.Cancel(); });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new ModelDownloader(_http, ModelTestData.FastRetries).DownloadAsync(entry, _folder, progress, cancel.Token));

        Assert.False(File.Exists(Installed(entry)));
        var kept = new FileInfo(Part(entry)).Length;
        Assert.InRange(kept, entry.Size / 2, entry.Size - 1);

        _server.ChunkDelay = TimeSpan.Zero;
        await new ModelDownloader(_http, ModelTestData.FastRetries).DownloadAsync(entry, _folder, null, CancellationToken.None);

        Assert.Equal(ModelTestData.Bytes, await File.ReadAllBytesAsync(Installed(entry)));
        var resumed = _server.Requests[^1];
        Assert.Equal($"bytes={kept}-", resumed.Range);
        Assert.Equal(entry.Size - kept, resumed.BytesSent);
    }

    [Fact]
    public async Task A_complete_part_file_is_verified_and_installed_without_downloading_again()
    {
        var entry = Serve();
        Directory.CreateDirectory(_folder);
        await File.WriteAllBytesAsync(Part(entry), ModelTestData.Bytes);

        await new ModelDownloader(_http).DownloadAsync(entry, _folder, null, CancellationToken.None);

        Assert.Equal(ModelTestData.Bytes, await File.ReadAllBytesAsync(Installed(entry)));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_checksum_mismatch_is_refused_the_part_file_deleted_and_nothing_installed()
    {
        var entry = Serve();
        var corrupt = (byte[])ModelTestData.Bytes.Clone();
        corrupt[corrupt.Length / 2] ^= 0xFF;
        _server.Files[entry.FileName] = corrupt;

        var error = await Assert.ThrowsAsync<ModelChecksumException>(
            () => new ModelDownloader(_http).DownloadAsync(entry, _folder, null, CancellationToken.None));

        Assert.Contains("does not match its published SHA-256 checksum", error.Message);
        Assert.False(File.Exists(Installed(entry)));
        Assert.False(File.Exists(Part(entry)));
    }

    [Fact]
    public async Task A_checksum_mismatch_never_replaces_a_file_already_installed()
    {
        var entry = Serve();
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(Installed(entry), "the old file");
        _server.Files[entry.FileName] = new byte[entry.Size];

        await Assert.ThrowsAsync<ModelChecksumException>(
            () => new ModelDownloader(_http).DownloadAsync(entry, _folder, null, CancellationToken.None));

        Assert.Equal("the old file", await File.ReadAllTextAsync(Installed(entry)));
    }

    [Fact]
    public async Task An_entry_with_only_a_sha1_checksum_is_verified_with_sha1()
    {
        var entry = Serve(algorithm: ChecksumAlgorithm.Sha1);
        Assert.Equal(40, entry.Checksum.Length);

        await new ModelDownloader(_http).DownloadAsync(entry, _folder, null, CancellationToken.None);

        Assert.Equal(ModelTestData.Bytes, await File.ReadAllBytesAsync(Installed(entry)));
    }

    [Fact]
    public async Task A_missing_file_on_the_server_fails_with_one_sentence_and_leaves_nothing_behind()
    {
        var entry = ModelTestData.Entry(_server.BaseAddress, name: "not-served");

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => new ModelDownloader(_http).DownloadAsync(entry, _folder, null, CancellationToken.None));

        Assert.Contains("answered 404", error.Message);
        Assert.False(File.Exists(Installed(entry)));
    }

    [Fact]
    public async Task The_real_silero_vad_model_downloads_from_a_swapped_base_address_and_matches_its_published_sha256()
    {
        var real = ModelTestData.RealVadModel();
        var entry = ModelCatalog.Find("silero-v6.2.0")!.WithBaseAddress(_server.BaseAddress);
        _server.Files[entry.FileName] = real;

        var path = await new ModelDownloader(_http).DownloadAsync(entry, _folder, null, CancellationToken.None);

        Assert.Equal("2aa269b785eeb53a82983a20501ddf7c1d9c48e33ab63a41391ac6c9f7fb6987", entry.Checksum);
        Assert.Equal(ModelFileStatus.Ok, (await ModelVerifier.CheckAsync(ModelCatalog.Find("silero-v6.2.0")!, path, CancellationToken.None)).Status);
    }
}
