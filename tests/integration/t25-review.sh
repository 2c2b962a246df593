#!/bin/bash
# Review before publication and corroboration (design.md, stage two,
# "Review, corroboration and alerts"): reviewer organisations review any
# report through the route and the CLI, others get 403; reviews are
# appended and visible to analysts; a corridor publishing after review
# counts only published reports on every public surface, and its figures
# move when a reviewer publishes and back when it rejects; each daily row
# and the page say single source / corroborated / sources disagree, exactly
# at the tolerance's edges.
. "$(dirname "$0")/../lib.sh"
sw_setup
sed -i 's/{ id = "lachin";/{ id = "lachin"; publish = "after_review";/' "$WORK/daemon.conf" "$WORK/supplywatch.conf"
sw_start

expect_eq "$(swcli org add coord "Coordination cell" --reviewer)" "organisation coord added (id 2) as a reviewer" "org add --reviewer"
swcli org add ngo-b "NGO B" >/dev/null
COORD=$(swcli token issue coord --scope review | tail -n 1)
A_REVIEW=$(swcli token issue ngo-a --scope review | tail -n 1)
B=$(swcli token issue ngo-b | tail -n 1)
TODAY=$(TZ=Asia/Yerevan date +%F)

# wait_json PATH JQ EXPECTED WHAT [CURL ARGS]: polls a surface until it says EXPECTED (bounded).
wait_json() {
	local path=$1 expr=$2 want=$3 what=$4 got i
	shift 4
	for i in $(seq 1 200); do
		req GET "$path" "$@"
		got=$(jq -c "$expr" "$BODY" 2>/dev/null)
		[ "$got" = "$want" ] && { ok; return 0; }
		sleep 0.05
	done
	fail "$what: $expr expected '$want', got '$got'"
}
lachin='.corridors[] | select(.id == "lachin")'
review() {	# review TOKEN ORG REPORT_ID BODY
	req POST "/api/v1/reports/$2/$3/review" -H "Authorization: Bearer $1" \
		-H "Content-Type: application/json" --data-binary "$4"
}

# ---- a report waits for review; the public figures leave it out ----------------
RA=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$RA\",\"corridor\":\"lachin\",\"date\":\"$TODAY\",\"trucks\":120}"
expect_status 201 "ngo-a submits"
wait_json /api/v1/status "$lachin | .review" '{"publish":"after_review","awaiting_review":1,"has_issues":0}' "one report awaits review"
expect_json "$lachin | [.trucks.on_day, .trucks.corroboration_on_day]" '[null,null]' "unreviewed: not counted"
req GET /corridors/lachin
expect_contains "$BODY" "These figures count only reports a reviewer has published. <strong>1</strong> report awaits review." "page says one awaits review"
expect_contains "$BODY" ": not reported</li>" "page: today not reported before review"
expect_eq "$(sed -n '/<h3>Latest reports<\/h3>/{n;p}' "$BODY")" "<p>None yet.</p>" "page: no report listed before review"
req GET /api/v1/status
expect_json '.corridors[] | select(.id == "rafah") | .review' '{"publish":"on_receipt","awaiting_review":null,"has_issues":null}' "on_receipt corridor"

# ---- who may review --------------------------------------------------------------
before=$(sql "SELECT count(*) FROM supplywatch.reviews")
review "$TOKEN" ngo-a "$RA" '{"state":"published"}'
expect_status 403 "a submit token cannot review"
expect_json '.scope_needed' '"review"' "403 names the review scope"
review "$A_REVIEW" ngo-a "$RA" '{"state":"published"}'
expect_status 403 "a review token of a submitting organisation cannot review"
expect_json '.organisation' '"ngo-a"' "403 names the organisation"
req GET /api/v1/review/queue -H "Authorization: Bearer $A_REVIEW"
expect_status 403 "nor read the queue"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reviews")" "$before" "nothing appended by refused reviews"

# ---- bad input changes nothing ----------------------------------------------------
review "$COORD" ngo-a "$RA" '{"state":"approved"}'
expect_status 422 "unknown state"
expect_json '.details' '[{"field":"state","reason":"must be one of received, published, has_issues, rejected"}]' "unknown state named"
review "$COORD" ngo-a "$RA" '{"state":"published","score":3}'
expect_status 422 "unknown field"
expect_json '.details' '[{"field":"score","reason":"is not a field of a review"}]' "unknown field named"
review "$COORD" ngo-a "$RA" '{"comment":"fine"}'
expect_json '.details' '[{"field":"state","reason":"is required"}]' "state required"
review "$COORD" ngo-a "$RA" "{\"state\":\"published\",\"comment\":\"$(head -c 2001 /dev/zero | tr '\0' x)\"}"
expect_json '.details' '[{"field":"comment","reason":"is too long"}]' "comment too long"
review "$COORD" ngo-a "$RA" '{"state":'
expect_status 400 "not JSON"
review "$COORD" ngo-a "$(uuid)" '{"state":"published"}'
expect_status 404 "no such report"
expect_json '.error' '"no report with this report_id from this organisation"' "404 says why"
review "$COORD" ngo-b "$RA" '{"state":"published"}'
expect_status 404 "the report of another organisation is not found under this one"
review "$COORD" ngo-a "not-a-uuid" '{"state":"published"}'
expect_status 404 "a path without a UUID"
review "$COORD" NGO-A "$RA" '{"state":"published"}'
expect_status 404 "a path without a slug"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reviews")" "$before" "nothing appended by bad reviews"

# ---- publishing moves the figures ---------------------------------------------------
review "$COORD" ngo-a "$RA" '{"state":"published","comment":"matches the crossing log"}'
expect_status 201 "the reviewer publishes"
expect_json '[.organisation, .report_id == "'"$RA"'", .kind, .corridor, .state, .comment, .reviewer]' \
	'["ngo-a",true,"trucks","lachin","published","matches the crossing log","coord"]' "the review as stored"
review "$COORD" ngo-a "$RA" '{"state":"published","comment":"matches the crossing log"}'
expect_status 200 "the same review again is a replay"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reviews")" "1" "a replay appends nothing"
wait_json /api/v1/status "$lachin | [.trucks.on_day, .trucks.corroboration_on_day, .review.awaiting_review]" '[120,"single source",0]' "published: counted"
req GET /corridors/lachin
expect_contains "$BODY" "<strong>120</strong> (single source)" "page: published figure, single source"
expect_contains "$BODY" "<strong>0</strong> reports await review." "page: none awaits"
expect_eq "$(grep -c '^<li><strong>Truck count</strong>: 120 trucks on ' "$BODY")" "1" "page: the published report listed"

# A second organisation within 10%: corroborated, once published (by the CLI).
RB=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$RB\",\"corridor\":\"lachin\",\"date\":\"$TODAY\",\"trucks\":130}" "$B"
expect_status 201 "ngo-b submits"
wait_json /api/v1/status "$lachin | [.trucks.on_day, .review.awaiting_review]" '[120,1]' "ngo-b's report waits"
expect_eq "$(swcli review set ngo-b "$RB" published --as ngo-a 2>&1)" \
	'supplywatch: --as: organisation "ngo-a" is not a reviewer (supplywatch org set ngo-a --reviewer)' "CLI: only reviewers review"
expect_eq "$(swcli review set ngo-b "$RB" approved --as coord 2>&1)" \
	'supplywatch: review set: STATE "approved" must be one of received, published, has_issues, rejected' "CLI: unknown state"
expect_eq "$(swcli review set ngo-b "$(uuid)" published --as coord 2>&1)" \
	'supplywatch: review set: no report with this report_id from this organisation' "CLI: no such report"
expect_eq "$(swcli review list --corridor lachin | cut -f1,2,3 | tail -n +2)" "$(printf 'ngo-b\t%s\ttrucks' "$RB")" "CLI: the queue"
expect_eq "$(swcli review list --state approved 2>&1)" "supplywatch: --state must be one of received, published, has_issues, rejected" "CLI list: bad state"
expect_eq "$(swcli review list --corridor nowhere 2>&1)" 'supplywatch: --corridor "nowhere" is not a configured corridor' "CLI list: bad corridor"
expect_eq "$(swcli review set ngo-b not-a-uuid published --as coord 2>&1)" \
	'supplywatch: review set: ORG must be an organisation slug and REPORT_ID a UUID' "CLI: bad report_id"
expect_eq "$(swcli review set ngo-b "$RB" published --as nobody 2>&1)" 'supplywatch: --as: no organisation "nobody"' "CLI: unknown reviewer"
expect_eq "$(swcli review set ngo-b "$RB" published --as coord --comment '' 2>&1)" 'supplywatch: --comment must not be empty' "CLI: empty comment"
swcli review set ngo-b "$RB" published >/dev/null 2>&1
expect_eq "$?" "2" "CLI: --as is required (usage)"
expect_eq "$(swcli review list --limit 0 2>&1)" "supplywatch: --limit must be an integer from 1 to 100000" "CLI list: bad limit"
expect_eq "$(swcli org set nobody --reviewer 2>&1)" 'supplywatch: no organisation "nobody" (see supplywatch org list)' "org set --reviewer: unknown organisation"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reviews")" "1" "refused CLI reviews change nothing"
expect_eq "$(swcli review set ngo-b "$RB" published --as coord)" "ngo-b/$RB: published" "CLI: publish"
wait_json /api/v1/status "$lachin | [.trucks.on_day, .trucks.sources_on_day, .trucks.corroboration_on_day]" '[130,2,"corroborated"]' "two published sources within 10%"
req GET /corridors/lachin
expect_contains "$BODY" "<strong>130</strong> (2 sources, corroborated)" "page: corroborated"
req GET "/api/v1/corridors/lachin/daily?from=$TODAY&to=$TODAY"
expect_json '[.days[0].trucks, .days[0].corroboration]' '[130,"corroborated"]' "daily row: corroborated"

# Rejecting takes it back out.
review "$COORD" ngo-b "$RB" '{"state":"rejected","comment":"<b>double count</b>"}'
expect_status 201 "the reviewer rejects"
wait_json /api/v1/status "$lachin | [.trucks.on_day, .trucks.corroboration_on_day]" '[120,"single source"]' "rejected: back to one source"
req GET /corridors/lachin
expect_contains "$BODY" "<strong>120</strong> (single source)" "page: back to the published figure"
expect_eq "$(grep -c '^<li><strong>Truck count</strong>: ' "$BODY") $(grep -c '^<li><strong>Truck count</strong>: 130 ' "$BODY")" "1 0" "page: the rejected report no longer listed"
req GET "/api/v1/review/queue?corridor=lachin&state=rejected" -H "Authorization: Bearer $COORD"
expect_status 200 "queue of rejected reports"
expect_json '[.state, (.reports | length), .reports[0].organisation, .reports[0].comment, .reports[0].reviewer, .reports[0].report.trucks, .more]' \
	'["rejected",1,"ngo-b","<b>double count</b>","coord",130,false]' "the rejected report, its comment and content"
req GET "/api/v1/review/queue?state=nope&limit=0&corridor=x" -H "Authorization: Bearer $COORD"
expect_status 400 "bad queue arguments"
expect_json '[.details[].field]' '["corridor","state","limit"]' "each bad argument named"

# ---- a correction starts as received; the old version can no longer be reviewed ----
RA2=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$RA2\",\"corridor\":\"lachin\",\"date\":\"$TODAY\",\"trucks\":150,\"supersedes\":\"$RA\"}"
expect_status 201 "ngo-a corrects its published report"
wait_json /api/v1/status "$lachin | [.trucks.on_day, .review.awaiting_review, .review.has_issues]" '[null,1,0]' "the correction waits for review"
review "$COORD" ngo-a "$RA" '{"state":"has_issues"}'
expect_status 409 "a superseded version cannot be reviewed"
expect_json '.error' "\"this version was superseded by $RA2; review that one\"" "409 names the current version"
expect_eq "$(sql "SELECT review_state FROM analytics.report_history WHERE report_id IN ('$RA', '$RA2') ORDER BY received_at")" "$(printf 'published\nreceived')" "report_history: each version's state"
review "$COORD" ngo-a "$RA2" '{"state":"has_issues","comment":"which crossing?"}'
expect_status 201 "has_issues"
wait_json /api/v1/status "$lachin | [.trucks.on_day, .review.awaiting_review, .review.has_issues]" '[null,0,1]' "has_issues is not published"
req GET /corridors/lachin
expect_contains "$BODY" "<strong>0</strong> reports await review. 1 report has issues a reviewer raised." "page: issues counted"
review "$COORD" ngo-a "$RA2" '{"state":"published"}'
wait_json /api/v1/status "$lachin | .trucks.on_day" '150' "the correction, published"
req POST "/api/v1/reports/$RA2/retract" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" --data-binary '{"reason":"wrong day"}'
expect_status 201 "retracted"
review "$COORD" ngo-a "$RA2" '{"state":"published"}'
expect_status 409 "a retracted report cannot be reviewed"
wait_json /api/v1/status "$lachin | .trucks.on_day" 'null' "retracted: gone"

# ---- analysts see every review, appended --------------------------------------------
expect_eq "$(sql "SELECT string_agg(organisation || ':' || state || ':' || reviewer || ':' || channel || ':' || latest, ' ' ORDER BY reviewed_at) FROM analytics.reviews")" \
	"ngo-a:published:coord:json:true ngo-b:published:coord:cli:false ngo-b:rejected:coord:json:true ngo-a:has_issues:coord:json:false ngo-a:published:coord:json:true" "analytics.reviews"
expect_eq "$(sql "SELECT review_state FROM analytics.truck_reports WHERE report_id = '$RB'")" "rejected" "analysts' views carry review_state"
expect_eq "$(sql "SELECT count(*) FROM analytics.truck_reports WHERE corridor = 'lachin'")" "1" "and see every current report"

# ---- every public surface counts published reports only ------------------------------
R3=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$R3\",\"corridor\":\"lachin\",\"date\":\"2024-03-01\",\"trucks\":77}" "$B"
post_json /api/v1/reports "{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"gas\",\"started_at\":\"2024-03-01T08:00:00Z\"}" "$B"
wait_json /api/v1/status "$lachin | .review.awaiting_review" '2' "two more await review"
req GET "/api/v1/reports.csv?kind=trucks&corridor=lachin"
expect_eq "$(tail -n +3 "$BODY" | wc -l)" "0" "export: nothing published is current (RB rejected)"
req GET /api/v1/status
expect_json "$lachin | .disruptions | length" '0' "an unreviewed disruption is not shown"
req GET /feed.atom
expect_contains "$BODY" "<subtitle>Lachin corridor counts only reports a reviewer has published: 2 reports await review.</subtitle>" "the feed says what it leaves out"
req GET "/api/v1/corridors/lachin/daily?from=2024-03-01&to=2024-03-01"
expect_json '.days[0].trucks' 'null' "daily series: unreviewed day not counted"
req GET /metrics
expect_contains "$BODY" 'supplywatch_reports_awaiting_review{corridor="lachin"} 2' "metrics: awaiting review"
expect_contains "$BODY" 'supplywatch_reports_awaiting_review{corridor="rafah"} NaN' "metrics: NaN on receipt"
req GET "/api/v1/corridors/lachin/daily?from=2024-03-01&to=2024-03-01"
expect_json '.review' '{"publish":"after_review","awaiting_review":2,"has_issues":0}' "the daily series says what it leaves out"
review "$COORD" ngo-b "$R3" '{"state":"published"}'
wait_json "/api/v1/corridors/lachin/daily?from=2024-03-01&to=2024-03-01" '.days[0].trucks' '77' "daily series: published day counted"
DIS=$(sql "SELECT r.report_id FROM supplywatch.reports r WHERE r.kind = 'disruption'")
review "$COORD" ngo-b "$DIS" '{"state":"published"}'
wait_json /api/v1/status "$lachin | [(.disruptions | length), .disruptions[0].service, .review.awaiting_review]" '[1,"gas",0]' "a published disruption is shown"
req GET "/api/v1/reports.csv?kind=trucks&corridor=lachin"
expect_eq "$(tail -n +3 "$BODY" | cut -d, -f1)" "$R3" "export: the published report only"

# ---- corroboration at the tolerance's edges (rafah publishes on receipt, sum) --------
day() {	# day DATE COUNT...: one report per organisation on DATE
	local d=$1 t=$TOKEN
	shift
	for n in "$@"; do
		post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"$d\",\"trucks\":$n}" "$t"
		t=$B
	done
}
day 2024-04-01 100 90
day 2024-04-02 100 89
day 2024-04-03 50
day 2024-04-04 0 0
wait_snapshot
req GET "/api/v1/corridors/rafah/daily?from=2024-04-01&to=2024-04-05"
expect_json '[.days[].corroboration]' '["corroborated","sources disagree","single source","corroborated",null]' "edges: 10% of the larger is in, just past it is out"
req GET "/api/v1/corridors/rafah/daily.csv?from=2024-04-01&to=2024-04-02"
expect_eq "$(sed -n '1p;2p' "$BODY" | awk -F, '{print $NF}' | tr -d '\r' | tr '\n' ' ')" "corroboration #meta+corroboration " "CSV: corroboration column and its HXL tag"
expect_eq "$(sed -n '3,4p' "$BODY" | awk -F, '{print $NF}' | tr -d '\r' | tr '\n' '|')" "corroborated|sources disagree|" "CSV rows"
expect_eq "$(sql "SELECT string_agg(corroboration, '|' ORDER BY day) FROM analytics.stage_daily WHERE corridor = 'rafah'")" \
	"corroborated|sources disagree|single source|corroborated" "analytics.stage_daily agrees"

# Per stage: a second counting point, its own corroboration, in the JSON and the page's table.
RTODAY=$(TZ=Asia/Gaza date +%F)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"$RTODAY\",\"trucks\":40}"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"$RTODAY\",\"trucks\":20,\"stage\":\"collected\"}"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"$RTODAY\",\"trucks\":19,\"stage\":\"collected\"}" "$B"
wait_snapshot
req GET /api/v1/status
expect_json '.corridors[] | select(.id == "rafah") | [.trucks.corroboration_on_day, .trucks.by_stage.collected.corroboration_on_day, .trucks.by_stage.collected.on_day]' \
	'["single source","corroborated",39]' "by_stage: each stage's own corroboration"
req GET /corridors/rafah
expect_contains "$BODY" "<td>40<br><small>single source</small></td><td>39 <small>(0.98)</small><br><small>corroborated</small></td>" "the counting points table says it per stage"

# ---- reviewer status follows the organisation ------------------------------------------
swcli org set coord --no-reviewer >/dev/null
wait_json "/api/v1/review/queue" '.error' '"this organisation is not a reviewer: an operator makes it one with `supplywatch org set SLUG --reviewer`"' "org set --no-reviewer takes effect" -H "Authorization: Bearer $COORD"
expect_ledger_verifies
sw_stop
