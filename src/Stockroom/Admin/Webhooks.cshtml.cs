using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Features.Keys;
using Stockroom.Features.Webhooks;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// Webhook subscriptions: enabled or disabled (and why), the latest deliveries that failed with the
/// subscriber's answer, and forms that run the API's own handlers: subscribe, enable, delete, and
/// send a failed delivery again. Like <c>/v1/webhooks</c>, only an <c>admin</c> key sees or changes them.
/// </summary>
public sealed class WebhooksModel(IStockStore store, KeyRing keys, WebhookOptions options, TimeProvider time) : PageModel
{
    public const int WebhooksMax = 1_000;
    public const int FailuresShown = 50;

    public static readonly IReadOnlyDictionary<string, Func<WebhookView, IComparable?>> Columns = new Dictionary<string, Func<WebhookView, IComparable?>>(StringComparer.Ordinal)
    {
        ["id"] = w => w.Id,
        ["url"] = w => w.Url,
        ["created"] = w => w.CreatedAt,
        ["disabled"] = w => w.DisabledAt,
    };

    public ListQuery Query { get; private set; } = new(null, "id", false, null);
    public ListPage<WebhookView> Webhooks { get; private set; } = new([], null);
    public IReadOnlyList<WebhookDelivery> Failures { get; private set; } = [];
    public bool MayManage { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public WebhookView? Deleting { get; private set; }
    /// <summary>What the answer to the subscribe form says when the subscription was made.</summary>
    public string? Subscribed { get; private set; }

    /// <summary>The subscribe form's fields, with the API's messages beside them when it refused the subscription.</summary>
    public FormFields Fields { get; } = new("hook-", "error-");

    /// <summary>The secret this page made up for a subscription just created: shown on that answer only.</summary>
    public string? CreatedSecret { get; private set; }

    public (string Id, string? Url, IReadOnlyCollection<string> Events) Form { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Refusal { get; set; }

    public async Task OnGetAsync(string? delete, CancellationToken cancellationToken)
    {
        Form = (FormFields.NewId("hook"), null, []);
        await LoadAsync(cancellationToken);
        if (MayManage && delete is not null)
        {
            Deleting = Webhooks.Rows.FirstOrDefault(w => w.Id == delete)
                ?? ((await store.GetWebhookAsync(delete, cancellationToken))?.Webhook is { } found ? WebhookView.From(found) : null);
        }
    }

    public async Task<IActionResult> OnPostCreateAsync(string? id, string? url, string[]? events, string? secret, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        // A subscriber that has no secret yet gets one in the Standard Webhooks form, which its libraries read as it is.
        var made = string.IsNullOrWhiteSpace(secret) ? StandardWebhooks.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)) : null;
        var request = new CreateWebhookRequest(FormFields.Blank(id), FormFields.Blank(url), events is { Length: > 0 } ? [.. events] : null, made ?? secret);
        var result = (await WebhooksApi.Create(request, store, options, cancellationToken)).Result;
        if (result is Created<WebhookView> created)
        {
            Subscribed = $"Webhook {created.Value!.Id} is subscribed to {string.Join(", ", created.Value.Events)}.";
            // A replay of the same form answers the subscription as it is; a secret made up for this answer was never stored, so it is not shown.
            CreatedSecret = made is not null && (await store.GetWebhookAsync(created.Value.Id, cancellationToken))?.Webhook.Secret == made ? made : null;
            Form = (FormFields.NewId("hook"), null, []);
        }
        else
        {
            Fields.Take(AdminOutcome.From(result, ""));
            Form = (id ?? "", url, events ?? []);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostEnableAsync(string id, CancellationToken cancellationToken) =>
        await ChangeAsync(async () => AdminOutcome.From((await WebhooksApi.Enable(id, store, cancellationToken)).Result,
            $"Webhook {id} is enabled: its pending deliveries are sent again, and new events are queued for it."), cancellationToken);

    public async Task<IActionResult> OnPostDeleteAsync(string id, CancellationToken cancellationToken) =>
        await ChangeAsync(async () => AdminOutcome.From((await WebhooksApi.Delete(id, store, cancellationToken)).Result,
            $"Webhook {id} is deleted, with its pending deliveries."), cancellationToken);

    public async Task<IActionResult> OnPostResendAsync(string id, string delivery, CancellationToken cancellationToken) =>
        await ChangeAsync(async () => AdminOutcome.From((await WebhooksApi.Resend(id, delivery, store, cancellationToken)).Result,
            $"Delivery {delivery} to {id} is queued to be sent once more."), cancellationToken);

    private async Task<IActionResult> ChangeAsync(Func<Task<AdminOutcome>> change, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        var outcome = await change();
        (Message, Refusal) = outcome.Flash;
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Query = ListQuery.From(Request, [.. Columns.Keys], "id");
        MayManage = await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken);
        if (!MayManage)
        {
            return;
        }

        var all = (await store.ListWebhooksAsync(null, WebhooksMax, cancellationToken)).Select(WebhookView.From);
        Webhooks = AdminLists.Page(all.Where(w => Query.Matches(w.Id, w.Url, string.Join(' ', w.Events), w.DisabledReason)), Query, Columns, w => w.Id);
        Failures = await store.ListFailingDeliveriesAsync(FailuresShown, cancellationToken);
    }

    /// <summary>The deliveries' event types, as the form offers them.</summary>
    public static IEnumerable<string> EventTypes => WebhookEvents.Deliverable.Order(StringComparer.Ordinal);

    public static string DeliveryId(WebhookDelivery delivery) => delivery.Id.ToString(CultureInfo.InvariantCulture);
}
