using System.Text.Json.Serialization;

namespace Stockroom.Client;

/// <summary>
/// The body of <c>PUT /v1/rules/safety-stock</c>: a SKU, location, group or any mix (none is the
/// default for every position) — these selectors identify the rule — and either units or a percent of on-hand.
/// </summary>
public sealed record SafetyStockRuleRequest
{
    public string? Sku { get; init; }

    public string? Location { get; init; }

    public string? Group { get; init; }

    public long? Units { get; init; }

    public decimal? Percent { get; init; }

    /// <summary>Holds with at least this priority may use the protected units.</summary>
    public int? VipPriority { get; init; }
}

/// <summary>Units kept back from promising; the most specific rule applies.</summary>
public sealed record SafetyStockRule
{
    public string? Sku { get; init; }

    public string? Location { get; init; }

    public string? Group { get; init; }

    public long? Units { get; init; }

    public decimal? Percent { get; init; }

    public int? VipPriority { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The entity tag the server answered this rule with, to send back as <c>ifMatch</c>.</summary>
    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary>The body of <c>PUT /v1/rules/low-stock</c>: selectors as for safety stock, and the threshold.</summary>
public sealed record LowStockRuleRequest
{
    public string? Sku { get; init; }

    public string? Location { get; init; }

    public string? Group { get; init; }

    /// <summary>A position whose availability falls below this raises <c>stock.low</c>.</summary>
    public required long Threshold { get; init; }
}

public sealed record LowStockRule
{
    public string? Sku { get; init; }

    public string? Location { get; init; }

    public string? Group { get; init; }

    public long Threshold { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The entity tag the server answered this rule with, to send back as <c>ifMatch</c>.</summary>
    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary><c>/v1/rules/safety-stock</c>.</summary>
public sealed class SafetyStockRulesClient
{
    private const string Root = "v1/rules/safety-stock";

    private readonly StockroomTransport _transport;

    internal SafetyStockRulesClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Creates or replaces the rule with these selectors; with <paramref name="ifMatch"/>, only if unchanged since read.</summary>
    public async Task<SafetyStockRule> SaveAsync(SafetyStockRuleRequest rule, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var (saved, etag) = await _transport.SendAsync<SafetyStockRule>(HttpMethod.Put, Root, rule, ifMatch, null, cancellationToken).ConfigureAwait(false);
        return saved with { ETag = etag };
    }

    /// <summary>
    /// One page of rules, optionally for one SKU. A server that answers every rule at once (in
    /// <c>rules</c>, without <c>next</c>) gives one page.
    /// </summary>
    public Task<Page<SafetyStockRule>> GetPageAsync(string? sku = null, string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<SafetyStockRule>(Paths.Query(Root, ("sku", sku), ("after", after), ("limit", Paths.Text(limit))), "rules", cancellationToken);

    public IAsyncEnumerable<SafetyStockRule> ListAsync(string? sku = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(sku, after, pageSize, token), null, cancellationToken);

    /// <summary>Deletes the rule with exactly these selectors and answers it; <see cref="NotFoundException"/> when there is none.</summary>
    public async Task<SafetyStockRule> DeleteAsync(string? sku = null, string? location = null, string? group = null, string? ifMatch = null,
        CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync<SafetyStockRule>(HttpMethod.Delete, Paths.Query(Root, ("sku", sku), ("location", location), ("group", group)), null, ifMatch,
            null, cancellationToken).ConfigureAwait(false)).Value;
}

/// <summary><c>/v1/rules/low-stock</c>.</summary>
public sealed class LowStockRulesClient
{
    private const string Root = "v1/rules/low-stock";

    private readonly StockroomTransport _transport;

    internal LowStockRulesClient(StockroomTransport transport) => _transport = transport;

    /// <summary>Creates or replaces the threshold with these selectors; with <paramref name="ifMatch"/>, only if unchanged since read.</summary>
    public async Task<LowStockRule> SaveAsync(LowStockRuleRequest rule, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var (saved, etag) = await _transport.SendAsync<LowStockRule>(HttpMethod.Put, Root, rule, ifMatch, null, cancellationToken).ConfigureAwait(false);
        return saved with { ETag = etag };
    }

    /// <summary>One page of thresholds, optionally for one SKU (all at once from a server that answers them in <c>rules</c>).</summary>
    public Task<Page<LowStockRule>> GetPageAsync(string? sku = null, string? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        _transport.GetPageAsync<LowStockRule>(Paths.Query(Root, ("sku", sku), ("after", after), ("limit", Paths.Text(limit))), "rules", cancellationToken);

    public IAsyncEnumerable<LowStockRule> ListAsync(string? sku = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        StockroomTransport.ListAsync((after, token) => GetPageAsync(sku, after, pageSize, token), null, cancellationToken);

    /// <summary>Deletes the threshold with exactly these selectors and answers it.</summary>
    public async Task<LowStockRule> DeleteAsync(string? sku = null, string? location = null, string? group = null, string? ifMatch = null,
        CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync<LowStockRule>(HttpMethod.Delete, Paths.Query(Root, ("sku", sku), ("location", location), ("group", group)), null, ifMatch,
            null, cancellationToken).ConfigureAwait(false)).Value;
}
