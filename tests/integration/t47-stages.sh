#!/bin/bash
# Counting points and sources side by side (design.md, stage two): two
# organisations count at different stages of one corridor and are never
# reconciled together; the headline stage drives the indicators and changes
# on reload; trucks waiting at the crossing are a stock, never summed; the
# sources endpoint gives each organisation's series against the headline;
# breakdowns by crossing and cargo; ?corridor= for a CSV without a corridor.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start
swcli org add ngo-b "NGO B <collectors>" >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)
swcli org set ngo-a --method "Counts trucks at Hakari bridge from the roadside; misses night crossings." \
	--url "https://example.org/method?a=1&b=2" >/dev/null
expect_eq "$?" "0" "org set --method"
swcli org set ngo-b --method "Counts what its warehouses collect <script>x</script>" >/dev/null
expect_eq "$(swcli org set nobody --method x 2>&1)" 'supplywatch: no organisation "nobody" (see supplywatch org list)' "org set on an unknown organisation"
expect_eq "$(swcli org set ngo-a --url ftp://x 2>&1)" "supplywatch: --url must be an http:// or https:// URL of at most 2048 bytes" "org set refuses a bad URL"

batch() { post_json /api/v1/reports "{\"reports\":[$1]}" "${2:-$TOKEN}"; expect_status 201 "batch: ${1:0:70}"; }
trk() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"$1\",\"trucks\":$2${3:+,$3}}"; }

# NGO A counts at the crossing (no stage: "crossed"); NGO B collects on the other side.
batch "$(trk 2024-03-01 131 '"crossing":"Hakari bridge","cargo":"food"'),$(trk 2024-03-01 100 '"crossing":"Lachin checkpoint","cargo":"medical","stage":"crossed"'),$(trk 2024-03-02 180 '"crossing":"Hakari bridge","cargo":"food"'),$(trk 2024-03-03 200 '"cargo":"wash","consignor":"un"'),$(trk 2024-03-03 7 '"direction":"outbound"')"
batch "$(trk 2024-03-01 190 '"stage":"collected"'),$(trk 2024-03-02 150 '"stage":"collected"'),$(trk 2024-03-04 90 '"stage":"collected","consignor":"red_cross"'),$(trk 2024-03-03 55 '"stage":"waiting"'),{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"observed_at\":\"2024-03-04T09:00:00+04:00\",\"trucks\":40,\"stage\":\"waiting\"},{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"observed_at\":\"2024-03-04T06:00:00+04:00\",\"trucks\":70,\"stage\":\"waiting\"}" "$TOKEN_B"
wait_snapshot
expect_truck_daily_consistent "two stages"

# --- the headline series is the headline stage's reports alone, day by day ------
req GET "/api/v1/corridors/lachin/daily?from=2024-03-01&to=2024-03-04"
expect_status 200 "daily"
expect_json '[.stage, .headline]' '["crossed",true]' "daily series at the headline stage"
expect_json '[.days[] | [.date, .trucks, .sources, .min, .max]]' \
	'[["2024-03-01",231,1,231,231],["2024-03-02",180,1,180,180],["2024-03-03",200,1,200,200],["2024-03-04",null,0,null,null]]' \
	"headline: NGO A's counts alone, never max'd with the collections"
req GET "/api/v1/corridors/lachin/daily?from=2024-03-01&to=2024-03-04&stage=collected"
expect_json '[.stage, .headline]' '["collected",false]' "daily series at another stage"
expect_json '[.days[] | [.date, .trucks, .sources]]' \
	'[["2024-03-01",190,1],["2024-03-02",150,1],["2024-03-03",null,0],["2024-03-04",90,1]]' \
	"collected: its own series"
req GET "/api/v1/corridors/lachin/daily?from=2024-03-01&to=2024-03-04&stage=waiting"
expect_json '[.days[] | .trucks]' '[null,null,55,40]' "waiting: the latest stock of each day"
req GET "/api/v1/corridors/lachin/daily.csv?from=2024-03-02&to=2024-03-02&stage=collected"
expect_eq "$(sed -n 3p "$BODY" | tr -d '\r')" "2024-03-02,150,1,150,150,,restricted,,restricted,flows,false,false,lachin,collected,single source" "CSV row at a stage: its counts, the corridor's statuses"
expect_eq "$(sed -n 2p "$BODY" | tr -d '\r' | awk -F, '{print $(NF-1)}')" "#meta+stage" "CSV hashtag of the stage column"
req GET "/api/v1/corridors/lachin/daily?stage=arrived"
expect_status 400 "unknown stage"
expect_json '.error' '"stage must be one of: dispatched, inspected, crossed, collected, delivered, intercepted, waiting"' "unknown stage named"
wait_analytics
expect_eq "$(sql "SELECT string_agg(day || ':' || coalesce(trucks::text, '-') || ':' || sources, ',' ORDER BY day) FROM analytics.daily_status WHERE corridor = 'lachin' AND day <= '2024-03-04'")" \
	"2024-03-01:231:1,2024-03-02:180:1,2024-03-03:200:1,2024-03-04:-:0" \
	"analytics.daily_status holds the headline series"
expect_eq "$(sql "SELECT string_agg(stage || ':' || day || ':' || trucks, ',' ORDER BY stage, day) FROM analytics.stage_daily WHERE corridor = 'lachin'")" \
	"collected:2024-03-01:190,collected:2024-03-02:150,collected:2024-03-04:90,crossed:2024-03-01:231,crossed:2024-03-02:180,crossed:2024-03-03:200" \
	"analytics.stage_daily: every flow stage, the stock never"

# --- the status as of a day ----------------------------------------------------------
req GET "/api/v1/status?as_of=2024-03-04"
C='.corridors[] | select(.id == "lachin")'
expect_json "$C | .trucks.stage" '"crossed"' "headline stage"
expect_json "$C | [.trucks.on_day, .trucks.avg_7d, .trucks.days_reported_7d]" '[null,203.7,3]' "headline figures ignore the other stage and the stock"
expect_json "$C | .trucks.by_stage" \
	'{"crossed":{"on_day":null,"avg_7d":203.7,"days_reported_7d":3,"sources_on_day":0,"corroboration_on_day":null},"collected":{"on_day":90,"avg_7d":143.3,"days_reported_7d":3,"sources_on_day":1,"corroboration_on_day":"single source"},"waiting":{"on_day":40,"avg_7d":47.5,"days_reported_7d":2,"sources_on_day":1,"corroboration_on_day":null}}' \
	"by_stage"
expect_json "$C | .waiting" '{"trucks":40,"date":"2024-03-04","observed_at":"2024-03-04T05:00:00Z","sources":1}' "waiting: the latest observation and when"
expect_json "$C | .trucks.days_since_last_delivery" '1' "days since the last headline day with trucks"
expect_json "$C | .trucks.by_crossing" '{"Hakari bridge":{"trucks":311,"days":2},"Lachin checkpoint":{"trucks":100,"days":1}}' "by_crossing (last 7 days)"
expect_json "$C | .trucks.by_cargo" '{"food":{"trucks":311,"days":2},"medical":{"trucks":100,"days":1},"wash":{"trucks":200,"days":1}}' "by_cargo (last 7 days)"
req GET "/api/v1/status?as_of=2024-02-28"
expect_json "$C | [.trucks.days_since_last_delivery, .waiting, .trucks.by_crossing]" '[null,null,{}]' "nothing before the first report"

# --- sources side by side ----------------------------------------------------------------
req GET "/api/v1/corridors/lachin/sources?from=2024-03-01&to=2024-03-04"
expect_status 200 "sources"
expect_json '[.corridor, .from, .to, .headline_stage]' '["lachin","2024-03-01","2024-03-04","crossed"]' "sources: what and when"
expect_json '.organisations[0]' \
	'{"slug":"ngo-a","name":"NGO A","method":"Counts trucks at Hakari bridge from the roadside; misses night crossings.","method_url":"https://example.org/method?a=1&b=2","stages":["crossed"],"series":[{"stage":"crossed","days_reported":3,"total":611,"mean_per_day":203.7,"days_compared":3,"ratio_to_headline":1}]}' \
	"sources: the headline's own organisation"
# Over the days both reported (1 and 2 March): (190 + 150) / (231 + 180) = 340 / 411 = 0.827.
expect_json '.organisations[1]' \
	'{"slug":"ngo-b","name":"NGO B <collectors>","method":"Counts what its warehouses collect <script>x</script>","method_url":null,"stages":["collected","waiting"],"series":[{"stage":"collected","days_reported":3,"total":430,"mean_per_day":143.3,"days_compared":2,"ratio_to_headline":0.827},{"stage":"waiting","days_reported":2,"total":null,"mean_per_day":47.5,"days_compared":0,"ratio_to_headline":null}]}' \
	"sources: the other stage against the headline, the stock uncompared"
req GET "/api/v1/corridors/lachin/sources?from=2024-03-04&to=2024-03-04"
expect_json '[.organisations[] | .series[] | [.stage, .days_reported, .ratio_to_headline]]' '[["collected",1,null],["waiting",1,null]]' "sources: no common day, no ratio"
req GET "/api/v1/corridors/nowhere/sources"
expect_status 404 "sources of an unknown corridor"
req GET "/api/v1/corridors/lachin/sources?from=2024-03-05&to=2024-03-01"
expect_status 400 "sources: from after to"

# --- the page: sources and methods, escaped; the stages side by side ----------------------
req GET "/corridors/lachin"
expect_status 200 "corridor page"
expect_contains "$BODY" "<h3>Sources and methods</h3>" "sources and methods section"
expect_contains "$BODY" "<strong><bdi>NGO B &lt;collectors&gt;</bdi></strong> (collected, waiting at the crossing): <bdi>Counts what its warehouses collect &lt;script&gt;x&lt;/script&gt;</bdi>" "method escaped, with its stages"
expect_contains "$BODY" '<a href="https://example.org/method?a=1&amp;b=2" rel="nofollow noopener">method</a>' "method link escaped"
expect_eq "$(grep -c '<script>' "$BODY")" "0" "no reporter text unescaped"
expect_contains "$BODY" "<li>Counting point: counted at the crossing</li>" "the page names the counting point"
req GET "/corridors/lachin?as_of=2024-02-29"
expect_eq "$(grep -c "Sources and methods" "$BODY")" "0" "no source before anyone reported"

# --- the headline stage changes on reload ---------------------------------------------------
sed -i 's|crossings = ( "Hakari bridge", "Lachin checkpoint" ); },|crossings = ( "Hakari bridge", "Lachin checkpoint" ); headline_stage = "collected"; },|' "$WORK/daemon.conf"
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 200); do
	req GET "/api/v1/status?as_of=2024-03-04"
	[ "$(jq -r "$C | .trucks.stage" "$BODY")" = collected ] && break
	sleep 0.05
done
expect_json "$C | [.trucks.stage, .trucks.on_day, .trucks.avg_7d, .trucks.sources_on_day]" '["collected",90,143.3,1]' "headline stage changed on reload"
expect_json "$C | .trucks.days_since_last_delivery" '0' "days since delivery follow the headline"
req GET "/api/v1/corridors/lachin/daily?from=2024-03-01&to=2024-03-04"
expect_json '[.stage, [.days[] | .trucks]]' '["collected",[190,150,null,90]]' "the default series follows the headline"
req GET "/api/v1/corridors/lachin/sources?from=2024-03-01&to=2024-03-04"
expect_json '[.organisations[] | .series[] | [.stage, .ratio_to_headline]]' '[["crossed",1.209],["collected",1],["waiting",null]]' "ratios against the new headline"
expect_eq "$(sql "SELECT headline_stage FROM analytics.corridors WHERE corridor = 'lachin'")" "collected" "headline stage mirrored for analysts"
echo 'corridors = ( { id = "x"; name = "X"; baseline_trucks_per_day = 1; headline_stage = "waiting"; } );' >"$WORK/bad.conf"
sed -i "1i auth = { pepper_file = \"$WORK/pepper\"; };" "$WORK/bad.conf"
expect_eq "$("$SW_BUILD/supplywatchd" --check-config -c "$WORK/bad.conf" 2>&1 | grep -o 'headline_stage: .*')" \
	'headline_stage: cannot be "waiting" (a stock, not a flow)' "waiting cannot be the headline"

# --- bad input, named field by field; nothing stored ---------------------------------------
before=$(sql "SELECT count(*) FROM supplywatch.reports")
post_json /api/v1/reports "{\"reports\":[$(trk 2024-03-05 5 '"stage":"arrived"'),$(trk 2024-03-05 5 '"consignor":"UN","cargo":"gold"')]}"
expect_status 422 "bad stage, consignor and cargo"
expect_json '[.details[] | [.index, .field]]' '[[0,"stage"],[1,"consignor"],[1,"cargo"]]' "each bad field named"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports")" "$before" "nothing stored from a refused batch"

# --- CSV with HXL: stage and consignor; ?corridor= for a file without one ---------------------
printf '#date,#indicator+trucks,#meta+stage,#org+type,#item+cargo\n2024-03-06,12,delivered,ngo,education\n2024-03-07,3,intercepted,,\n' >"$WORK/stages.csv"
req POST "/api/v1/reports?kind=trucks&corridor=lachin" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/stages.csv"
expect_status 201 "CSV with ?corridor="
expect_eq "$(sql "SELECT string_agg(corridor || ':' || stage || ':' || coalesce(consignor, '-') || ':' || coalesce(cargo, '-'), ',' ORDER BY day) FROM analytics.truck_reports WHERE day >= '2024-03-06'")" \
	"lachin:delivered:ngo:education,lachin:intercepted:-:-" "HXL stage, consignor and sector stored"
req POST "/api/v1/reports?kind=trucks&corridor=lachin" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/stages.csv"
expect_status 200 "the same file again is a replay"
req POST "/api/v1/reports?kind=trucks&corridor=atlantis" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/stages.csv"
expect_status 400 "CSV with an unknown ?corridor="
expect_json '.error' '"corridor must be a corridor configured on this server"' "unknown ?corridor= named"
printf 'date,trucks,stage\n2024-03-08,4,arrived\n' >"$WORK/bad.csv"
req POST "/api/v1/reports?kind=trucks&corridor=lachin" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/bad.csv"
expect_status 422 "CSV with a bad stage"
expect_json '[.details[] | [.row, .column]]' '[[2,"stage"]]' "CSV error names the row and column"
req POST "/api/v1/reports?kind=trucks" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/stages.csv"
expect_status 422 "CSV without a corridor, no ?corridor="
expect_json '[.details[0] | .row, .column, .reason]' '[2,"corridor","is required"]' "the missing corridor named"
printf 'date,trucks\n2024-03-09,2\n' >"$WORK/cli.csv"
expect_eq "$(swcli import --org ngo-a --kind trucks --corridor rafah "$WORK/cli.csv" 2>&1)" "$WORK/cli.csv: 1 rows: 1 stored, 0 already stored" "CLI import --corridor"
expect_eq "$(swcli import --org ngo-a --kind trucks --corridor atlantis "$WORK/cli.csv" 2>&1)" "supplywatch: --corridor atlantis is not a corridor configured in $WORK/supplywatch.conf" "CLI import refuses an unknown --corridor"
expect_eq "$(sql "SELECT corridor FROM analytics.truck_reports WHERE day = '2024-03-09'")" "rafah" "CLI --corridor applied"

# --- breakdowns reconcile like the series: each organisation's sum, then max or sum ------
rf() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"$1\",\"date\":\"$2\",\"trucks\":$3,$4}"; }
batch "$(rf rafah 2024-03-10 10 '"crossing":"Rafah gate","cargo":"food"'),$(rf rafah 2024-03-10 4 '"crossing":"Rafah gate","cargo":"medical"'),$(rf lachin 2024-03-11 7 '"crossing":"Hakari bridge","stage":"collected"')"
batch "$(rf rafah 2024-03-02 30 '"stage":"waiting"'),$(rf rafah 2024-03-10 5 '"crossing":"Rafah gate","cargo":"food"'),$(rf lachin 2024-03-11 9 '"crossing":"Hakari bridge","stage":"collected"'),$(rf lachin 2024-03-11 2 '"crossing":"Hakari bridge","stage":"collected"')" "$TOKEN_B"
wait_snapshot
req GET "/api/v1/status?as_of=2024-03-11"
expect_json '.corridors[] | select(.id == "rafah") | [.trucks.by_crossing, .trucks.by_cargo]' \
	'[{"Rafah gate":{"trucks":19,"days":1}},{"food":{"trucks":15,"days":1},"medical":{"trucks":4,"days":1}}]' "sum: organisations' sums added"
expect_json "$C | .trucks.by_crossing" '{"Hakari bridge":{"trucks":11,"days":1}}' "max: the larger organisation's sum (9 + 2 against 7)"
req GET "/api/v1/corridors/rafah/daily?stage=waiting&to=2024-03-10"
expect_json '[.from, .days[0].trucks]' '["2024-03-02",30]' "the series begins at any stage's first day, the stock's included"
# NGO A now counts at two stages, whose names sort the other way round.
req GET "/api/v1/corridors/lachin/sources?from=2024-03-01&to=2024-03-11"
expect_json '[.organisations[0] | .slug, .stages, [.series[].stage]]' '["ngo-a",["crossed","collected","delivered","intercepted"],["crossed","collected","delivered","intercepted"]]' "an organisation's stages in the stages' order, not their names'"
expect_ledger_verifies
sw_stop
