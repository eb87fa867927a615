-- Shared by the workloads: one merchant, one body, a per-run key prefix so runs never collide.
local M = {}
M.prefix = os.getenv("BENCH_RUN") or tostring(os.time())
M.body = '{"amount":2500,"currency":"EUR","payment_method":"pm_card_visa","description":"bench"}'
M.headers = function(key)
  return {
    ["Authorization"] = "Bearer sk_test_acme",
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }
end
-- wrk's summary, as one JSON line the orchestrator reads (latencies in microseconds)
M.done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"errors":%d,"status_errors":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    errors, summary.errors.status))
end
-- wrk has no rate limit; BENCH_DELAY_MS spaces each connection's requests for a rate-limited run
M.delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
return M
