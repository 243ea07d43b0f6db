using System.Globalization;
using Microsoft.AspNetCore.Html;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>A location's fields as the form posts them, turned into <see cref="PutLocationRequest"/>.</summary>
public sealed class LocationForm
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Type { get; set; }
    public bool CanShip { get; set; }
    public bool CanPickup { get; set; }
    public string? Latitude { get; set; }
    public string? Longitude { get; set; }
    public string? Priority { get; set; }
    // Unticked checkboxes post nothing, so every flag starts false when bound; a new form ticks Active itself.
    public bool Active { get; set; }
    public string? LeadTimeDays { get; set; }

    public static LocationForm From(Location location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new LocationForm
        {
            Id = location.Id,
            Name = location.Name,
            Type = Sql.Text(location.Type),
            CanShip = location.CanShip,
            CanPickup = location.CanPickup,
            Latitude = FormFields.Number(location.Latitude),
            Longitude = FormFields.Number(location.Longitude),
            Priority = location.Priority.ToString(CultureInfo.InvariantCulture),
            Active = location.Active,
            LeadTimeDays = location.LeadTimeDays?.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The request the API takes; what cannot be read is added to <paramref name="fields"/>.</summary>
    public PutLocationRequest ToRequest(FormFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return new PutLocationRequest(FormFields.Blank(Name), fields.Enum<LocationType>(Type, "type"), CanShip, CanPickup,
            fields.Degrees(Latitude, "latitude"), fields.Degrees(Longitude, "longitude"), fields.Whole(Priority, "priority"), Active,
            fields.Whole(LeadTimeDays, "leadTimeDays"));
    }

    public IHtmlContent Render(FormFields f, bool creating)
    {
        ArgumentNullException.ThrowIfNull(f);
        var html = new HtmlContentBuilder();
        if (creating)
        {
            html.AppendHtml(f.Text("id", "Id", Id, "Letters, digits and . _ : - (up to 64).", required: true));
        }

        html.AppendHtml(f.Text("name", "Name", Name, required: true));
        html.AppendHtml(f.Select<LocationType>("type", "Type", Enum.TryParse<LocationType>(Type, true, out var t) ? t : null, blank: "choose…"));
        html.AppendHtml(f.Check("canShip", "Ships to customers", CanShip));
        html.AppendHtml(f.Check("canPickup", "Customers pick up here", CanPickup));
        html.AppendHtml(f.Text("latitude", "Latitude", Latitude, "Decimal degrees, −90 to 90; blank with longitude for none.", inputMode: "decimal"));
        html.AppendHtml(f.Text("longitude", "Longitude", Longitude, "Decimal degrees, −180 to 180.", inputMode: "decimal"));
        html.AppendHtml(f.Text("priority", "Priority", Priority, "Higher sources group holds first; 0 when blank.", inputMode: "numeric"));
        html.AppendHtml(f.Check("active", "Active (an inactive location keeps its stock but promises none)", Active));
        html.AppendHtml(f.Text("leadTimeDays", "Lead time (days)", LeadTimeDays, "Days an order from here takes to reach the customer.", inputMode: "numeric"));
        return html;
    }
}

/// <summary>A distribution group's fields as the form posts them, turned into <see cref="PutGroupRequest"/>.</summary>
public sealed class GroupForm
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public List<string> Locations { get; set; } = [];

    public static GroupForm From(DistributionGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return new GroupForm { Id = group.Id, Name = group.Name, Locations = [.. group.Locations] };
    }

    public PutGroupRequest ToRequest() => new(FormFields.Blank(Name), [.. Locations.Where(l => !string.IsNullOrWhiteSpace(l)).Distinct(StringComparer.Ordinal)]);

    public IHtmlContent Render(FormFields f, bool creating, IReadOnlyList<Location> locations)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(locations);
        var html = new HtmlContentBuilder();
        if (creating)
        {
            html.AppendHtml(f.Text("id", "Id", Id, "Letters, digits and . _ : - (up to 64).", required: true));
        }

        html.AppendHtml(f.Text("name", "Name", Name, required: true));
        html.AppendHtml(f.Checkboxes("locations", "Locations", locations.Select(l => (l.Id, $"{l.Name} ({l.Id})")), Locations,
            hint: "A channel selling from this group promises the stock of the locations ticked."));
        return html;
    }
}
