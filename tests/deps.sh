#!/bin/sh
# Install what building and testing lbd needs, on Debian, when it is missing.
# Called by "make check" and "make demo"; does nothing when all is present.
set -e

# missing PKG...: the ones not installed, each after a space.
missing() {
	for p; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "ok installed" || printf ' %s' "$p"
	done
}

# curl and ab (apache2-utils) are the real HTTP clients of the HTTP mode
# tests.
need=$(missing gcc make libconfig-dev libcunit1-dev mandoc curl \
    apache2-utils)
# Optional, each test that needs them skipped without them: the fuzz
# targets want clang and its libFuzzer runtime (libclang-rt-dev pulls in
# libclang-rt-14-dev on Debian 12); the PROXY protocol tests talk to a
# real HAProxy.
fuzz=$(missing clang libclang-rt-dev haproxy)
[ -z "$need$fuzz" ] && exit 0
echo "installing:$need$fuzz"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
[ -z "$need" ] || $SUDO apt-get install -y -qq $need >/dev/null
[ -z "$fuzz" ] || $SUDO apt-get install -y -qq $fuzz >/dev/null ||
    echo "cannot install$fuzz: the tests that need them will be skipped"
