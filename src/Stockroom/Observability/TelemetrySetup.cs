using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Stockroom.Storage;

namespace Stockroom.Observability;

/// <summary>
/// Logs, metrics and traces. Logs go to the console, one line each (<c>Logging:Console:FormatterName</c>
/// <c>simple</c>, the default) or one JSON object each (<c>json</c>), every line written during a
/// request carrying its <c>TraceId</c> and <c>SpanId</c>. Metrics are served at <c>/metrics</c> in
/// Prometheus text; metrics and traces are also sent over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables name an endpoint, and never otherwise.
/// </summary>
public static class TelemetrySetup
{
    public const string DefaultServiceName = "stockroom";

    /// <summary>The framework's own meters that say how the process and its HTTP clients are doing (the ASP.NET Core ones come with its instrumentation).</summary>
    private static readonly string[] RuntimeMeters = ["System.Runtime", "System.Net.Http"];

    private static readonly (string Instrument, string Name)[] CountGaugesRenamed =
    [
        ("dotnet.assembly.count", "dotnet.assemblies.loaded"),
        ("dotnet.process.cpu.count", "dotnet.process.cpus"),
        ("dotnet.timer.count", "dotnet.timers"),
        ("db.client.connection.count", "db.client.connections.usage"),
    ];

    private const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    public static void AddLogging(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Defaults put ahead of the ones the host binds from Logging:Console, so that configuration
        // still overrides each of them, and still chooses the formatter: AddSimpleConsole would force
        // the simple one over Logging:Console:FormatterName.
        // Named, not left to the logger's legacy default, which would replace the simple formatter's options with its own.
        builder.Services.Insert(0, new ServiceDescriptor(typeof(IConfigureOptions<ConsoleLoggerOptions>),
            new ConfigureOptions<ConsoleLoggerOptions>(console => console.FormatterName = ConsoleFormatterNames.Simple)));
        builder.Services.Insert(0, new ServiceDescriptor(typeof(IConfigureOptions<SimpleConsoleFormatterOptions>),
            new ConfigureOptions<SimpleConsoleFormatterOptions>(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = TimestampFormat + " ";
                console.UseUtcTimestamp = true;
                console.IncludeScopes = true;
            })));
        builder.Services.Insert(0, new ServiceDescriptor(typeof(IConfigureOptions<JsonConsoleFormatterOptions>),
            new ConfigureOptions<JsonConsoleFormatterOptions>(json =>
            {
                json.TimestampFormat = TimestampFormat;
                json.UseUtcTimestamp = true;
                json.IncludeScopes = true;
            })));
        // The trace and span ids as a scope on every line written under an activity; the parent id
        // adds length and nothing a trace does not show.
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
    }

    public static void AddTelemetry(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } named ? named : DefaultServiceName;
        var version = typeof(TelemetrySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        builder.Services.AddSingleton<LedgerMetrics>();
        builder.Services.AddSingleton<OpenHolds>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: version))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Telemetry.Name).AddMeter(RuntimeMeters).AddAspNetCoreInstrumentation().AddNpgsqlInstrumentation().AddPrometheusExporter();
                // Prometheus keeps "_count" for the number of a histogram's samples; a gauge named so
                // reads as one to its tools (promtool refuses it). These are renamed, for OTLP too.
                foreach (var (instrument, name) in CountGaugesRenamed)
                {
                    metrics.AddView(instrument, name);
                }

                if (ExportsOverOtlp(configuration, "METRICS"))
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new ParentBasedSampler(new NoLoneClientSpans()))
                    .AddSource(Telemetry.Name, "System.Net.Http")
                    .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbe(context.Request.Path))
                    .AddNpgsql();
                if (ExportsOverOtlp(configuration, "TRACES"))
                {
                    tracing.AddOtlpExporter();
                }
            });
    }

    /// <summary>
    /// Whether a signal goes out over OTLP: when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or the signal's own
    /// endpoint variable is set, unless <c>OTEL_{signal}_EXPORTER</c> is <c>none</c>. The exporter
    /// itself reads the endpoint, protocol, headers and intervals from the same variables.
    /// </summary>
    public static bool ExportsOverOtlp(IConfiguration configuration, string signal)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.Equals(configuration[$"OTEL_{signal}_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);
    }

    /// <summary>Scrapes and probes come every few seconds from machines, not customers: their spans would bury the requests'.</summary>
    private static bool IsProbe(PathString path) => path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health");

    /// <summary>
    /// Drops database commands and outgoing calls made outside any request or job: the ledger
    /// follower polls twenty times a second, and each poll would otherwise be a trace of its own.
    /// Those made within a request, a writer batch or a webhook delivery are children and kept.
    /// </summary>
    private sealed class NoLoneClientSpans : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            new(samplingParameters.Kind == ActivityKind.Client ? SamplingDecision.Drop : SamplingDecision.RecordAndSample);
    }
}
