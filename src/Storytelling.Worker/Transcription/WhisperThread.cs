using System.Collections.Concurrent;

namespace Storytelling.Worker.Transcription;

/// <summary>
/// The one long-lived thread on which every transcription runs. whisper.cpp and ggml keep per-thread native state
/// (the OpenMP thread team, and a glibc malloc arena that keeps the freed buffers of a window — about 4 bytes per
/// sample). On thread-pool threads each window could land on a thread not seen before, and the worker grew by
/// about one window's buffers per new thread: 176 MB after 60 s, 765 MB after a 2-hour recording. On one thread the
/// same memory is reused for every window and job. Whisper handles one recording at a time anyway.
/// </summary>
internal sealed class WhisperThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    public WhisperThread()
    {
        _thread = new Thread(() =>
        {
            foreach (var item in _work.GetConsumingEnumerable()) item();
        })
        { IsBackground = true, Name = "whisper" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the whisper thread, after whatever is queued before it.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            if (ct.IsCancellationRequested)
            {
                done.TrySetCanceled(ct);
                return;
            }
            try
            {
                done.TrySetResult(work());
            }
            catch (OperationCanceledException e)
            {
                done.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                // Never let an exception end the thread: the job that caused it fails, the next one runs.
                done.TrySetException(e);
            }
        }, ct);
        return done.Task;
    }

    /// <summary>Lets the queued work finish and ends the thread (the host cancels running jobs first).</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
    }
}
