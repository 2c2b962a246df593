#!/bin/bash
# Status surfaces: the pre-compressed copies (Accept-Encoding negotiation,
# their own ETags, 304s), and the silent-organisation gauge with its view.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start || exit 1
swcli org add ngo-b "NGO B" >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)
report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"$1\",\"trucks\":$2}"; }
post_json /api/v1/reports "$(report 2024-01-05 120)"
expect_status 201 "report A"
post_json /api/v1/reports "$(report 2024-01-06 80)" "$TOKEN_B"
expect_status 201 "report B"
wait_snapshot

# --- gzip -------------------------------------------------------------------------------
for path in / /corridors/rafah /api/v1/status /feed.atom; do
	req GET "$path"
	cp "$BODY" "$WORK/plain"
	etag=$(grep -i '^ETag:' "$HEADERS" | cut -d' ' -f2 | tr -d '\r')
	expect_header "Vary" "Accept-Encoding" "$path identity: Vary"
	expect_eq "$(grep -ci '^Content-Encoding:' "$HEADERS")" "0" "$path identity: not encoded"
	req GET "$path" -H "Accept-Encoding: gzip"
	expect_header "Content-Encoding" "gzip" "$path gzip"
	expect_header "Vary" "Accept-Encoding" "$path gzip: Vary"
	expect_eq "$(gzip -dc <"$BODY" | cmp - "$WORK/plain" && echo same)" "same" "$path gzip decompresses to the identity bytes"
	if [ "$(stat -c %s "$BODY")" -lt "$(stat -c %s "$WORK/plain")" ]; then ok; else fail "$path gzip not smaller"; fi
	getag=$(grep -i '^ETag:' "$HEADERS" | cut -d' ' -f2 | tr -d '\r')
	expect_eq "$getag" "${etag%\"}-gz\"" "$path gzip has its own ETag"
	req GET "$path" -H "Accept-Encoding: gzip" -H "If-None-Match: $getag"
	expect_status 304 "$path gzip revalidates"
	expect_header "ETag" "$getag" "$path 304 names the gzip ETag"
done
# /metrics too: rendered once a second at most, compressed once.
req GET /metrics -H "Accept-Encoding: gzip"
expect_header "Content-Encoding" "gzip" "/metrics gzip"
gzip -dc <"$BODY" >"$WORK/metrics.txt"
expect_eq "$(grep -c '^supplywatch_build_info{' "$WORK/metrics.txt")" "1" "/metrics gzip decompresses to the exposition"
if promtool check metrics <"$WORK/metrics.txt" >/dev/null 2>&1; then ok; else fail "promtool on gzipped /metrics"; fi
# Its counters change every second without a new snapshot: no date may vouch
# for it, so If-Modified-Since never gets a 304 (ETags still revalidate).
req GET /metrics -H "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT"
expect_status 200 "/metrics ignores If-Modified-Since"
expect_eq "$(grep -ci '^Last-Modified:' "$HEADERS")" "0" "/metrics has no Last-Modified"
expect_eq "$(grep -ci '^ETag:' "$HEADERS")" "1" "/metrics has an ETag"
# Negotiation (RFC 9110 12.5.3).
for ae in "gzip" "deflate, gzip;q=0.5" "x-gzip" "*" "br;q=1, *;q=0.1" "GZIP"; do
	req GET / -H "Accept-Encoding: $ae"
	expect_header "Content-Encoding" "gzip" "Accept-Encoding '$ae' gets gzip"
done
for ae in "identity" "gzip;q=0" "deflate, br" "*;q=0" "gzip;q=0, *" "gzipx"; do
	req GET / -H "Accept-Encoding: $ae"
	expect_eq "$(grep -ci '^Content-Encoding:' "$HEADERS")" "0" "Accept-Encoding '$ae' gets identity"
done
# Past dates are computed per request and sent as they are.
req GET "/api/v1/status?as_of=2024-01-05" -H "Accept-Encoding: gzip"
expect_status 200 "past as_of"
expect_eq "$(grep -ci '^Content-Encoding:' "$HEADERS")" "0" "a computed past as_of is not compressed"
expect_json '.database_reachable' 'true' "status JSON: database reachable"

# --- silent organisations -----------------------------------------------------------------
req GET /metrics
expect_eq "$(grep '^supplywatch_organisations{' "$BODY")" 'supplywatch_organisations{state="reporting"} 2
supplywatch_organisations{state="silent"} 0' "both organisations reporting"
# NGO B's report was received 30 hours ago (status.silent_after_hours is 24).
sql "UPDATE supplywatch.reports r SET received_at = now() - interval '30 hours' FROM supplywatch.organisations o WHERE o.id = r.org_id AND o.slug = 'ngo-b'" >/dev/null
# A third organisation that never reported is not silent: it has not started.
swcli org add ngo-c "NGO C" >/dev/null
swcli token issue ngo-c >/dev/null
post_json /api/v1/reports "$(report 2024-01-07 90)"
wait_snapshot
req GET /metrics
expect_eq "$(grep '^supplywatch_organisations{' "$BODY")" 'supplywatch_organisations{state="reporting"} 1
supplywatch_organisations{state="silent"} 1' "NGO B silent"
expect_eq "$(sql "SELECT format('%s|%s|%s|%s', organisation, active, silent_for > interval '29 hours', last_report_at IS NULL) FROM analytics.organisation_activity ORDER BY organisation")" \
	"ngo-a|t|f|f
ngo-b|t|t|f
ngo-c|t||t" "analytics.organisation_activity"
# Revoking an organisation's every token retires it: no longer counted.
tid=$(sql "SELECT t.id FROM supplywatch.tokens t JOIN supplywatch.organisations o ON o.id = t.org_id WHERE o.slug = 'ngo-b'")
swcli token revoke "$tid" >/dev/null || fail "token revoke $tid failed"
post_json /api/v1/reports "$(report 2024-01-08 90)"
wait_snapshot
req GET /metrics
expect_eq "$(grep '^supplywatch_organisations{' "$BODY")" 'supplywatch_organisations{state="reporting"} 1
supplywatch_organisations{state="silent"} 0' "a retired organisation is not silent"
# --- incremental rebuilds and several daemons ------------------------------------------------
# A second daemon on the same database: a report stored through one reaches
# the other's figures (announced per corridor after the first's rebuild),
# and so does a change made outside any daemon (psql).  Each rebuild
# reloads only the corridor that changed; the other keeps its figures.
A_URL=$SW_URL
A_PID=$DAEMON_PID
cp "$WORK/daemon.log" "$WORK/daemon-a.log"
sw_start || exit 1
B_URL=$SW_URL
B_PID=$DAEMON_PID
lachin_before=$(curl -s "$B_URL/api/v1/status" | jq -c '.corridors[] | select(.id == "lachin") | .trucks')
SW_URL=$A_URL
post_json /api/v1/reports "$(report 2024-01-09 321)"
expect_status 201 "stored through daemon A"
SW_URL=$B_URL
wait_snapshot
req GET /api/v1/corridors/rafah/daily?from=2024-01-09\&to=2024-01-09
expect_json '.days[0].trucks' '321' "daemon B shows what was stored through A"
req GET /api/v1/status
expect_json '.corridors[] | select(.id == "lachin") | .trucks' "$lachin_before" "the corridor that did not change keeps its figures"
# psql: another writer, heard by both.
sql "INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel, content_hash, payload)
     SELECT o.id, gen_random_uuid(), 'trucks', 'lachin', 'cli', decode(repeat('ab', 32), 'hex'), '{}'
       FROM supplywatch.organisations o WHERE o.slug = 'ngo-a'" >/dev/null
for url in "$A_URL" "$B_URL"; do
	SW_URL=$url
	wait_snapshot
done
kill -TERM "$B_PID"
wait "$B_PID" && ok || fail "daemon B exit"
SW_URL=$A_URL
DAEMON_PID=$A_PID
sw_stop
