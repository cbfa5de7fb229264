-- One wrk scenario of bench/run.sh, configured by environment variables so every scenario shares this file:
--   BENCH_METHOD  GET (default) or POST
--   BENCH_BODY    request body (POST), sent with content-type application/json
--   BENCH_API_KEY value of x-api-key (omitted when empty)
--   BENCH_BEARER  access token sent as "Authorization: Bearer ..." (omitted when empty)
-- No response() callback: defining one makes wrk parse every response in Lua, which costs the load generator CPU that
-- the server under test would otherwise get. wrk itself counts non-2xx/3xx answers and socket errors.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local key = os.getenv("BENCH_API_KEY")
if key ~= nil and key ~= "" then wrk.headers["x-api-key"] = key end
local bearer = os.getenv("BENCH_BEARER")
if bearer ~= nil and bearer ~= "" then wrk.headers["Authorization"] = "Bearer " .. bearer end

-- One machine-readable line after wrk's own report; latencies in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
