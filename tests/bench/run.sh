#!/bin/sh
# make bench: lbd side by side with HAProxy, nginx and a direct connection,
# in TCP mode and in HTTP mode.
#
# Three single-worker nginx backends serve /small ("ok\n"), /big (1 MiB)
# and POST /upload.  Each target in turn listens on the same front port
# and relays to them; "direct" is wrk talking to one backend, the ceiling.
# Rounds are interleaved (A B C D, then B C D A, ...) so drift on this
# shared machine hits every target alike, and the table shows medians.
# After the rounds, each proxy serves each request workload once more for
# 2 s under strace -c, for its system calls per request (a separate run,
# so strace does not slow the timed ones).
#
# Environment: BENCH_ROUNDS (3), BENCH_SECONDS (5, per wrk run),
# BENCH_IDLE (10000 idle connections; capped by the descriptor limit),
# BENCH_HTTP (1; 0 leaves out the HTTP targets and the upload workload),
# BENCH_TARGETS (default "lbd lbd-poll haproxy nginx direct", then
# "lbd-http haproxy-http nginx-http" unless BENCH_HTTP=0),
# BENCH_SCALE (1; 0 skips the one-worker scale runs),
# BENCH_STRACE (1; 0 skips the system call samples).
# Output: build/bench/results.md, raw logs in build/bench/raw/.
set -eu

ROUNDS=${BENCH_ROUNDS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
IDLE=${BENCH_IDLE:-10000}
FRONT=18080
B1=18101 B2=18102 B3=18103
STATS=18190
HTTP=${BENCH_HTTP:-1}
HTTP_TARGETS="lbd-http haproxy-http nginx-http"
TARGETS="lbd lbd-poll haproxy nginx direct"
[ "$HTTP" = 1 ] && TARGETS="$TARGETS $HTTP_TARGETS"
TARGETS=${BENCH_TARGETS:-$TARGETS}
SCALE=${BENCH_SCALE:-1}
STRACE=${BENCH_STRACE:-1}
STRACE_SECONDS=2
WORKERS=2		# lbd's; the scale runs use 1

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$TOP/build/bench
RAW=$OUT/raw
LBD=$TOP/build/lbd
HELPER="python3 $HERE/bench.py"

WORK=""			# mkdtemp: backend prefixes, generated configs
BACKEND_PIDS=""		# started once, stopped at exit
TARGET_PID=""		# the target running now, if any

say() {
	echo "bench: $*" >&2
}

die() {
	say "$*"
	exit 1
}

# --------------------------------------------------------------- cleanup

# Stop one process tree by pid: the root with SIG, then wait for every
# process of the tree to be gone (a lingering worker would keep the front
# port bound), and KILL, by pid, whatever is left after 5 seconds.
stop_tree() {
	root=$1 sig=$2
	pids=$($HELPER tree "$root" 2>/dev/null || echo "$root")
	kill "-$sig" "$root" 2>/dev/null || true
	for _ in $(seq 50); do
		alive=""
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && alive="$alive $p"
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in $alive; do
		say "pid $p did not stop on $sig; killing it"
		kill -KILL "$p" 2>/dev/null || true
	done
	wait "$root" 2>/dev/null || true
}

cleanup() {
	trap - EXIT INT TERM
	[ -n "$TARGET_PID" ] && stop_tree "$TARGET_PID" TERM
	for p in $BACKEND_PIDS; do
		stop_tree "$p" TERM
	done
	[ -n "$WORK" ] && rm -rf "$WORK"
}

# ------------------------------------------------------------- toolchain

# Where nginx's stream module comes from: "static", the path of the
# dynamic module, or nothing when it is missing.
stream_module() {
	conf=$(nginx -V 2>&1) || return 0
	case $conf in
	*--with-stream=dynamic*) ;;
	*--with-stream*) echo static; return 0 ;;
	*) return 0 ;;
	esac
	dir=$(echo "$conf" | sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p')
	[ -f "${dir:-/usr/lib/nginx/modules}/ngx_stream_module.so" ] &&
	    echo "${dir:-/usr/lib/nginx/modules}/ngx_stream_module.so"
	return 0
}

# Install only what is missing; apt-get update only when something is.
install_deps() {
	need=""
	command -v haproxy >/dev/null || need="$need haproxy"
	command -v wrk >/dev/null || need="$need wrk"
	command -v python3 >/dev/null || need="$need python3"
	[ "$STRACE" = 1 ] && ! command -v strace >/dev/null && need="$need strace"
	if ! command -v nginx >/dev/null || [ -z "$(stream_module)" ]; then
		# Debian 12 ships the stream module as its own package.
		need="$need nginx libnginx-mod-stream"
	fi
	[ -z "$need" ] && return 0
	say "installing:$need"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# shellcheck disable=SC2086 # $need is a list of words
	$sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
	[ -n "$(stream_module)" ] || die "nginx has no stream module"
}

# Each proxied idle connection costs the target two descriptors, and
# HAProxy is one process: the idle count must fit the hard limit, which
# only a process with CAP_SYS_RESOURCE can raise.
# shellcheck disable=SC3045 # dash and bash both take ulimit -H and -S
raise_nofile() {
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt 65536 ]; then
		ulimit -Hn 65536 2>/dev/null && hard=65536
	fi
	[ "$hard" = unlimited ] && hard=65536
	[ "$hard" -gt 65536 ] && hard=65536
	ulimit -Sn "$hard"
	NOFILE=$hard
	fit=$(( (NOFILE - 400) / 2 ))
	if [ "$IDLE" -gt "$fit" ]; then
		IDLE_NOTE="Idle connections capped at $fit (asked $IDLE): the hard descriptor limit is $NOFILE and cannot be raised here; each proxied connection needs two."
		IDLE=$fit
	fi
	# lbd wants 2 x maxconn + 256 descriptors; stay under the limit.
	MAXCONN=$((IDLE + 50))
	WCONN=$((NOFILE - 100))	# nginx counts client and upstream sides
}

# ------------------------------------------------------------- templates

# render TEMPLATE OUTPUT PREFIX [PORT [LOG]]: fill in a config's @NAMES@.
render() {
	sed -e "s|@PREFIX@|$3|g" -e "s|@PORT@|${4:-}|g" -e "s|@LOG@|${5:-}|g" \
	    -e "s|@FRONT@|$FRONT|g" -e "s|@STATS@|$STATS|g" \
	    -e "s|@B1@|$B1|g" -e "s|@B2@|$B2|g" -e "s|@B3@|$B3|g" \
	    -e "s|@NOFILE@|$NOFILE|g" -e "s|@WCONN@|$WCONN|g" \
	    -e "s|@MAXCONN@|$MAXCONN|g" -e "s|@LOAD_MODULE@|$LOAD_MODULE|g" \
	    -e "s|@WORKERS@|$WORKERS|g" \
	    "$HERE/conf/$1" >"$2"
}

# An nginx prefix of our own, so nothing under /etc/nginx or /var/log
# is read or written (-e moves even the start-up error log).
nginx_prefix() {
	mkdir -p "$1/tmp" "$1/html"
}

# ---------------------------------------------------------------- backends

start_backends() {
	for port in $B1 $B2 $B3; do
		dir=$WORK/backend-$port
		nginx_prefix "$dir"
		printf 'ok\n' >"$dir/html/small"
		: >"$dir/html/upload"
		head -c 1048576 /dev/zero >"$dir/html/big"
		log=$RAW/backend-$port.log
		render backend.nginx.conf "$dir/nginx.conf" "$dir" "$port" "$log"
		nginx -e "$log" -p "$dir" -c "$dir/nginx.conf" &
		BACKEND_PIDS="$BACKEND_PIDS $!"
	done
	for port in $B1 $B2 $B3; do
		$HELPER wait "$port" 10 /small /big ||
		    die "backend $port does not serve /small and /big"
	done
}

# ----------------------------------------------------------------- targets

# launch_lbd EVENTS [CONF]: lbd with $WORKERS workers on EVENTS (epoll or
# poll), configured by CONF (lbd.conf, TCP mode).
launch_lbd() {
	conf=${2:-lbd.conf}
	render "$conf" "$WORK/$conf" "$WORK"
	"$LBD" -t -c "$WORK/$conf" >/dev/null || die "$conf rejected"
	LBD_EVENTS=$1 "$LBD" -f -c "$WORK/$conf" 2>>"$RAW/lbd.log" &
	TARGET_PID=$! PORT=$FRONT STOP_SIG=INT
}

# start_TARGET ROUND: start it in the background, set TARGET_PID and PORT.
start_lbd() {
	launch_lbd epoll
}

# The same lbd with its workers on poll(2) instead of epoll(7).
start_lbd_poll() {
	launch_lbd poll
}

# HTTP mode, the same workers (lbd.http.conf).
start_lbd_http() {
	launch_lbd epoll lbd.http.conf
}

# launch_haproxy CONF NAME: HAProxy configured by CONF, logging to NAME.log.
launch_haproxy() {
	render "$1" "$WORK/$1" "$WORK"
	# -db: stay in the foreground, one process, so $! is HAProxy itself.
	haproxy -db -f "$WORK/$1" >>"$RAW/$2.log" 2>&1 &
	TARGET_PID=$! PORT=$FRONT STOP_SIG=TERM
}

start_haproxy() {
	launch_haproxy haproxy.cfg haproxy
}

start_haproxy_http() {
	launch_haproxy haproxy.http.cfg haproxy-http
}

# launch_nginx CONF NAME: nginx configured by CONF in a prefix of its own,
# logging to NAME.log.
launch_nginx() {
	dir=$WORK/$2
	nginx_prefix "$dir"
	render "$1" "$dir/nginx.conf" "$dir" "" "$RAW/$2.log"
	nginx -e "$RAW/$2.log" -p "$dir" -c "$dir/nginx.conf" &
	TARGET_PID=$! PORT=$FRONT STOP_SIG=TERM
}

start_nginx() {
	launch_nginx nginx.stream.conf nginx
}

start_nginx_http() {
	launch_nginx nginx.http.conf nginx-http
}

# The ceiling: wrk talks to one backend, nothing in between.
start_direct() {
	TARGET_PID="" PORT=$B1
}

stop_target() {
	[ -n "$TARGET_PID" ] && stop_tree "$TARGET_PID" "$STOP_SIG"
	TARGET_PID=""
}

# ---------------------------------------------------------------- workloads

# CPU seconds the running target has used so far; nothing for direct.
target_cpu() {
	[ -n "$TARGET_PID" ] && $HELPER cputotal "$TARGET_PID" 2>/dev/null
	return 0
}

# wrk_run NAME ARGS...: one wrk run against the front port, its summary
# line (report.lua) and text saved, one result row recorded.
wrk_run() {
	name=$1
	shift
	if [ -n "${SAMPLE:-}" ]; then
		sample_run "$name" "$@"
		return 0
	fi
	log=$RAW/$ROUND-$TARGET-$name.txt
	before=$(target_cpu)
	wrk -t1 -d "${SECONDS_PER_RUN}s" --latency -s "$HERE/report.lua" \
	    "$@" >"$log" 2>&1 || true
	[ -n "$before" ] &&
	    echo "CPU before_s=$before after_s=$(target_cpu)" >>"$log"
	$HELPER record "$ROUND" "$TARGET" "$name" "$log" >>"$RAW/results.tsv"
}

# True when the target running now is an HTTP-mode proxy.
http_target() {
	case $TARGET in
	*-http) return 0 ;;
	*) return 1 ;;
	esac
}

# True when the target running now takes the 1 MiB uploads: the HTTP
# proxies, and direct as their ceiling.
uploads() {
	http_target || { [ "$TARGET" = direct ] && [ "$HTTP" = 1 ]; }
}

# run_workload NAME: one timed wrk run of request workload NAME.
run_workload() {
	url=http://127.0.0.1:$PORT
	case $1 in
	keepalive) wrk_run keepalive -c64 "$url/small" ;;
	close) wrk_run close -c64 -H "Connection: close" "$url/small" ;;
	big) wrk_run big -c8 "$url/big" ;;
	# wrk keeps the last -s; upload.lua loads report.lua itself.
	upload) wrk_run upload -c8 -s "$HERE/upload.lua" "$url/upload" ;;
	esac
}

# The request workloads the target running now takes.
request_workloads() {
	echo keepalive close big
	uploads && echo upload
	return 0
}

run_workloads() {
	# Warm up (page in code, fill pools) so the first workload is not
	# charged for it; not recorded.
	wrk -t1 -c64 -d1s "http://127.0.0.1:$PORT/small" >/dev/null 2>&1 || true
	for wl in $(request_workloads); do
		run_workload "$wl"
	done
	[ "$TARGET" = direct ] && return 0
	log=$RAW/$ROUND-$TARGET-idle.txt
	kind=tcp
	http_target && kind=http
	$HELPER idle "$PORT" "$IDLE" "$TARGET_PID" "$B1,$B2,$B3" "$kind" \
	    >"$log" 2>&1 || true
	$HELPER record "$ROUND" "$TARGET" idle "$log" >>"$RAW/results.tsv"
}

# Where each target spent its CPU, per process or thread, and lbd's own
# per-backend counts: both show an imbalance the totals would hide.
record_target() {
	[ -n "$TARGET_PID" ] || return 0
	$HELPER cpu "$TARGET_PID" | sed "s/^/$ROUND	$TARGET	/" \
	    >>"$RAW/cpu.tsv" || true
	case $TARGET in
	lbd|lbd-http) ;;
	*) return 0 ;;
	esac
	python3 -c "import urllib.request as u, sys; sys.stdout.write(u.urlopen('http://127.0.0.1:$STATS/metrics', timeout=2).read().decode())" \
	    >"$RAW/$ROUND-$TARGET-metrics.txt" 2>&1 || true
}

run_target() {
	TARGET=$1
	say "round $ROUND: $TARGET"
	"start_$(echo "$TARGET" | tr - _)"
	if ! $HELPER wait "$PORT" 10; then
		say "$TARGET did not come up; see $RAW/$TARGET.log"
		stop_target
		return 0
	fi
	run_workloads
	record_target
	stop_target
}

# ----------------------------------------------------------- system calls

# sample_run NAME ARGS...: wrk runs for $STRACE_SECONDS while strace -c
# counts the system calls of every process (-f: and thread) of the
# target; the report divides them by wrk's requests.
sample_run() {
	name=$1
	shift
	log=$RAW/strace-$TARGET-$name
	sargs="" n=0
	for p in $($HELPER tree "$TARGET_PID"); do
		sargs="$sargs -p $p" n=$((n + 1))
	done
	# shellcheck disable=SC2086 # $sargs is a list of words
	strace -c -f -o "$log.strace" $sargs 2>"$log.attach" &
	spid=$!
	# Attached when strace has named each process (threads come on top).
	for _ in $(seq 50); do
		[ "$(grep -c attached "$log.attach")" -ge "$n" ] && break
		sleep 0.1
	done
	wrk -t1 -d "${STRACE_SECONDS}s" -s "$HERE/report.lua" "$@" \
	    >"$log.wrk" 2>&1 || true
	kill -INT "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
}

# sample_target TARGET: start it, warm it up, and count its system calls
# over each request workload it takes.
sample_target() {
	TARGET=$1
	say "system calls: $TARGET"
	"start_$(echo "$TARGET" | tr - _)"
	if $HELPER wait "$PORT" 10; then
		wrk -t1 -c64 -d1s "http://127.0.0.1:$PORT/small" >/dev/null \
		    2>&1 || true
		SAMPLE=1
		for wl in $(request_workloads); do
			run_workload "$wl"
		done
		SAMPLE=""
	fi
	stop_target
}

# Every proxy but lbd-poll (lbd's comparison, not a peer) is sampled.
sample_targets() {
	[ "$STRACE" = 1 ] && command -v strace >/dev/null || return 0
	for t in $TARGETS; do
		case $t in
		direct|lbd-poll) ;;
		*) sample_target "$t" ;;
		esac
	done
}

# Round R runs the targets rotated by R - 1.
rotation() {
	echo "$TARGETS" | awk -v r="$1" '{
		for (i = 0; i < NF; i++) printf "%s ", $((i + r - 1) % NF + 1)
	}'
}

# ------------------------------------------------------------------- scale

# scale_run NAME EVENTS CONF KIND: one lbd worker on EVENTS (epoll or
# poll), configured by CONF, serves the keep-alive load alone, then again
# while it holds all but 100 of the idle connections the descriptor
# limit allows, idle as KIND's clients are (tcp: each with its backend
# connection; http: keep-alive, after one request).  poll(2) pays for
# every idle descriptor on every wait; epoll(7) should not notice them.
scale_run() {
	name=$1 events=$2 kind=$4
	say "scale: one worker on $events, $kind mode"
	WORKERS=1
	launch_lbd "$events" "$3"
	WORKERS=2
	if $HELPER wait "$FRONT" 10; then
		url=http://127.0.0.1:$FRONT/small
		wrk -t1 -c64 -d1s "$url" >/dev/null 2>&1 || true
		set -- wrk -t1 -c64 -d "${SECONDS_PER_RUN}s" --latency \
		    -s "$HERE/report.lua" "$url"
		"$@" >"$RAW/scale-$name-alone.txt" 2>&1 || true
		$HELPER hold "$FRONT" $((IDLE > 200 ? IDLE - 100 : IDLE / 2)) \
		    "$B1,$B2,$B3" "$kind" "$@" \
		    >"$RAW/scale-$name-held.txt" 2>&1 || true
	fi
	stop_target
}

scale_notes() {
	[ "$SCALE" = 1 ] || return 0
	echo
	echo "Scale: one worker, keep-alive small requests (wrk -t1 -c64)" \
	    "alone, then among idle connections it holds (TCP mode's with" \
	    "their backend connections; HTTP mode's keep-alive clients after" \
	    "one request each):"
	echo
	$HELPER scale "$RAW"
}

# ------------------------------------------------------------------ report

versions() {
	echo "- lbd: $("$LBD" -V 2>&1 | head -1)"
	echo "- HAProxy: $(haproxy -v 2>&1 | head -1)"
	echo "- nginx: $(nginx -v 2>&1 | head -1)"
	echo "- wrk: $(wrk -v 2>&1 | head -1 | sed 's/ \[.*//')"
}

machine() {
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' \
	    /proc/meminfo)
	echo "- machine: $(nproc) CPUs ($cpu), $mem, Linux $(uname -r)"
}

# What lbd said at warning level or worse, and its per-backend counts.
lbd_notes() {
	echo
	n=$(grep -c -E ' (warning|error): ' "$RAW/lbd.log" 2>/dev/null || true)
	echo "lbd log: ${n:-0} warning/error lines (raw/lbd.log)."
	grep -E ' (warning|error): ' "$RAW/lbd.log" 2>/dev/null |
	    sed 's/^[^ ]* [^ ]* [^ ]* //' | sort | uniq -c | sort -rn |
	    head -5 | sed 's/^/    /'
	last=$RAW/$ROUNDS-lbd-http-metrics.txt
	if [ -f "$last" ]; then
		metric_line "lbd-http responses (last round, all workloads):" \
		    "$last" lbd_http_responses_total code
		metric_line "lbd-http backend connection reuses (last round):" \
		    "$last" lbd_backend_connection_reuses_total backend
	fi
	last=$RAW/$ROUNDS-lbd-metrics.txt
	[ -f "$last" ] || return 0
	metric_line "lbd connections per backend (last round, all workloads):" \
	    "$last" lbd_backend_connections_total backend
	metric_line "lbd connections accepted per worker (last round):" \
	    "$last" lbd_worker_connections_total worker "worker "
	echo
}

# metric_line TEXT FILE METRIC LABEL [PREFIX]: TEXT, then PREFIX
# LABEL's value = the value, for each series of METRIC in FILE.
metric_line() {
	echo
	echo "$1" "$(grep "^$3{" "$2" |
	    sed "s/.*$4=\"\([^\"]*\)\".*} */${5:-}\1=/" | tr '\n' ' ')"
}

# What one wait costs as idle descriptors pile up: poll(2) against epoll(7),
# through lbd's own event loop (tests/bench/pollcost.c).
pollcost_notes() {
	mkdir -p "$OUT"
	cc -std=c11 -D_GNU_SOURCE -O2 -I"$TOP/common" -o "$OUT/pollcost" \
	    "$HERE/pollcost.c" "$TOP/common/evloop.c" "$TOP/common/clock.c" ||
	    return 0
	echo
	echo "Event loop cost per wait, one ready descriptor among idle ones:"
	echo
	"$OUT/pollcost" "$IDLE"
	echo
}

header() {
	echo "# lbd benchmark"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), wall time" \
	    "$(( $(date +%s) - START ))s: $ROUNDS interleaved rounds, wrk -t1" \
	    "for ${SECONDS_PER_RUN}s per run (keep-alive and new-connection" \
	    "-c64, 1 MiB responses and uploads -c8), $IDLE idle connections" \
	    "(in HTTP mode after one request each)."
	[ -n "${IDLE_NOTE:-}" ] && echo "$IDLE_NOTE"
	echo
	machine
	versions
	echo
}

# Anything the peers or backends logged (warnings about limits, say).
peer_notes() {
	for f in haproxy nginx haproxy-http nginx-http backend-$B1 backend-$B2 backend-$B3; do
		n=$(grep -c . "$RAW/$f.log" 2>/dev/null || true)
		[ "${n:-0}" -eq 0 ] || echo "$f logged $n lines (raw/$f.log)."
	done
}

report() {
	{
		header
		$HELPER report "$RAW/results.tsv" "$RAW/cpu.tsv"
		lbd_notes
		scale_notes
		pollcost_notes
		peer_notes
	} >"$OUT/results.md"
	cat "$OUT/results.md"
}

# -------------------------------------------------------------------- main

main() {
	START=$(date +%s)
	[ -x "$LBD" ] || die "$LBD missing; run make bench"
	install_deps
	raise_nofile
	LOAD_MODULE=""
	mod=$(stream_module)
	[ "$mod" = static ] || LOAD_MODULE="load_module $mod;"
	rm -rf "$RAW"
	mkdir -p "$RAW"
	WORK=$(mktemp -d /tmp/lbd-bench.XXXXXX)
	# nginx started as root serves files as "nobody": let it read them.
	chmod 755 "$WORK"
	trap cleanup EXIT
	trap 'exit 130' INT TERM	# exit runs the EXIT trap
	start_backends
	for ROUND in $(seq "$ROUNDS"); do
		for t in $(rotation "$ROUND"); do
			run_target "$t"
		done
	done
	sample_targets
	if [ "$SCALE" = 1 ]; then
		scale_run epoll epoll lbd.conf tcp
		scale_run poll poll lbd.conf tcp
		[ "$HTTP" = 1 ] && scale_run http epoll lbd.http.conf http
	fi
	report
}

main "$@"
