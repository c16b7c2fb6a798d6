-- wrk's closing figures in one line that tests/bench/http.py parses, in
-- wrk's own units (microseconds), rather than its rounded human summary.
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("wrk-summary: requests=%.0f duration_us=%.0f p50_us=%.0f p99_us=%.0f "
        .. "connect=%.0f read=%.0f write=%.0f timeout=%.0f status=%.0f\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        e.connect, e.read, e.write, e.timeout, e.status))
end
