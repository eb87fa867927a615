-- mixed: 80% create, 15% replay of existing keys, 5% races (bursts on one key). One wrk thread.
package.path = "bench/wrk/?.lua;" .. package.path
local c = require("common")
local keys = tonumber(os.getenv("BENCH_REPLAY_KEYS") or "1000")
local replay_prefix = os.getenv("BENCH_REPLAY_PREFIX") or ("replay-" .. c.prefix .. "-")
local burst = tonumber(os.getenv("BENCH_BURST") or "32")
local n, races = 0, 0
math.randomseed(42)
function request()
  n = n + 1
  local r = math.random(100)
  local key
  if r <= 80 then
    key = "mixed-" .. c.prefix .. "-" .. n
  elseif r <= 95 then
    key = replay_prefix .. math.random(0, keys - 1)
  else
    races = races + 1
    key = "mixed-race-" .. c.prefix .. "-" .. math.floor(races / burst)
  end
  return wrk.format("POST", "/payments", c.headers(key), c.body)
end
done = c.done
