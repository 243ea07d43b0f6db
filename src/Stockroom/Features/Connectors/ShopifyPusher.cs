using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Connectors;

/// <summary>
/// Sets Shopify's <c>available</c> quantity at one location through the Admin GraphQL API's
/// <c>inventorySetQuantities</c> mutation, with <c>compareQuantity</c>: Shopify takes the new figure
/// only while its own is the one Stockroom believes it is, so a change made in Shopify meanwhile is
/// seen, not overwritten blindly. On a stale compare value the pusher reads Shopify's figure and sets
/// again against it: Stockroom's figure wins, knowingly. Throttling (HTTP 429, or a
/// <c>THROTTLED</c> error in a 200 answer, with the cost's restore rate) becomes a wait.
/// The compare values are kept in the store (<c>connector_quantities_set</c>), not in a process's
/// memory: a restarted process, or another one over the same store, still compares against what
/// Stockroom last set, and so still sees a change made in Shopify meanwhile.
/// </summary>
public sealed partial class ShopifyPusher(IStockStore store) : IAvailabilityPusher
{
    /// <summary>The Admin API version the requests are written against.</summary>
    public const string ApiVersion = "2025-10";

    /// <summary>Shopify's limit of quantities in one <c>inventorySetQuantities</c>.</summary>
    public const int QuantitiesMax = 250;

    public const string StaleCode = "COMPARE_QUANTITY_STALE";

    private const string SetMutation = """
        mutation StockroomSetAvailable($input: InventorySetQuantitiesInput!) {
          inventorySetQuantities(input: $input) {
            inventoryAdjustmentGroup { id }
            userErrors { code field message }
          }
        }
        """;

    private const string LevelsQuery = """
        query StockroomAvailable($ids: [ID!]!, $locationId: ID!) {
          nodes(ids: $ids) {
            ... on InventoryItem {
              id
              inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
            }
          }
        }
        """;

    public ConnectorKind Kind => ConnectorKind.Shopify;

    public IReadOnlyList<ConnectorField> Fields { get; } =
    [
        new("accessToken", Required: true, Secret: true, Pattern: null, "The Admin API access token of the store's app, sent as X-Shopify-Access-Token."),
        new("locationId", Required: true, Secret: false, Pattern: @"^gid://shopify/Location/\d+$", "The Shopify location whose available quantity Stockroom sets, as gid://shopify/Location/<id>."),
    ];

    public int BatchSizeMax => QuantitiesMax;

    public bool NeedsLocations => false;

    /// <summary>A listing's id as Shopify's GraphQL id of the inventory item: numeric ids are written as gids.</summary>
    public static string? InventoryItemGid(string externalId) => externalId switch
    {
        _ when ItemGid().IsMatch(externalId) => externalId,
        _ when externalId.Length is > 0 and <= 20 && externalId.All(char.IsAsciiDigit) => $"gid://shopify/InventoryItem/{externalId}",
        _ => null,
    };

    public static Uri Endpoint(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return new Uri($"{baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/')}/admin/api/{ApiVersion}/graphql.json");
    }

    public async Task<PushOutcome> PushAsync(HttpClient http, ConnectorSettings connector, IReadOnlyList<AvailabilityPush> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(batch);
        var location = connector.Setting("locationId")!;
        // A SKU no listing maps to an inventory item (the worker then names it by its SKU) is not in
        // Shopify under any id Stockroom knows: it is passed over rather than holding up the rest.
        var items = batch.Select(p => (Item: InventoryItemGid(p.ExternalId), Push: p)).Where(i => i.Item is not null)
            .Select(i => (Item: i.Item!, i.Push)).ToList();
        if (items.Count == 0)
        {
            return new PushOutcome.Delivered();
        }

        // What Stockroom last set is the compare value; an item it never set is read from Shopify first.
        var compare = await LastSetAsync(connector.Channel, location, [.. items.Select(i => i.Item).Distinct(StringComparer.Ordinal)], cancellationToken);
        var unknown = items.Select(i => i.Item).Where(i => !compare.ContainsKey(i)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0 && await ReadAsync(http, connector, location, unknown, compare, cancellationToken) is { } readProblem)
        {
            return readProblem;
        }

        // A stale compare value is read and set again once; a second in a row (Shopify changing under a busy store) is tried on the next pass.
        for (var attempt = 0; ; attempt++)
        {
            var (outcome, stale) = await SetAsync(http, connector, location, items, compare, cancellationToken);
            if (stale.Count == 0 || attempt > 0)
            {
                return outcome;
            }

            if (await ReadAsync(http, connector, location, stale, compare, cancellationToken) is { } problem)
            {
                return problem;
            }
        }
    }

    /// <summary>The quantities Stockroom last set (or read) in Shopify for these items at the location, as stored.</summary>
    private async Task<Dictionary<string, long>> LastSetAsync(string channel, string location, IReadOnlyList<string> items, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var chunk in items.Chunk(QuantitiesMax))
        {
            var rows = await store.QueryAsync(
                $"SELECT item_id, quantity FROM connector_quantities_set WHERE channel_id = @channel AND location_id = @location AND item_id IN ({store.Dialect.TextList("@items")})",
                c => store.Dialect.BindTextList(c.With("@channel", channel).With("@location", location), "@items", chunk),
                r => (Item: r.GetString(0), Quantity: r.GetInt64(1)), cancellationToken);
            foreach (var (item, quantity) in rows)
            {
                found[item] = quantity;
            }
        }

        return found;
    }

    /// <summary>Stores what Shopify now holds for these items at the location: the compare values of the next set, whichever process makes it.</summary>
    private async Task RememberAsync(string channel, string location, IReadOnlyCollection<KeyValuePair<string, long>> quantities, CancellationToken cancellationToken)
    {
        if (quantities.Count == 0)
        {
            return;
        }

        await Writes.RetryAsync(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            foreach (var (item, quantity) in quantities)
            {
                await using var upsert = write.Command("""
                    INSERT INTO connector_quantities_set (channel_id, location_id, item_id, quantity, set_at) VALUES (@channel, @location, @item, @quantity, @now)
                    ON CONFLICT (channel_id, location_id, item_id) DO UPDATE SET quantity = excluded.quantity, set_at = excluded.set_at
                    """).With("@channel", channel).With("@location", location).With("@item", item).With("@quantity", quantity).With("@now", write.Now);
                await write.ExecuteAsync(upsert, cancellationToken);
            }

            await write.CommitAsync(cancellationToken);
            return true;
        });
    }

    private async Task<(PushOutcome Outcome, List<string> Stale)> SetAsync(HttpClient http, ConnectorSettings connector, string location,
        List<(string Item, AvailabilityPush Push)> items, Dictionary<string, long> compare, CancellationToken cancellationToken)
    {
        var quantities = new JsonArray();
        foreach (var (item, push) in items)
        {
            quantities.Add(new JsonObject
            {
                ["inventoryItemId"] = item,
                ["locationId"] = location,
                ["quantity"] = push.Available,
                ["compareQuantity"] = compare.GetValueOrDefault(item),
            });
        }

        var variables = new JsonObject
        {
            ["input"] = new JsonObject
            {
                ["name"] = "available",
                ["reason"] = "correction",
                ["referenceDocumentUri"] = $"gid://stockroom/LedgerSequence/{items.Max(i => i.Push.Sequence)}",
                ["quantities"] = quantities,
            },
        };
        var (answer, problem) = await SendAsync(http, connector, SetMutation, variables, cancellationToken);
        if (problem is not null)
        {
            return (problem, []);
        }

        var result = answer!.Value.GetProperty("data").GetProperty("inventorySetQuantities");
        var errors = result.TryGetProperty("userErrors", out var userErrors) && userErrors.ValueKind == JsonValueKind.Array ? userErrors.EnumerateArray().ToList() : [];
        if (errors.Count == 0)
        {
            var set = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (item, push) in items)
            {
                set[item] = compare[item] = push.Available;
            }

            await RememberAsync(connector.Channel, location, set, cancellationToken);
            return (new PushOutcome.Delivered(), []);
        }

        var refused = new PushOutcome.Failed(false, (int)HttpStatusCode.OK, answer.Value.GetRawText());
        if (errors.All(e => e.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString() == StaleCode))
        {
            // field is ["input", "quantities", "<index>", "compareQuantity"]: the items whose compare value was stale.
            var stale = errors.Select(e => e.TryGetProperty("field", out var field) && field.ValueKind == JsonValueKind.Array
                    && field.EnumerateArray().Skip(2).FirstOrDefault() is { ValueKind: JsonValueKind.String } index
                    && int.TryParse(index.GetString(), CultureInfo.InvariantCulture, out var i) && i >= 0 && i < items.Count ? items[i].Item : null)
                .ToList();
            // A stale error Stockroom cannot place: read every item again.
            return (refused with { Retryable = true }, stale.Contains(null) ? [.. items.Select(i => i.Item)] : [.. stale.OfType<string>().Distinct()]);
        }

        return (refused, []);
    }

    /// <summary>Reads Shopify's available quantity of these items at the location into the compare values, and stores them; null when read.</summary>
    private async Task<PushOutcome?> ReadAsync(HttpClient http, ConnectorSettings connector, string location, List<string> items, Dictionary<string, long> compare,
        CancellationToken cancellationToken)
    {
        var (answer, problem) = await SendAsync(http, connector, LevelsQuery,
            new JsonObject { ["ids"] = new JsonArray([.. items.Select(i => (JsonNode)i!)]), ["locationId"] = location }, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var nodes = answer!.Value.GetProperty("data").GetProperty("nodes");
        var read = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var node in nodes.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.Object))
        {
            var available = 0L;
            if (node.TryGetProperty("inventoryLevel", out var level) && level.ValueKind == JsonValueKind.Object)
            {
                available = level.GetProperty("quantities").EnumerateArray().Where(q => q.GetProperty("name").GetString() == "available")
                    .Select(q => q.GetProperty("quantity").GetInt64()).FirstOrDefault();
            }

            read[node.GetProperty("id").GetString()!] = compare[node.GetProperty("id").GetString()!] = available;
        }

        await RememberAsync(connector.Channel, location, read, cancellationToken);
        return null;
    }

    /// <summary>One GraphQL request: its answer, or what became of it when it is not a usable one.</summary>
    private static async Task<(JsonElement? Answer, PushOutcome? Problem)> SendAsync(HttpClient http, ConnectorSettings connector, string query, JsonObject variables,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint(connector.BaseUrl))
        {
            Content = JsonContent.Create(new JsonObject { ["query"] = query, ["variables"] = variables }),
        };
        request.Headers.Add("X-Shopify-Access-Token", connector.Secret("accessToken"));
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return (null, new PushOutcome.Throttled(RetryAfter(response) ?? TimeSpan.FromSeconds(1)));
        }

        if (!response.IsSuccessStatusCode)
        {
            return (null, new PushOutcome.Failed((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout, (int)response.StatusCode, body));
        }

        JsonElement answer;
        try
        {
            using var document = JsonDocument.Parse(body);
            answer = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return (null, new PushOutcome.Failed(true, (int)response.StatusCode, body));
        }

        if (answer.ValueKind != JsonValueKind.Object)
        {
            return (null, new PushOutcome.Failed(true, (int)response.StatusCode, body));
        }

        if (answer.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
        {
            var throttled = errors.EnumerateArray().Any(e => e.TryGetProperty("extensions", out var x) && x.ValueKind == JsonValueKind.Object
                && x.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString() == "THROTTLED");
            return throttled
                ? (null, new PushOutcome.Throttled(CostWait(answer) ?? TimeSpan.FromSeconds(1)))
                : (null, new PushOutcome.Failed(false, (int)response.StatusCode, body));
        }

        return answer.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            ? (answer, null)
            : (null, new PushOutcome.Failed(true, (int)response.StatusCode, body));
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);

    /// <summary>
    /// How long until the bucket holds the query's cost again: Shopify answers a throttled query with
    /// <c>extensions.cost</c> (<c>requestedQueryCost</c>, and <c>throttleStatus</c>'s
    /// <c>currentlyAvailable</c> and <c>restoreRate</c> points per second).
    /// </summary>
    private static TimeSpan? CostWait(JsonElement answer)
    {
        if (answer.TryGetProperty("extensions", out var extensions) && extensions.ValueKind == JsonValueKind.Object
            && extensions.TryGetProperty("cost", out var cost) && cost.ValueKind == JsonValueKind.Object
            && cost.TryGetProperty("throttleStatus", out var status) && status.ValueKind == JsonValueKind.Object
            && status.TryGetProperty("restoreRate", out var rate) && rate.TryGetDouble(out var restoreRate) && restoreRate > 0)
        {
            var requested = cost.TryGetProperty("requestedQueryCost", out var r) && r.TryGetDouble(out var q) ? q : 1;
            var available = status.TryGetProperty("currentlyAvailable", out var a) && a.TryGetDouble(out var c) ? c : 0;
            return TimeSpan.FromSeconds(Math.Clamp((requested - available) / restoreRate, 0.05, 60));
        }

        return null;
    }

    [GeneratedRegex(@"^gid://shopify/InventoryItem/\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex ItemGid();
}
