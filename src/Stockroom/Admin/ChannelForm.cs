using System.Globalization;
using Microsoft.AspNetCore.Html;
using Stockroom.Core.Catalog;
using Stockroom.Features.Catalog;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// A channel's plain fields as the form posts them, turned into <see cref="PutChannelRequest"/>. The
/// intake secret and the connector are left out of the request, which keeps them as they are: they
/// are set through the API, and no page shows a secret.
/// </summary>
public sealed class ChannelForm
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Group { get; set; }
    public string? BufferPercent { get; set; }
    public string? BufferUnits { get; set; }
    public string? ReservationTtlSeconds { get; set; }
    public string? PublishEverySeconds { get; set; }
    public string? IntakeUnknownSkus { get; set; }

    public static ChannelForm From(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return new ChannelForm
        {
            Id = channel.Id,
            Name = channel.Name,
            Group = channel.Group,
            BufferPercent = FormFields.Number(channel.Buffer?.Percent),
            BufferUnits = FormFields.Number(channel.Buffer?.Units),
            ReservationTtlSeconds = channel.ReservationTtlSeconds?.ToString(CultureInfo.InvariantCulture),
            PublishEverySeconds = channel.PublishEverySeconds.ToString(CultureInfo.InvariantCulture),
            IntakeUnknownSkus = Sql.Text(channel.IntakeUnknownSkus),
        };
    }

    public PutChannelRequest ToRequest(FormFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var percent = fields.Amount(BufferPercent, "buffer.percent");
        var units = fields.Units(BufferUnits, "buffer.units");
        return new PutChannelRequest(FormFields.Blank(Name), FormFields.Blank(Group),
            percent is null && units is null ? null : new BufferRequest(percent, units),
            fields.Whole(ReservationTtlSeconds, "reservationTtlSeconds"), fields.Whole(PublishEverySeconds, "publishEverySeconds"),
            default, fields.Enum<UnknownSkus>(IntakeUnknownSkus, "intakeUnknownSkus"));
    }

    /// <summary>Do two requests set the same plain fields? (Neither carries a secret nor a connector.)</summary>
    public static bool Same(PutChannelRequest a, PutChannelRequest b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.Name == b.Name && a.Group == b.Group && a.Buffer == b.Buffer && a.ReservationTtlSeconds == b.ReservationTtlSeconds
            && (a.PublishEverySeconds ?? 0) == (b.PublishEverySeconds ?? 0) && (a.IntakeUnknownSkus ?? UnknownSkus.Skip) == (b.IntakeUnknownSkus ?? UnknownSkus.Skip);
    }

    public IHtmlContent Render(FormFields f, bool creating, IReadOnlyList<DistributionGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(groups);
        var html = new HtmlContentBuilder();
        if (creating)
        {
            html.AppendHtml(f.Text("id", "Id", Id, "Letters, digits and . _ : - (up to 64), e.g. web or amazon-de.", required: true));
        }

        html.AppendHtml(f.Text("name", "Name", Name, required: true));
        html.AppendHtml(f.Select("group", "Sells from group", new[] { ("", "choose…") }.Concat(groups.Select(g => (g.Id, $"{g.Name} ({g.Id})"))), Group));
        html.AppendHtml(f.Text("bufferPercent", "Buffer (percent)", BufferPercent, "Share of the group's availability this channel is not shown, 0 to 100.",
            inputMode: "decimal", apiKey: "buffer.percent"));
        html.AppendHtml(f.Text("bufferUnits", "Buffer (units)", BufferUnits, "Units this channel is not shown, on top of the percent.",
            inputMode: "numeric", apiKey: "buffer.units"));
        html.AppendHtml(f.Text("reservationTtlSeconds", "Holds expire after (seconds)", ReservationTtlSeconds, "Blank for the default.", inputMode: "numeric"));
        html.AppendHtml(f.Text("publishEverySeconds", "Publish at most every (seconds)", PublishEverySeconds, "0 publishes every change at once.",
            inputMode: "numeric"));
        html.AppendHtml(f.Select<UnknownSkus>("intakeUnknownSkus", "Order lines with an unknown SKU",
            Enum.TryParse<UnknownSkus>(IntakeUnknownSkus, true, out var unknown) ? unknown : UnknownSkus.Skip,
            hint: "skip: hold the other lines; refuse: refuse the order until the listing is mapped."));
        return html;
    }
}
