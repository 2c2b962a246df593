#!/bin/bash
# Token scopes (design.md, stage two): submit (the default, every token
# issued before scopes), review, read.  Each route refuses a token of the
# wrong scope with 403 naming the scope it needs, and stores nothing; read
# opens a private installation's status surfaces and nothing else.
. "$(dirname "$0")/../lib.sh"
sw_setup
sed 's/status = { title = "Test monitor";/status = { public = false; title = "Test monitor";/' "$WORK/daemon.conf" >"$WORK/private.conf"
sw_start "$WORK/private.conf"
READ=$(swcli token issue ngo-a --scope read --label dashboard | tail -n 1)
REVIEW=$(swcli token issue ngo-a --scope review | tail -n 1)
expect_eq "$(swcli token issue ngo-a --scope write 2>&1)" "supplywatch: --scope must be submit, review or read" "unknown scope refused"
expect_eq "$(swcli token list | awk -F'\t' 'NR > 1 {print $1 ":" $3 ":" $6}' | tr '\n' ' ')" "1::submit 2:dashboard:read 3::review " "token list shows each token's scope"
expect_eq "$(swcli token issue ngo-a --scope read | head -n 1 | cut -d' ' -f3-5)" "(scope read) issued" "the scope said when issued"

report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2024-05-01\",\"trucks\":$1}"; }
before=$(sql "SELECT count(*) FROM supplywatch.reports")
post_json /api/v1/reports "$(report 3)" "$READ"
expect_status 403 "a read token cannot submit"
expect_json '[.scope_needed, .token_scope, .error]' '["submit","read","this token may not submit: issue one with --scope submit"]' "403 names the scope needed"
post_json /api/v1/reports "$(report 3)" "$REVIEW"
expect_status 403 "a review token cannot submit"
expect_json '.scope_needed' '"submit"' "review token: scope named"
printf 'date,trucks\n2024-05-02,4\n' >"$WORK/r.csv"
req POST "/api/v1/reports?kind=trucks&corridor=lachin" -H "Content-Type: text/csv" -H "Authorization: Bearer $READ" --data-binary @"$WORK/r.csv"
expect_status 403 "a read token cannot upload a CSV"
req POST /submission -H "X-OpenRosa-Version: 1.0" -u "ngo-a:$READ" -F "xml_submission_file=@$WORK/r.csv;type=text/xml;filename=x.xml"
expect_status 403 "a read token cannot submit a form"
req GET /formList -H "X-OpenRosa-Version: 1.0" -u "ngo-a:$READ"
expect_status 403 "a read token gets no forms"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports")" "$before" "nothing stored by a token of the wrong scope"

# The default scope submits, as every token did before scopes.
ID=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$ID\",\"corridor\":\"lachin\",\"date\":\"2024-05-01\",\"trucks\":3}"
expect_status 201 "a submit token submits"
req POST "/api/v1/reports/$ID/retract" -H "Authorization: Bearer $READ" -H "Content-Type: application/json" --data-binary '{"reason":"x"}'
expect_status 403 "a read token cannot retract"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.retractions")" "0" "nothing retracted"

# read opens the private surfaces; so do the other scopes, as before.
for _ in $(seq 1 200); do
	curl -sS -H "Authorization: Bearer $READ" "$SW_URL/metrics" | grep -q '^supplywatch_snapshot_report_seq [1-9]' && break
	sleep 0.05
done
for path in / /corridors/lachin /api/v1/status /api/v1/corridors/lachin/daily /api/v1/corridors/lachin/sources /feed.atom /metrics "/api/v1/reports.csv?kind=trucks"; do
	req GET "$path"
	expect_status 401 "private $path without a token"
	req GET "$path" -H "Authorization: Bearer $READ"
	expect_status 200 "private $path with a read token"
	req GET "$path" -H "Authorization: Bearer $REVIEW"
	expect_status 200 "private $path with a review token"
done
sw_stop
