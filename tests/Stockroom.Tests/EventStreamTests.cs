using System.Net;
using Stockroom.Testing;

namespace Stockroom.Tests;

public abstract class EventStreamTests(StockroomServer server)
{
    private HttpClient Client => server.Client;

    /// <summary>Reads server-sent events until one of <paramref name="type"/> arrives; returns its id.</summary>
    private static async Task<(string Id, List<string> Types)> ReadUntil(StreamReader reader, string type)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var types = new List<string>();
        string? id = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended");
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                types.Add(line[7..]);
            }
            else if (line.Length == 0 && types.Count > 0 && types[^1] == type)
            {
                return (id!, types);
            }
        }
    }

    private async Task<(HttpResponseMessage Response, StreamReader Reader)> Open(string query = "", string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/events/stream{query}");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    [Fact]
    public async Task A_change_arrives_on_the_stream_and_the_stream_resumes_from_last_event_id()
    {
        var (response, reader) = await Open();
        var first = Api.NewId("SKU");
        var started = DateTime.UtcNow;
        await Client.Put($"/v1/items/{first}", new { name = "Streamed" }).Expect(HttpStatusCode.Created);
        var (id, _) = await ReadUntil(reader, "item.upserted");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1), "delivered within a second");
        response.Dispose();
        reader.Dispose();

        var second = Api.NewId("SKU");
        await Client.Put($"/v1/items/{second}", new { name = "Missed while away" }).Expect(HttpStatusCode.Created);
        (response, reader) = await Open(lastEventId: id);
        using (response)
        using (reader)
        {
            var (resumedId, types) = await ReadUntil(reader, "item.upserted");
            Assert.Equal(long.Parse(id) + 1, long.Parse(resumedId));
            Assert.Equal(["item.upserted"], types);
        }
    }

    [Fact]
    public async Task A_bad_cursor_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events/stream");
        request.Headers.Add("Last-Event-ID", "yesterday");
        await Client.SendAsync(request).Problem(HttpStatusCode.BadRequest);
    }
}

public sealed class EventStreamTests_Sqlite(SqliteServer server) : EventStreamTests(server), IClassFixture<SqliteServer>;

public sealed class EventStreamTests_Postgres(PostgresServerFixture server) : EventStreamTests(server), IClassFixture<PostgresServerFixture>;
