using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Core;
using Stockroom.Core.Supply;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Features.Reservations;
using Stockroom.Features.Transfers;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// Transfers between locations: searched by id or SKU, by status, a page at a time; a form that
/// sends one (the API's <c>CreateTransfer</c>) and a button that receives one in full (the API's
/// <c>ReceiveTransfer</c>: it receives what is in transit under the transfer's id).
/// </summary>
public sealed partial class TransfersModel(IStockStore store, TimeProvider time, KeyRing keys, HoldWriterOptions options) : PageModel
{
    public const int PageSize = 100;

    /// <summary>Rows of the send form; the API takes up to <see cref="Core.Supply.Transfers.LinesMax"/> lines, a form this many.</summary>
    public const int FormLines = 5;

    public const int LocationsMax = 1_000;

    public IReadOnlyList<Transfer> Transfers { get; private set; } = [];
    public string? Next { get; private set; }
    public string? Search { get; private set; }
    public TransferStatus? Status { get; private set; }
    public string? Problem { get; private set; }
    public IReadOnlyList<string> Locations { get; private set; } = [];
    public bool MayWrite { get; private set; }
    public DateTimeOffset Now { get; private set; }

    /// <summary>The send form's fields, with the API's messages beside them when it refused the transfer.</summary>
    public FormFields Fields { get; } = new("transfer-", "error-");
    public TransferForm Form { get; private set; } = TransferForm.Empty();

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Refusal { get; set; }

    public async Task OnGetAsync(string? q, string? status, string? after, CancellationToken cancellationToken)
    {
        Form = TransferForm.Empty();
        await LoadAsync(q, status, after, cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(TransferForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.InventoryWrite);
        }

        // Rows left empty are not lines; the API's messages name lines by their place among those sent, mapped back to the form's rows here.
        var rows = form.Lines.Select((line, row) => (line, row)).Where(l => !string.IsNullOrWhiteSpace(l.line.Sku) || !string.IsNullOrWhiteSpace(l.line.Quantity)).ToList();
        var request = new TransferRequest(FormFields.Blank(form.Id), FormFields.Blank(form.From), FormFields.Blank(form.To),
            DateOnly.TryParse(form.Eta, CultureInfo.InvariantCulture, out var eta) ? eta : null,
            rows.Count == 0 ? null : [.. rows.Select(r => new TransferLineRequest(FormFields.Blank(r.line.Sku),
                long.TryParse(r.line.Quantity, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var quantity) ? quantity : null))]);
        var result = (await CreateTransfer.Handle(request, store, time, Response, cancellationToken)).Result;
        if (result is Created<Transfer> or Ok<Transfer>)
        {
            var sent = result is Created<Transfer> created ? created.Value! : ((Ok<Transfer>)result).Value!;
            Message = $"Transfer {sent.Id} is on its way: {sent.Lines.Sum(l => l.Quantity)} units from {sent.From} to {sent.To}.";
            return RedirectToPage(new { q = sent.Id });
        }

        var outcome = AdminOutcome.From(result, "");
        Fields.Take(outcome with
        {
            FieldErrors = outcome.FieldErrors.ToDictionary(e => LineIndex().Replace(e.Key, m => $"lines[{rows[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)].row}]"),
                e => e.Value, StringComparer.OrdinalIgnoreCase),
        });
        Form = form;
        await LoadAsync(null, null, null, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostReceiveAsync(string id, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.InventoryWrite);
        }

        var result = (await ReceiveTransfer.Handle(id, store, options, Response, cancellationToken)).Result;
        var outcome = AdminOutcome.From(result, result is Ok<Transfer> { Value: { } received }
            ? $"Transfer {received.Id} is received: {received.Lines.Sum(l => l.Received)} of {received.Lines.Sum(l => l.Quantity)} units are on hand at {received.To}."
            : "");
        (Message, Refusal) = outcome.Flash;
        return RedirectToPage(new { q = id });
    }

    private async Task LoadAsync(string? q, string? status, string? after, CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        MayWrite = await AdminSetup.MayAsync(User, keys, Scopes.InventoryWrite, cancellationToken);
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        Status = Enum.TryParse<TransferStatus>(status, ignoreCase: true, out var parsed) && !int.TryParse(status, out _) ? parsed : null;
        Locations = [.. (await store.ListLocationsAsync(null, LocationsMax, cancellationToken)).Select(l => l.Id)];
        if (Search is not null && !Identifier.IsValid(Search))
        {
            Problem = "Search by a transfer id or a SKU: letters, digits and . _ : - only.";
            return;
        }

        Transfers = await store.SearchTransfersAsync(new TransferSearch(Search, Status, Identifier.IsValid(after) ? after : null, PageSize), cancellationToken);
        Next = Transfers.Count == PageSize ? Transfers[^1].Id : null;
    }

    [GeneratedRegex(@"^lines\[(\d+)\]")]
    private static partial Regex LineIndex();
}

/// <summary>The send form as posted: every value as typed, so a refused form comes back as it was.</summary>
public sealed class TransferForm
{
    public string? Id { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public string? Eta { get; set; }
    public List<TransferFormLine> Lines { get; set; } = [];

    public static TransferForm Empty() => new() { Id = FormFields.NewId("tr"), Lines = [.. Enumerable.Range(0, TransfersModel.FormLines).Select(_ => new TransferFormLine())] };

    /// <summary>The form's fields; each line's are named as the API names them (<c>lines[2].sku</c>), so its messages come back beside them.</summary>
    public IHtmlContent Render(FormFields f, IReadOnlyList<string> locations)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(locations);
        var html = new HtmlContentBuilder();
        html.AppendHtml(f.Text("id", "Id", Id, required: true));
        var choices = new[] { ("", "choose a location") }.Concat(locations.Select(l => (l, l))).ToList();
        html.AppendHtml(f.Select("from", "From", choices, From));
        html.AppendHtml(f.Select("to", "To", choices, To));
        html.AppendHtml(f.Text("eta", "Due (optional)", Eta, type: "date"));
        var lines = new HtmlContentBuilder();
        for (var i = 0; i < Lines.Count; i++)
        {
            var line = f.Part($"line-{i}-", $"lines[{i}].");
            lines.AppendHtml("<div class=\"line\" style=\"display: flex; gap: .4rem .6rem; flex-wrap: wrap; align-items: start\">");
            lines.AppendHtml(line.Text("sku", $"SKU {i + 1}", Lines[i].Sku));
            lines.AppendHtml(line.Text("quantity", $"Quantity {i + 1}", Lines[i].Quantity, type: "number", inputMode: "numeric"));
            lines.AppendHtml("</div>");
        }

        return html.AppendHtml(f.Group("lines", "Lines", lines));
    }
}

public sealed class TransferFormLine
{
    public string? Sku { get; set; }
    public string? Quantity { get; set; }
}
