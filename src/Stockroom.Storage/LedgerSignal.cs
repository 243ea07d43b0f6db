using Stockroom.Core.Ledger;

namespace Stockroom.Storage;

/// <summary>
/// Wakes readers of the ledger (the change stream) when this process appends to it, so that a
/// change reaches them at once rather than at their next poll. Other processes' appends are seen
/// at the poll, which bounds the delay.
/// </summary>
public sealed class LedgerSignal
{
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last sequence this process committed.</summary>
    public long LastSequence { get; private set; }

    /// <summary>
    /// The events a commit of this process appended, handed over right after the commit on the
    /// committing thread, so that what reads from memory sees this process's own writes at once.
    /// Handlers must be quick and must not throw.
    /// </summary>
    public event Action<IReadOnlyList<LedgerEvent>>? Committed;

    /// <summary>
    /// A commit of this process is about to be sent, carrying events through this sequence; then
    /// either <see cref="Committed"/> or <see cref="Abandoned"/> follows. Between the two, another
    /// reader may already see the commit in the database: what reads from memory waits for it.
    /// </summary>
    public event Action<long>? Committing;

    /// <summary>The commit announced with <see cref="Committing"/> failed: its events will never be.</summary>
    public event Action<long>? Abandoned;

    public void Sending(long sequence) => Committing?.Invoke(sequence);

    public void Failed(long sequence) => Abandoned?.Invoke(sequence);

    public void Appended(IReadOnlyList<LedgerEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Committed?.Invoke(events);
        Appended(events[^1].Sequence);
    }

    public void Appended(long sequence)
    {
        LastSequence = Math.Max(LastSequence, sequence);
        Interlocked.Exchange(ref _appended, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Waits for the next append in this process, or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _appended).Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // A poll: another process may have appended.
        }
    }
}
