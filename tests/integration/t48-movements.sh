#!/bin/bash
# Movements and crossings (design.md, stage two): a new kind through JSON,
# CSV/HXL and OpenRosa, its 30-day outcome counts and denied-or-impeded share,
# corrections; the embargo (a recent movement's places never reach a public
# surface until the embargo has passed: the daemon is restarted four days
# later under libfaketime); each crossing's state from the access events
# that name it.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start
LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)

gaza() { TZ=Asia/Gaza date -d "$1 days ago" +%F; }
yerevan() { TZ=Asia/Yerevan date -d "$1 days ago" +%F; }
mv_json() {	# corridor planned_for outcome [extra]
	echo "{\"kind\":\"movement\",\"report_id\":\"${5:-$(uuid)}\",\"corridor\":\"$1\",\"planned_for\":\"$2\",\"outcome\":\"$3\"${4:+,$4}}"
}
M1=$(uuid)
M2=$(uuid)
post_json /api/v1/reports "{\"reports\":[$(mv_json rafah "$(gaza 10)" denied '"purpose":"food","from":"Kerem Shalom","to":"Deir al-Balah","crossing":"Kerem Shalom"' "$M1"),$(mv_json rafah "$(gaza 5)" facilitated '"purpose":"medical","to":"Nasser <hospital>"' "$M2"),$(mv_json rafah "$(gaza 4)" impeded '"delay_hours":6.5'),$(mv_json rafah "$(gaza 40)" denied),$(mv_json rafah "$(gaza 1)" impeded '"from":"PlantedPlaceXYZ","to":"Zzyzx-Quarter","crossing":"Secret-Gate-Q","purpose":"fuel"')]}"
expect_status 201 "five movements"
expect_json '[.reports[].kind] | unique' '["movement"]' "stored as movements"

# --- bad input, by name; nothing stored ---------------------------------------------
before=$(sql "SELECT count(*) FROM supplywatch.reports")
post_json /api/v1/reports "{\"reports\":[$(mv_json rafah "$(gaza 2)" stopped '"delay_hours":-2'),$(mv_json rafah 2024-02-30 denied '"purpose":"fun","to":"'"$(printf 'x%.0s' $(seq 1 201))"'"'),$(mv_json lachin "$(gaza 2)" denied '"crossing":"Nowhere"')]}"
expect_status 422 "bad movements"
expect_json '[.details[] | [.index, .field]]' '[[0,"outcome"],[0,"delay_hours"],[1,"planned_for"],[1,"purpose"],[1,"to"],[2,"crossing"]]' "each bad field named"
expect_json '.details[0].reason' '"must be one of: facilitated, partially_facilitated, impeded, denied, postponed"' "outcome reason"
post_json /api/v1/reports '{"kind":"movement","report_id":"'"$(uuid)"'","corridor":"rafah"}'
expect_json '[.details[] | .field + ": " + .reason]' '["outcome: is required","planned_for: is required"]' "required fields"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports")" "$before" "nothing stored from refused movements"

# --- CSV with HXL; OpenRosa ----------------------------------------------------------
printf '#date+planned,#status+outcome,#activity+purpose,#loc+origin,#loc+dest,#indicator+delay_hours,#loc+crossing\n%s,postponed,assessment,Rafah,Khan Younis,,Rafah gate\n' "$(gaza 6)" >"$WORK/mv.csv"
req POST "/api/v1/reports?kind=movement&corridor=rafah" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/mv.csv"
expect_status 201 "movement by CSV"
printf '#date+planned,#status+outcome\n%s,lost\n' "$(gaza 6)" >"$WORK/bad.csv"
req POST "/api/v1/reports?kind=movement&corridor=rafah" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/bad.csv"
expect_status 422 "bad movement by CSV"
expect_json '[.details[] | [.row, .column]]' '[[2,"#status+outcome"]]' "CSV row and column named"
OR=(-H "X-OpenRosa-Version: 1.0" -u "ngo-a:$TOKEN")
cat >"$WORK/mv.xml" <<XML
<?xml version='1.0' ?><data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="supplywatch_movement" version="2026120601"><corridor>rafah</corridor><outcome>partially_facilitated</outcome><planned_for>$(gaza 7)</planned_for><purpose>wash</purpose><from/><to>Al-Mawasi</to><delay_hours>2</delay_hours><crossing/><source_url/><note>half the convoy turned back</note><meta><instanceID>uuid:$(uuid)</instanceID><instanceName>m</instanceName></meta></data>
XML
req POST /submission "${OR[@]}" -F "xml_submission_file=@$WORK/mv.xml;type=text/xml;filename=mv.xml"
expect_status 201 "movement by OpenRosa"
sed -i 's|<outcome>partially_facilitated</outcome>|<outcome>maybe</outcome>|; s|uuid:[0-9a-f-]*|uuid:'"$(uuid)"'|' "$WORK/mv.xml"
req POST /submission "${OR[@]}" -F "xml_submission_file=@$WORK/mv.xml;type=text/xml;filename=mv.xml"
expect_status 400 "bad movement by OpenRosa (as the channel answers every refused form)"
expect_contains "$BODY" "outcome: must be one of: facilitated, partially_facilitated, impeded, denied, postponed" "OpenRosa message names the field"
expect_eq "$(sql "SELECT string_agg(outcome || ':' || coalesce(purpose, '-') || ':' || coalesce(from_place, '-') || ':' || coalesce(to_place, '-') || ':' || coalesce(delay_hours::text, '-') || ':' || channel, ',' ORDER BY planned_for) FROM analytics.movements WHERE planned_for BETWEEN '$(gaza 7)' AND '$(gaza 6)'")" \
	"partially_facilitated:wash:-:Al-Mawasi:2:openrosa,postponed:assessment:Rafah:Khan Younis:-:csv" "CSV and OpenRosa movements stored"

# --- a correction and a retraction, like any report ---------------------------------------
post_json /api/v1/reports "$(mv_json rafah "$(gaza 5)" impeded '"purpose":"medical","to":"Nasser <hospital>","delay_hours":12,"supersedes":"'"$M2"'"')"
expect_status 201 "movement corrected"
req POST "/api/v1/reports/$M1/retract" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" --data-binary '{"reason":"duplicate of another NGO report"}'
expect_status 201 "movement retracted"
expect_eq "$(sql "SELECT count(*) FILTER (WHERE current) || '/' || count(*) FROM analytics.report_history WHERE kind = 'movement'")" "6/8" "history keeps every version"

# --- crossings: access events that name one ------------------------------------------------
post_json /api/v1/reports "{\"reports\":[{\"kind\":\"access\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"status\":\"blocked\",\"crossing\":\"Hakari bridge\",\"at\":\"$(yerevan 20)T10:00:00+04:00\"},{\"kind\":\"access\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"status\":\"open\",\"crossing\":\"Hakari bridge\",\"at\":\"$(yerevan 5)T08:00:00+04:00\"},{\"kind\":\"access\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"status\":\"restricted\",\"crossing\":\"Lachin checkpoint\",\"at\":\"$(yerevan 3)T12:30:00+04:00\"}]}"
expect_status 201 "access events at crossings"
wait_snapshot

# --- the status: counted by outcome; the embargoed one counted, never listed -----------------
req GET /api/v1/status
R='.corridors[] | select(.id == "rafah")'
L='.corridors[] | select(.id == "lachin")'
# In the 30 days: impeded (4 days ago), impeded (5, corrected), postponed (6),
# partially facilitated (7), impeded (1, embargoed); denied 10 days ago retracted.
expect_json "$R | .movements.by_outcome_30d" '{"facilitated":0,"partially_facilitated":1,"impeded":3,"denied":0,"postponed":1}' "movements by outcome"
expect_json "$R | [.movements.total_30d, .movements.denied_or_impeded_pct_30d, .movements.embargoed_30d]" '[5,60,1]' "total, share denied or impeded, embargoed"
expect_json "$R | [.movements.recent[] | [.planned_for, .outcome, .to, .delay_hours]]" \
	"[[\"$(gaza 4)\",\"impeded\",null,6.5],[\"$(gaza 5)\",\"impeded\",\"Nasser <hospital>\",12],[\"$(gaza 6)\",\"postponed\",\"Khan Younis\",null],[\"$(gaza 7)\",\"partially_facilitated\",\"Al-Mawasi\",2]]" \
	"the public ones listed, newest first"
expect_json "$L | .crossings" \
	"[{\"name\":\"Hakari bridge\",\"state\":\"open\",\"since\":\"$(yerevan 5)T08:00:00+04:00\",\"open_days_30d\":6,\"closures_30d\":1},{\"name\":\"Lachin checkpoint\",\"state\":\"restricted\",\"since\":\"$(yerevan 3)T12:30:00+04:00\",\"open_days_30d\":0,\"closures_30d\":0}]" \
	"crossings: state, since, open days and closures"
expect_json "$R | .crossings" '[]' "no crossing named, none listed"
req GET "/api/v1/status?as_of=$(yerevan 10)"
expect_json "$L | [.crossings[] | [.state, .open_days_30d, .closures_30d]]" '[["blocked",0,1],["unknown",0,0]]' "crossings as of a past day"
req GET /metrics
expect_contains "$BODY" 'supplywatch_movements_30d{corridor="rafah",outcome="impeded"} 3' "movements metric"
expect_contains "$BODY" 'supplywatch_movements_denied_or_impeded_ratio{corridor="rafah"} 0.59999999999999998' "denied-or-impeded metric"
expect_contains "$BODY" 'supplywatch_crossing_status{corridor="lachin",crossing="Hakari bridge"} 0' "crossing metric"
expect_contains "$BODY" 'supplywatch_crossing_status{corridor="lachin",crossing="Lachin checkpoint"} 1' "crossing metric, restricted"
if promtool check metrics <"$BODY" >"$WORK/promtool.out" 2>&1; then ok; else fail "promtool: $(cat "$WORK/promtool.out")"; fi
req GET /feed.atom
expect_contains "$BODY" "<title>Hakari bridge (Lachin corridor): crossing closed</title>" "feed: crossing closed"
expect_contains "$BODY" "<title>Hakari bridge (Lachin corridor): crossing reopened</title>" "feed: crossing reopened"
req GET /corridors/lachin
expect_contains "$BODY" "<tr><th scope=\"row\"><bdi>Hakari bridge</bdi></th><td><span class=\"badge s0\">OPEN</span><br><small>since $(LC_ALL=C date -d "$(yerevan 5)" '+%-d %B %Y'), 08:00 (UTC+04:00)</small></td><td>6</td><td>1</td></tr>" "crossings table on the page"
req GET /corridors/rafah
expect_contains "$BODY" "Nasser &lt;hospital&gt;" "movement places escaped on the page"
expect_contains "$BODY" "60.0%</strong> of them denied or impeded." "share on the page"
expect_contains "$BODY" "1 movement is counted but not listed yet." "the embargo said on the page"
expect_contains "$BODY" ": <strong>Partially facilitated</strong>, water and sanitation," "outcomes in words on the page"
req GET /api/v1/status
expect_json "$R | .freshness.last_by_kind | keys" '["access","disruption","shortage","trucks"]' "freshness says nothing of when movements arrive"

# --- the embargo: no public surface names the recent movement -------------------------------
surfaces=(/ /corridors/rafah /api/v1/status "/api/v1/status?as_of=$(gaza 1)" /feed.atom /metrics
	"/api/v1/reports.csv?kind=movement" "/api/v1/reports.csv?kind=movement&corridor=rafah&from=$(gaza 2)"
	/api/v1/corridors/rafah/daily /api/v1/corridors/rafah/sources)
planted() {	# the public surfaces that name a planted place
	local found="" s
	for s in "${surfaces[@]}"; do
		req GET "$s"
		[ "$STATUS" = 200 ] || found="$found $s:$STATUS"
		grep -q -e PlantedPlaceXYZ -e Zzyzx-Quarter -e Secret-Gate-Q "$BODY" && found="$found $s"
	done
	echo "${found# }"
}
expect_eq "$(planted)" "" "the embargoed movement's places appear on no public surface"
req GET "/api/v1/status?as_of=$(gaza 1)"
expect_json "$R | [.movements.total_30d, .movements.embargoed_30d]" '[4,0]' "a past day leaves the embargoed movement out (its date would show)"
req GET "/api/v1/reports.csv?kind=movement&corridor=rafah"
expect_eq "$(($(wc -l <"$BODY") - 2))" "5" "export: the public current movements only (not the embargoed one)"
expect_eq "$(sql "SELECT from_place FROM analytics.movements WHERE purpose = 'fuel'")" "PlantedPlaceXYZ" "analysts see the embargoed movement"

# --- four days later, the embargo has passed --------------------------------------------------
sw_stop
if [ -z "$LIB" ]; then
	fail "libfaketime is not installed (Debian package faketime)"
else
	# A sanitizer build wants its runtime first: libfaketime's preload comes before it.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" LD_PRELOAD=$LIB FAKETIME="+4d" sw_start
	wait_snapshot
	expect_eq "$(planted)" "/corridors/rafah /api/v1/status /api/v1/status?as_of=$(gaza 1) /api/v1/reports.csv?kind=movement /api/v1/reports.csv?kind=movement&corridor=rafah&from=$(gaza 2)" \
		"after the embargo the places appear on the corridor page, in the JSON and the export"
	req GET /api/v1/status
	expect_json "$R | [.movements.embargoed_30d, (.movements.recent[0] | [.planned_for, .from, .to, .crossing, .purpose])]" \
		"[0,[\"$(gaza 1)\",\"PlantedPlaceXYZ\",\"Zzyzx-Quarter\",\"Secret-Gate-Q\",\"fuel\"]]" "listed once the embargo passed"
	req GET /metrics
	expect_eq "$(grep -c PlantedPlaceXYZ "$BODY")" "0" "never a metric label"
	expect_ledger_verifies
	sw_stop
fi
