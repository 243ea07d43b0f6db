using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stockroom.Core.Alerts;
using Stockroom.Core.Catalog;
using Stockroom.Core.Demand;
using Stockroom.Core.Ledger;
using Stockroom.Core.Rules;
using Stockroom.Core.Supply;
using Stockroom.Http;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// Every event is written in the ledger's one format (issue 16): the wire format's camelCase words
/// and UTC timestamps with a <c>Z</c>, whichever path recorded it. An event whose data is a domain
/// object reads back, through the API's own strict reader, into that object and writes out again
/// to the very same text.
/// </summary>
public abstract partial class LedgerFormatTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    /// <summary>The event types whose data is one domain object, and that object's type.</summary>
    private static readonly Dictionary<string, Type> Typed = new(StringComparer.Ordinal)
    {
        ["item.upserted"] = typeof(Item),
        ["location.upserted"] = typeof(Location),
        ["group.upserted"] = typeof(DistributionGroup),
        ["channel.upserted"] = typeof(Channel),
        ["reservation.created"] = typeof(Reservation),
        ["reservation.released"] = typeof(Reservation),
        ["reservation.confirmed"] = typeof(Reservation),
        ["reservation.accepted"] = typeof(Reservation),
        ["reservation.declined"] = typeof(Reservation),
        ["reservation.backorderFilled"] = typeof(Reservation),
        ["order.created"] = typeof(Order),
        ["transfer.shipped"] = typeof(Transfer),
        ["rule.safetyStock.deleted"] = typeof(SafetyStockRule),
        ["rule.lowStock.upserted"] = typeof(LowStockRule),
        ["rule.lowStock.deleted"] = typeof(LowStockRule),
    };

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T")]
    private static partial Regex Timestamp();

    [Fact]
    public async Task Every_event_type_is_written_in_one_format_and_round_trips()
    {
        var from = await Client.LedgerHeadAsync();
        await MakeEveryKindOfChangeAsync();

        var events = await EventsAfterAsync(from);
        var types = events.Select(e => e.GetProperty("type").GetString()!).ToHashSet(StringComparer.Ordinal);
        string[] expected = [.. Typed.Keys, "supply.synced", "supply.adjusted", "order.shipped", "order.returned", "transfer.received",
            "rule.safetyStock.upserted", "positions.changed", "stock.low", "stock.soldOut", "stock.backInStock"];
        var missing = expected.Where(t => !types.Contains(t)).ToList();
        Assert.True(missing.Count == 0, $"the scenario makes every kind of event; missing: {string.Join(", ", missing)}");

        foreach (var entry in events)
        {
            var type = entry.GetProperty("type").GetString()!;
            var data = entry.GetProperty("data");
            Assert.All(Strings(data).Where(s => Timestamp().IsMatch(s) && s.Length > 10), s => Assert.True(s.EndsWith('Z'), $"{type}: '{s}' is in UTC with a Z"));
            if (Typed.TryGetValue(type, out var domain))
            {
                var read = JsonSerializer.Deserialize(data.GetRawText(), domain, StockroomJson.Options);
                Assert.Equal(data.GetRawText(), LedgerJson.Serialize<object?>(read));
            }
        }
    }

    private async Task MakeEveryKindOfChangeAsync()
    {
        var n = await Client.SeedAsync(storeOnHand: 2, warehouseOnHand: 0);
        await Client.Put($"/v1/items/{n.Sku}", new { name = "Desk lamp", backorderable = true }).Expect(HttpStatusCode.OK);
        await Client.Put("/v1/rules/low-stock", new { sku = n.Sku, threshold = 1 }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        await Client.Send(HttpMethod.Delete, $"/v1/rules/low-stock?sku={n.Sku}").Expect(HttpStatusCode.OK);
        await Client.Put("/v1/rules/safety-stock", new { sku = n.Sku, location = n.Warehouse, units = 1 }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);
        await Client.Send(HttpMethod.Delete, $"/v1/rules/safety-stock?sku={n.Sku}&location={n.Warehouse}").Expect(HttpStatusCode.OK);
        await Client.Put("/v1/rules/low-stock", new { sku = n.Sku, threshold = 2 }).Expect(HttpStatusCode.Created, HttpStatusCode.OK);

        // A hold that is released, one that becomes an order (which sells out the store), and one waiting on backorder.
        var released = Api.NewId("r");
        await Client.Post("/v1/reservations", new { id = released, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        await Client.Send(HttpMethod.Delete, $"/v1/reservations/{released}").Expect(HttpStatusCode.OK);
        var held = Api.NewId("r");
        await Client.Post("/v1/reservations", new { id = held, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 2, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        var order = Api.NewId("o");
        await Client.Post("/v1/orders", new { id = order, channel = n.Channel, reservationId = held }).Expect(HttpStatusCode.Created);
        await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "shipped" }).Expect(HttpStatusCode.OK);
        await Client.Post($"/v1/orders/{order}/events", new { id = Api.NewId("e"), type = "returned" }).Expect(HttpStatusCode.OK);
        await Client.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = -2, reason = "damage" } } })
            .Expect(HttpStatusCode.OK);

        var waiting = Api.NewId("r");
        await Client.Post("/v1/reservations", new { id = waiting, channel = n.Channel, allowBackorder = true, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Warehouse } } })
            .Expect(HttpStatusCode.Created);
        var transfer = Api.NewId("t");
        await Client.Post("/v1/supply/adjust", new { id = Api.NewId("adj"), lines = new[] { new { sku = n.Sku, location = n.Store, type = "onHand", delta = 1, reason = "receipt" } } })
            .Expect(HttpStatusCode.OK);
        await Client.Post("/v1/transfers", new { id = transfer, from = n.Store, to = n.Warehouse, eta = "2026-12-01", lines = new[] { new { sku = n.Sku, quantity = 1 } } })
            .Expect(HttpStatusCode.Created);
        await Client.Post($"/v1/transfers/{transfer}/receive", new { }).Expect(HttpStatusCode.OK);

        // An item sold on request: the seller accepts one hold and declines another.
        var onRequest = Api.NewId("SKU");
        await Client.Put($"/v1/items/{onRequest}", new { name = "Made to order", policy = "onRequest" }).Expect(HttpStatusCode.Created);
        var accepted = Api.NewId("r");
        var declined = Api.NewId("r");
        foreach (var id in (string[])[accepted, declined])
        {
            await Client.Post("/v1/reservations", new { id, channel = n.Channel, lines = new[] { new { sku = onRequest, quantity = 1, location = n.Store } } })
                .Expect(HttpStatusCode.Created);
        }

        await Client.Post($"/v1/reservations/{accepted}/accept", new { }).Expect(HttpStatusCode.OK);
        await Client.Post($"/v1/reservations/{declined}/decline", new { }).Expect(HttpStatusCode.OK);
    }

    private async Task<List<JsonElement>> EventsAfterAsync(long after)
    {
        var events = new List<JsonElement>();
        while (true)
        {
            var page = (await Client.Send(HttpMethod.Get, $"/v1/events?after={after}&limit=1000").Expect(HttpStatusCode.OK)).GetProperty("data");
            if (page.GetArrayLength() == 0)
            {
                return events;
            }

            events.AddRange(page.EnumerateArray());
            after = events[^1].Long("sequence");
        }
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };
}

public sealed class LedgerFormatTests_Sqlite(SqliteServer server) : LedgerFormatTests(server), IClassFixture<SqliteServer>;

public sealed class LedgerFormatTests_Postgres(PostgresServerFixture server) : LedgerFormatTests(server), IClassFixture<PostgresServerFixture>;
