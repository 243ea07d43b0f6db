namespace Stockroom.Core;

/// <summary>
/// Every bound the service enforces, in one place, so that refusals quote the same numbers the
/// code checks and nothing grows without limit.
/// </summary>
public static class Limits
{
    /// <summary>Identifiers (sku, location, group, channel, reservation, order) are at most this long.</summary>
    public const int IdentifierLengthMax = 64;

    /// <summary>A quantity in a request: whole units, 0 to one billion.</summary>
    public const long QuantityMax = 1_000_000_000;

    /// <summary>
    /// What one position may hold. Far above any single request so that many adjustments can
    /// add up, and far below <see cref="long.MaxValue"/> so that sums over thousands of
    /// locations cannot overflow.
    /// </summary>
    public const long PositionUnitsMax = 1_000_000_000_000;

    /// <summary>Lines in one reservation or order.</summary>
    public const int DemandLinesMax = 100;

    /// <summary>Priorities run from minus to plus this.</summary>
    public const int PriorityMax = 1_000_000;

    /// <summary>SKUs in one bulk availability query: a listing page's worth.</summary>
    public const int BulkSkusMax = 1_000;

    /// <summary>
    /// SKUs × locations one availability query may cover: a listing page of 1,000 SKUs over 100
    /// stores, or 100 SKUs over a 1,000-location group. A query over 1,000 SKUs × 1,000 locations
    /// costs seconds and hundreds of megabytes to answer, so such a question is split by the caller.
    /// </summary>
    public const int AvailabilityCellsMax = 100_000;

    /// <summary>
    /// Positions one hold may weigh: the sum over its lines of the locations each line may take
    /// units from (10 lines over a 1,000-location group, or 100 lines over 100 stores). The writer
    /// locks and decides every one of them in one transaction, so a wider hold would hold up
    /// every other hold behind it.
    /// </summary>
    public const int HoldPositionsMax = 10_000;

    public const int RequestBodyBytesMax = 1024 * 1024;
    public const int SupplyLinesMax = 10_000;

    /// <summary>Rows in one CSV import, applied in one transaction.</summary>
    public const int ImportRowsMax = 1_000_000;
    public const int GroupLocationsMax = 1_000;
    public const int PageSizeDefault = 100;
    public const int PageSizeMax = 1_000;
    public const int NameLengthMax = 200;

    /// <summary>The longest marketplace signing secret a channel takes (well above the secrets marketplaces issue).</summary>
    public const int IntakeSecretLengthMax = 512;
    public const int DescriptionLengthMax = 4_000;
    public const int ReasonLengthMax = 200;
    public const int ReferenceLengthMax = 64;
    public const int AttributesMax = 50;
    public const int AttributeLengthMax = 200;

    /// <summary>The slowest publication cadence a channel may have: a day.</summary>
    public const int PublishEverySecondsMax = 24 * 60 * 60;

    /// <summary>The longest a hold may last before it expires by itself: a week.</summary>
    public const int HoldSecondsMax = 7 * 24 * 60 * 60;

    /// <summary>How long a seller may take to accept an on-request hold: a week.</summary>
    public const int AcceptWithinSecondsMax = 7 * 24 * 60 * 60;

    /// <summary>
    /// How far from today Stockroom plans, two years: <c>?date=</c> and inbound ETAs look at most
    /// this far ahead, ETAs and snapshot times (<c>asOf</c>) at most this far back.
    /// </summary>
    public const int HorizonDaysMax = 2 * 366;

    /// <summary>Prices and costs are positive and below this.</summary>
    public const decimal MoneyMax = 1_000_000_000m;
}
