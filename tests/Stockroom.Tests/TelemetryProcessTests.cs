using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stockroom.Testing;

namespace Stockroom.Tests;

/// <summary>
/// An OTLP/HTTP collector on loopback that keeps every export it is sent, as protobuf bytes, by
/// path (<c>/v1/traces</c>, <c>/v1/metrics</c>), and answers each with an empty success.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpCollector(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, byte[] Body)> Received { get; } = new();

    public string Endpoint => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var collector = new OtlpCollector(app);
        app.MapPost("/v1/{signal}", async (HttpRequest request, string signal) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            collector.Received.Enqueue(($"/v1/{signal}", body.ToArray()));
            // An empty Export*ServiceResponse is zero bytes of protobuf.
            return Results.Bytes(Array.Empty<byte>(), "application/x-protobuf");
        });
        await app.StartAsync();
        return collector;
    }

    /// <summary>What arrived, for a failure message: exports and bytes by path.</summary>
    public string Summary() =>
        string.Join(", ", Received.GroupBy(r => r.Path).Select(g => $"{g.Key}: {g.Count()} exports, {g.Sum(r => r.Body.Length)} bytes"));

    /// <summary>Whether some export to <paramref name="path"/> holds every one of these byte strings.</summary>
    public bool Has(string path, params byte[][] needles) =>
        Received.Any(r => r.Path == path && needles.All(n => r.Body.AsSpan().IndexOf(n) >= 0));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// The real executable as an operator runs it: JSON logs selected by configuration, each line of
/// a request carrying the id its Request-Id header gave, the plain single-line format doing the
/// same, traces and metrics sent to an OTLP/HTTP collector named by the standard variables, and
/// the gauge of open holds.
/// </summary>
public abstract class TelemetryProcessTests
{
    protected abstract Task<string> CreateDatabaseAsync();

    protected abstract bool IsPostgres { get; }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static async Task Eventually(Func<bool> condition, string what, Func<string> tail)
    {
        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"{what} within 60 s.\n{tail()}");
            await Task.Delay(100);
        }
    }

    private static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("Request-Id").Single();

    [Fact]
    public async Task Json_logs_carry_the_request_id_and_traces_and_metrics_reach_an_otlp_collector()
    {
        // As other tests' in-process servers do when they run alongside: listen here and leave an
        // unsampled activity on each outgoing call. Sent on as a traceparent with flags 00, it would
        // make the server's parent-based sampler drop the very requests this test looks for.
        using var listener = new ActivityListener { ShouldListenTo = _ => true, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData };
        ActivitySource.AddActivityListener(listener);
        await using var collector = await OtlpCollector.StartAsync();
        var database = await CreateDatabaseAsync();
        var serviceName = $"stockroom-test-{Guid.NewGuid():N}"[..28];
        var log = Path.Combine(Path.GetTempPath(), $"stockroom-telemetry-{Guid.NewGuid():N}.log");
        await using var server = new StockroomProcess(database)
        {
            LogPath = log,
            // The request lines of the framework are written inside the request: what the id must be on.
            Settings = ["--Logging:Console:FormatterName", "json", "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Information"],
            EnvironmentVariables = new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_SERVICE_NAME"] = serviceName,
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            },
        };
        await server.StartAsync();
        var n = await server.Client.SeedAsync(storeOnHand: 5, warehouseOnHand: 0);
        using var held = await server.Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 2, location = n.Store } } });
        Assert.Equal(HttpStatusCode.Created, held.StatusCode);
        using var missing = await server.Client.GetAsync("/v1/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var missingId = RequestId(missing);

        // Every line is one JSON object; each line the 404's request wrote names its trace id.
        List<JsonElement> Lines() => [.. File.ReadAllLines(log).Where(l => !l.StartsWith("---", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        static IEnumerable<string?> TraceIds(JsonElement line) =>
            line.TryGetProperty("Scopes", out var scopes) ? scopes.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _))
                .Select(s => s.GetProperty("TraceId").GetString()) : [];
        await Eventually(() => Lines().Count(l => l.GetProperty("Message").GetString()!.Contains("/v1/no-such-route", StringComparison.Ordinal)) >= 2,
            "the request's start and end are logged", () => $"The collector received {collector.Summary()}.\n{server.Tail()}");
        var ofMissing = Lines().Where(l => l.GetProperty("Message").GetString()!.Contains("/v1/no-such-route", StringComparison.Ordinal)).ToList();
        foreach (var line in ofMissing)
        {
            Assert.Equal(missingId, Assert.Single(TraceIds(line)));
            Assert.Equal("Microsoft.AspNetCore.Hosting.Diagnostics", line.GetProperty("Category").GetString());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", line.GetProperty("Timestamp").GetString());
        }

        // Stockroom's own lines are JSON too: the warning that it runs open.
        Assert.Contains(Lines(), l => l.GetProperty("Category").GetString() == "Stockroom" && l.GetProperty("EventId").GetInt32() == 2);

        // The 404's span, under the service's name. An export the collector was too slow to take is
        // not sent again, so on a busy machine a later 404 may be the one whose span arrives.
        var traces = new List<byte[]> { Convert.FromHexString(missingId) };
        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        while (!traces.Any(trace => collector.Has("/v1/traces", trace, Utf8(serviceName))))
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"no 404's span was exported within 60 s. The collector received {collector.Summary()}.\n{server.Tail()}");
            await Task.Delay(500);
            using var again = await server.Client.GetAsync("/v1/no-such-route");
            traces.Add(Convert.FromHexString(RequestId(again)));
        }

        // On PostgreSQL, the database commands of the requests; and the writer's batches. Each try
        // makes more: a read of the database within a request, and a hold too large to be granted.
        async Task Exported(string what, params byte[][] needles)
        {
            var until = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
            while (!collector.Has("/v1/traces", needles))
            {
                Assert.True(Stopwatch.GetTimestamp() < until, $"{what} within 60 s. The collector received {collector.Summary()}.\n{server.Tail()}");
                await Task.Delay(500);
                using var read = await server.Client.GetAsync($"/v1/availability/{n.Sku}?location={n.Store}&consistency=strong");
                using var refused = await server.Client.Post("/v1/reservations", new { id = Api.NewId("r"), channel = n.Channel, lines = new[] { new { sku = n.Sku, quantity = 1_000, location = n.Store } } });
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            }
        }

        if (IsPostgres)
        {
            await Exported("Npgsql's spans are exported", Utf8("postgresql"), Utf8(serviceName));
        }

        await Exported("the writer's batch span is exported", Utf8("hold-writer.batch"), Utf8(serviceName));
        await Eventually(() => collector.Has("/v1/metrics", Utf8("stockroom.holds"), Utf8("http.server.request.duration"), Utf8(serviceName)),
            "Stockroom's and the framework's metrics are exported", () => $"The collector received {collector.Summary()}.\n{server.Tail()}");
        await Eventually(() => collector.Has("/v1/metrics", Utf8("dotnet.gc.collections"), Utf8("dotnet.process.cpu.time")), "runtime and process metrics are exported", () => $"The collector received {collector.Summary()}.\n{server.Tail()}");
        await Eventually(() => collector.Has("/v1/metrics", Utf8("stockroom.reservations.open")), "the gauge of open holds is exported", () => $"The collector received {collector.Summary()}.\n{server.Tail()}");

        // This database holds one open hold; the gauge says so once it has counted.
        var text = await PrometheusText.EventuallyAsync(server.Client, text => PrometheusText.Value(text, "stockroom_reservations_open", ("status", "active")) == 1,
            "one active hold");

        // The whole of /metrics, from a process of its own: in base units, the runtime's and the process's too, and clean to promtool.
        foreach (var name in (string[])["http_server_request_duration_seconds_bucket", "stockroom_writer_batch_duration_seconds_bucket", "dotnet_gc_collections_total",
                     "dotnet_process_cpu_time_seconds_total", "dotnet_process_memory_working_set_bytes", "stockroom_holds_total"])
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }

        if (IsPostgres)
        {
            Assert.Contains("db_client_connections_usage", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("_milliseconds", text, StringComparison.Ordinal);
        await Promtool.CheckMetricsAsync(text);
    }

    [Fact]
    public async Task Plain_log_lines_carry_the_request_id()
    {
        var database = await CreateDatabaseAsync();
        var log = Path.Combine(Path.GetTempPath(), $"stockroom-telemetry-{Guid.NewGuid():N}.log");
        await using var server = new StockroomProcess(database)
        {
            LogPath = log,
            Settings = ["--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Information"],
        };
        await server.StartAsync();
        using var missing = await server.Client.GetAsync("/v1/no-such-route");
        var id = RequestId(missing);
        List<string> Lines() => [.. File.ReadAllLines(log).Where(l => l.Contains("/v1/no-such-route", StringComparison.Ordinal))];
        await Eventually(() => Lines().Count >= 2, "the request's start and end are logged", server.Tail);
        foreach (var line in Lines())
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: Microsoft\.AspNetCore\.Hosting\.Diagnostics\[\d+\] => ", line);
            Assert.Contains($"TraceId:{id}", line, StringComparison.Ordinal);
        }
    }
}

public sealed class TelemetryProcessTests_Sqlite : TelemetryProcessTests
{
    protected override bool IsPostgres => false;

    protected override Task<string> CreateDatabaseAsync() =>
        Task.FromResult($"Data Source={Path.Combine(Path.GetTempPath(), $"stockroom-telemetry-{Guid.NewGuid():N}.db")}");
}

public sealed class TelemetryProcessTests_Postgres : TelemetryProcessTests
{
    protected override bool IsPostgres => true;

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}
