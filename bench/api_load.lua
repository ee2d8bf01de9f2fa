-- wrk script for bench/api.py: POST the JSON bodies of $BENCH_BODIES (one per line) in turn
-- and print one JSON line of results when the run ends.
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do
  bodies[#bodies + 1] = line
end
local next_body = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[next_body])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "non_2xx": %d, "socket_errors": %d, "seconds": %.6f, ' ..
    '"p50_ms": %.1f, "p99_ms": %.1f}\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
