using Stockroom.Storage;

namespace Stockroom.Features.Reservations;

/// <summary>
/// Whether hold ids are on record, for the refusals decided before the writer (a sold-out scope).
/// Such a refusal must still give a retry of a hold that succeeded — in any process — its
/// reservation back, so the id is looked up; but callers asking at the same time share one
/// query, read after each of them asked, so that a flash sale's refusals cost the database one
/// indexed read per wave instead of one each.
/// </summary>
public sealed class ReservationProbe(IStockStore store)
{
    /// <summary>Ids looked up by one query at most.</summary>
    public const int IdsPerQueryMax = 1_000;

    private readonly Lock _gate = new();
    private List<(string Id, TaskCompletionSource<bool> Answer)> _waiting = [];
    private bool _reading;

    /// <summary>True if a reservation with this id was committed before the call.</summary>
    public Task<bool> IsOnRecordAsync(string id, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool lead;
        lock (_gate)
        {
            _waiting.Add((id, answer));
            lead = !_reading;
            _reading = true;
        }

        if (lead)
        {
            _ = Task.Run(ReadWavesAsync, CancellationToken.None);
        }

        return answer.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Reads while anyone waits: each query takes everyone who asked before it began.</summary>
    private async Task ReadWavesAsync()
    {
        while (true)
        {
            List<(string Id, TaskCompletionSource<bool> Answer)> wave;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _reading = false;
                    return;
                }

                wave = _waiting.Count <= IdsPerQueryMax ? _waiting : _waiting[..IdsPerQueryMax];
                _waiting = _waiting.Count <= IdsPerQueryMax ? [] : _waiting[IdsPerQueryMax..];
            }

            try
            {
                var ids = wave.Select(w => w.Id).Distinct(StringComparer.Ordinal).ToList();
                var found = (await store.QueryAsync($"SELECT id FROM reservations WHERE id IN ({store.Dialect.TextList("@ids")})",
                    c => store.Dialect.BindTextList(c, "@ids", ids), r => r.GetString(0), CancellationToken.None)).ToHashSet(StringComparer.Ordinal);
                foreach (var (id, answer) in wave)
                {
                    answer.TrySetResult(found.Contains(id));
                }
            }
            catch (Exception exception)
            {
                foreach (var (_, answer) in wave)
                {
                    answer.TrySetException(exception);
                }
            }
        }
    }
}
