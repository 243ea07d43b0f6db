using System.Net;
using System.Text.Json;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// Three <c>stockroom</c> processes on one PostgreSQL database behave as one server: units are
/// sold once, each hold expires once, each webhook delivery is made once, and the ledger's
/// sequence stays gap-free and verifiable whichever process wrote what.
/// </summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private const int Processes = 3;
    private readonly List<StockroomProcess> _servers = [];
    private string _database = "";

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync();
        // One at a time, so that migrations run once and the others find them applied.
        for (var i = 0; i < Processes; i++)
        {
            // Each with a bounded pool: three processes at Npgsql's default of 100 could take every
            // connection the test run's shared PostgreSQL allows (300), and the 600-request race
            // would then see "too many clients" from the database instead of the answers it checks.
            _servers.Add(await StockroomProcess.StartAsync(_database + ";Maximum Pool Size=40"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    private HttpClient Through(int i) => _servers[i % Processes].Client;

    [Fact]
    public async Task Holds_racing_through_three_processes_sell_each_unit_once_and_the_ledger_stays_whole()
    {
        var n = await Through(0).SeedAsync(storeOnHand: 30, warehouseOnHand: 20);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 600).Select(async i =>
        {
            using var response = await Through(i).Post("/v1/reservations",
                new { id = Api.NewId("race"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } });
            return response.StatusCode;
        }));

        var answers = string.Join(", ", outcomes.GroupBy(s => (int)s).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {g.Key}"))
            + (outcomes.All(s => s is HttpStatusCode.Created or HttpStatusCode.Conflict) ? "" : "\n" + string.Join("\n", _servers.Select(s => s.Tail())));
        Assert.True(outcomes.Count(s => s == HttpStatusCode.Created) == 50, answers);
        Assert.True(outcomes.Count(s => s == HttpStatusCode.Conflict) == 550, answers);
        for (var i = 0; i < Processes; i++)
        {
            var atp = await Through(i).AvailabilityAsync(n.Sku, $"group={n.Group}");
            Assert.Equal((0L, 50L, 50L), (atp.Long("available"), atp.Long("reserved"), atp.Long("onHand")));
        }

        await AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Each_hold_expires_once_and_each_webhook_delivery_is_made_once_across_processes()
    {
        await using var receiver = await Subscriber.StartAsync();
        var n = await Through(0).SeedAsync(storeOnHand: 40, warehouseOnHand: 0);
        await Through(1).Post("/v1/webhooks", new { id = Api.NewId("wh"), url = receiver.Url, events = new[] { "reservation.expired" }, secret = "0123456789abcdef" })
            .Expect(HttpStatusCode.Created);

        var ids = Enumerable.Range(0, 30).Select(_ => Api.NewId("exp")).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            await Through(i).Post("/v1/reservations",
                new { id = ids[i], channel = n.Channel, expiresInSeconds = 1, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
                .Expect(HttpStatusCode.Created);
        }

        // Every process runs an expiry worker and a webhook worker; real time passes here.
        await Eventually(async () => (await Through(2).AvailabilityAsync(n.Sku, $"location={n.Store}")).Long("reserved") == 0, "every hold expired");
        await Eventually(() => Task.FromResult(receiver.Received.Count >= ids.Count), "a delivery for every expiry");

        var expired = await ExpiredEventsAsync();
        Assert.Equal(ids.Order(StringComparer.Ordinal), expired.Order(StringComparer.Ordinal));
        // Once more after the workers have had time to do anything twice.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(ids.Count, (await ExpiredEventsAsync()).Count);
        var bySequence = receiver.Received.GroupBy(d => JsonDocument.Parse(d.Body).RootElement.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(ids.Count, bySequence.Count);
        Assert.All(bySequence, g => Assert.Single(g));
        await AssertLedgerWholeAsync();
    }

    /// <summary>The reservation ids of every reservation.expired event in the ledger (its data is the reservation), duplicates kept.</summary>
    private async Task<List<string>> ExpiredEventsAsync() =>
        [.. (await EventsAsync()).Where(e => e.GetProperty("type").GetString() == "reservation.expired")
            .Select(e => e.GetProperty("data").GetProperty("id").GetString()!)];

    private async Task<List<JsonElement>> EventsAsync()
    {
        var events = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = (await Through(0).Send(HttpMethod.Get, $"/v1/events?after={after}&limit=1000").Expect(HttpStatusCode.OK)).GetProperty("data");
            if (page.GetArrayLength() == 0)
            {
                return events;
            }

            events.AddRange(page.EnumerateArray());
            after = events[^1].Long("sequence");
        }
    }

    /// <summary>Sequences run 1, 2, 3… with no gap whichever process appended them, and <c>stockroom verify</c> passes.</summary>
    private async Task AssertLedgerWholeAsync()
    {
        var sequences = (await EventsAsync()).Select(e => e.Long("sequence")).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        await _servers[0].AssertLedgerVerifiesAsync();
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"not within 30 s: {what}");
    }
}
