-- Shared by the shares section's scripts (bench/Stockroom.Bench/Shares.cs): every script counts its
-- answers by status in response() and prints one machine-readable line from done(), so that the
-- load generator's own work per request is the same whatever the endpoint.
--
-- Each script defines next_request(), which returns the next request as wrk.format builds it; `tid` is
-- the wrk thread's number (set in setup), so that ids built from it and a counter are unique across threads.

local threads = {}

-- Defaults for the copy of the script wrk loads in its main state to check request() before any thread exists.
tid = 0
sent = 0
statuses = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

function request()
   sent = sent + 1
   return next_request()
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

-- One line: "SHARES {json}". Latencies in microseconds; sent counts every request written, so that
-- sent minus answered is what was still in flight (or lost to a socket error) when the run ended.
function done(summary, latency, requests)
   local totals, sent_all = {}, 0
   for _, thread in ipairs(threads) do
      sent_all = sent_all + (thread:get("sent") or 0)
      for status, count in pairs(thread:get("statuses") or {}) do
         totals[status] = (totals[status] or 0) + count
      end
   end

   local parts = {}
   for status, count in pairs(totals) do
      table.insert(parts, string.format('"%d":%d', status, count))
   end

   local e = summary.errors
   io.write(string.format(
      'SHARES {"requests":%d,"durationUs":%d,"sent":%d,"p50":%d,"p99":%d,"p999":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"statuses":{%s}}\n',
      summary.requests, summary.duration, sent_all,
      latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
      e.connect, e.read, e.write, e.timeout, table.concat(parts, ",")))
end

