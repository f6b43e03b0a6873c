#!/bin/bash
# Take a screenshot of the status page with headless Chromium, to look at.
#
#   sh tests/screenshot.sh [OUT.png]     (default build/status.png)
#
# It starts two identity backends, lbd with two services ("web": a up,
# b draining with a runtime weight, c down; "api": both backends down, so
# its alarm shows), makes some traffic for a few sampling steps so the
# chart has a line, keeps two connections open, and photographs
# http://127.0.0.1:STATS/ at 1280x900.  It then checks the PNG is there
# and not tiny.  Without Chromium it counts as skipped ("0 0 1" in
# $LBD_RESULTS), never as passed.  Everything it starts it stops by pid.
set -u
out=${1:-build/status.png}
lbd=${LBD_BIN:-build/lbd}
backends=${LBD_BACKEND_DIR:-build/backends}
record() { [ -n "${LBD_RESULTS:-}" ] && echo "$1" >> "$LBD_RESULTS"; }

chrome=$(command -v chromium || command -v chromium-browser ||
    command -v google-chrome || true)
if [ -z "$chrome" ]; then
	echo "chromium not installed: status page screenshot skipped"
	record "0 0 1"
	exit 0
fi

dir=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT

# Ports below the kernel's ephemeral range (32768 and up), so no outgoing
# connection holds one.
base=$((10000 + RANDOM % 5000 * 4))
web=$base stats=$((base + 1)) pa=$((base + 2)) pb=$((base + 3))
dead1=$((base + 100)) dead2=$((base + 101)) dead3=$((base + 102))
api=$((base + 103))

"$backends/identity" -l "127.0.0.1:$pa" -n a & pids+=($!)
"$backends/identity" -l "127.0.0.1:$pb" -n b & pids+=($!)
cat > "$dir/lbd.conf" <<EOF
workers = 2;
pidfile = "";
control = "$dir/ctl.sock";
stats = { listen = "127.0.0.1:$stats"; };
services = (
  { name = "web"; listen = "127.0.0.1:$web";
    health = { type = "tcp"; interval = "500ms"; rise = 1; fall = 1; };
    backends = (
      { name = "a"; address = "127.0.0.1:$pa"; },
      { name = "b"; address = "127.0.0.1:$pb"; },
      { name = "c"; address = "127.0.0.1:$dead1"; }
    ); },
  { name = "api"; listen = "127.0.0.1:$api";
    health = { type = "tcp"; interval = "500ms"; rise = 1; fall = 1; };
    backends = (
      { name = "x"; address = "127.0.0.1:$dead2"; },
      { name = "y"; address = "127.0.0.1:$dead3"; }
    ); }
);
EOF
"$lbd" -f -c "$dir/lbd.conf" 2> "$dir/lbd.log" & pids+=($!)

# Ready: the stats port answers (at most 10 s).
ready=0
for i in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$stats") 2>/dev/null && ready=1 && break
	sleep 0.1
done
if [ $ready = 0 ]; then
	echo "status page screenshot: FAILED (lbd did not start)"
	cat "$dir/lbd.log"
	record "0 1"
	exit 1
fi

# One connection to web: read the backend's name, close.
hit() {
	exec 3<>"/dev/tcp/127.0.0.1/$web" || return
	read -r -t 2 _ <&3
	exec 3<&-
}
# Traffic over 8 s at a rising rate, so the chart has a shape.
for step in 1 2 3 4 5 6 7 8; do
	for n in $(seq $((step * 4))); do hit 2>/dev/null; done
	sleep 1
done
"$lbd" -c "$dir/lbd.conf" -x "set weight web/b 3" > /dev/null
"$lbd" -c "$dir/lbd.conf" -x "drain web/b" > /dev/null
exec 4<>"/dev/tcp/127.0.0.1/$web" 5<>"/dev/tcp/127.0.0.1/$web"
sleep 2.5	# one more sample, with the open connections

rm -f "$out"
timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$dir/chrome" --screenshot="$out" \
    --window-size=1280,900 "http://127.0.0.1:$stats/" > "$dir/chrome.log" 2>&1
exec 4<&- 5<&-
size=$(stat -c %s "$out" 2>/dev/null || echo 0)
if [ "$size" -lt 20000 ]; then
	echo "status page screenshot: FAILED (no PNG or tiny: $size bytes)"
	cat "$dir/chrome.log" "$dir/lbd.log"
	record "0 1"
	exit 1
fi
echo "status page screenshot: $out ($size bytes)"
record "1 0"
exit 0
