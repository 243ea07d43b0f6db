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
