namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// On SQLite, writes from a room of phones are taken one at a time per process, waiting asynchronously. Without it
/// concurrent writers wait for SQLite's write lock inside busy_timeout, each blocking a thread-pool thread; on a
/// small server the pool starves and fan-out latency jumps from tens of milliseconds to seconds (RESULTS.md).
/// PostgreSQL has row locks and real async I/O, so there the gate is not used.
/// </summary>
public sealed class WorkshopWriteGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<T> RunAsync<T>(bool serialise, Func<Task<T>> write, CancellationToken ct)
    {
        if (!serialise) return await write();
        await _gate.WaitAsync(ct);
        try
        {
            return await write();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
