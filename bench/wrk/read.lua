-- read: GETs of the benchmark merchant's payments, by BENCH_READ:
--   one    GET /payments/{id}, an id drawn from BENCH_IDS (a file of ids, one per line)
--   first  GET /payments, the first page (20, newest first)
--   deep   GET /payments?starting_after={id}, the page after an id drawn from BENCH_IDS: ids sampled
--          across the merchant's whole history, so on average half its payments are newer
package.path = "bench/wrk/?.lua;" .. package.path
local c = require("common")
local mode = os.getenv("BENCH_READ") or "one"
local ids = {}
local headers = {["Authorization"] = "Bearer sk_test_acme"}
function init()
  local path = os.getenv("BENCH_IDS")
  if path then for line in io.lines(path) do ids[#ids + 1] = line end end
  if mode ~= "first" and #ids == 0 then error("BENCH_IDS names no ids") end
  math.randomseed(os.time() + #ids)
end
function request()
  if mode == "first" then return wrk.format("GET", "/payments", headers) end
  local id = ids[math.random(#ids)]
  if mode == "one" then return wrk.format("GET", "/payments/" .. id, headers) end
  return wrk.format("GET", "/payments?starting_after=" .. id, headers)
end
done = c.done
