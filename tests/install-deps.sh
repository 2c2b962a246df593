#!/bin/sh
# Installs the Debian 12 packages that building, testing and the demo need,
# if any is missing.  Used by `make check`, `make demo` and .ci/run.
# BENCH=1 adds what `make bench` needs (wrk, nginx; pgbench comes with
# postgresql); EXTRA_PKGS adds any others.
set -eu
PKGS="build-essential pkg-config libpq-dev libconfig-dev libmicrohttpd-dev
libjansson-dev libsodium-dev libsystemd-dev libcmocka-dev libxml2-dev zlib1g-dev libcsv-dev libcurl4-openssl-dev postgresql
postgresql-client curl jq tzdata faketime clang libclang-rt-14-dev libxml2-utils prometheus systemd python3 chromium fonts-dejavu-core gettext ${EXTRA_PKGS:-}"
if [ "${BENCH:-0}" = 1 ]; then PKGS="$PKGS wrk nginx"; fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "error: need root (or sudo) to run: apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps CI lean; postgresql's own recommends are not needed.
$SUDO apt-get install -y -qq --no-install-recommends $missing
