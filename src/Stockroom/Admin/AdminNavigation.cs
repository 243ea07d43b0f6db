namespace Stockroom.Admin;

/// <summary>The admin pages in the header, in the order an operations person works through them.</summary>
public static class AdminNavigation
{
    public sealed record Entry(string Path, string Label);

    public static readonly IReadOnlyList<Entry> Pages =
    [
        new("/admin", "Dashboard"),
        new("/admin/positions", "Positions"),
        new("/admin/items", "Items"),
        new("/admin/reservations", "Reservations"),
        new("/admin/allocations", "Allocations"),
        new("/admin/transfers", "Transfers"),
        new("/admin/intake", "Intake"),
        new("/admin/alerts", "Alerts"),
        new("/admin/ledger", "Ledger"),
        new("/admin/locations", "Locations"),
        new("/admin/channels", "Channels"),
        new("/admin/rules", "Rules"),
        new("/admin/webhooks", "Webhooks"),
        new("/admin/keys", "Keys"),
    ];

    /// <summary>Is <paramref name="path"/> this entry's page, or a page under it (an item under items)?</summary>
    public static bool Contains(Entry entry, string? path)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return path is not null && (string.Equals(path, entry.Path, StringComparison.OrdinalIgnoreCase)
            || (entry.Path != "/admin" && path.StartsWith(entry.Path + "/", StringComparison.OrdinalIgnoreCase)));
    }
}
