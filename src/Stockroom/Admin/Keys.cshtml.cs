using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Stockroom.Features.Catalog;
using Stockroom.Features.Keys;
using Stockroom.Storage;

namespace Stockroom.Admin;

/// <summary>
/// API keys created through the API: their scopes and channel, a form that creates one (its secret
/// shown once, on the answer to the form, as the API shows it once), and revocation after a
/// confirmation. Like <c>/v1/keys</c>, only a key with the <c>admin</c> scope sees or changes them.
/// </summary>
public sealed class KeysModel(IStockStore store, KeyRing keys, TimeProvider time) : PageModel
{
    /// <summary>Keys are made by hand, one per integration: a thousand is far more than any seller has.</summary>
    public const int KeysMax = 1_000;

    public static readonly IReadOnlyDictionary<string, Func<StoredApiKey, IComparable?>> Columns = new Dictionary<string, Func<StoredApiKey, IComparable?>>(StringComparer.Ordinal)
    {
        ["id"] = k => k.Id,
        ["name"] = k => k.Name,
        ["channel"] = k => k.Channel,
        ["created"] = k => k.CreatedAt,
        ["revoked"] = k => k.RevokedAt,
    };

    public ListQuery Query { get; private set; } = new(null, "created", true, null);
    public ListPage<StoredApiKey> Keys { get; private set; } = new([], null);
    public IReadOnlyList<string> Channels { get; private set; } = [];
    public bool MayManage { get; private set; }
    public DateTimeOffset Now { get; private set; }

    /// <summary>The key whose revocation waits for a confirmation, when one was asked for.</summary>
    public StoredApiKey? Confirming { get; private set; }

    /// <summary>The key just created, with its secret: set only on the answer to the form that created it.</summary>
    public KeyView? Created { get; private set; }

    /// <summary>What the answer to the create form sent again says: the key exists, and its secret is not shown twice.</summary>
    public string? Replayed { get; private set; }

    /// <summary>The create form's fields, with the API's messages beside them when it refused the key.</summary>
    public FormFields Fields { get; } = new("key-", "error-");

    /// <summary>What the create form shows: a fresh id, or what was sent when the API refused it.</summary>
    public (string Id, string? Name, IReadOnlyCollection<string> Scopes, string? Channel) Form { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Refusal { get; set; }

    public async Task OnGetAsync(string? revoke, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        Form = (FormFields.NewId("key"), null, [Scopes.Read], null);
        if (MayManage && revoke is not null)
        {
            Confirming = (await store.GetApiKeyAsync(revoke, cancellationToken))?.Key is { RevokedAt: null } key ? key : null;
        }
    }

    public async Task<IActionResult> OnPostCreateAsync(string? id, string? name, string[]? scopes, string? channel, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        var request = new CreateKeyRequest(FormFields.Blank(id), FormFields.Blank(name), scopes is { Length: > 0 } ? [.. scopes] : null, FormFields.Blank(channel));
        var result = (await KeysApi.Create(request, store, keys, Response, cancellationToken)).Result;
        Form = (id ?? "", name, scopes ?? [], channel);
        switch (result)
        {
            case Created<KeyView> created:
                Created = created.Value;
                Form = (FormFields.NewId("key"), null, [Scopes.Read], null);
                break;
            case Ok<KeyView> replayed:
                // The same form sent again (a reload): the key exists, and its secret is never shown twice.
                Replayed = $"Key {replayed.Value!.Id} was created already; its secret was shown then and cannot be shown again.";
                Form = (FormFields.NewId("key"), null, [Scopes.Read], null);
                break;
            default:
                Fields.Take(AdminOutcome.From(result, ""));
                break;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string id, CancellationToken cancellationToken)
    {
        if (!await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken))
        {
            return AdminSetup.Forbidden(Scopes.Admin);
        }

        var outcome = AdminOutcome.From((await KeysApi.Revoke(id, store, keys, cancellationToken)).Result, $"Key {id} is revoked: requests with it are refused from now on.");
        (Message, Refusal) = outcome.Flash;
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Query = ListQuery.From(Request, [.. Columns.Keys], "created", defaultDescending: true);
        MayManage = await AdminSetup.MayAsync(User, keys, Scopes.Admin, cancellationToken);
        if (!MayManage)
        {
            return;
        }

        var all = await store.ListApiKeysAsync(cancellationToken, null, KeysMax);
        Keys = AdminLists.Page(all.Where(k => Query.Matches(k.Id, k.Name, k.Channel, k.Prefix, string.Join(' ', k.Scopes))), Query, Columns, k => k.Id);
        Channels = [.. (await store.ListChannelsAsync(null, KeysMax, cancellationToken)).Select(c => c.Id)];
    }
}
