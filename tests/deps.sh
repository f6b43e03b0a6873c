#!/bin/sh
# Install what building and testing lbd needs, on Debian, when it is missing.
# Called by "make check" and "make demo"; does nothing when all is present.
set -e
need=""
for p in gcc make libconfig-dev libcunit1-dev mandoc; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    need="$need $p"
done
[ -z "$need" ] && exit 0
echo "installing:$need"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq $need >/dev/null
