using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Stockroom.Core;
using Stockroom.Features.Keys;
using Stockroom.Features.Webhooks;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Connectors;

/// <summary>How connectors reach marketplaces and how often they run: <c>Stockroom:Connectors</c> in configuration.</summary>
public sealed class ConnectorOptions
{
    public const string Section = "Stockroom:Connectors";
    public const string AllowSetting = "Stockroom:Connectors:AllowPrivateNetworks";

    /// <summary>Lets a connector's base URL be on loopback or a private network, as <see cref="WebhookOptions.AllowPrivateNetworks"/> does for webhooks.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How often the worker looks for connectors with something to send.</summary>
    public int IntervalMilliseconds { get; set; } = 1_000;

    /// <summary>How often every SKU's availability is sent again in full, whatever the feed says.</summary>
    public int ResyncEveryHours { get; set; } = 24;
}

/// <summary>A channel's connector as answers show it: never its secrets, only which are set.</summary>
public sealed record ConnectorView(string Kind, string BaseUrl, IReadOnlyDictionary<string, string> Settings, IReadOnlyList<string> SecretsSet);

public sealed record ConnectorError(int? Status, string Body, DateTimeOffset At);

/// <summary>How a channel's connector is doing: what it last delivered, how far behind the ledger it is, and its last failure.</summary>
public sealed record ConnectorStatus(
    string Channel,
    string Kind,
    string BaseUrl,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<string> SecretsSet,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastAttemptAt,
    long LagSequences,
    double LagSeconds,
    int FailuresInARow,
    ConnectorError? LastError,
    DateTimeOffset NextAttemptAt,
    bool ResyncPending,
    DateTimeOffset? LastResyncAt);

/// <summary>A connector as a PUT gave it, validated against its kind's fields; secrets left out are filled from the stored ones.</summary>
public sealed record ConnectorRequest(ConnectorKind Kind, string BaseUrl, IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, string> Secrets);

/// <summary>
/// Connector configuration: reading the <c>connector</c> object of <c>PUT /v1/channels/{id}</c> against
/// the registered kinds' fields, storing it with its secrets protected at rest, and the connector's
/// status and resync endpoints.
/// </summary>
public sealed class ConnectorSetup(IEnumerable<IAvailabilityPusher> pushers, ConnectorOptions options, IDataProtectionProvider protection)
{
    private readonly IReadOnlyDictionary<ConnectorKind, IAvailabilityPusher> _pushers = pushers.ToDictionary(p => p.Kind);
    private readonly IDataProtector _protector = protection.CreateProtector("Stockroom.Connectors.Secrets");

    public ConnectorOptions Options => options;

    public IAvailabilityPusher? Pusher(ConnectorKind kind) => _pushers.GetValueOrDefault(kind);

    public static string KindName(ConnectorKind kind) => Sql.Text(kind);

    /// <summary>Left out: keep the channel's connector; <c>null</c>: remove it; an object: the connector to set.</summary>
    public (bool Keep, ConnectorRequest? Request) Read(JsonElement value, Validation validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                return (true, null);
            case JsonValueKind.Null:
                return (false, null);
            case JsonValueKind.Object:
                break;
            default:
                validation.Add("connector", "must be an object, or null to remove the channel's connector");
                return (true, null);
        }

        var kindName = value.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
        var kind = Enum.GetValues<ConnectorKind>().Cast<ConnectorKind?>().FirstOrDefault(c => KindName(c!.Value) == kindName);
        if (kind is null || Pusher(kind.Value) is not { } pusher)
        {
            validation.Add("connector.kind", $"must be one of: {string.Join(", ", _pushers.Keys.Order().Select(KindName))}");
            return (true, null);
        }

        var baseUrl = value.TryGetProperty("baseUrl", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
        if (baseUrl is null)
        {
            validation.Add("connector.baseUrl", "is required: the marketplace API's base URL");
        }
        else if (baseUrl.Length > ConnectorField.LengthMax)
        {
            validation.Add("connector.baseUrl", $"must be at most {ConnectorField.LengthMax} characters");
        }
        else if (WebhookTargets.RefuseUrl(baseUrl, options.AllowPrivateNetworks) is { } refused)
        {
            validation.Add("connector.baseUrl", refused.Replace(WebhookTargets.AllowSetting, ConnectorOptions.AllowSetting, StringComparison.Ordinal));
        }

        var fields = pusher.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Name is "kind" or "baseUrl")
            {
                continue;
            }

            var at = $"connector.{property.Name}";
            if (!fields.TryGetValue(property.Name, out var field))
            {
                validation.Add(at, $"is not a field of a {kindName} connector; it takes: {string.Join(", ", pusher.Fields.Select(f => f.Name))}");
                continue;
            }

            // Messages never repeat the value: it may be a secret.
            var text = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : null;
            if (text is null || text.Length is 0 or > ConnectorField.LengthMax || Validation.HasControlCharacters(text))
            {
                validation.Add(at, $"must be a string of 1 to {ConnectorField.LengthMax} characters without control characters: {field.Description}");
            }
            else if (field.Pattern is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            {
                validation.Add(at, $"must match {pattern}: {field.Description}");
            }
            else
            {
                (field.Secret ? secrets : settings)[field.Name] = text;
            }
        }

        foreach (var field in pusher.Fields.Where(f => f.Required && !f.Secret && !settings.ContainsKey(f.Name) && !value.TryGetProperty(f.Name, out _)))
        {
            validation.Add($"connector.{field.Name}", $"is required: {field.Description}");
        }

        return (true, new ConnectorRequest(kind.Value, baseUrl ?? "", settings, secrets));
    }

    /// <summary>
    /// Sets, keeps or removes the channel's connector in the write, or the problem that refuses it
    /// (a required secret neither given nor stored). A set connector's back-off is reset, so that
    /// an operator's fix is tried at once.
    /// </summary>
    public async Task<ProblemHttpResult?> ApplyAsync(IStockWrite write, string channel, bool keep, ConnectorRequest? request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (keep && request is null)
        {
            return null;
        }

        if (request is null)
        {
            await using var delete = write.Command("DELETE FROM channel_connectors WHERE channel_id = @channel").With("@channel", channel);
            if (await write.ExecuteAsync(delete, cancellationToken) > 0)
            {
                write.Record("channel.connectorRemoved", new { channel });
            }

            // What the removed connector last set is no compare value for one set later: that one reads the marketplace first.
            await using var forget = write.Command("DELETE FROM connector_quantities_set WHERE channel_id = @channel").With("@channel", channel);
            await write.ExecuteAsync(forget, cancellationToken);

            return null;
        }

        var stored = await ReadStoredAsync(write, channel, cancellationToken);
        var secrets = new Dictionary<string, string>(request.Secrets, StringComparer.Ordinal);
        if (stored is { } previous && previous.Kind == request.Kind)
        {
            foreach (var (name, secret) in previous.Secrets)
            {
                secrets.TryAdd(name, secret);
            }
        }

        var missing = Pusher(request.Kind)!.Fields.Where(f => f.Required && f.Secret && !secrets.ContainsKey(f.Name)).ToList();
        if (missing.Count > 0)
        {
            return Problems.Validation(missing.ToDictionary(f => $"connector.{f.Name}", f => new[] { $"is required: {f.Description}" }));
        }

        var feedHead = await FeedHeadAsync(write, channel, cancellationToken);
        var publishedThrough = await PublishedThroughAsync(write, channel, cancellationToken);
        await using var upsert = write.Command("""
            INSERT INTO channel_connectors (channel_id, kind, base_url, settings, secrets, through_feed_id, through_sequence, resync_requested,
                failures, next_attempt_at, created_at, updated_at)
            VALUES (@channel, @kind, @baseUrl, @settings, @secrets, @feedHead, @through, @resync, 0, @now, @now, @now)
            ON CONFLICT (channel_id) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, settings = excluded.settings,
                secrets = excluded.secrets, failures = 0, next_attempt_at = excluded.next_attempt_at, lease = NULL, updated_at = excluded.updated_at,
                resync_requested = channel_connectors.resync_requested OR channel_connectors.kind <> excluded.kind OR channel_connectors.base_url <> excluded.base_url
            """)
            .With("@channel", channel).With("@kind", KindName(request.Kind)).With("@baseUrl", request.BaseUrl)
            .With("@settings", JsonSerializer.Serialize(request.Settings)).With("@secrets", _protector.Protect(JsonSerializer.Serialize(secrets)))
            .With("@feedHead", feedHead).With("@through", publishedThrough).With("@resync", true).With("@now", write.Now);
        await write.ExecuteAsync(upsert, cancellationToken);
        write.Record("channel.connectorSet", new { channel, connector = View(request.Kind, request.BaseUrl, request.Settings, secrets) });
        return null;
    }

    public static ConnectorView View(ConnectorKind kind, string baseUrl, IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets) =>
        new(KindName(kind), baseUrl, settings, [.. secrets.Keys.Order(StringComparer.Ordinal)]);

    /// <summary>Decrypts a row's secrets; a row whose key is gone reads as having none, so that a PUT can set them again.</summary>
    public IReadOnlyDictionary<string, string> Unprotect(string secrets)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(secrets)) ?? [];
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return new Dictionary<string, string>();
        }
    }

    private async Task<ConnectorSettings?> ReadStoredAsync(IStockWrite write, string channel, CancellationToken cancellationToken)
    {
        await using var command = write.Command($"SELECT kind, base_url, settings, secrets FROM channel_connectors WHERE channel_id = @channel{write.Dialect.ForUpdate}")
            .With("@channel", channel);
        var rows = await command.ListAsync(r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)), cancellationToken);
        return rows.Count == 0 ? null : Settings(channel, rows[0].Item1, rows[0].Item2, rows[0].Item3, rows[0].Item4);
    }

    public ConnectorSettings Settings(string channel, string kind, string baseUrl, string settings, string secrets) =>
        new(channel, Sql.Parse<ConnectorKind>(kind), new Uri(baseUrl), JsonSerializer.Deserialize<Dictionary<string, string>>(settings) ?? [], Unprotect(secrets));

    internal static async Task<long> FeedHeadAsync(IStockWrite write, string channel, CancellationToken cancellationToken)
    {
        await using var command = write.Command("SELECT COALESCE(MAX(id), 0) FROM channel_feed WHERE channel_id = @channel").With("@channel", channel);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<long> PublishedThroughAsync(IStockWrite write, string channel, CancellationToken cancellationToken)
    {
        await using var command = write.Command("SELECT through FROM channel_publishing WHERE channel_id = @channel").With("@channel", channel);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary><c>GET /v1/channels/{id}/connector</c> and <c>POST /v1/channels/{id}/resync</c>.</summary>
public static class ConnectorsApi
{
    public static void MapConnectorsApi(this RouteGroupBuilder channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        channels.MapGet("/{id}/connector", Get).RequireScope(Scopes.Read).WithName("GetChannelConnector")
            .WithSummary("The channel's marketplace connector: its settings (never its secrets), last success, lag behind the ledger and last error.");
        channels.MapPost("/{id}/resync", Resync).RequireStoreWideScope(Scopes.Admin).WithName("ResyncChannel")
            .WithSummary("Send every SKU's current availability to the channel's marketplace on the connector's next pass, not only changes.");
    }

    public static async Task<Results<Ok<ConnectorStatus>, ProblemHttpResult>> Get(string id, IStockStore store, ConnectorSetup setup, TimeProvider time,
        System.Security.Claims.ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        validation.Identifier("id", id);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        // A key bound to a channel reads its own channel's connector only, as with its feed.
        if (Caller.Of(user).RefusesChannel(id) is { } refused)
        {
            return refused;
        }

        var rows = await store.QueryAsync("""
            SELECT c.kind, c.base_url, c.settings, c.secrets, c.last_success_at, c.last_attempt_at, c.through_sequence, c.failures,
                c.last_error_status, c.last_error_body, c.last_error_at, c.next_attempt_at, c.resync_requested, c.last_resync_at,
                (SELECT f.published_at FROM channel_feed f WHERE f.channel_id = c.channel_id AND f.id > c.through_feed_id ORDER BY f.id LIMIT 1),
                (SELECT p.through FROM channel_publishing p WHERE p.channel_id = c.channel_id)
            FROM channel_connectors c WHERE c.channel_id = @channel
            """, c => c.With("@channel", id), r => (
                Settings: setup.Settings(id, r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)),
                LastSuccess: r.Nullable<DateTimeOffset>(4), LastAttempt: r.Nullable<DateTimeOffset>(5), Through: r.GetInt64(6), Failures: r.GetInt32(7),
                ErrorStatus: r.IsDBNull(8) ? (int?)null : r.GetInt32(8), ErrorBody: r.NullableString(9), ErrorAt: r.Nullable<DateTimeOffset>(10),
                Next: r.GetFieldValue<DateTimeOffset>(11), Resync: r.GetBoolean(12), LastResync: r.Nullable<DateTimeOffset>(13),
                Pending: r.Nullable<DateTimeOffset>(14), Published: r.IsDBNull(15) ? 0L : r.GetInt64(15)), cancellationToken);
        if (rows.Count == 0)
        {
            return Problems.NotFound("connector", id);
        }

        var row = rows[0];
        var head = (await store.ReadLedgerHeadAsync(cancellationToken)).Sequence;
        // Nothing waiting in the feed: the connector is as far behind as the channel's publication is.
        var delivered = row.Pending is null ? Math.Max(row.Through, row.Published) : row.Through;
        var lagSeconds = row.Pending is { } pending ? Math.Max(0, (time.GetUtcNow() - pending).TotalSeconds) : 0;
        var view = ConnectorSetup.View(row.Settings.Kind, row.Settings.BaseUrl.OriginalString, row.Settings.Settings, row.Settings.Secrets);
        return TypedResults.Ok(new ConnectorStatus(id, view.Kind, view.BaseUrl, view.Settings, view.SecretsSet, row.LastSuccess, row.LastAttempt,
            Math.Max(0, head - delivered), lagSeconds, row.Failures,
            row.ErrorAt is { } at ? new ConnectorError(row.ErrorStatus, row.ErrorBody ?? "", at) : null, row.Next, row.Resync, row.LastResync));
    }

    public static async Task<Results<Accepted, ProblemHttpResult>> Resync(string id, IStockStore store, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        validation.Identifier("id", id);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        // A connector waiting out a back-off keeps waiting; one that is idle runs at once.
        await using var command = write.Command("""
            UPDATE channel_connectors SET resync_requested = @yes,
                next_attempt_at = CASE WHEN failures = 0 AND lease IS NULL THEN @now ELSE next_attempt_at END
            WHERE channel_id = @channel
            """).With("@yes", true).With("@now", write.Now).With("@channel", id);
        if (await write.ExecuteAsync(command, cancellationToken) == 0)
        {
            return Problems.NotFound("connector", id);
        }

        write.Record("channel.resyncRequested", new { channel = id });
        await write.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/v1/channels/{id}/connector");
    }
}
