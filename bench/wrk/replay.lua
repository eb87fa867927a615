-- replay: keys that already exist (made by the orchestrator before the run), same body:
-- every request is answered from the stored response.
package.path = "bench/wrk/?.lua;" .. package.path
local c = require("common")
local keys = tonumber(os.getenv("BENCH_REPLAY_KEYS") or "1000")
local replay_prefix = os.getenv("BENCH_REPLAY_PREFIX") or ("replay-" .. c.prefix .. "-")
local n = 0
function request()
  n = n + 1
  return wrk.format("POST", "/payments", c.headers(replay_prefix .. (n % keys)), c.body)
end
done = c.done
