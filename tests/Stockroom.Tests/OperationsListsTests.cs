using System.Net;
using System.Text.RegularExpressions;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// The admin lists that search and page in the store (transfers, intake deliveries, reservations,
/// the ledger), read as plain HTML over both stores: the same SQL answers the same rows.
/// </summary>
public abstract partial class OperationsListsTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private async Task<string[]> RowsAsync(string path, string attribute)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        return [.. Regex.Matches(html, $"<tr {attribute}=\"([^\"]*)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];
    }

    private async Task<string> TransferAsync(Network n, string id, long quantity) =>
        (await Client.Post("/v1/transfers", new { id, from = n.Warehouse, to = n.Store, lines = new[] { new { sku = n.Sku, quantity } } })
            .Expect(HttpStatusCode.Created)).GetProperty("id").GetString()!;

    [Fact]
    public async Task Transfers_are_found_by_id_prefix_or_sku_filtered_by_status_and_paged_by_id()
    {
        var a = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 10);
        var b = await Client.SeedAsync(storeOnHand: 0, warehouseOnHand: 10);
        var prefix = Api.NewId("trs");
        var first = await TransferAsync(a, $"{prefix}-1", 1);
        var second = await TransferAsync(a, $"{prefix}-2", 2);
        var third = await TransferAsync(b, $"{prefix}-3", 3);
        await Client.Post($"/v1/transfers/{second}/receive", new { }).Expect(HttpStatusCode.OK);

        Assert.Equal([first, second, third], await RowsAsync($"/admin/transfers?q={prefix}", "data-transfer"));
        Assert.Equal([first, second], await RowsAsync($"/admin/transfers?q={a.Sku}", "data-transfer"));
        Assert.Equal([third], await RowsAsync($"/admin/transfers?q={b.Sku}", "data-transfer"));
        Assert.Equal([first, third], await RowsAsync($"/admin/transfers?q={prefix}&status=inTransit", "data-transfer"));
        Assert.Equal([second], await RowsAsync($"/admin/transfers?q={prefix}&status=received", "data-transfer"));
        Assert.Equal([second, third], await RowsAsync($"/admin/transfers?q={prefix}&after={first}", "data-transfer"));
        // A SKU that is the start of another is not it; an underscore is a character, not a wildcard.
        Assert.Empty(await RowsAsync($"/admin/transfers?q={a.Sku[..^1]}", "data-transfer"));
        Assert.Empty(await RowsAsync($"/admin/transfers?q={prefix.Replace('-', '_')}", "data-transfer"));
    }

    [Fact]
    public async Task Intake_deliveries_are_found_by_order_id_refused_first_and_paged_by_rank_and_id()
    {
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var (refused, refusedId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", refused.Replace("\"quantity\": 1,", "\"quantity\": 0,", StringComparison.Ordinal)).Problem(HttpStatusCode.BadRequest);
        var (taken, takenId) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", taken).Expect(HttpStatusCode.Created);

        var refusedRows = await RowsAsync($"/admin/intake?q={refusedId}", "data-delivery");
        var takenRows = await RowsAsync($"/admin/intake?q=shopify:{takenId}", "data-delivery");
        Assert.Single(refusedRows);
        Assert.Single(takenRows);
        Assert.True(long.Parse(takenRows[0], System.Globalization.CultureInfo.InvariantCulture) > long.Parse(refusedRows[0], System.Globalization.CultureInfo.InvariantCulture));

        var problemsFirst = await RowsAsync("/admin/intake?channel=shopify", "data-delivery");
        Assert.True(Array.IndexOf(problemsFirst, refusedRows[0]) < Array.IndexOf(problemsFirst, takenRows[0]));
        var newestFirst = await RowsAsync("/admin/intake?channel=shopify&order=newest", "data-delivery");
        Assert.True(Array.IndexOf(newestFirst, takenRows[0]) < Array.IndexOf(newestFirst, refusedRows[0]));

        // After the refused delivery's cursor come the rest of the refused ones, then every other, the taken one among them.
        var after = await RowsAsync($"/admin/intake?channel=shopify&after=0.{refusedRows[0]}", "data-delivery");
        Assert.DoesNotContain(refusedRows[0], after);
        Assert.Contains(takenRows[0], after);
        Assert.Equal([refusedRows[0]], await RowsAsync($"/admin/intake?q={refusedId}&outcome=refused", "data-delivery"));
        Assert.Empty(await RowsAsync($"/admin/intake?q={refusedId}&outcome=allocated", "data-delivery"));
    }

    [Fact]
    public async Task Reservations_are_found_by_id_customer_order_or_sku_in_any_status()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var customer = Api.NewId("c");
        var held = Api.NewId("r");
        var ordered = Api.NewId("r");
        foreach (var id in new[] { held, ordered })
        {
            await Client.Post("/v1/reservations", new { id, channel = n.Channel, customerId = customer, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
                .Expect(HttpStatusCode.Created);
        }

        var order = Api.NewId("o");
        await Client.Post("/v1/orders", new { id = order, channel = n.Channel, reservationId = ordered }).Expect(HttpStatusCode.Created);

        var both = new[] { held, ordered }.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(both, await RowsAsync($"/admin/reservations?status=any&q={customer}", "data-reservation"));
        Assert.Equal(both, await RowsAsync($"/admin/reservations?status=any&q={n.Sku}", "data-reservation"));
        Assert.Equal([ordered], await RowsAsync($"/admin/reservations?status=any&q={order}", "data-reservation"));
        Assert.Equal([held], await RowsAsync($"/admin/reservations?status=active&q={customer}", "data-reservation"));
        Assert.Equal([both[1]], await RowsAsync($"/admin/reservations?status=any&q={customer}&after={both[0]}", "data-reservation"));
    }

    [Fact]
    public async Task The_ledger_is_searched_by_text_and_type_newest_first()
    {
        var n = await Client.SeedAsync(storeOnHand: 10, warehouseOnHand: 0);
        var id = Api.NewId("r");
        await Client.Post("/v1/reservations", new { id, channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
            .Expect(HttpStatusCode.Created);
        await Client.Send(HttpMethod.Delete, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK);

        var sequences = (await RowsAsync($"/admin/ledger?q={id}", "data-sequence")).Select(long.Parse).ToList();
        Assert.True(sequences.Count >= 2, string.Join(",", sequences));
        Assert.Equal(sequences.OrderDescending(), sequences);
        var types = await RowsAsync($"/admin/ledger?q={id}&type=supply.synced", "data-sequence");
        Assert.Empty(types);
        var older = await RowsAsync($"/admin/ledger?q={id}&before={sequences[0]}", "data-sequence");
        Assert.Equal(sequences.Skip(1).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)), older);
        // The search's wildcards are the text's own characters.
        Assert.Empty(await RowsAsync($"/admin/ledger?q={Uri.EscapeDataString(id.Replace('-', '_') + "%")}", "data-sequence"));
    }
}

public sealed class OperationsListsTests_Sqlite(SqliteServer server) : OperationsListsTests(server), IClassFixture<SqliteServer>;

public sealed class OperationsListsTests_Postgres(PostgresServerFixture server) : OperationsListsTests(server), IClassFixture<PostgresServerFixture>;
