-- One-unit holds: POST /v1/reservations on one of the hot SKUs, a new id on every request.
--   wrk -t2 -c64 -d15s --latency -s holds.lua http://127.0.0.1:PORT -- <id prefix> <sku prefix> <sku count>
-- The id is <prefix>-<thread>-<counter>: unique across both threads and, with a prefix per run, across runs.
-- The same script drives the naive baseline and, on SKUs stocked 0, the sold-out refusals.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local prefix, sku_prefix, skus, n = "check", "HOT-", 10, 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
   prefix = args[1] or prefix
   sku_prefix = args[2] or sku_prefix
   skus = tonumber(args[3] or skus)
end

function next_request()
   n = n + 1
   local body = string.format('{"id":"%s-%d-%d","channel":"web","lines":[{"sku":"%s%d","quantity":1}]}',
      prefix, tid, n, sku_prefix, n % skus)
   return wrk.format("POST", "/v1/reservations", headers, body)
end
