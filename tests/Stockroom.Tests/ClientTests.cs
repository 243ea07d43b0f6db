using System.Globalization;
using Stockroom.Client;
using Stockroom.Testing;
using Stockroom.Tests.Fixtures;

namespace Stockroom.Tests;

/// <summary>
/// The .NET client package against a live server with keys configured, as an integrator uses it:
/// the network set up through it, holds made and refused, refusals read as typed exceptions, and
/// lists paged to their end. The fixture's own <see cref="HttpClient"/> is shared by every key, as
/// an application shares one: the client sends its key with each request.
/// </summary>
public abstract class ClientTests(StockroomServer server)
{
    private StockroomClient Admin => new(server.Client, MatrixKeys.Admin);

    private async Task<Network> SeedAsync(long storeOnHand = 10, long warehouseOnHand = 25)
    {
        var admin = Admin;
        var network = new Network(Api.NewId("SKU"), Api.NewId("store"), Api.NewId("wh"), Api.NewId("g"), Api.NewId("web"));
        await admin.Locations.SaveAsync(network.Store, new LocationRequest { Name = "Main Street", Type = LocationType.Store, CanShip = true, CanPickup = true, Priority = 10 });
        await admin.Locations.SaveAsync(network.Warehouse, new LocationRequest { Name = "Warehouse", Type = LocationType.Warehouse, CanShip = true, CanPickup = false });
        var item = await admin.Items.SaveAsync(network.Sku, new ItemRequest { Name = "Desk lamp", Price = 49.90m });
        Assert.Equal(ItemStatus.Active, item.Status);
        var group = await admin.Groups.SaveAsync(network.Group, new GroupRequest { Name = "Ship to home", Locations = [network.Store, network.Warehouse] });
        Assert.Equal(new[] { network.Store, network.Warehouse }.Order(StringComparer.Ordinal), group.Locations.Order(StringComparer.Ordinal));
        var channel = await admin.Channels.SaveAsync(network.Channel, new ChannelRequest { Name = "Web shop", Group = network.Group });
        Assert.Equal(network.Group, channel.Group);
        var synced = await admin.Supply.SyncAsync(new SupplySnapshot
        {
            Source = "erp",
            AsOf = StockroomServer.Start.AddHours(-1),
            Lines =
            [
                new SupplyCount { Sku = network.Sku, Location = network.Store, Quantity = storeOnHand },
                new SupplyCount { Sku = network.Sku, Location = network.Warehouse, Quantity = warehouseOnHand },
            ],
        });
        Assert.Equal(storeOnHand + warehouseOnHand, synced.Positions.Sum(p => p.OnHand));
        return network;
    }

    private static ReservationRequest Hold(Network network, long quantity, string? id = null) => new()
    {
        Id = id ?? Api.NewId("r"),
        Channel = network.Channel,
        Lines = [new ReservationLineRequest { Sku = network.Sku, Quantity = quantity }],
    };

    private async Task<long> ChannelAvailableAsync(Network network) =>
        (await Admin.Availability.GetAsync(network.Sku, AvailabilityScope.ForChannel(network.Channel), consistency: ReadConsistency.Strong)).Available;

    [Fact]
    public async Task A_hold_larger_than_what_is_left_throws_insufficient_stock_naming_the_short_line_and_holds_nothing()
    {
        var network = await SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var admin = Admin;
        var spare = Api.NewId("SKU");
        await admin.Items.SaveAsync(spare, new ItemRequest { Name = "Lamp shade" });
        await admin.Supply.AdjustAsync(new SupplyAdjustment
        {
            Id = Api.NewId("adj"),
            Lines = [new SupplyChange { Sku = spare, Location = network.Warehouse, Delta = 50, Reason = "receipt" }],
        });
        Assert.Equal(35, await ChannelAvailableAsync(network));

        var first = await admin.Reservations.CreateAsync(Hold(network, 30));
        Assert.Equal(ReservationStatus.Active, first.Status);
        Assert.Equal(30, first.Lines.Single().Reserved);
        Assert.Equal(30, first.Lines.Single().Allocations.Sum(a => a.Quantity));
        Assert.Equal(5, await ChannelAvailableAsync(network));

        // Line 0 could be held; line 1 asks 8 of the lamp when 5 are left.
        var larger = new ReservationRequest
        {
            Id = Api.NewId("r"),
            Channel = network.Channel,
            Lines = [new ReservationLineRequest { Sku = spare, Quantity = 2 }, new ReservationLineRequest { Sku = network.Sku, Quantity = 8 }],
        };
        var refused = await Assert.ThrowsAsync<InsufficientStockException>(() => admin.Reservations.CreateAsync(larger));
        Assert.Equal(409, refused.Status);
        Assert.Equal("urn:stockroom:problem:insufficient-stock", refused.Type);
        var shortage = Assert.Single(refused.Shortages);
        Assert.Equal(new StockShortage(1, network.Sku, 8, 5), shortage);
        Assert.Equal(3, shortage.Missing);
        Assert.Contains("lines[1].quantity", refused.Errors.Keys);
        Assert.IsAssignableFrom<ConflictException>(refused);
        Assert.Equal(5, await ChannelAvailableAsync(network));
        await Assert.ThrowsAsync<NotFoundException>(() => admin.Reservations.GetAsync(larger.Id));

        var released = await admin.Reservations.ReleaseAsync(first.Id);
        Assert.Equal(ReservationStatus.Released, released.Status);
        Assert.Equal(35, await ChannelAvailableAsync(network));
        // Releasing again answers the reservation as it is.
        Assert.Equal(ReservationStatus.Released, (await admin.Reservations.ReleaseAsync(first.Id)).Status);
    }

    [Fact]
    public async Task Sending_a_hold_again_with_its_id_answers_the_same_reservation_and_another_body_is_an_idempotency_conflict()
    {
        var network = await SeedAsync();
        var admin = Admin;
        var request = Hold(network, 4);

        var first = await admin.Reservations.CreateAsync(request);
        var again = await admin.Reservations.CreateAsync(request);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.Equal(first.Lines.Single().Reserved, again.Lines.Single().Reserved);
        Assert.Equal(31, await ChannelAvailableAsync(network));

        // A request whose answer was lost is sent again through the retry helper without holding twice.
        var retried = await StockroomRetry.IdempotentAsync(token => admin.Reservations.CreateAsync(request, token));
        Assert.Equal(first.ExpiresAt, retried.ExpiresAt);
        Assert.Equal(31, await ChannelAvailableAsync(network));

        var clash = await Assert.ThrowsAsync<IdempotencyConflictException>(() => admin.Reservations.CreateAsync(request with
        {
            Lines = [new ReservationLineRequest { Sku = network.Sku, Quantity = 5 }],
        }));
        Assert.Equal(409, clash.Status);
        Assert.Equal(4, (await admin.Reservations.GetAsync(request.Id)).Lines.Single().Reserved);
    }

    [Fact]
    public async Task A_validation_error_surfaces_its_field_errors_and_an_unknown_resource_is_not_found()
    {
        var admin = Admin;
        var invalid = await Assert.ThrowsAsync<ValidationException>(() => admin.Items.SaveAsync("not a sku!", new ItemRequest { Name = "" }));
        Assert.Equal(400, invalid.Status);
        Assert.Equal("urn:stockroom:problem:validation", invalid.Type);
        Assert.Contains("sku", invalid.Errors.Keys);
        Assert.Contains("name", invalid.Errors.Keys);
        Assert.All(invalid.Errors.Values, messages => Assert.NotEmpty(messages));
        Assert.Contains("name", invalid.Message, StringComparison.Ordinal);

        var network = await SeedAsync();
        var badLine = await Assert.ThrowsAsync<ValidationException>(() => admin.Reservations.CreateAsync(Hold(network, 0)));
        Assert.Contains("lines[0].quantity", badLine.Errors.Keys);

        var missing = Api.NewId("SKU");
        var notFound = await Assert.ThrowsAsync<NotFoundException>(() => admin.Items.GetAsync(missing));
        Assert.Equal(404, notFound.Status);
        Assert.Contains(missing, notFound.Detail, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotFoundException>(() => admin.Reservations.GetAsync(Api.NewId("r")));
        await Assert.ThrowsAsync<NotFoundException>(() => admin.Orders.GetAsync(Api.NewId("o")));

        // A line naming a draft item is well-formed but not sellable.
        var draft = Api.NewId("SKU");
        await admin.Items.SaveAsync(draft, new ItemRequest { Name = "Not yet", Status = ItemStatus.Draft });
        var unsellable = await Assert.ThrowsAsync<UnprocessableException>(() => admin.Reservations.CreateAsync(new ReservationRequest
        {
            Id = Api.NewId("r"),
            Channel = network.Channel,
            Lines = [new ReservationLineRequest { Sku = draft, Quantity = 1 }],
        }));
        Assert.Equal(422, unsellable.Status);
    }

    [Fact]
    public async Task Paging_with_the_async_enumerable_returns_every_element_once()
    {
        var admin = Admin;
        var mine = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var id = Api.NewId("page");
            mine.Add(id);
            await admin.Locations.SaveAsync(id, new LocationRequest { Name = $"Store {i}", Type = LocationType.Store, CanShip = false, CanPickup = true });
        }

        var byThree = await admin.Locations.ListAsync(pageSize: 3).Select(l => l.Id).ToListAsync();
        var atOnce = await admin.Locations.GetPageAsync(limit: 1000);
        Assert.Null(atOnce.Next);
        Assert.Equal(atOnce.Data.Select(l => l.Id), byThree);
        Assert.Equal(byThree.Count, byThree.Distinct(StringComparer.Ordinal).Count());
        Assert.Subset(byThree.ToHashSet(), mine.ToHashSet());

        var firstPage = await admin.Locations.GetPageAsync(limit: 3);
        Assert.Equal(3, firstPage.Data.Count);
        Assert.NotNull(firstPage.Next);
        var secondPage = await admin.Locations.GetPageAsync(firstPage.Next, limit: 3);
        Assert.Empty(firstPage.Data.Select(l => l.Id).Intersect(secondPage.Data.Select(l => l.Id)));

        // Reservations of one channel, two to a page.
        var network = await SeedAsync();
        var held = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            held.Add((await admin.Reservations.CreateAsync(Hold(network, 1))).Id);
        }

        var listed = await admin.Reservations.ListAsync(new ReservationFilter { Channel = network.Channel, Status = ReservationStatus.Active }, pageSize: 2)
            .Select(r => r.Id).ToListAsync();
        Assert.Equal(held.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));

        // The ledger, read to its end a page at a time: every sequence once, in order.
        var sequences = await admin.Events.ListAsync(pageSize: 5).Select(e => e.Sequence).ToListAsync();
        Assert.True(sequences.Count > 5, $"{sequences.Count} events");
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => sequences[0] + i), sequences);
        var lastTwo = await admin.Events.GetPageAsync(after: sequences[^3].ToString(CultureInfo.InvariantCulture), limit: 2);
        Assert.Equal(sequences.TakeLast(2), lastTwo.Data.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Every_group_of_operations_reads_what_the_server_answers()
    {
        var network = await SeedAsync(storeOnHand: 10, warehouseOnHand: 25);
        var admin = Admin;

        var atStore = await admin.Availability.GetAsync(network.Sku, AvailabilityScope.AtLocation(network.Store), date: new DateOnly(2026, 12, 1));
        Assert.Equal((network.Store, 10L, new DateOnly(2026, 12, 1)), (atStore.Location!, atStore.Available, atStore.Date!.Value));
        var overGroup = await admin.Availability.GetAsync(network.Sku, AvailabilityScope.OverGroup(network.Group));
        Assert.Equal(35, overGroup.Available);
        Assert.Equal(2, overGroup.ByLocation!.Count);
        var unknown = Api.NewId("SKU");
        var bulk = await admin.Availability.QueryAsync(new AvailabilityQuery { Skus = [network.Sku, unknown], Channel = network.Channel }, ReadConsistency.Strong);
        Assert.Equal(new[] { (network.Sku, true, 35L), (unknown, false, 0L) }, bulk.Select(a => (a.Sku, a.Known!.Value, a.Available)));

        var rule = await admin.SafetyStockRules.SaveAsync(new SafetyStockRuleRequest { Sku = network.Sku, Location = network.Store, Units = 2 });
        Assert.Equal(2, rule.Units);
        Assert.Equal(2, Assert.Single(await admin.SafetyStockRules.ListAsync(network.Sku).ToListAsync()).Units);
        Assert.Equal(8, (await admin.Availability.GetAsync(network.Sku, AvailabilityScope.AtLocation(network.Store), consistency: ReadConsistency.Strong)).Available);
        await admin.SafetyStockRules.DeleteAsync(sku: network.Sku, location: network.Store);
        await admin.LowStockRules.SaveAsync(new LowStockRuleRequest { Sku = network.Sku, Threshold = 3 });
        Assert.Equal(3, Assert.Single(await admin.LowStockRules.ListAsync(network.Sku).ToListAsync()).Threshold);
        Assert.Equal(3, (await admin.LowStockRules.DeleteAsync(sku: network.Sku)).Threshold);
        await Assert.ThrowsAsync<NotFoundException>(() => admin.LowStockRules.DeleteAsync(sku: network.Sku));

        var adjustment = new SupplyAdjustment
        {
            Id = Api.NewId("adj"),
            Lines = [new SupplyChange { Sku = network.Sku, Location = network.Store, Delta = 5, Reason = "receipt", UnitCost = 12.5m }],
        };
        var adjusted = await admin.Supply.AdjustAsync(adjustment);
        Assert.Equal(15, Assert.Single(adjusted.Positions).OnHand);
        Assert.Equal(adjusted.At, (await admin.Supply.AdjustAsync(adjustment)).At);

        var transfer = await admin.Transfers.SendAsync(new TransferRequest
        {
            Id = Api.NewId("t"),
            From = network.Warehouse,
            To = network.Store,
            Eta = new DateOnly(2026, 11, 25),
            Lines = [new TransferLineRequest { Sku = network.Sku, Quantity = 5 }],
        });
        Assert.Equal(TransferStatus.InTransit, transfer.Status);
        Assert.Equal(TransferStatus.Received, (await admin.Transfers.ReceiveAsync(transfer.Id)).Status);
        Assert.Equal(5, Assert.Single((await admin.Transfers.GetAsync(transfer.Id)).Lines).Received);

        var hold = await admin.Reservations.CreateAsync(Hold(network, 3));
        var order = await admin.Orders.CreateAsync(new OrderRequest { Id = Api.NewId("o"), Channel = network.Channel, ReservationId = hold.Id });
        Assert.Equal(OrderStatus.Allocated, order.Status);
        Assert.Equal(ReservationStatus.Confirmed, (await admin.Reservations.GetAsync(hold.Id)).Status);
        var waiting = await admin.Allocations.GetAsync();
        Assert.Contains(waiting.Locations.SelectMany(l => l.Orders), o => o.OrderId == order.Id && o.Units == 3);
        Assert.Contains(order.Id, await admin.Orders.ListAsync(new OrderFilter { Channel = network.Channel }).Select(o => o.Id).ToListAsync());
        var shipped = await admin.Orders.RecordEventAsync(order.Id, new OrderEvent { Id = Api.NewId("e"), Type = OrderEventType.Shipped, TrackingNumber = "1Z999" });
        Assert.Equal((OrderStatus.Shipped, "1Z999"), (shipped.Status, shipped.TrackingNumber));
        var cancelShipped = await Assert.ThrowsAsync<ConflictException>(() =>
            admin.Orders.RecordEventAsync(order.Id, new OrderEvent { Id = Api.NewId("e"), Type = OrderEventType.Cancelled }));
        Assert.Equal(409, cancelShipped.Status);

        var listing = await admin.Channels.SaveListingAsync(network.Channel, "variant-123", network.Sku);
        Assert.Equal(network.Sku, listing.Sku);
        Assert.Equal("variant-123", Assert.Single(await admin.Channels.ListListingsAsync(network.Channel).ToListAsync()).ExternalId);
        await admin.Channels.DeleteListingAsync(network.Channel, "variant-123");
        Assert.Empty(await admin.Channels.ListListingsAsync(network.Channel).ToListAsync());

        var webhook = await admin.Webhooks.CreateAsync(new WebhookRequest
        {
            Id = Api.NewId("wh"),
            Url = new Uri("http://127.0.0.1:9/hook"),
            Events = ["stock.low"],
            Secret = "0123456789abcdef",
        });
        Assert.Equal(new Uri("http://127.0.0.1:9/hook"), webhook.Url);
        Assert.Contains(webhook.Id, await admin.Webhooks.ListAsync().Select(w => w.Id).ToListAsync());
        await admin.Webhooks.DeleteAsync(webhook.Id);
        await Assert.ThrowsAsync<NotFoundException>(() => admin.Webhooks.GetAsync(webhook.Id));

        var events = await admin.Events.ListAsync().ToListAsync();
        Assert.Contains(events, e => e.Type == "item.upserted" && e.Data.GetProperty("sku").GetString() == network.Sku);
    }

    [Fact]
    public async Task An_item_written_with_a_stale_etag_is_a_precondition_failure()
    {
        var admin = Admin;
        var sku = Api.NewId("SKU");
        var first = await admin.Items.SaveAsync(sku, new ItemRequest { Name = "Desk lamp" });
        Assert.SkipWhen(first.ETag is null, "This server answers items without an ETag.");

        var read = await admin.Items.GetAsync(sku);
        Assert.Equal(first.ETag, read.ETag);
        var renamed = await admin.Items.SaveAsync(sku, new ItemRequest { Name = "Reading lamp" }, ifMatch: read.ETag);
        Assert.NotEqual(read.ETag, renamed.ETag);

        var stale = await Assert.ThrowsAsync<PreconditionFailedException>(() => admin.Items.SaveAsync(sku, new ItemRequest { Name = "Floor lamp" }, ifMatch: read.ETag));
        Assert.Equal(412, stale.Status);
        Assert.Equal("Reading lamp", (await admin.Items.GetAsync(sku)).Name);
    }

    [Fact]
    public async Task No_key_or_a_bad_one_is_unauthorized_and_a_key_without_the_scope_is_forbidden()
    {
        var network = await SeedAsync();
        var anonymous = new StockroomClient(server.Client);
        var noKey = await Assert.ThrowsAsync<UnauthorizedException>(() => anonymous.Items.GetAsync(network.Sku));
        Assert.Equal(401, noKey.Status);
        await Assert.ThrowsAsync<UnauthorizedException>(() => new StockroomClient(server.Client, "k-not-a-key-0123456789").Items.GetAsync(network.Sku));

        var reader = new StockroomClient(server.Client, MatrixKeys.Read);
        Assert.Equal("Desk lamp", (await reader.Items.GetAsync(network.Sku)).Name);
        var forbidden = await Assert.ThrowsAsync<ForbiddenException>(() => reader.Items.SaveAsync(network.Sku, new ItemRequest { Name = "Renamed" }));
        Assert.Equal(403, forbidden.Status);
        Assert.Equal("Desk lamp", (await reader.Items.GetAsync(network.Sku)).Name);

        // A key bound to channel web-b may not hold for another channel.
        var webB = new StockroomClient(server.Client, MatrixKeys.WebB);
        await Assert.ThrowsAsync<ForbiddenException>(() => webB.Reservations.CreateAsync(Hold(network, 1)));
        Assert.Equal(35, await ChannelAvailableAsync(network));
    }

    [Fact]
    public async Task The_ledger_stream_delivers_a_change_as_it_is_recorded()
    {
        var admin = Admin;
        var head = (await admin.Events.ListAsync().LastOrDefaultAsync())?.Sequence ?? 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await using var stream = admin.Events.StreamAsync(after: head, timeout.Token).GetAsyncEnumerator(timeout.Token);
        var sku = Api.NewId("SKU");
        await admin.Items.SaveAsync(sku, new ItemRequest { Name = "Streamed" });

        var seen = new List<LedgerEvent>();
        while (await stream.MoveNextAsync())
        {
            seen.Add(stream.Current);
            if (stream.Current.Type == "item.upserted" && stream.Current.Data.GetProperty("sku").GetString() == sku)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => head + i), seen.Select(e => e.Sequence));
        Assert.All(seen.Zip(seen.Skip(1)), pair => Assert.Equal(pair.First.Hash, pair.Second.PreviousHash));
    }

    [Fact]
    public async Task The_package_readme_example_runs()
    {
        var network = await SeedAsync(storeOnHand: 1, warehouseOnHand: 1);
        var output = new StringWriter();
        await ReadmeExample.CheckoutAsync(Admin, network.Sku, network.Channel, Api.NewId("cart"), output);
        await ReadmeExample.CheckoutAsync(Admin, network.Sku, network.Channel, Api.NewId("cart"), output);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("2 can be promised", lines[0]);
        Assert.Matches("^cart-.* is Active until ", lines[1]);
        Assert.Equal("0 can be promised", lines[2]);
        Assert.Equal($"line 0: {network.Sku} asked 2, 0 can be promised", lines[3]);
    }
}

/// <summary>
/// The usage example of <c>src/Stockroom.Client/README.md</c> from its first call on, kept here line
/// for line (with the output written to a writer), so that it compiles and runs against a server.
/// </summary>
internal static class ReadmeExample
{
    public static async Task CheckoutAsync(StockroomClient stockroom, string sku, string channel, string cart, TextWriter output)
    {
        var atp = await stockroom.Availability.GetAsync(sku, AvailabilityScope.ForChannel(channel));
        output.WriteLine($"{atp.Available} can be promised");

        try
        {
            var hold = await stockroom.Reservations.CreateAsync(new ReservationRequest
            {
                Id = cart,
                Channel = channel,
                Lines = [new ReservationLineRequest { Sku = sku, Quantity = 2 }],
                ExpiresInSeconds = 900,
            });
            output.WriteLine($"{hold.Id} is {hold.Status} until {hold.ExpiresAt:u}");
        }
        catch (InsufficientStockException shortage)
        {
            foreach (var line in shortage.Shortages)
            {
                output.WriteLine($"line {line.Line}: {line.Sku} asked {line.Requested}, {line.Available} can be promised");
            }
        }
    }
}

public sealed class ClientTests_Sqlite(KeyedMatrixSqliteServer server) : ClientTests(server), IClassFixture<KeyedMatrixSqliteServer>;

public sealed class ClientTests_Postgres(KeyedMatrixPostgresServer server) : ClientTests(server), IClassFixture<KeyedMatrixPostgresServer>;

/// <summary>Over a key's budget, the client throws <see cref="RateLimitedException"/> with the wait, and the retry helper waits it out.</summary>
public sealed class ClientRateLimitTests(RateLimitedServer server) : IClassFixture<RateLimitedServer>
{
    [Fact]
    public async Task Over_its_budget_a_key_gets_a_rate_limited_exception_with_retry_after_and_the_retry_helper_waits_it_out()
    {
        var reader = new StockroomClient(server.Client, MatrixKeys.Read);
        RateLimitedException? limited = null;
        // A burst of three, then one a second: ten at once cannot all pass.
        for (var i = 0; i < 10 && limited is null; i++)
        {
            try
            {
                await reader.Items.GetPageAsync(limit: 1);
            }
            catch (RateLimitedException e)
            {
                limited = e;
            }
        }

        Assert.NotNull(limited);
        Assert.Equal(429, limited.Status);
        Assert.True(limited.RetryAfter >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.RetryAfter}");

        var page = await StockroomRetry.IdempotentAsync(token => reader.Items.GetPageAsync(limit: 1, cancellationToken: token), attemptsMax: 5);
        Assert.InRange(page.Data.Count, 0, 1);
    }
}

/// <summary>The client checks webhook signatures exactly as the server makes them, and refuses a tampered body, a wrong secret and an old delivery.</summary>
public sealed class ClientWebhookSignatureTests
{
    [Fact]
    public void A_delivery_signed_by_the_server_is_valid_and_anything_else_is_not()
    {
        const string secret = "0123456789abcdef-secret";
        const string body = """{"type":"stock.low","data":{"sku":"LAMP-1","available":2}}""";
        var now = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
        var signature = Stockroom.Features.Webhooks.WebhookDispatcher.Signature(secret, now.ToUnixTimeSeconds(), body);

        Assert.True(WebhookSignature.IsValid(signature, body, secret, now.AddMinutes(1)));
        Assert.False(WebhookSignature.IsValid(signature, body.Replace("2}", "3}", StringComparison.Ordinal), secret, now));
        Assert.False(WebhookSignature.IsValid(signature, body, "another-secret-0123456789", now));
        Assert.False(WebhookSignature.IsValid(signature, body, secret, now.AddMinutes(6)));
        Assert.True(WebhookSignature.IsValid(signature, body, secret, now.AddMinutes(6), tolerance: TimeSpan.FromMinutes(10)));
        Assert.False(WebhookSignature.IsValid(null, body, secret, now));
        Assert.False(WebhookSignature.IsValid("t=1,v1=zz", body, secret, now));

        // During a secret rotation a header may carry a signature with each secret: either one passes.
        var rotated = Stockroom.Features.Webhooks.WebhookDispatcher.Signature("the-next-secret-0123456", now.ToUnixTimeSeconds(), body);
        Assert.True(WebhookSignature.IsValid($"{rotated},{signature.Split(',')[1]}", body, secret, now));
    }
}
