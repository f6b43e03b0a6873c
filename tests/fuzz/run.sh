#!/bin/sh
# Run each libFuzzer target for SECONDS (default 60) on its corpus in
# build/fuzz/corpus/, seeded from the unit-test tables (build/fuzz/seeds)
# and tests/configs.  Prints each target's executions.  With $LBD_RESULTS
# set, appends "1 0" per target that ran clean, "0 1" per one that did not.
# Exits non-zero when any target crashed, leaked or tripped a sanitizer.
set -u
secs=${1:-60}
dir=build/fuzz
status=0
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"

rm -rf "$dir/seed"
mkdir -p "$dir/seed/request" "$dir/seed/response" "$dir/seed/chunked" \
    "$dir/seed/config"
"$dir/seeds" "$dir/seed" || exit 1
cp tests/configs/good/*.conf tests/configs/bad/*.conf "$dir/seed/config/"

for t in request response chunked config; do
	mkdir -p "$dir/corpus/$t"
	log="$dir/fuzz_$t.log"
	# New inputs go to the first directory; the seeds stay as written.
	if "$dir/fuzz_$t" -max_total_time="$secs" -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="$dir/crash-$t-" \
	    "$dir/corpus/$t" "$dir/seed/$t" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz_$t: ${runs:-?} executions in $secs s, no finding"
		result="1 0"
	else
		echo "fuzz_$t: FAILED (log $log)"
		grep -A 30 "ERROR\|==[0-9]*==" "$log" | head -40
		result="0 1"
		status=1
	fi
	[ -n "${LBD_RESULTS:-}" ] && echo "$result" >> "$LBD_RESULTS"
done
exit $status
