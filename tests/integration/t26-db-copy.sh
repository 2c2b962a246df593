#!/bin/bash
# db_copy, the COPY that stores batches, against the test server: data in
# pieces of any length, and a COPY the server refuses (here 2 GiB that
# libpq could not take in one piece) returns, with the session usable.
. "$(dirname "$0")/../lib.sh"
sw_setup
timeout 60 "$SW_BUILD/tests/probe_db_copy" "dbname=$DB user=postgres" >"$WORK/probe.out" 2>&1
rc=$?
while read -r verdict what; do
	[ "$verdict" = ok ] && ok || fail "db_copy: $what"
done <"$WORK/probe.out"
expect_eq "$rc" "0" "probe_db_copy finished (124: it hung)"
expect_eq "$(grep -c '^ok ' "$WORK/probe.out")" "6" "every check of the probe ran"
