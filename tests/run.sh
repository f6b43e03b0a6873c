#!/bin/sh
# Run every test program, plain and under AddressSanitizer with
# UndefinedBehaviorSanitizer, then print one closing line
# "N passed, N failed, N skipped" (a test that cannot run here, for
# example without root, calls cunit_skip()).  Exits non-zero if anything
# failed or crashed.
set -u
results="$PWD/build/results.txt"
rm -f "$results"
export LBD_RESULTS="$results"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=23"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0

# run NAME ENV... PROGRAM: a program that dies before recording its counts
# is counted as one failure.
run() {
	name=$1
	shift
	echo "=== $name"
	before=$(cat "$results" 2>/dev/null | wc -l)
	if ! env "$@"; then
		status=1
		after=$(cat "$results" 2>/dev/null | wc -l)
		[ "$after" -gt "$before" ] || echo "0 1" >> "$results"
	fi
}

run "unit tests" build/unit_tests
run "unit tests (asan+ubsan)" build/asan/unit_tests
run "integration tests" LBD_BIN=build/lbd LBD_BACKEND_DIR=build/backends \
    build/integration_tests
run "integration tests (asan+ubsan)" LBD_ASAN=1 LBD_BIN=build/asan/lbd \
    LBD_BACKEND_DIR=build/asan/backends build/asan/integration_tests
run "manual pages" sh tests/man.sh
run "make install" sh tests/install.sh
# The status page photographed by headless Chromium (skipped without it).
run "status page screenshot" bash tests/screenshot.sh

# Fuzzing, a little on every run: each libFuzzer target for
# LBD_FUZZ_SECONDS (default 10), one pass or failure each.  "make check"
# builds the targets only when clang with libFuzzer is installed; without
# them the 4 targets count as skipped (third column), never as passed.
echo "=== fuzzing"
if [ -x build/fuzz/fuzz_request ]; then
	sh tests/fuzz/run.sh "${LBD_FUZZ_SECONDS:-10}" || status=1
else
	echo "clang with libFuzzer not installed: 5 fuzz targets skipped"
	echo "0 0 4" >> "$results"
fi

awk '{ p += $1; f += $2; s += $3 }
    END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' \
    "$results"
exit $status
