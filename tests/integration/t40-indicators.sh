#!/bin/bash
# Indicators through the public API: a declared blockade with low flows and two
# organisations double-counting (lachin, reconcile max), a flow-only corridor
# with a one-day spike and a real reopening (rafah, reconcile sum), a
# correction, unreported days, disruptions and shortages; then the status JSON
# field by field, the daily series, CSV, feed, metrics and analytics views.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start
swcli org add ngo-b "NGO B" >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)

batch() { post_json /api/v1/reports "{\"reports\":[$1]}" "${2:-$TOKEN}"; expect_status 201 "batch: ${1:0:60}"; }
trk() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"$1\",\"date\":\"$2\",\"trucks\":$3${4:+,$4}}"; }

# --- lachin: declared blocked from 1 January 2023 --------------------------------
L=""
for d in "2022-12-29 400" "2022-12-30 380" "2022-12-31 420" "2023-01-01 5" "2023-01-02 3" \
	 "2023-01-04 0" "2023-01-06 4" "2023-01-08 10" "2023-01-09 2"; do
	set -- $d
	L="$L$(trk lachin "$1" "$2"),"
done
J5=$(uuid)
L="$L{\"kind\":\"trucks\",\"report_id\":\"$J5\",\"corridor\":\"lachin\",\"date\":\"2023-01-05\",\"trucks\":6},"
L="$L$(trk lachin 2023-01-10 6 '"tonnes":12.5'),"
L="$L{\"kind\":\"access\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"status\":\"blocked\",\"at\":\"2023-01-01T10:00:00+04:00\"},"
L="$L{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"gas\",\"started_at\":\"2023-01-03T08:00:00+04:00\",\"disruption_id\":\"gas-1\",\"location\":\"Stepanakert\",\"people_affected\":120000},"
L="$L{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"electricity\",\"started_at\":\"2023-01-05T00:00:00+04:00\",\"ended_at\":\"2023-01-06T12:00:00+04:00\",\"location\":\"Stepanakert\"},"
L="$L{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-02\",\"item\":\"Baby formula\",\"severity\":\"severe\",\"location\":\"Stepanakert\"},"
L="$L{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-06\",\"item\":\"Baby formula\",\"severity\":\"critical\",\"location\":\"Stepanakert\"},"
L="$L{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-09\",\"item\":\"Baby formula\",\"severity\":\"critical\",\"location\":\"Stepanakert\"},"
L="$L{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-03\",\"item\":\"bread\",\"severity\":\"moderate\",\"location\":\"Stepanakert\"},"
L="$L{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-08\",\"item\":\"bread\",\"severity\":\"none\",\"location\":\"Stepanakert\"}"
batch "$L"
# The second organisation watches the same road (max reconciles) and the same cut.
batch "$(trk lachin 2023-01-09 4),$(trk lachin 2023-01-10 4),{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"gas\",\"started_at\":\"2023-01-04T09:00:00+04:00\",\"location\":\"Stepanakert\",\"people_affected\":100000},{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-08\",\"item\":\"baby formula\",\"severity\":\"severe\",\"location\":\"Stepanakert\"}" "$TOKEN_B"
# A correction: 6 trucks on 5 January were in fact 8.
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-05\",\"trucks\":8,\"supersedes\":\"$J5\"}"
expect_status 201 "correction"

# --- rafah: flows only, Asia/Gaza, reconcile sum, baseline 500 ------------------
R=""
for d in "2024-05-01 600" "2024-05-02 20" "2024-05-03 30" "2024-05-04 300" "2024-05-05 10" \
	 "2024-05-08 15" "2024-05-09 400" "2024-05-10 400" "2024-05-11 400" "2024-05-12 400" \
	 "2024-05-13 400" "2024-05-14 400" "2024-05-15 400" "2024-05-16 450"; do
	set -- $d
	R="$R$(trk rafah "$1" "$2"),"
done
batch "${R%,}"
# 21:30Z on the 15th is 00:30 on the 16th in Gaza (UTC+3 in May): it counts on the 16th.
batch "$(trk rafah 2024-05-09 100),{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"observed_at\":\"2024-05-15T21:30:00Z\",\"trucks\":50}" "$TOKEN_B"

# Readiness: wait until the snapshot includes the last report (no sleeping blind).
wait_snapshot
last=$(sql "SELECT to_char(max(received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM supplywatch.reports")
req GET /api/v1/status
expect_json '[.corridors[].freshness.last_report_at] | max' "\"$last\"" "snapshot rebuilt after the reports"
expect_json '[.corridors[].freshness.stale]' '[false,false]' "fresh data is not stale"
expect_json '.corridors[0].freshness.organisations_30d' '2' "two reporting organisations"

# --- lachin as of 2023-01-10, field by field --------------------------------------
req GET "/api/v1/status?as_of=2023-01-10"
expect_status 200 "status as of 2023-01-10"
expect_json '.as_of' '"2023-01-10"' "as_of echoed"
C='.corridors[] | select(.id=="lachin")'
expect_json "$C | [.status, .status_basis, .flow_status, .declared_status, .disagree]" '["blocked","declared","blocked","blocked",false]' "lachin status"
expect_json "$C | .blockade" '{"ongoing":true,"since":"2023-01-01","day":10,"blocked_days_30d":10,"blocked_days_90d":10,"longest_days":10}' "lachin blockade"
expect_json "$C | .trucks | del(.tonnes)" '{"on_day":6,"previous_day":4,"avg_7d":5.3,"days_reported_7d":6,"baseline_per_day":400,"pct_of_baseline":1.3,"deficit_in_blockade":3160,"days_unreported_in_blockade":2,"sources_on_day":2,"min_on_day":4,"max_on_day":6,"stage":"crossed","corroboration_on_day":"sources disagree","by_stage":{"crossed":{"on_day":6,"avg_7d":5.3,"days_reported_7d":6,"sources_on_day":2,"corroboration_on_day":"sources disagree"}},"by_crossing":{},"by_cargo":{},"days_since_last_delivery":0}' "lachin trucks (max of two organisations, correction applied)"
expect_json "$C | .trucks.tonnes" '{"on_day":12.5,"avg_7d":12.5,"baseline_per_day":1200,"pct_of_baseline":1}' "lachin tonnes"
expect_json "$C | .disruptions" '[{"service":"gas","location":"Stepanakert","since":"2023-01-03T08:00:00+04:00","days":8,"people_affected":120000,"reports":2}]' "ongoing disruptions merged"
expect_json "$C | .service_days_disrupted_30d | [.gas, .electricity, .water]" '[8,2,0]' "days disrupted per service"
expect_json "$C | .shortages" '{"counts":{"critical":1,"severe":0,"moderate":0,"low":0},"items":[{"item":"Baby formula","severity":"critical","location":"Stepanakert","since":"2023-01-06","days":5}]}' "shortages"
# Freshness describes the data as it is now, whatever as_of.
last_l=$(sql "SELECT to_char(max(received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM supplywatch.reports WHERE corridor_id = 'lachin'")
expect_json "$C | .freshness | [.last_report_at, .stale]" "[\"$last_l\",false]" "freshness as of a past date is today's"

req GET "/api/v1/status?as_of=2023-01-03"
expect_json "$C | [.status, .flow_status, .blockade.day, .trucks.on_day, .trucks.previous_day]" '["blocked","unknown",3,null,3]' "unreported day is null, never 0"
req GET "/api/v1/status?as_of=2022-12-31"
expect_json "$C | [.status, .status_basis, .blockade]" '["open","flows",null]' "before the blockade"
req GET "/api/v1/status?as_of=1965-06-01"
expect_json "$C | [.as_of, .status, .blockade]" '["1965-06-01","unknown",null]' "a date before 1970 is a date like any other"
req GET "/api/v1/status?as_of=2021-06-01"
expect_json "$C | [.status, .status_basis, .blockade, .trucks.on_day]" '["unknown","none",null,null]' "before any report"

# --- rafah: a one-day spike does not end the blockade; seven open days do ---------
C='.corridors[] | select(.id=="rafah")'
req GET "/api/v1/status?as_of=2024-05-04"
expect_json "$C | [.status, .status_basis, .blockade.day, .blockade.ongoing]" '["open","flows",3,true]' "spike day: still day 3 of the blockade"
req GET "/api/v1/status?as_of=2024-05-12"
expect_json "$C | [.status, .blockade.since, .blockade.day, .blockade.ongoing, .blockade.longest_days]" '["open","2024-05-02",11,true,11]' "reopening not yet complete: ongoing"
expect_json "$C | .trucks | [.on_day, .avg_7d, .days_reported_7d, .pct_of_baseline, .deficit_in_blockade, .days_unreported_in_blockade]" '[400,343,5,68.6,2425,2]' "rafah trucks (sum of two organisations)"
req GET "/api/v1/status?as_of=2024-05-16"
expect_json "$C | [.status, .blockade, .trucks.on_day, .trucks.previous_day]" '["open",null,500,400]' "after seven open days the blockade has ended"
req GET "/api/v1/status"
expect_json "$C | [.blockade, .status]" '[null,"unknown"]' "today: no blockade, no report"

# --- daily series ------------------------------------------------------------------
req GET "/api/v1/corridors/rafah/daily?from=2024-05-05&to=2024-05-09"
expect_status 200 "daily series"
expect_json '[.corridor, .from, .to, (.days|length)]' '["rafah","2024-05-05","2024-05-09",5]' "series range"
expect_json '[.days[] | .trucks]' '[10,null,null,15,500]' "trucks null on unreported days"
expect_json '[.days[] | .sources]' '[1,0,0,1,2]' "sources"
expect_json '.days[4] | [.min, .max]' '[100,400]' "spread"
expect_json '[.days[] | .flow_status]' '["blocked","unknown","unknown","blocked","open"]' "flow status"
expect_json '[.days[] | .in_blockade]' '[true,true,true,true,false]' "in_blockade as of today"
expect_json '.days[1] | [.status, .status_basis, .declared_status]' '["unknown","none",null]' "unknown day"
req GET "/api/v1/corridors/lachin/daily?from=2023-01-01&to=2023-01-03"
expect_json '[.days[] | [.trucks, .status, .declared_status, .flow_status]]' '[[5,"blocked","blocked","blocked"],[3,"blocked","blocked","blocked"],[null,"blocked","blocked","unknown"]]' "declared status carries over unreported days"
req GET "/api/v1/corridors/rafah/daily.csv?from=2024-05-05&to=2024-05-06"
expect_status 200 "daily CSV"
expect_header Content-Type "text/csv; charset=utf-8" "CSV content type"
expect_eq "$(tr -d '\r' <"$BODY")" "date,trucks,sources,min,max,tonnes,flow_status,declared_status,status,status_basis,disagree,in_blockade,corridor,stage,corroboration
#date,#indicator+trucks+num,#meta+sources+num,#indicator+trucks+min+num,#indicator+trucks+max+num,#indicator+tonnes+num,#status+flow,#status+declared,#status,#meta+basis,#meta+disagree,#status+blockade,#loc+corridor+code,#meta+stage,#meta+corroboration
2024-05-05,10,1,10,10,,blocked,,blocked,flows,false,true,rafah,crossed,single source
2024-05-06,,0,,,,unknown,,unknown,none,false,true,rafah,crossed," "CSV with header and HXL rows"

# --- the analysts' views hold the same numbers ----------------------------------------
wait_analytics
req GET "/api/v1/corridors/rafah/daily?from=2024-05-01&to=2024-05-16"
json_rows=$(jq -r '.days[] | [.date, (.trucks // "-"), .sources, .flow_status, .status, .in_blockade] | @tsv' "$BODY")
sql_rows=$(sql "SELECT day, coalesce(trucks::text, '-'), sources, flow_status, status, in_blockade FROM analytics.daily_status WHERE corridor = 'rafah' AND day BETWEEN '2024-05-01' AND '2024-05-16' ORDER BY day" | tr '|' '\t' | sed 's/\tt$/\ttrue/; s/\tf$/\tfalse/')
expect_eq "$sql_rows" "$json_rows" "analytics.daily_status agrees with the JSON series"
expect_eq "$(sql "SELECT corridor, first_day, last_day, days, ongoing FROM analytics.blockade_periods ORDER BY corridor, first_day")" \
	"lachin|2023-01-01|$(sql "SELECT (now() AT TIME ZONE 'Asia/Yerevan')::date")|$(sql "SELECT (now() AT TIME ZONE 'Asia/Yerevan')::date - date '2023-01-01' + 1")|t
rafah|2024-05-02|2024-05-08|7|f" "analytics.blockade_periods"

# --- errors ------------------------------------------------------------------------------
req GET "/api/v1/status?as_of=2023-02-30"
expect_status 400 "impossible as_of"
expect_json '.error' '"as_of must be a date as YYYY-MM-DD"' "as_of message"
req GET "/api/v1/status?as_of=2999-01-01"
expect_status 400 "as_of in the future"
req GET "/api/v1/corridors/nowhere/daily"
expect_status 404 "unknown corridor"
expect_json '.error' '"no corridor \"nowhere\" is configured"' "unknown corridor message"
req GET "/api/v1/corridors/rafah/daily?from=2024-05-09&to=2024-05-01"
expect_status 400 "from after to"
req GET "/api/v1/corridors/rafah/daily?from=yesterday"
expect_status 400 "bad from"
req GET "/corridors/nowhere"
expect_status 404 "unknown corridor page"
req GET "/corridors/%FF"
expect_status 404 "corridor id that is not UTF-8"
expect_json '.error' "\"no such corridor: ids are a-z, 0-9, '-' and '_'\"" "not echoed back"
req GET "/api/v1/corridors/$(printf 'a%.0s' $(seq 1 59))%C3%A9/daily"
expect_status 404 "long corridor id with a multibyte character"
req GET /healthz
expect_status 200 "the daemon is still up"

# --- caching: ETag and 304 ------------------------------------------------------------------
req GET /api/v1/status
etag=$(grep -i '^ETag:' "$HEADERS" | cut -d' ' -f2 | tr -d '\r')
expect_header Cache-Control "public, max-age=15" "short public caching"
req GET /api/v1/status -H "If-None-Match: $etag"
expect_status 304 "revalidation with the ETag"
lm=$(grep -i '^Last-Modified:' "$HEADERS" | cut -d' ' -f2- | tr -d '\r')
req GET / -H "If-Modified-Since: $lm"
expect_status 304 "revalidation with Last-Modified"
req GET / -H "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"
expect_status 200 "modified since an older date"
req GET / -H "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT"
expect_status 304 "not modified since a later date"
req GET /api/v1/status -H 'If-None-Match: "other"'
expect_status 200 "a stale ETag gets the body"

# --- the page ----------------------------------------------------------------------------------
req GET "/corridors/lachin?as_of=2023-01-10"
expect_status 200 "corridor page"
expect_header Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" "CSP"
expect_header X-Content-Type-Options nosniff "nosniff"
expect_contains "$BODY" "Day 10 of the blockade, since 1 January 2023" "day N on the page"
if grep -qi '<script' "$BODY"; then fail "the page has a script"; else ok; fi
size=$(wc -c <"$BODY")
if [ "$size" -lt 102400 ]; then ok; else fail "page is $size bytes"; fi

# --- feed ----------------------------------------------------------------------------------------
req GET /feed.atom
expect_status 200 "feed"
expect_header Content-Type "application/atom+xml" "feed type"
if xmllint --noout "$BODY" 2>"$WORK/xmllint.err"; then ok; else fail "feed does not parse: $(cat "$WORK/xmllint.err")"; fi
n_entries=$(xmllint --xpath 'count(//*[local-name()="entry"])' "$BODY")
if [ "$n_entries" -ge 6 ]; then ok; else fail "feed has $n_entries entries"; fi
expect_contains "$BODY" "Blockade of Rafah crossing began" "blockade start entry"
expect_contains "$BODY" "Blockade of Rafah crossing ended after 7 days" "blockade end entry"

# --- metrics ---------------------------------------------------------------------------------------
req GET /metrics
expect_status 200 "metrics"
expect_header Content-Type "text/plain; version=0.0.4; charset=utf-8" "metrics content type"
if promtool check metrics <"$BODY" >"$WORK/promtool.out" 2>&1; then ok; else fail "promtool: $(cat "$WORK/promtool.out")"; fi
for f in supplywatch_corridor_status supplywatch_blockade_day supplywatch_trucks_avg_7d \
	 supplywatch_last_report_timestamp_seconds supplywatch_reports_total supplywatch_http_requests_total \
	 supplywatch_http_request_duration_seconds supplywatch_db_up supplywatch_build_info; do
	if grep -q "^# TYPE $f " "$BODY" && grep -q "^# HELP $f " "$BODY"; then ok; else fail "metric family $f without HELP/TYPE"; fi
done
expect_contains "$BODY" 'supplywatch_corridor_status{corridor="lachin"} 2' "lachin blocked in metrics"
expect_contains "$BODY" 'supplywatch_corridor_status{corridor="rafah"} -1' "rafah unknown today"
expect_contains "$BODY" 'supplywatch_db_up 1' "db up"
expect_contains "$BODY" 'supplywatch_reports_total{kind="trucks",channel="json",result="stored"} 30' "reports counted"
if grep -q 'ngo-a\|ngo-b' "$BODY"; then fail "organisation names in metrics"; else ok; fi
sw_stop

# --- status.public = false: the status surfaces need a token ---------------------------
sed 's/status = { title = "Test monitor";/status = { public = false; title = "Test monitor";/' "$WORK/daemon.conf" >"$WORK/private.conf"
sw_start "$WORK/private.conf"
for path in / /corridors/lachin /api/v1/status /api/v1/corridors/lachin/daily /feed.atom /metrics; do
	req GET "$path"
	expect_status 401 "private $path without a token"
done
req GET /api/v1/status -H "Authorization: Bearer $TOKEN"
expect_status 200 "private status with a token"
# What needs a token must not be kept by a shared cache for anyone who asks.
for path in / /corridors/lachin /api/v1/status "/api/v1/status?as_of=2023-01-20" \
	/api/v1/corridors/lachin/daily /api/v1/corridors/lachin/daily.csv /feed.atom /metrics; do
	req GET "$path" -H "Authorization: Bearer $TOKEN"
	expect_header Cache-Control "private, max-age=15" "private $path: Cache-Control"
	etag=$(grep -i '^ETag:' "$HEADERS" | cut -d' ' -f2 | tr -d '\r')
	req GET "$path" -H "Authorization: Bearer $TOKEN" -H "If-None-Match: $etag"
	expect_status 304 "private $path revalidates"
	expect_header Cache-Control "private, max-age=15" "private $path: Cache-Control of the 304"
done
req GET /healthz
expect_status 200 "healthz stays open"
expect_truck_daily_consistent
sw_stop
