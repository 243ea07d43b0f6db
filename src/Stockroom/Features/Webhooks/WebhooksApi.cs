using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core;
using Stockroom.Features.Keys;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Webhooks;

public sealed record CreateWebhookRequest(string? Id, string? Url, List<string>? Events, string? Secret);

/// <summary>A subscription as shown back: never with its secret; when disabled, since when and why.</summary>
public sealed record WebhookView(string Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt, string? DisabledReason)
{
    public static WebhookView From(Webhook webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return new(webhook.Id, webhook.Url, webhook.Events, webhook.CreatedAt, webhook.DisabledAt, webhook.DisabledReason);
    }
}

/// <summary>A page of a subscription's delivery log in the list envelope, newest first, with the subscription it is of.</summary>
public sealed record DeliveryLog(string Webhook, IReadOnlyList<WebhookDelivery> Data, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next);

public static class WebhooksApi
{
    public const int SecretLengthMin = 16;
    public const int SecretLengthMax = 256;
    public const int UrlLengthMax = 2_000;

    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/webhooks").WithTags("Webhooks").RequireStoreWideScope(Scopes.Admin);
        group.MapPost("/", Create).WithName("CreateWebhook").WithSummary("Subscribe a URL to event types; deliveries are signed with the secret.");
        group.MapGet("/", List).WithName("ListWebhooks").WithSummary("List subscriptions.");
        group.MapGet("/{id}", Get).WithName("GetWebhook").WithSummary("Read one subscription.");
        group.MapPost("/{id}/enable", Enable).WithName("EnableWebhook")
            .WithSummary("Enable a subscription disabled for failing: deliveries resume, and events from now on are queued for it again.");
        group.MapDelete("/{id}", Delete).WithName("DeleteWebhook").WithSummary("Remove a subscription and its pending deliveries.");
        group.MapGet("/{id}/deliveries", Deliveries).WithName("ListWebhookDeliveries")
            .WithSummary("The delivery log of a subscription, newest first: attempts, status codes, errors.");
        group.MapPost("/{id}/deliveries/{delivery}/resend", Resend).WithName("ResendWebhookDelivery")
            .WithSummary("Send a delivery that failed once more, now: one attempt; if it fails too, it is failed again.");
        return group;
    }

    public static async Task<Results<Created<WebhookView>, ProblemHttpResult>> Create(CreateWebhookRequest request, IStockStore store, WebhookOptions options,
        CancellationToken cancellationToken, [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (id, mismatch) = IdempotencyKeys.Resolve(request.Id, idempotencyKey);
        if (mismatch is not null)
        {
            return mismatch;
        }

        request = request with { Id = id };
        var validation = new Validation();
        validation.Identifier("id", request.Id);
        if (request.Url is null || request.Url.Length > UrlLengthMax)
        {
            validation.Add("url", $"must be an absolute http(s) URL of at most {UrlLengthMax} characters");
        }
        else if (WebhookTargets.RefuseUrl(request.Url, options.AllowPrivateNetworks) is { } refused)
        {
            // A host name is not resolved here: what it resolves to now says nothing of what it resolves to at delivery, where it is checked.
            validation.Add("url", refused);
        }

        if (request.Events is not { Count: > 0 } events)
        {
            validation.Add("events", "must list at least one event type");
        }
        else
        {
            foreach (var type in events.Where(e => !WebhookEvents.Deliverable.Contains(e)))
            {
                validation.Add("events", $"'{type}' is not one of {string.Join(", ", WebhookEvents.Deliverable.Order())}");
            }
        }

        if (request.Secret is not { Length: >= SecretLengthMin and <= SecretLengthMax })
        {
            validation.Add("secret", $"must be {SecretLengthMin} to {SecretLengthMax} characters");
        }
        else if (Validation.HasControlCharacters(request.Secret))
        {
            validation.Add("secret", Validation.ControlCharactersMessage);
        }
        else if (!StandardWebhooks.IsWellFormed(request.Secret))
        {
            // A whsec_ secret is read as base64 for the Standard Webhooks signature, as its libraries read it; one that is not would sign with another key than the subscriber's.
            validation.Add("secret", $"a secret starting with {StandardWebhooks.SecretPrefix} must continue with the base64 of its key");
        }

        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var hash = Idempotency.Hash(request);
        return await Writes.RetryAsync<Results<Created<WebhookView>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            if (await store.GetWebhookAsync(request.Id!, cancellationToken) is { } existing)
            {
                return existing.RequestHash == hash
                    ? TypedResults.Created($"/v1/webhooks/{request.Id}", WebhookView.From(existing.Webhook))
                    : Problems.IdempotencyClash(request.Id!);
            }

            var webhook = new Webhook(request.Id!, request.Url!, [.. request.Events!.Distinct(StringComparer.Ordinal)], request.Secret!, write.Now);
            await write.InsertWebhookAsync(webhook, hash, cancellationToken);
            await write.CommitAsync(cancellationToken);
            return TypedResults.Created($"/v1/webhooks/{webhook.Id}", WebhookView.From(webhook));
        });
    }

    public static async Task<Results<Ok<Page<WebhookView>>, ProblemHttpResult>> List(
        IStockStore store, CancellationToken cancellationToken, string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var webhooks = (await store.ListWebhooksAsync(after, size, cancellationToken)).Select(WebhookView.From).ToList();
        return TypedResults.Ok(Paging.Page(webhooks, size, w => w.Id));
    }

    public static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> Get(string id, IStockStore store, CancellationToken cancellationToken) =>
        await Problems.FindAsync("id", id, "webhook", async () => (await store.GetWebhookAsync(id, cancellationToken)) is { } found ? WebhookView.From(found.Webhook) : null);

    public static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> Enable(string id, IStockStore store, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        if (!validation.Identifier("id", id))
        {
            return validation.Problem();
        }

        await using (var write = await store.BeginWriteAsync(cancellationToken))
        {
            if (!await write.EnableWebhookAsync(id, WebhookDispatcher.Lease, cancellationToken))
            {
                return Problems.NotFound("webhook", id);
            }

            await write.CommitAsync(cancellationToken);
        }

        return await store.GetWebhookAsync(id, cancellationToken) is { } enabled ? TypedResults.Ok(WebhookView.From(enabled.Webhook)) : Problems.NotFound("webhook", id);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, IStockStore store, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        if (!validation.Identifier("id", id))
        {
            return validation.Problem();
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        if (!await write.DeleteWebhookAsync(id, cancellationToken))
        {
            return Problems.NotFound("webhook", id);
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The log runs newest first, so its cursor walks back: <c>after</c> (the <c>next</c> of the page
    /// before) gives the deliveries older than that page. <c>before</c>, a delivery id, is the same
    /// cursor under its earlier name.
    /// </summary>
    public static async Task<Results<Ok<DeliveryLog>, ProblemHttpResult>> Deliveries(
        string id, IStockStore store, CancellationToken cancellationToken, string? after = null, long? before = null, int? limit = null)
    {
        var (validation, cursor, size) = Paging.ValidateSequence(after, limit);
        validation.Identifier("id", id);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        if (await store.GetWebhookAsync(id, cancellationToken) is null)
        {
            return Problems.NotFound("webhook", id);
        }

        var deliveries = await store.ListDeliveriesAsync(id, after is null ? before : cursor, size, cancellationToken);
        return TypedResults.Ok(new DeliveryLog(id, deliveries, Paging.Next(deliveries, size, d => Paging.Cursor(d.Id))));
    }

    /// <summary>
    /// Sends a failed delivery once more: it becomes pending and due now, and its next failure ends
    /// it again, since it has used its attempts. Re-sending one already pending changes nothing and
    /// answers it as it is; a delivered one, or one of a disabled subscription (which gets no
    /// deliveries until it is enabled), is a 409.
    /// </summary>
    public static async Task<Results<Ok<WebhookDelivery>, ProblemHttpResult>> Resend(string id, string delivery, IStockStore store, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        validation.Identifier("id", id);
        if (!long.TryParse(delivery, NumberStyles.None, CultureInfo.InvariantCulture, out var deliveryId) || deliveryId < 1)
        {
            validation.Add("delivery", "must be the id of a delivery of this subscription, a whole number");
        }

        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        if (await store.GetWebhookAsync(id, cancellationToken) is not { } found)
        {
            return Problems.NotFound("webhook", id);
        }

        if (found.Webhook.DisabledAt is not null)
        {
            return Problems.Conflict("webhook-disabled", "The webhook is disabled.",
                $"Webhook '{id}' gets no deliveries while it is disabled ({found.Webhook.DisabledReason}). Enable it first; nothing was changed.");
        }

        switch (await write.ResendDeliveryAsync(id, deliveryId, cancellationToken))
        {
            case null:
                return Problems.NotFound("delivery of this webhook", delivery);
            case { Status: "delivered" } delivered:
                return Problems.Conflict("delivered", "The delivery was delivered.",
                    $"Delivery {delivered.Id} reached its subscriber; there is nothing to send again. Nothing was changed.");
            case var resent:
                await write.CommitAsync(cancellationToken);
                return TypedResults.Ok(resent);
        }
    }
}
