-- wrk hook: print the run's summary as one machine-readable line, so
-- run.sh reads exact numbers instead of wrk's rounded, unit-switching text.
-- Only done() is defined, so wrk's request path stays the fast C one.
function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH requests=%.0f duration_us=%.0f " ..
	    "bytes=%.0f p50_us=%.0f p99_us=%.0f connect=%.0f read=%.0f " ..
	    "write=%.0f timeout=%.0f status=%.0f\n",
	    summary.requests, summary.duration, summary.bytes,
	    latency:percentile(50), latency:percentile(99),
	    e.connect, e.read, e.write, e.timeout, e.status))
end
