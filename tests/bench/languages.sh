#!/bin/bash
# What choosing a language costs a request: GET / against GET /?lang=ar,
# /?lang=hy and Accept-Language: ar on one daemon serving five languages,
# alternating, three rounds of 4 s at 64 connections (wrk), and the pages'
# sizes.  Figures only, no verdict (docs/performance.md, "Issue 13").
#   bash tests/run.sh build tests/bench/languages.sh
. "$(dirname "$0")/../lib.sh"
command -v wrk >/dev/null || BENCH=1 sh "$SW_ROOT/tests/install-deps.sh" >&2
sw_setup
sed -i 's|^status = { \(.*\) };|status = { \1 default_language = "en"; languages = [ "en", "ar", "he", "hy", "ru" ]; };|' "$WORK/daemon.conf"
sw_start
rps() { wrk -t2 -c64 -d4s "$@" 2>&1 | awk '/^Requests\/sec/ { print $2 }'; }
for round in 1 2 3; do
	echo "round $round: / $(rps "$SW_URL/") req/s; /?lang=ar $(rps "$SW_URL/?lang=ar");" \
		"/?lang=hy $(rps "$SW_URL/?lang=hy"); Accept-Language: ar $(rps -H 'Accept-Language: ar' "$SW_URL/")"
done
for u in / "/?lang=ar" "/?lang=hy"; do echo "$u: $(curl -sS "$SW_URL$u" | wc -c) bytes"; done
ok
sw_stop
