using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Stockroom.Storage;

namespace Stockroom.Features.Webhooks;

/// <summary>
/// Delivers the outbox: claims due deliveries (each claimed by one process only), posts them
/// signed — <c>Stockroom-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, t + "." + body)&gt;</c> —
/// and retries failures with exponential back-off until <see cref="AttemptsMax"/>. Sending never
/// happens inside a write transaction, so a slow subscriber never slows the write path.
/// </summary>
public sealed partial class WebhookDispatcher(IStockStore store, IHttpClientFactory clients, TimeProvider time, ILogger<WebhookDispatcher> logger)
{
    public const string HttpClientName = "webhooks";
    public const int ClaimMax = 50;
    public const int AttemptsMax = 10;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan BackoffMax = TimeSpan.FromHours(1);

    /// <summary>Sends what is due; returns how many deliveries were attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var claimed = await store.ClaimDeliveriesAsync(ClaimMax, Lease, cancellationToken);
        await Task.WhenAll(claimed.Select(c => SendAsync(c.Delivery, c.Webhook, cancellationToken)));
        return claimed.Count;
    }

    public static string Signature(string secret, long unixSeconds, string body)
    {
        var signed = string.Create(CultureInfo.InvariantCulture, $"{unixSeconds}.{body}");
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(signed));
        return string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}");
    }

    /// <summary>1 s, 2 s, 4 s… doubling per failed attempt, capped at an hour.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(BackoffMax.TotalSeconds, Math.Pow(2, attempts)));

    private async Task SendAsync(WebhookDelivery delivery, Webhook webhook, CancellationToken cancellationToken)
    {
        int? status = null;
        string? failure = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Stockroom-Signature", Signature(webhook.Secret, time.GetUtcNow().ToUnixTimeSeconds(), delivery.Payload));
            request.Headers.Add("Stockroom-Event", delivery.EventType);
            request.Headers.Add("Stockroom-Delivery", delivery.Id.ToString(CultureInfo.InvariantCulture));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
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
            failure = Refusal(exception) ?? exception.Message;
        }

        var attempts = delivery.Attempts + 1;
        var givenUp = failure is not null && attempts >= AttemptsMax;
        if (failure is not null)
        {
            LogFailed(logger, delivery.Id, webhook.Id, attempts, failure);
        }

        var now = time.GetUtcNow();
        await store.RecordDeliveryAsync(delivery.Id, failure is null, status, failure, now + Backoff(attempts), now, givenUp, CancellationToken.None);
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
}

internal sealed partial class WebhookWorker(WebhookDispatcher dispatcher, TimeProvider time, ILogger<WebhookWorker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await dispatcher.DeliverDueAsync(stoppingToken) == WebhookDispatcher.ClaimMax)
                {
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(41, LogLevel.Warning, "Webhook dispatch failed; retrying on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
