using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Stockroom.Features.Webhooks;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>Samples of Prometheus text: a metric's value, summed over the label sets that match.</summary>
internal static partial class PrometheusText
{
    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every one given; null when there is none.</summary>
    public static double? Value(string text, string name, params (string Label, string Value)[] labels)
    {
        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var end = line.IndexOfAny(['{', ' ']);
            if (end < 0 || line[..end] != name)
            {
                continue;
            }

            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            var rest = line[end..];
            if (rest[0] == '{')
            {
                var close = rest.LastIndexOf('}');
                foreach (Match label in Label().Matches(rest[1..close]))
                {
                    found[label.Groups[1].Value] = label.Groups[2].Value;
                }

                rest = rest[(close + 1)..];
            }

            if (labels.All(l => found.TryGetValue(l.Label, out var value) && value == l.Value))
            {
                sum = (sum ?? 0) + double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    public static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Scrapes until <paramref name="holds"/> is true of the text, for at most 30 s; returns the last text.</summary>
    public static async Task<string> EventuallyAsync(HttpClient client, Func<string, bool> holds, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
        string text;
        do
        {
            text = await ScrapeAsync(client);
            if (holds(text))
            {
                return text;
            }

            await Task.Delay(100);
        }
        while (Stopwatch.GetTimestamp() < deadline);

        Assert.Fail($"{what} did not show on /metrics within 30 s:\n{text}");
        return text;
    }

    [GeneratedRegex("""([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?""")]
    private static partial Regex Label();
}

/// <summary>
/// What the server tells its operators: a Request-Id on every answer that is also the problem's
/// traceId, the business metrics after the events they count, and Prometheus text that promtool
/// accepts.
/// </summary>
public abstract class TelemetryTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    private static void AssertRequestId(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Request-Id", out var values), $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri} has no Request-Id");
        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(values));
        Assert.NotEqual(new string('0', 32), values.Single());
    }

    private static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("Request-Id").Single();

    [Fact]
    public async Task Every_answer_carries_its_trace_id_as_Request_Id_and_a_problem_names_the_same_id()
    {
        using var health = await Client.GetAsync("/health/live");
        AssertRequestId(health);
        using var metrics = await Client.GetAsync("/metrics");
        AssertRequestId(metrics);

        using var ok = await Client.Send(HttpMethod.Get, "/v1/locations");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        AssertRequestId(ok);

        // A route that does not exist, a body that is not valid, an id that names nothing, a method the route does not take.
        foreach (var (method, path, body, status) in new (HttpMethod, string, object?, HttpStatusCode)[]
                 {
                     (HttpMethod.Get, "/v1/no-such-route", null, HttpStatusCode.NotFound),
                     (HttpMethod.Put, "/v1/locations/store-x", new { name = "", type = "moon" }, HttpStatusCode.BadRequest),
                     (HttpMethod.Get, "/v1/reservations/no-such-hold", null, HttpStatusCode.NotFound),
                     (HttpMethod.Delete, "/v1/events", null, HttpStatusCode.MethodNotAllowed),
                 })
        {
            using var response = await Client.Send(method, path, body);
            Assert.Equal(status, response.StatusCode);
            AssertRequestId(response);
            var problem = await response.Json();
            Assert.Equal(RequestId(response), problem.GetProperty("traceId").GetString());
        }

        using var first = await Client.GetAsync("/health/live");
        using var second = await Client.GetAsync("/health/live");
        Assert.NotEqual(RequestId(first), RequestId(second));
    }

    [Fact]
    public async Task A_caller_that_sends_traceparent_gets_its_own_trace_id_back()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/no-such-route");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(traceId, RequestId(response));
        Assert.Equal(traceId, (await response.Json()).GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task Sell_outs_and_expiries_are_counted_once_they_commit()
    {
        var before = await PrometheusText.ScrapeAsync(Client);
        double Count(string text, string name, params (string, string)[] labels) => PrometheusText.Value(text, name, labels) ?? 0;

        // Holding the store's last unit sells the position out; the hold then expires.
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        var id = (await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, expiresInSeconds = 60, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
            .Expect(HttpStatusCode.Created)).GetProperty("id").GetString();
        server.Time.Advance(TimeSpan.FromSeconds(61));
        await ReservationApiTests.Eventually(async () =>
            (await Client.Send(HttpMethod.Get, $"/v1/reservations/{id}").Expect(HttpStatusCode.OK)).GetProperty("status").GetString() == "expired");

        // Other servers in this test process share the meter, so the counters only ever grow by at least this test's events.
        var after = await PrometheusText.EventuallyAsync(Client, text =>
                Count(text, "stockroom_reservations_expired_total") >= Count(before, "stockroom_reservations_expired_total") + 1
                && Count(text, "stockroom_stock_alerts_total", ("type", "stock.soldOut")) >= Count(before, "stockroom_stock_alerts_total", ("type", "stock.soldOut")) + 1
                && Count(text, "stockroom_stock_alerts_total", ("type", "stock.backInStock")) >= Count(before, "stockroom_stock_alerts_total", ("type", "stock.backInStock")) + 1,
            "the sell-out, its expiry and the units coming back");
        Assert.Contains("# TYPE stockroom_reservations_expired_total counter", after, StringComparison.Ordinal);
        Assert.Contains("# TYPE stockroom_stock_alerts_total counter", after, StringComparison.Ordinal);
        Assert.DoesNotContain(n.Sku, after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Intake_deliveries_are_counted_by_format_and_outcome()
    {
        var before = PrometheusText.Value(await PrometheusText.ScrapeAsync(Client), "stockroom_intake_deliveries_total", ("format", "shopify"), ("outcome", "allocated")) ?? 0;
        var n = await IntakeFixtures.SeedAsync(Client, "shopify");
        var (order, _) = IntakeFixtures.Fixture("shopify.json", n.Sku, "820982911946154508");
        await Client.Post("/v1/intake/shopify", order).Expect(HttpStatusCode.Created);
        await PrometheusText.EventuallyAsync(Client,
            text => PrometheusText.Value(text, "stockroom_intake_deliveries_total", ("format", "shopify"), ("outcome", "allocated")) >= before + 1,
            "the allocated Shopify delivery");
    }

    [Fact]
    public async Task Webhook_attempts_are_counted_by_subscription_and_outcome()
    {
        await using var subscriber = await Subscriber.StartAsync();
        subscriber.FailuresLeft = 1;
        var webhook = Api.NewId("wh");
        await Client.Post("/v1/webhooks", new { id = webhook, url = subscriber.Url, secret = "whsec-0123456789abcdef", events = new[] { "stock.soldOut" } })
            .Expect(HttpStatusCode.Created);
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1, location = n.Store } } })
            .Expect(HttpStatusCode.Created);

        // The first attempt fails (500); the retry, once its back-off has passed, is delivered.
        var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
        string text;
        bool Attempts(string text, string outcome) => PrometheusText.Value(text, "stockroom_webhook_attempts_total", ("webhook", webhook), ("outcome", outcome)) == 1;
        do
        {
            await server.Service<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);
            await Task.Delay(100);
            server.Time.Advance(TimeSpan.FromSeconds(3));
            text = await PrometheusText.ScrapeAsync(Client);
        }
        while (!(Attempts(text, "failed") && Attempts(text, "delivered")) && Stopwatch.GetTimestamp() < deadline);

        Assert.True(Attempts(text, "failed") && Attempts(text, "delivered"), $"one failed and one delivered attempt to {webhook}:\n{text}");
        Assert.Single(subscriber.Received);
    }

    [Fact]
    public async Task Metrics_use_base_units_and_pass_promtool()
    {
        var n = await Client.SeedAsync(storeOnHand: 1, warehouseOnHand: 0);
        await Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1 } } }).Expect(HttpStatusCode.Created);
        // The framework's own meters are per application, and several run in this test process: the
        // process tests check those names on a server of its own (TelemetryProcessTests).
        // The exporter caches its answer for 300 ms, and other tests of this server scrape it too: a
        // scrape just before the hold may still be served, so ask again (for at most five seconds).
        var text = await PrometheusText.ScrapeAsync(Client);
        for (var tries = 0; tries < 50 && !text.Contains("stockroom_writer_batch_duration_seconds_bucket", StringComparison.Ordinal); tries++)
        {
            await Task.Delay(100);
            text = await PrometheusText.ScrapeAsync(Client);
        }

        Assert.Contains("stockroom_writer_batch_duration_seconds_bucket", text, StringComparison.Ordinal);
        // Where a batch's time went, phase by phase: what the benchmark's batch table is read from.
        foreach (var phase in Stockroom.Storage.Telemetry.BatchPhases.Names)
        {
            Assert.Matches($"stockroom_writer_batch_phase_duration_seconds_count\\{{[^}}]*phase=\"{phase}\"[^}}]*\\}} [1-9]", text);
        }

        Assert.Contains("dotnet_gc_collections_total", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_milliseconds", text, StringComparison.Ordinal);
        await Promtool.CheckMetricsAsync(text);
    }
}

/// <summary>Prometheus's own linter for exposition text (Debian's prometheus package ships it).</summary>
internal static class Promtool
{
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, "promtool")).FirstOrDefault(File.Exists);

    public static async Task CheckMetricsAsync(string text)
    {
        if (Find() is not { } promtool)
        {
            // CI installs it (.ci/run): there a missing promtool is a failure, not a skip.
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "promtool is not installed");
            Assert.Skip("promtool is not installed (apt-get install prometheus)");
            return;
        }

        var start = new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var said = (await output + await error).Trim();
        Assert.True(process.ExitCode == 0 && said.Length == 0, $"promtool check metrics exited {process.ExitCode}:\n{said}");
    }
}

public sealed class TelemetryTests_Sqlite(SqliteServer server) : TelemetryTests(server), IClassFixture<SqliteServer>;

public sealed class TelemetryTests_Postgres(PostgresServerFixture server) : TelemetryTests(server), IClassFixture<PostgresServerFixture>;
