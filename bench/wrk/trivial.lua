-- The trivial endpoint every figure is a share of: GET /health/live (no store, no body to parse).
--   wrk -t2 -c64 -d15s --latency -s trivial.lua http://127.0.0.1:PORT
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local live

-- Formatted in init, not when the script loads: wrk adds the Host header to wrk.headers only then.
function init(args)
   live = wrk.format("GET", "/health/live")
end

function next_request()
   return live
end
