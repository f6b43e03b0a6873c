#!/bin/sh
# make demo: three demo backends on 127.0.0.1:9001-9003 and lbd in the
# foreground on 127.0.0.1:8080 (etc/demo.conf).  Ctrl-C stops them all.
set -u
pids=""
stop() {
	trap - INT TERM EXIT
	[ -n "$pids" ] && kill $pids 2>/dev/null
	wait 2>/dev/null
	exit 0
}
trap stop INT TERM EXIT

for n in 1 2 3; do
	name=$(echo abc | cut -c$n)
	build/backends/origin -l 127.0.0.1:900$n -n "$name" >/dev/null &
	pids="$pids $!"
done
echo "backends a, b, c on 127.0.0.1:9001-9003 answer \"backend NAME\""
echo "try:  curl http://127.0.0.1:8080/ http://127.0.0.1:8080/ http://127.0.0.1:8080/"
echo "      (one keep-alive connection, each request balanced: a, b, c)"
echo "      curl http://127.0.0.1:9100/metrics (or open http://127.0.0.1:9100/)"
echo "      build/lbd -c etc/demo.conf -x 'show backends'"
echo "Ctrl-C stops everything."
build/lbd -f -c etc/demo.conf &
lbd=$!
pids="$pids $lbd"
wait $lbd
