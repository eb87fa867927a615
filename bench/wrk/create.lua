-- create: every request a new Idempotency-Key, so every request makes a payment.
package.path = "bench/wrk/?.lua;" .. package.path
local c = require("common")
local n = 0
local id = 0
function setup(thread) id = id + 1; thread:set("tid", id) end
function init() n = 0 end
function request()
  n = n + 1
  return wrk.format("POST", "/payments", c.headers("create-" .. c.prefix .. "-" .. tid .. "-" .. n), c.body)
end
if c.delay_ms > 0 then function delay() return c.delay_ms end end
done = c.done
