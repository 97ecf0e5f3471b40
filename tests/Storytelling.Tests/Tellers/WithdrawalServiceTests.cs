using System.IO.Pipelines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Tellers;

namespace Storytelling.Tests.Tellers;

/// <summary>The withdrawal service at its seams: a store that fails (the blob is promised and retried, never
/// forgotten) and the listeners (told inside the transaction, while the story still exists).</summary>
public sealed class WithdrawalServiceTests : IAsyncLifetime
{
    // The app's own sweep runs on the same fake clock; kept out of the way so the test drives the retries itself.
    private readonly TestApp _app = new(new Dictionary<string, string?> { ["Storytelling:Tellers:BlobSweepMinutes"] = "1440" });
    private Guid _projectId;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        _projectId = (await _app.CreateProjectAsync("Werk in Houten")).Id;
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_blob_the_store_cannot_delete_stays_promised_and_the_sweep_deletes_it_once_the_store_is_back()
    {
        var story = await TellerSeed.StoryAsync(_app, _projectId, Guid.Empty, Guid.Empty, "x", 41);
        var real = _app.Services.GetRequiredService<IMediaStore>();
        var flaky = new FlakyStore(real) { Broken = true };
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var pending = new PendingBlobDeletions(db, flaky, _app.Time, NullLogger<PendingBlobDeletions>.Instance);
        var withdrawal = new StoryWithdrawal(db, pending, _app.Time, [], NullLogger<StoryWithdrawal>.Instance);

        Assert.True(await withdrawal.WithdrawAsync(story.Id, null, CancellationToken.None));
        Assert.False(await db.Stories.AnyAsync(s => s.Id == story.Id));
        var promise = await db.PendingBlobDeletions.AsNoTracking().SingleAsync();
        Assert.Equal(story.BlobName, promise.BlobName);
        Assert.Equal(1, promise.Attempts);
        Assert.NotNull(await real.GetPropertiesAsync(story.BlobName, CancellationToken.None));

        // Not due yet: nothing is tried. Still broken a minute later: the pause doubles.
        Assert.Equal(0, await pending.DeleteDueAsync(null, CancellationToken.None));
        Assert.Equal(1, flaky.DeleteCalls);
        _app.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await pending.DeleteDueAsync(null, CancellationToken.None));
        Assert.Equal(_app.Time.GetUtcNow().AddMinutes(2), (await db.PendingBlobDeletions.AsNoTracking().SingleAsync()).NextAttemptAt);

        flaky.Broken = false;
        _app.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, await pending.DeleteDueAsync(null, CancellationToken.None));
        Assert.Empty(await db.PendingBlobDeletions.ToListAsync());
        Assert.Null(await real.GetPropertiesAsync(story.BlobName, CancellationToken.None));
    }

    [Fact]
    public async Task Listeners_are_told_inside_the_transaction_while_the_story_still_exists_and_a_failing_listener_undoes_everything()
    {
        var story = await TellerSeed.StoryAsync(_app, _projectId, Guid.Empty, Guid.Empty, "y", 42);
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var store = _app.Services.GetRequiredService<IMediaStore>();
        var pending = new PendingBlobDeletions(db, store, _app.Time, NullLogger<PendingBlobDeletions>.Instance);

        var failing = new Listener(db, fail: true);
        var refused = new StoryWithdrawal(db, pending, _app.Time, [failing], NullLogger<StoryWithdrawal>.Instance);
        await Assert.ThrowsAsync<InvalidOperationException>(() => refused.WithdrawAsync(story.Id, null, CancellationToken.None));
        Assert.True(await db.Stories.AnyAsync(s => s.Id == story.Id));
        Assert.NotNull(await store.GetPropertiesAsync(story.BlobName, CancellationToken.None));

        var listener = new Listener(db, fail: false);
        var withdrawal = new StoryWithdrawal(db, pending, _app.Time, [listener], NullLogger<StoryWithdrawal>.Instance);
        Assert.True(await withdrawal.WithdrawAsync(story.Id, null, CancellationToken.None));
        Assert.Equal((_projectId, story.Id, true), listener.Told);
        Assert.False(await withdrawal.WithdrawAsync(story.Id, null, CancellationToken.None));
    }

    private sealed class Listener(StorytellingDbContext db, bool fail) : IStoryWithdrawalListener
    {
        public (Guid, Guid, bool)? Told { get; private set; }

        public async Task OnStoryWithdrawingAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken)
        {
            Told = (projectId, storyId, await db.Stories.AnyAsync(s => s.Id == storyId, cancellationToken));
            if (fail) throw new InvalidOperationException("report store down");
        }
    }

    /// <summary>The real store, with deletions failing while <see cref="Broken"/>, as an unreachable Azure account does.</summary>
    private sealed class FlakyStore(IMediaStore inner) : IMediaStore
    {
        public bool Broken { get; set; }
        public int DeleteCalls { get; private set; }

        public Task<bool> DeleteAsync(string blobName, CancellationToken cancellationToken)
        {
            DeleteCalls++;
            return Broken ? throw new IOException("store unreachable") : inner.DeleteAsync(blobName, cancellationToken);
        }

        public Task<StoredMedia> SaveAsync(Stream content, string contentType, CancellationToken ct) => inner.SaveAsync(content, contentType, ct);
        public Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken ct) => inner.OpenReadAsync(blobName, offset, length, ct);
        public Task<MediaProperties?> GetPropertiesAsync(string blobName, CancellationToken ct) => inner.GetPropertiesAsync(blobName, ct);
        public Task BeginStagingAsync(string blobName, CancellationToken ct) => inner.BeginStagingAsync(blobName, ct);
        public Task<long?> GetStagedLengthAsync(string blobName, CancellationToken ct) => inner.GetStagedLengthAsync(blobName, ct);
        public Task<long?> AppendStagedAsync(string blobName, long offset, long length, PipeReader data, CancellationToken ct) => inner.AppendStagedAsync(blobName, offset, length, data, ct);
        public Task<StoredMedia> CommitStagedAsync(string blobName, long length, string contentType, CancellationToken ct) => inner.CommitStagedAsync(blobName, length, contentType, ct);
        public Task DeleteStagedAsync(string blobName, CancellationToken ct) => inner.DeleteStagedAsync(blobName, ct);
        public string? LocalPathOf(string blobName) => inner.LocalPathOf(blobName);
        public Task CheckHealthAsync(CancellationToken ct) => inner.CheckHealthAsync(ct);
    }
}
