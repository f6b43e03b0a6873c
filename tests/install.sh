#!/bin/sh
# make install and make uninstall into a temporary DESTDIR: install puts
# every file where it belongs (the unit's paths rewritten for PREFIX),
# keeps an lbd.conf that exists, and uninstall removes what install added
# and nothing else.  One pass or failure for the closing line.
set -u
dest=$(mktemp -d /tmp/lbd-install.XXXXXX) || exit 1
trap 'rm -rf "$dest"' EXIT
fails=0
mk() {
	make --no-print-directory DESTDIR="$dest" PREFIX=/opt/lbd "$@" \
	    >"$dest.log" 2>&1 || { cat "$dest.log"; fails=$((fails + 1)); }
	rm -f "$dest.log"
}
check() {	# check WHAT COMMAND...: count a failure when COMMAND fails
	what=$1
	shift
	"$@" || { echo "install: $what"; fails=$((fails + 1)); }
}
files() { (cd "$dest" && find . -type f | sort); }

mk install
check "lbd executable" test -x "$dest/opt/lbd/sbin/lbd"
check "lbd.8" cmp -s man/lbd.8 "$dest/opt/lbd/share/man/man8/lbd.8"
check "lbd.conf.5" cmp -s man/lbd.conf.5 \
    "$dest/opt/lbd/share/man/man5/lbd.conf.5"
check "example" cmp -s etc/lbd.conf "$dest/opt/lbd/share/lbd/lbd.conf.example"
check "lbd.conf" cmp -s etc/lbd.conf "$dest/etc/lbd.conf"
check "sysusers entry" grep -q '^u lbd ' "$dest/opt/lbd/lib/sysusers.d/lbd.conf"
check "unit ExecStart" grep -qx 'ExecStart=/opt/lbd/sbin/lbd -f -c /etc/lbd.conf' \
    "$dest/opt/lbd/lib/systemd/system/lbd.service"
check "unit without /usr/local" \
    sh -c "! grep -q /usr/local '$dest/opt/lbd/lib/systemd/system/lbd.service'"
check "7 files" test "$(files | wc -l)" -eq 7

# An lbd.conf of the operator's survives install and uninstall.
echo "workers = 1;" >> "$dest/etc/lbd.conf"
cp "$dest/etc/lbd.conf" "$dest/mine"
mk install
check "changed lbd.conf kept by install" cmp -s "$dest/mine" "$dest/etc/lbd.conf"
mk uninstall
check "only the changed lbd.conf left" \
    test "$(files)" = "$(printf './etc/lbd.conf\n./mine')"
check "changed lbd.conf kept by uninstall" \
    cmp -s "$dest/mine" "$dest/etc/lbd.conf"

# The example as installed goes with uninstall.
rm -f "$dest/etc/lbd.conf" "$dest/mine"
mk install
mk uninstall
check "nothing left" test -z "$(files)"

if [ "$fails" -eq 0 ]; then
	echo "install: passed"
	[ -n "${LBD_RESULTS:-}" ] && echo "1 0" >> "$LBD_RESULTS"
	exit 0
fi
echo "install: FAILED ($fails)"
[ -n "${LBD_RESULTS:-}" ] && echo "0 1" >> "$LBD_RESULTS"
exit 1
