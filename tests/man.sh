#!/bin/sh
# The manual pages must lint clean (warnings and worse) with mandoc.
set -u
out=$(mandoc -Tlint -Wwarning man/lbd.8 man/lbd.conf.5 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	echo "manual pages: FAILED"
	[ -n "${LBD_RESULTS:-}" ] && echo "0 1" >> "$LBD_RESULTS"
	exit 1
fi
echo "manual pages: lint clean"
[ -n "${LBD_RESULTS:-}" ] && echo "1 0" >> "$LBD_RESULTS"
exit 0
