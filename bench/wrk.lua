-- SPDX-License-Identifier: Apache-2.0
-- wrk script of `make bench` (bench/run): POSTs one fixed body and, when the
-- run is over, prints one machine-readable line:
--   BENCHJSON {"requests":…,"duration_us":…,"errors":{…},"latency_us":{…}}
-- Environment: BENCH_BODY (file with the body), BENCH_PATH (request path).
-- The request is built once per thread (no request() hook), so wrk sends it
-- without per-request Lua work.

local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH")
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
