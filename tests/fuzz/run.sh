#!/bin/sh
# Run each libFuzzer target for SECONDS (default 60) on its corpus in
# build/fuzz/corpus/, seeded from the unit-test tables (build/fuzz/seeds)
# and tests/configs.  Prints each target's executions.  With $LBD_RESULTS
# set, appends "1 0" per target that ran clean, "0 1" per one that did not.
# Exits non-zero when any target crashed, leaked or tripped a sanitizer.
# $LBD_FUZZ_ONLY, a list of target names, runs only those.
set -u
secs=${1:-60}
dir=build/fuzz
status=0
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"

rm -rf "$dir/seed"
mkdir -p "$dir/seed/request" "$dir/seed/response" "$dir/seed/chunked" \
    "$dir/seed/config" "$dir/seed/proxy"
"$dir/seeds" "$dir/seed" || exit 1
cp tests/configs/good/*.conf tests/configs/bad/*.conf "$dir/seed/config/"
p="$dir/seed/proxy"
printf 'PROXY TCP4 203.0.113.9 192.0.2.1 5555 80\r\nGET' >"$p/v1tcp4"
printf 'PROXY TCP6 2001:db8::1 ::1 65535 0\r\n' >"$p/v1tcp6"
printf 'PROXY UNKNOWN\r\n' >"$p/v1unknown"
sig='\r\n\r\n\0\r\nQUIT\n'
printf "$sig"'\041\021\0\032\313\0\161\011\300\0\2\1\25\263\0\120\2\0\4host\4\0\0\4\0\1x' \
    >"$p/v2inet"
printf "$sig"'\041\041\0\044\40\1\15\270\0\0\0\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1\0\1\0\2' \
    >"$p/v2inet6"
printf "$sig"'\040\0\0\0' >"$p/v2local"

for t in ${LBD_FUZZ_ONLY:-request response chunked config proxy}; do
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
