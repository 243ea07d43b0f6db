using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Stockroom.Storage;

namespace Stockroom.Features.Webhooks;

/// <summary>
/// Delivers the outbox: claims due deliveries (each claimed by one process only), posts them
/// signed — <c>Stockroom-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, t + "." + body)&gt;</c>, and
/// the Standard Webhooks headers beside it (<see cref="StandardWebhooks"/>) —
/// and retries failures with exponential back-off until <see cref="AttemptsMax"/>. Sending never
/// happens inside a write transaction, so a slow subscriber never slows the write path.
/// </summary>
/// <remarks>
/// Sends run concurrently and are never waited for as a batch: a claim starts them and returns,
/// and each finished send makes room for the next claim. Each subscription has at most
/// <see cref="InFlightPerSubscriberMax"/> sends in flight in this process, so a subscriber that
/// hangs holds only its own slots while everyone else's deliveries keep flowing (issue 18: one
/// subscriber answering in 0.5 s made 100 healthy deliveries take 80 s).
/// </remarks>
public sealed partial class WebhookDispatcher(IStockStore store, IHttpClientFactory clients, TimeProvider time, ILogger<WebhookDispatcher> logger)
    : IAsyncDisposable
{
    public const string HttpClientName = "webhooks";
    public const int ClaimMax = 50;
    public const int InFlightMax = 64;
    public const int InFlightPerSubscriberMax = 4;
    public const int AttemptsMax = 10;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan BackoffMax = TimeSpan.FromHours(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private int _inFlightTotal;
    private TaskCompletionSource _idle = Idle(done: true);
    private readonly SemaphoreSlim _claiming = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<bool> _finished = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>
    /// Claims what is due and has room, and starts sending it without waiting for the sends;
    /// returns how many deliveries were started.
    /// </summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        // One claim at a time in this process, so that two never both fill the same subscriber's room.
        await _claiming.WaitAsync(cancellationToken);
        try
        {
            Dictionary<string, int> inFlight;
            int room;
            lock (_gate)
            {
                room = InFlightMax - _inFlightTotal;
                inFlight = new(_inFlight, StringComparer.Ordinal);
            }

            if (room <= 0)
            {
                return 0;
            }

            var claimed = await store.ClaimDeliveriesAsync(Math.Min(ClaimMax, room), InFlightPerSubscriberMax, inFlight, Lease, cancellationToken);
            lock (_gate)
            {
                foreach (var (_, webhook) in claimed)
                {
                    _inFlight[webhook.Id] = _inFlight.GetValueOrDefault(webhook.Id) + 1;
                    CheckRoom(_inFlight[webhook.Id] <= InFlightPerSubscriberMax, webhook.Id);
                }

                if (_inFlightTotal == 0 && claimed.Count > 0)
                {
                    _idle = Idle(done: false);
                }

                _inFlightTotal += claimed.Count;
                CheckRoom(_inFlightTotal <= InFlightMax, "all subscribers");
            }

            foreach (var (delivery, webhook) in claimed)
            {
                _ = Task.Run(() => SendThenReleaseAsync(delivery, webhook), CancellationToken.None);
            }

            return claimed.Count;
        }
        finally
        {
            _claiming.Release();
        }
    }

    /// <summary>Completes when no send of this process is in flight.</summary>
    public Task IdleAsync()
    {
        lock (_gate)
        {
            return _idle.Task;
        }
    }

    /// <summary>Waits until a send finishes (and so makes room) or <paramref name="waitMax"/> passes.</summary>
    public async Task WaitForRoomAsync(TimeSpan waitMax, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = _finished.Reader.WaitToReadAsync(done.Token).AsTask();
        var tick = Task.Delay(waitMax, time, done.Token);
        await Task.WhenAny(finished, tick);
        // The one that lost is cancelled here, so no timer or waiter outlives the wait.
        await done.CancelAsync();
        _finished.Reader.TryRead(out _);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public static string Signature(string secret, long unixSeconds, string body)
    {
        var signed = string.Create(CultureInfo.InvariantCulture, $"{unixSeconds}.{body}");
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(signed));
        return string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}");
    }

    /// <summary>1 s, 2 s, 4 s… doubling per failed attempt, capped at an hour.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(BackoffMax.TotalSeconds, Math.Pow(2, attempts)));

    /// <summary>Stops the sends in flight; those not recorded stay leased and are sent again once the lease runs out.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await IdleAsync();
        _stopping.Dispose();
        _claiming.Dispose();
    }

    private static TaskCompletionSource Idle(bool done)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (done)
        {
            idle.SetResult();
        }

        return idle;
    }

    /// <summary>An always-on check: counting wrong here would let one subscriber take every slot again.</summary>
    private static void CheckRoom(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"webhook sends in flight exceed their limit for {what}");
        }
    }

    private async Task SendThenReleaseAsync(WebhookDelivery delivery, Webhook webhook)
    {
        try
        {
            await SendAsync(delivery, webhook, _stopping.Token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            // The delivery stays leased and is tried again when the lease runs out.
            LogUnrecorded(logger, delivery.Id, webhook.Id, exception);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the lease brings it back.
        }
        finally
        {
            lock (_gate)
            {
                _inFlight[webhook.Id]--;
                if (_inFlight[webhook.Id] == 0)
                {
                    _inFlight.Remove(webhook.Id);
                }

                _inFlightTotal--;
                if (_inFlightTotal == 0)
                {
                    _idle.TrySetResult();
                }
            }

            _finished.Writer.TryWrite(true);
        }
    }

    private async Task SendAsync(WebhookDelivery delivery, Webhook webhook, CancellationToken cancellationToken)
    {
        // The delivery's span is the parent of the HTTP call's, which a lone client span would not be kept without.
        using var activity = Telemetry.Source.StartActivity("webhook.deliver");
        activity?.SetTag("stockroom.webhook.id", webhook.Id);
        activity?.SetTag("stockroom.webhook.delivery_id", delivery.Id);
        int? status = null;
        string? failure = null;
        // The timeout runs on the injected clock, so that tests decide when a hung subscriber has taken too long.
        using var timer = new CancellationTokenSource(Timeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
            var messageId = StandardWebhooks.MessageId(delivery);
            request.Headers.Add("Stockroom-Signature", Signature(webhook.Secret, timestamp, delivery.Payload));
            request.Headers.Add(StandardWebhooks.IdHeader, messageId);
            request.Headers.Add(StandardWebhooks.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(StandardWebhooks.SignatureHeader, StandardWebhooks.Sign(webhook.Secret, messageId, timestamp, delivery.Payload));
            request.Headers.Add("Stockroom-Event", delivery.EventType);
            request.Headers.Add("Stockroom-Delivery", delivery.Id.ToString(CultureInfo.InvariantCulture));
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                // Following it would send the signed body to a host nobody registered.
                failure = $"the subscriber answered {status}, a redirect; redirects are never followed";
            }
            else if (!response.IsSuccessStatusCode)
            {
                failure = $"the subscriber answered {status}";
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            failure = Refusal(exception) ?? (timer.IsCancellationRequested
                ? string.Create(CultureInfo.InvariantCulture, $"the subscriber did not answer within {Timeout.TotalSeconds} s")
                : exception.Message);
        }

        var attempts = delivery.Attempts + 1;
        var givenUp = failure is not null && attempts >= AttemptsMax;
        Telemetry.WebhookAttempt(webhook.Id, delivered: failure is null);
        if (failure is not null)
        {
            LogFailed(logger, delivery.Id, webhook.Id, attempts, failure);
        }

        var now = time.GetUtcNow();
        var disabled = await store.RecordDeliveryAsync(delivery, failure is null, status, failure, now + Backoff(attempts), now, givenUp, CancellationToken.None);
        if (disabled is not null)
        {
            LogDisabled(logger, webhook.Id, disabled);
        }
    }

    /// <summary>The target rules' reason, when they refused the connection; the HTTP stack wraps it.</summary>
    private static string? Refusal(Exception exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookTargetRefusedException refused)
            {
                return refused.Message;
            }
        }

        return null;
    }

    [LoggerMessage(40, LogLevel.Warning, "Webhook delivery {DeliveryId} to {WebhookId} failed (attempt {Attempts}): {Failure}")]
    private static partial void LogFailed(ILogger logger, long deliveryId, string webhookId, int attempts, string failure);

    [LoggerMessage(42, LogLevel.Warning, "Webhook {WebhookId} disabled: {Reason}")]
    private static partial void LogDisabled(ILogger logger, string webhookId, string reason);

    [LoggerMessage(43, LogLevel.Error, "Webhook delivery {DeliveryId} to {WebhookId} could not be sent or recorded; it is tried again when its lease runs out")]
    private static partial void LogUnrecorded(ILogger logger, long deliveryId, string webhookId, Exception exception);
}

internal sealed partial class WebhookWorker(WebhookDispatcher dispatcher, ILogger<WebhookWorker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await dispatcher.DeliverDueAsync(stoppingToken) > 0)
                {
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(logger, exception);
            }

            await dispatcher.WaitForRoomAsync(Interval, stoppingToken);
        }
    }

    [LoggerMessage(41, LogLevel.Warning, "Webhook dispatch failed; retrying on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
