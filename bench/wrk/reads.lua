-- Availability by channel: GET /v1/availability/SKU-<random>?channel=web over the seeded SKUs.
--   wrk -t2 -c64 -d15s --latency -s reads.lua http://127.0.0.1:PORT -- <sku count> [strong]
-- "strong" asks consistency=strong: the database read every time, the baseline the in-memory model is measured against.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local skus = 2000
local suffix = ""

function init(args)
   skus = tonumber(args[1] or skus)
   if args[2] == "strong" then suffix = "&consistency=strong" end
   math.randomseed(tid * 7919 + 17)
end

function next_request()
   return wrk.format("GET", string.format("/v1/availability/SKU-%06d?channel=web", math.random(0, skus - 1)) .. suffix)
end
