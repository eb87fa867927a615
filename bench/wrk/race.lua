-- race: bursts of concurrent requests sharing one key. Run with one wrk thread, so all
-- connections share this counter: each run of BENCH_BURST consecutive requests, sent
-- concurrently by the connections, uses one key; one creates, the others wait and replay.
package.path = "bench/wrk/?.lua;" .. package.path
local c = require("common")
local burst = tonumber(os.getenv("BENCH_BURST") or "32")
local n = 0
function request()
  n = n + 1
  return wrk.format("POST", "/payments", c.headers("race-" .. c.prefix .. "-" .. math.floor(n / burst)), c.body)
end
done = c.done
