extern alias worker;

using worker::Storytelling.Worker.Transcription;

namespace Storytelling.Tests.Worker;

public sealed class WhisperThreadTests
{
    [Fact]
    public async Task Every_piece_of_work_runs_on_the_same_thread_and_a_failure_does_not_end_it()
    {
        using var thread = new WhisperThread();
        var ids = new List<int>();
        for (var i = 0; i < 5; i++)
            ids.Add(await Task.Run(() => thread.RunAsync(() => Environment.CurrentManagedThreadId, CancellationToken.None)));
        Assert.Single(ids.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, ids[0]);

        await Assert.ThrowsAsync<InvalidDataException>(() => thread.RunAsync<int>(() => throw new InvalidDataException("bad window"), CancellationToken.None));
        Assert.Equal(ids[0], await thread.RunAsync(() => Environment.CurrentManagedThreadId, CancellationToken.None));
    }

    [Fact]
    public async Task Cancellation_before_or_during_the_work_cancels_the_task()
    {
        using var thread = new WhisperThread();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => thread.RunAsync(() => 1, cancelled.Token));

        using var during = new CancellationTokenSource();
        var task = thread.RunAsync(() =>
        {
            during.Cancel();
            during.Token.ThrowIfCancellationRequested();
            return 1;
        }, during.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.True(task.IsCanceled);

        // Queued behind a cancelled item, later work still runs.
        Assert.Equal(2, await thread.RunAsync(() => 2, CancellationToken.None));
    }
}
