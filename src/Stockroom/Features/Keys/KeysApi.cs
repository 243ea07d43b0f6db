using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stockroom.Core;
using Stockroom.Features.Catalog;
using Stockroom.Http;
using Stockroom.Storage;

namespace Stockroom.Features.Keys;

public sealed record CreateKeyRequest(string? Id, string? Name, List<string>? Scopes, string? Channel);

/// <summary>A key as shown back. <see cref="Key"/>, the secret, appears once: in the answer that created it.</summary>
public sealed record KeyView(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, string? Channel,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string? Key = null)
{
    public static KeyView From(StoredApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new(key.Id, key.Name, key.Prefix, key.Scopes, key.Channel, key.CreatedAt, key.RevokedAt);
    }
}

/// <summary>
/// Keys created through the API, for integrations (a POS, a marketplace connector) that should
/// not share the operator's key. Only a digest is stored: the secret is in the one answer that
/// creates it, and a replay of that request shows the key without it. Admin only.
/// </summary>
public static class KeysApi
{
    public static RouteGroupBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/keys").WithTags("Keys").RequireStoreWideScope(Scopes.Admin);
        group.MapPost("/", Create).WithName("CreateKey").WithSummary("Create an API key with scopes, maybe bound to one channel; the secret is shown once.");
        group.MapGet("/", List).WithName("ListKeys").WithSummary("List keys created through the API (never their secrets).");
        group.MapDelete("/{id}", Revoke).WithName("RevokeKey").WithSummary("Revoke a key; requests with it are refused from then on.");
        return group;
    }

    public static async Task<Results<Created<KeyView>, Ok<KeyView>, ProblemHttpResult>> Create(
        CreateKeyRequest request, IStockStore store, KeyRing keys, HttpResponse httpResponse, CancellationToken cancellationToken,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey = null)
    {
        var (id, mismatch) = IdempotencyKeys.Resolve(request.Id, idempotencyKey);
        if (mismatch is not null)
        {
            return mismatch;
        }

        request = request with { Id = id };
        var validation = new Validation();
        validation.Identifier("id", request.Id);
        validation.Text("name", request.Name, Limits.NameLengthMax, required: false);
        if (request.Scopes is not { Count: > 0 } scopes || scopes.Any(s => s is null || !Scopes.All.Contains(s)))
        {
            validation.Add("scopes", $"must list one or more of {string.Join(", ", Scopes.All.Order(StringComparer.Ordinal))}");
        }

        validation.Identifier("channel", request.Channel, required: false);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        if (request.Channel is not null && await store.GetChannelAsync(request.Channel, cancellationToken) is null)
        {
            return Problems.Unprocessable(new Dictionary<string, string[]> { ["channel"] = [$"there is no channel '{request.Channel}'"] },
                "A key can only be bound to a channel that exists. No key was created.");
        }

        var hash = Idempotency.Hash(request);
        var result = await Writes.RetryAsync<Results<Created<KeyView>, Ok<KeyView>, ProblemHttpResult>>(store, async () =>
        {
            await using var write = await store.BeginWriteAsync(cancellationToken);
            if (await store.GetApiKeyAsync(request.Id!, cancellationToken) is { } existing)
            {
                if (existing.RequestHash != hash)
                {
                    return Problems.IdempotencyClash(request.Id!);
                }

                httpResponse.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Ok(KeyView.From(existing.Key));
            }

            var secret = ApiKeyFormat.NewKey();
            var key = new StoredApiKey(request.Id!, request.Name ?? request.Id!, KeyRing.Digest(secret), secret[..ApiKeyFormat.ShownPrefixLength],
                [.. request.Scopes!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], request.Channel, write.Now, null);
            await write.InsertApiKeyAsync(key, hash, cancellationToken);
            await write.CommitAsync(cancellationToken);
            httpResponse.Headers["Idempotent-Replayed"] = "false";
            return TypedResults.Created($"/v1/keys/{key.Id}", KeyView.From(key) with { Key = secret });
        });
        keys.Changed();
        return result;
    }

    public static async Task<Results<Ok<Page<KeyView>>, ProblemHttpResult>> List(
        IStockStore store, CancellationToken cancellationToken, string? after = null, int? limit = null)
    {
        var (validation, size) = Paging.Validate(after, limit);
        if (!validation.IsValid)
        {
            return validation.Problem();
        }

        var keys = (await store.ListApiKeysAsync(cancellationToken, after, size)).Select(KeyView.From).ToList();
        return TypedResults.Ok(Paging.Page(keys, size, k => k.Id));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(string id, IStockStore store, KeyRing keys, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        if (!validation.Identifier("id", id))
        {
            return validation.Problem();
        }

        await using var write = await store.BeginWriteAsync(cancellationToken);
        if (!await write.RevokeApiKeyAsync(id, cancellationToken))
        {
            return Problems.NotFound("key in force", id);
        }

        await write.CommitAsync(cancellationToken);
        keys.Changed();
        return TypedResults.NoContent();
    }
}
