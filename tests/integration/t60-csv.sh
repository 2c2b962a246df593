#!/bin/bash
# CSV and HXL: header names and hashtag rows, RFC 4180 details, all-or-nothing
# files with every bad row reported, replays, the CLI import, and the export
# read back by the importer.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start

post_csv() {	# post_csv FILE [QUERY]
	req POST "/api/v1/reports${2:-}" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" \
		--data-binary @"$1"
}
count() { sql "SELECT count(*) FROM supplywatch.reports"; }

# --- header names, ?kind=, CRLF, a BOM, quoted commas and newlines -------------------------
printf '\xef\xbb\xbfdate,corridor,trucks,crossing,note,colour\r\n2023-01-11,lachin,5,Hakari bridge,"ICRC convoy, 5 trucks",red\r\n2023-01-12,lachin,0,Lachin checkpoint,"turned back\r\nat the checkpoint",\r\n' >"$WORK/names.csv"
post_csv "$WORK/names.csv" "?kind=trucks"
expect_status 201 "header-named CSV"
# The answer summarises the file (one shape whatever its length): no object per row.
expect_json 'keys_unsorted' '["rows","stored","replayed","ignored_columns","first_report_id","last_report_id","export","receipt"]' "the summary's fields"
expect_json '[.rows, .stored, .replayed, .ignored_columns]' '[2,2,0,["colour"]]' "two rows stored, unknown column listed"
ID11=$(sql "SELECT report_id FROM analytics.truck_reports WHERE day = '2023-01-11'")
ID12=$(sql "SELECT report_id FROM analytics.truck_reports WHERE day = '2023-01-12'")
expect_json '[.first_report_id, .last_report_id]' "[\"$ID11\",\"$ID12\"]" "the derived ids of the first and last rows"
expect_json '.export' '{"trucks":"/api/v1/reports.csv?kind=trucks&corridor=lachin&from=2023-01-11&to=2023-01-12"}' "the export: kind, corridor and the file's days"
expect_json '.receipt' '"/api/v1/reports/ngo-a/{report_id}/receipt"' "where each row's receipt is"
FIRST=$(cat "$BODY")
expect_eq "$(sql "SELECT string_agg(day || '|' || trucks || '|' || crossing || '|' || replace(note, E'\r\n', '/') || '|' || channel, ';' ORDER BY day) FROM analytics.truck_reports")" \
	"2023-01-11|5|Hakari bridge|ICRC convoy, 5 trucks|csv;2023-01-12|0|Lachin checkpoint|turned back/at the checkpoint|csv" "rows stored with quoted comma and newline"
req GET "$(jq -r '.export.trucks' <<<"$FIRST")"
expect_status 200 "the answer's export link"
expect_eq "$(grep -oE '^[0-9a-f-]{36}' "$BODY" | sort | tr '\n' ' ')" "$(printf '%s\n' "$ID11" "$ID12" | sort | tr '\n' ' ')" "the export link lists the file's reports"
post_csv "$WORK/names.csv" "?kind=trucks"
expect_status 200 "the same file again"
expect_json '[.rows, .stored, .replayed]' '[2,0,2]' "a replay: nothing new, every row already stored"
expect_eq "$(jq -c 'del(.stored, .replayed)' "$BODY")" "$(jq -c 'del(.stored, .replayed)' <<<"$FIRST")" "replay: the first answer but for the counts"
expect_eq "$(count)" "2" "no duplicates"

# --- HXL: hashtag row on line 2 under the header names; a kind column; mixed kinds ----------
cat >"$WORK/hxl2.csv" <<'CSV'
Kind,Date,Corridor,Trucks,What,How bad,Where,Evidence
#meta+kind,#date,#loc+corridor,#indicator+trucks+num,#item+name,#severity,#loc+name,#meta+url
trucks,2023-01-13,lachin,7,,,,https://example.org/sitrep/13
shortage,2023-01-13,lachin,,baby formula,critical,Stepanakert,
CSV
post_csv "$WORK/hxl2.csv"
expect_status 201 "HXL with the hashtag row on line 2"
expect_json '.export' '{"trucks":"/api/v1/reports.csv?kind=trucks&corridor=lachin&from=2023-01-13&to=2023-01-13","shortage":"/api/v1/reports.csv?kind=shortage&corridor=lachin&from=2023-01-13&to=2023-01-13"}' "one export link per kind of a mixed file"
expect_eq "$(sql "SELECT trucks || '|' || source_url FROM analytics.truck_reports WHERE day = '2023-01-13'")" "7|https://example.org/sitrep/13" "HXL trucks row"
expect_eq "$(sql "SELECT item || '|' || severity || '|' || location FROM analytics.shortage_reports")" "baby formula|critical|Stepanakert" "HXL shortage row"

# --- HXL on line 3 after a title row; tags and attributes in any case and order -------------
cat >"$WORK/hxl3.csv" <<'CSV'
Lachin corridor truck counts (illustrative),,,
Day,Corridor,Trucks,Tonnes
#DATE,#Loc +Corridor,#indicator+NUM+trucks,#indicator+tonnes+num
2023-01-14,lachin,3,9.5
CSV
post_csv "$WORK/hxl3.csv" "?kind=trucks"
expect_status 201 "HXL on line 3 after a title row"
expect_eq "$(sql "SELECT trucks || '|' || tonnes FROM analytics.truck_reports WHERE day = '2023-01-14'")" "3|9.5" "line-3 hashtags mapped"

# --- several bad rows: all reported by spreadsheet row and header, nothing stored ----------
N=$(count)
cat >"$WORK/bad.csv" <<'CSV'
date,corridor,trucks,cargo
2023-01-15,lachin,4,food
2023-02-30,lachin,4,food
2023-01-16,nowhere,-2,gold
2023-01-17,lachin,many,
CSV
post_csv "$WORK/bad.csv" "?kind=trucks"
expect_status 422 "a file with bad rows"
expect_json '[.details[] | "\(.row):\(.column):\(.reason)"]' '["3:date:must be a real date as YYYY-MM-DD","4:corridor:is not a corridor configured on this server","4:trucks:must be >= 0","4:cargo:must be one of: food, medical, fuel, hygiene, shelter, mixed, nutrition, wash, education, other","5:trucks:must be a whole number"]' "every bad cell, by row and column"
expect_eq "$(count)" "$N" "nothing stored from a bad file"
printf 'date,corridor,trucks\n2023-01-18,lachin,"4\n' >"$WORK/broken.csv"
post_csv "$WORK/broken.csv" "?kind=trucks"
expect_status 422 "an unterminated quote"
expect_json '.details[0].row' '2' "malformed CSV names its row"
printf 'date,corridor,trucks\n2023-01-18,lachin,4\n' >"$WORK/nokind.csv"
post_csv "$WORK/nokind.csv"
expect_status 422 "no kind at all"
expect_json '.details[0] | [.row, .column]' '[2,"kind"]' "kind required"
post_csv "$WORK/nokind.csv" "?kind=convoy"
expect_status 400 "an unknown ?kind="
printf 'date,corridor,trucks,note\n2023-01-18,lachin,4,Caf\xe9 convoy\n' >"$WORK/latin1.csv"
post_csv "$WORK/latin1.csv" "?kind=trucks"
expect_status 422 "a Windows-1252 file"
expect_json '.details[0] | [.row, .reason]' '[2,"is not UTF-8 text: save the file as \"CSV UTF-8\""]' "encoding named"
printf 'date,corridor,trucks,note\n2023-01-18,lachin,4,Road closed, reopened at noon\n' >"$WORK/comma.csv"
post_csv "$WORK/comma.csv" "?kind=trucks"
expect_status 422 "an unquoted comma in a note"
expect_eq "$(count)" "$N" "nothing stored from refused files"
req GET /metrics
if grep -q 'supplywatch_reports_total{kind="trucks",channel="csv",result="stored"} 4$' "$BODY"; then ok; else fail "rolled-back rows counted as stored: $(grep 'channel="csv"' "$BODY")"; fi

# --- rows without report_id: a repeated row in one file, and the same row later ------------
printf 'date,corridor,trucks\n2023-01-19,lachin,2\n2023-01-19,lachin,2\n' >"$WORK/twice.csv"
post_csv "$WORK/twice.csv" "?kind=trucks"
expect_status 422 "the same row twice in one file"
expect_json '.details[0] | [.row, .column, .reason]' '[3,"report_id","repeats an earlier row of this file; give each row its own report_id to keep both"]' "repeated row named"
printf 'date,corridor,trucks\n2023-01-19,lachin,2\n2023-01-20,lachin,1\n' >"$WORK/more.csv"
post_csv "$WORK/more.csv" "?kind=trucks"
expect_status 201 "new rows"
printf 'date,corridor,trucks\n2023-01-20,lachin,1\n2023-01-21,lachin,6\n' >"$WORK/overlap.csv"
post_csv "$WORK/overlap.csv" "?kind=trucks"
expect_status 201 "a file repeating a stored row"
expect_json '[.rows, .stored, .replayed]' '[2,1,1]' "one row new, one already stored"

# --- rows with their own report_id: instants, two corridors -------------------------------------
A1=$(uuid) A2=$(uuid)
printf 'kind,report_id,corridor,at,status\naccess,%s,lachin,2023-01-20T23:30:00+04:00,blocked\naccess,%s,rafah,2023-01-22T01:00:00Z,open\n' "$A1" "$A2" >"$WORK/ids.csv"
post_csv "$WORK/ids.csv"
expect_status 201 "rows with their report_id"
expect_json '[.rows, .stored, .replayed, .first_report_id, .last_report_id]' "[2,2,0,\"$A1\",\"$A2\"]" "their own ids, first and last"
# A corridor's day of an instant is within one of its UTC day: a day either side.
expect_json '.export' '{"access":"/api/v1/reports.csv?kind=access&from=2023-01-19&to=2023-01-23"}' "two corridors: no corridor filter; the days around the instants"
req GET "$(jq -r '.export.access' "$BODY")"
expect_eq "$(grep -oE '^[0-9a-f-]{36}' "$BODY" | sort | tr '\n' ' ')" "$(printf '%s\n' "$A1" "$A2" | sort | tr '\n' ' ')" "the access export link lists both"
post_csv "$WORK/ids.csv"
expect_status 200 "rows with their report_id, again"
expect_json '[.rows, .stored, .replayed, .first_report_id, .last_report_id]' "[2,0,2,\"$A1\",\"$A2\"]" "the replay names the same ids"
expect_eq "$(sql "SELECT count(*) FROM analytics.truck_reports WHERE day BETWEEN '2023-01-19' AND '2023-01-21'")" "3" "the repeated row was not stored twice"

# --- the CLI import -----------------------------------------------------------------------------
printf 'kind,report_id,date,corridor,item,severity\nshortage,%s,2023-01-22,lachin,insulin,severe\nshortage,,2023-01-22,lachin,bread,low\n' "$(uuid)" >"$WORK/cli.csv"
out=$(swcli import --org ngo-a "$WORK/cli.csv")
expect_eq "$?:$out" "0:$WORK/cli.csv: 2 rows: 2 stored, 0 already stored" "CLI import"
out=$(swcli import --org ngo-a "$WORK/cli.csv")
expect_eq "$out" "$WORK/cli.csv: 2 rows: 0 stored, 2 already stored" "CLI import twice"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE channel = 'cli'")" "2" "stored by the CLI channel"
swcli import --org ngo-a --kind trucks "$WORK/bad.csv" 2>"$WORK/err" >/dev/null
expect_eq "$?" "1" "CLI import of a bad file fails"
expect_eq "$(head -n 2 "$WORK/err")" "$WORK/bad.csv:3: date: must be a real date as YYYY-MM-DD
$WORK/bad.csv:4: corridor: is not a corridor configured on this server" "CLI errors name file and row"
swcli import --org nobody "$WORK/cli.csv" 2>/dev/null
expect_eq "$?" "1" "CLI import for an unknown organisation"

# --- export, formula escaping, and the round trip ------------------------------------------------
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"observed_at\":\"2024-05-01T10:00:00+03:00\",\"trucks\":9,\"note\":\"=HYPERLINK(\\\"http://evil.example\\\")\"}"
expect_status 201 "a report with a formula in its note"
req GET "/api/v1/reports.csv?kind=trucks"
expect_status 200 "export"
expect_header Content-Type "text/csv; charset=utf-8" "export content type"
cp "$BODY" "$WORK/export.csv"
expect_eq "$(sed -n 2p "$WORK/export.csv" | tr -d '\r')" "#meta+id,#meta+kind,#loc+corridor,#date,#date+observed,#indicator+trucks+num,#meta+direction,#loc+crossing,#item+cargo,#indicator+tonnes+num,#indicator+turned_back+num,#meta+stage,#org+type,#meta+supersedes,#meta+url,#description,#meta+received" "HXL row of the export"
expect_contains "$WORK/export.csv" ",\"'=HYPERLINK(\"\"http://evil.example\"\")\"," "formula neutralised"
if grep -q "ngo-a" "$WORK/export.csv"; then fail "the export names an organisation"; else ok; fi
post_csv "$WORK/export.csv"
expect_status 200 "the export imports back as an identical replay"
N=$(sql "SELECT count(*) FROM analytics.truck_reports")
expect_json '[.rows, .stored, .replayed]' "[$N,0,$N]" "every current trucks report exported, all replayed"
expect_json '.ignored_columns' '["received_at"]' "received_at is not importable"
req GET "/api/v1/reports.csv?kind=trucks&corridor=lachin&from=2023-01-12&to=2023-01-13"
expect_eq "$(grep -E '^[0-9a-f-]{36},' "$BODY" | cut -d, -f4 | tr '\n' ' ')" "2023-01-12 2023-01-13 " "export filtered by corridor and dates"
req GET "/api/v1/reports.csv"
expect_status 400 "export without kind"
req GET "/api/v1/reports.csv?kind=trucks&from=2023-13-01"
expect_status 400 "export with a bad date"
expect_truck_daily_consistent
expect_ledger_verifies
sw_stop
