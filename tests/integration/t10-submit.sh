#!/bin/bash
# Submissions over HTTP: every kind, every status code, replays and conflicts,
# all-or-nothing batches, and what the analytics views then show.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start

count() { sql "SELECT count(*) FROM supplywatch.reports"; }

# --- each kind stores and answers 201 ---------------------------------------
R1=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$R1\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":5,\"crossing\":\"Hakari bridge\",\"cargo\":\"food\",\"tonnes\":12.5,\"turned_back\":1,\"note\":\"ICRC convoy\",\"source_url\":\"https://example.org/sitrep/1\"}"
expect_status 201 "trucks report"
expect_json '.reports|length' '1' "one stored id"
expect_json '.reports[0].report_id' "\"$R1\"" "stored id"
expect_json '.reports[0].kind' '"trucks"' "stored kind"
FIRST=$(cat "$BODY")
expect_eq "$(sql "SELECT organisation, corridor, day, crossing, direction, trucks, cargo, tonnes, turned_back, note, source_url, channel FROM analytics.truck_reports WHERE report_id = '$R1'")" \
	"ngo-a|lachin|2023-01-11|Hakari bridge|inbound|5|food|12.5|1|ICRC convoy|https://example.org/sitrep/1|json" "truck row in analytics view"

# observed_at gives the local day in the corridor's time zone (Asia/Yerevan, +04):
# 21:30Z on the 11th is 01:30 on the 12th there.
R2=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$R2\",\"corridor\":\"lachin\",\"observed_at\":\"2023-01-11T21:30:00Z\",\"trucks\":0,\"direction\":\"outbound\"}"
expect_status 201 "trucks by observed_at"
expect_eq "$(sql "SELECT day, trucks, direction FROM analytics.truck_reports WHERE report_id = '$R2'")" "2023-01-12|0|outbound" "observed_at mapped to local day; 0 trucks kept"

R3=$(uuid)
post_json /api/v1/reports "{\"kind\":\"shortage\",\"report_id\":\"$R3\",\"corridor\":\"lachin\",\"date\":\"2023-01-20\",\"item\":\"baby formula\",\"severity\":\"critical\",\"category\":\"baby\",\"location\":\"Stepanakert\"}"
expect_status 201 "shortage report"
expect_eq "$(sql "SELECT item, severity, category, location, day FROM analytics.shortage_reports WHERE report_id = '$R3'")" "baby formula|critical|baby|Stepanakert|2023-01-20" "shortage row"

R4=$(uuid)
post_json /api/v1/reports "{\"kind\":\"disruption\",\"report_id\":\"$R4\",\"corridor\":\"lachin\",\"service\":\"gas\",\"started_at\":\"2023-01-17T08:00:00+04:00\",\"disruption_id\":\"gas-jan\",\"location\":\"Stepanakert\",\"people_affected\":120000}"
expect_status 201 "disruption report"
expect_eq "$(sql "SELECT disruption_id, service, started_at, ended_at IS NULL, ongoing, people_affected FROM analytics.disruptions WHERE disruption_id = 'gas-jan'")" "gas-jan|gas|2023-01-17 04:00:00+00|t|t|120000" "ongoing disruption"
R5=$(uuid)
post_json /api/v1/reports "{\"kind\":\"disruption\",\"report_id\":\"$R5\",\"corridor\":\"lachin\",\"service\":\"gas\",\"started_at\":\"2023-01-17T08:00:00+04:00\",\"ended_at\":\"2023-01-19T10:00:00+04:00\",\"disruption_id\":\"gas-jan\"}"
expect_status 201 "disruption end"
expect_eq "$(sql "SELECT count(*), bool_and(NOT ongoing), max(ended_at) FROM analytics.disruptions WHERE disruption_id = 'gas-jan'")" "1|t|2023-01-19 06:00:00+00" "disruption state follows its latest report"

R6=$(uuid)
post_json /api/v1/reports "{\"kind\":\"access\",\"report_id\":\"$R6\",\"corridor\":\"lachin\",\"status\":\"blocked\",\"at\":\"2022-12-12T10:30:00+04:00\",\"crossing\":\"Lachin checkpoint\",\"note\":\"road closed by \\\"eco-activists\\\"\"}"
expect_status 201 "access event"
expect_eq "$(sql "SELECT status, at, crossing, note FROM analytics.access_events WHERE report_id = '$R6'")" "blocked|2022-12-12 06:30:00+00|Lachin checkpoint|road closed by \"eco-activists\"" "access row"

# --- identical replay: 200 with the first body, no new row ------------------
N=$(count)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$R1\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":5,\"crossing\":\"Hakari bridge\",\"cargo\":\"food\",\"tonnes\":12.5,\"turned_back\":1,\"note\":\"ICRC convoy\",\"source_url\":\"https://example.org/sitrep/1\"}"
expect_status 200 "identical replay"
expect_eq "$(cat "$BODY")" "$FIRST" "replay body is the first body"
# Same content, other key order, other UUID case: still identical.
UP=$(echo "$R1" | tr a-f A-F)
post_json /api/v1/reports "{\"source_url\":\"https://example.org/sitrep/1\",\"note\":\"ICRC convoy\",\"turned_back\":1,\"tonnes\":12.5,\"cargo\":\"food\",\"crossing\":\"Hakari bridge\",\"trucks\":5,\"date\":\"2023-01-11\",\"corridor\":\"lachin\",\"report_id\":\"$UP\",\"kind\":\"trucks\"}"
expect_status 200 "replay with reordered keys"
expect_eq "$(cat "$BODY")" "$FIRST" "reordered replay body"
expect_eq "$(count)" "$N" "replays stored nothing"

# --- conflicting replay: 409, nothing changes --------------------------------
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$R1\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":6}"
expect_status 409 "conflicting replay"
expect_json '.details[0].field' '"report_id"' "conflict names report_id"
expect_eq "$(sql "SELECT trucks FROM analytics.truck_reports WHERE report_id = '$R1'")" "5" "conflict changed nothing"

# --- 400 unparsable ----------------------------------------------------------
post_json /api/v1/reports '{"kind": "trucks", '
expect_status 400 "truncated JSON"
expect_json '.error|startswith("body is not valid JSON")' 'true' "400 says why"
post_json /api/v1/reports '[1,2]'
expect_status 400 "array body"
post_json /api/v1/reports '{"kind":"trucks","kind":"access"}'
expect_status 400 "duplicate keys refused"
post_json /api/v1/reports "$(printf '{"kind":"trucks","note":"\xff\xfe"}')"
expect_status 400 "invalid UTF-8 refused"

# --- 422 names every bad field -----------------------------------------------
post_json /api/v1/reports '{"kind":"trucks","report_id":"not-a-uuid","corridor":"nowhere","date":"2023-02-30","trucks":-1,"cargo":"gold","tonnes":"x","truck":5}'
expect_status 422 "invalid trucks report"
expect_json '[.details[] | "\(.index):\(.field)"] | sort' '["0:cargo","0:corridor","0:date","0:report_id","0:tonnes","0:truck","0:trucks"]' "every bad field reported"
expect_json '.details[] | select(.field=="trucks") | .reason' '"must be >= 0"' "trucks reason"
expect_json '.details[] | select(.field=="date") | .reason' '"must be a real date as YYYY-MM-DD"' "2023-02-30 refused"
expect_json '.details[] | select(.field=="truck") | .reason' '"is not a field of this kind of report"' "unknown field"

post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":5.5}"
expect_status 422 "fractional trucks"
expect_json '.details[0].reason' '"must be a whole number"' "whole number reason"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":3,\"crossing\":\"Goris\"}"
expect_status 422 "crossing not of the corridor"
expect_json '.details[0].field' '"crossing"' "crossing named"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"trucks\":3}"
expect_status 422 "trucks without a day"
expect_json '.details[0].reason' '"is required (or give observed_at)"' "date required"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2999-01-01\",\"trucks\":3}"
expect_status 422 "future date"
expect_json '.details[0].reason' '"is in the future"' "future reason"
post_json /api/v1/reports "{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"power\",\"started_at\":\"2023-01-17T08:00:00\",\"ended_at\":\"2023-01-16T08:00:00Z\"}"
expect_status 422 "bad disruption"
expect_json '[.details[].field] | sort' '["service","started_at"]' "service enum and offset-less timestamp"
post_json /api/v1/reports "{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"water\",\"started_at\":\"2023-01-17T08:00:00Z\",\"ended_at\":\"2023-01-16T08:00:00Z\"}"
expect_status 422 "end before start"
expect_json '.details[0]' '{"index":0,"field":"ended_at","reason":"must not be before started_at"}' "end before start detail"
post_json /api/v1/reports "{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"item\":\"bread\",\"severity\":\"bad\",\"note\":\"$(printf 'a\\u0007b')\"}"
expect_status 422 "bad shortage"
expect_json '[.details[].field] | sort' '["note","severity"]' "severity enum and control character"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"1989-12-31\",\"trucks\":3}"
expect_status 422 "a date before 1990"
expect_json '.details[0].reason' '"is before 1990-01-01"' "earliest date reason"
post_json /api/v1/reports "{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"item\":\"x\\uffff\",\"severity\":\"low\"}"
expect_status 422 "a noncharacter in free text"
expect_json '.details[0]' '{"index":0,"field":"item","reason":"must not contain the noncharacters U+FFFE or U+FFFF"}' "noncharacter reason"
post_json /api/v1/reports '{"kind":"convoy"}'
expect_status 422 "unknown kind"
expect_json '.details[0].field' '"kind"' "kind named"
expect_eq "$(count)" "$N" "invalid reports stored nothing"

# --- batches: all or nothing ---------------------------------------------------
B1=$(uuid); B2=$(uuid); B3=$(uuid)
post_json /api/v1/reports "{\"reports\":[{\"kind\":\"trucks\",\"report_id\":\"$B1\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"trucks\":10},{\"kind\":\"trucks\",\"report_id\":\"$B2\",\"corridor\":\"rafah\",\"date\":\"2024-05-02\",\"trucks\":-3},{\"kind\":\"shortage\",\"report_id\":\"$B3\",\"corridor\":\"rafah\",\"date\":\"2024-05-02\",\"item\":\"flour\"}]}"
expect_status 422 "batch with bad reports"
expect_json '[.details[] | "\(.index):\(.field)"]' '["1:trucks","2:severity"]' "batch details carry indexes"
expect_eq "$(count)" "$N" "bad batch stored nothing"
post_json /api/v1/reports "{\"reports\":[{\"kind\":\"trucks\",\"report_id\":\"$B1\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"trucks\":10},{\"kind\":\"trucks\",\"report_id\":\"$R1\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":7}]}"
expect_status 409 "batch with a conflicting member"
expect_json '.details[0].index' '1' "conflict index"
expect_eq "$(count)" "$N" "conflicting batch stored nothing"
BATCH="{\"reports\":[{\"kind\":\"trucks\",\"report_id\":\"$B1\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"trucks\":10},{\"kind\":\"trucks\",\"report_id\":\"$B2\",\"corridor\":\"rafah\",\"date\":\"2024-05-02\",\"trucks\":30}]}"
post_json /api/v1/reports "$BATCH"
expect_status 201 "good batch"
expect_json '[.reports[].report_id]' "[\"$B1\",\"$B2\"]" "batch ids in order"
BFIRST=$(cat "$BODY")
post_json /api/v1/reports "$BATCH"
expect_status 200 "batch replay"
expect_eq "$(cat "$BODY")" "$BFIRST" "batch replay body"
post_json /api/v1/reports "{\"reports\":[{\"kind\":\"trucks\",\"report_id\":\"$B3\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"trucks\":1},{\"kind\":\"trucks\",\"report_id\":\"$B3\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"trucks\":1}]}"
expect_status 422 "same report_id twice in a batch"
expect_json '.details[0]' '{"index":1,"field":"report_id","reason":"appears twice in this batch"}' "duplicate in batch"
post_json /api/v1/reports '{"reports":[]}'
expect_status 422 "empty batch"
post_json /api/v1/reports '{"reports":{}}'
expect_status 400 "batch that is not a list"
expect_eq "$(count)" "$((N + 2))" "only the good batch stored"

# --- supersede and retract keep the history ------------------------------------
S1=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$S1\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":8,\"supersedes\":\"$R1\"}"
expect_status 201 "correction supersedes R1"
expect_eq "$(sql "SELECT string_agg(report_id || ':' || trucks, ',') FROM analytics.truck_reports WHERE day = '2023-01-11'")" "$S1:8" "only the correction is current"
expect_eq "$(sql "SELECT report_id || ':' || coalesce(superseded_by::text,'-') || ':' || current FROM analytics.report_history WHERE report_id IN ('$R1','$S1') ORDER BY received_at")" \
	"$R1:$S1:false
$S1:-:true" "history keeps both versions"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":9,\"supersedes\":\"$R1\"}"
expect_status 422 "superseding a superseded report"
expect_json '.details[0].reason' "\"names a report already superseded by $S1; supersede that one\"" "points at the current version"
post_json /api/v1/reports "{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"item\":\"x\",\"severity\":\"low\",\"supersedes\":\"$S1\"}"
expect_status 422 "superseding across kinds"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":9,\"supersedes\":\"$(uuid)\"}"
expect_status 422 "superseding an unknown report"

post_json "/api/v1/reports/$S1/retract" '{"reason":"duplicate of another NGO report"}'
expect_status 201 "retraction"
expect_json '.report_id' "\"$S1\"" "retracted id"
RFIRST=$(cat "$BODY")
post_json "/api/v1/reports/$S1/retract" '{"reason":"duplicate of another NGO report"}'
expect_status 200 "retraction replay"
expect_eq "$(cat "$BODY")" "$RFIRST" "retraction replay body"
post_json "/api/v1/reports/$S1/retract" '{"reason":"another reason"}'
expect_status 409 "retraction with another reason"
post_json "/api/v1/reports/$R1/retract" '{"reason":"x"}'
expect_status 409 "retracting a superseded version"
post_json "/api/v1/reports/$(uuid)/retract" '{"reason":"x"}'
expect_status 404 "retracting an unknown report"
post_json "/api/v1/reports/not-a-uuid/retract" '{"reason":"x"}'
expect_status 404 "retract path without a UUID"
post_json "/api/v1/reports/$R3/retract" '{"why":"x"}'
expect_status 422 "retraction without reason"
expect_json '[.details[].field] | sort' '["reason","why"]' "retraction fields"
expect_eq "$(sql "SELECT count(*) FROM analytics.truck_reports WHERE day = '2023-01-11'")" "0" "retracted report not current"
expect_eq "$(sql "SELECT retraction_reason FROM analytics.report_history WHERE report_id = '$S1'")" "duplicate of another NGO report" "retraction kept in history"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":9,\"supersedes\":\"$S1\"}"
expect_status 422 "superseding a retracted report"

# --- 401 ---------------------------------------------------------------------------
req POST /api/v1/reports -H "Content-Type: application/json" --data-binary '{}'
expect_status 401 "no token"
expect_header WWW-Authenticate 'Bearer realm="supplywatch"' "401 challenge"
post_json /api/v1/reports '{}' "sw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_status 401 "unknown token"
post_json /api/v1/reports '{}' "garbage"
expect_status 401 "malformed token"
TOKEN2=$(swcli token issue ngo-a --label "to revoke" | tail -n 1)
TID=$(swcli token list | awk -F'\t' '$3 == "to revoke" {print $1}')
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-13\",\"trucks\":2}" "$TOKEN2"
expect_status 201 "second token works"
swcli token revoke "$TID" >/dev/null
# The daemon caches verified tokens; the revocation's NOTIFY empties the
# cache, within about a second (docs/api.md).  Nothing may be stored after.
RID=$(uuid)
for _ in $(seq 1 40); do
	post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$RID\",\"corridor\":\"lachin\",\"date\":\"2023-01-13\",\"trucks\":2}" "$TOKEN2"
	[ "$STATUS" = 401 ] && break
	RID=$(uuid)
	sleep 0.05
done
expect_status 401 "revoked token refused"
t_rev=$(sql "SELECT revoked_at FROM supplywatch.tokens WHERE id = $TID")
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports r JOIN supplywatch.tokens t ON t.org_id = r.org_id WHERE t.id = $TID AND r.received_at > '$t_rev'::timestamptz + interval '1 second'")" "0" "nothing accepted from a revoked token a second after revocation"

# --- 413, 415, 404, 405 ------------------------------------------------------------
head -c 1100000 /dev/zero | tr '\0' ' ' >"$WORK/big"
req POST /api/v1/reports -H "Content-Type: application/json" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/big"
expect_status 413 "body over the limit (Content-Length)"
req POST /api/v1/reports -H "Content-Type: application/json" -H "Authorization: Bearer $TOKEN" -H "Transfer-Encoding: chunked" --data-binary @"$WORK/big"
expect_status 413 "chunked body cut off at the limit"
req POST /api/v1/reports -H "Content-Type: text/plain" -H "Authorization: Bearer $TOKEN" --data-binary '{}'
expect_status 415 "wrong content type"
req POST /api/v1/reports -H "Content-Type: application/json; charset=utf-8" -H "Authorization: Bearer $TOKEN" --data-binary "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"2024-05-03\",\"trucks\":2}"
expect_status 201 "content type with charset"
req GET /api/v1/nothing
expect_status 404 "unknown path"
req GET /api/v1/reports
expect_status 405 "wrong method"
expect_header Allow "POST" "405 names the method the path takes"
req GET /submission
expect_status 405 "GET on the OpenRosa submission path"
expect_header Allow "HEAD, POST" "405 names every method the path takes"
req POST /metrics -H "Content-Type: application/json" --data-binary '{}'
expect_status 405 "POST on a status surface"
expect_header Allow "GET, HEAD" "a GET route takes HEAD too"
req GET /healthz
expect_status 200 "healthz"
req GET /readyz
expect_status 200 "readyz"
expect_json '.schema_version' '16' "readyz schema version"

# --- 20 concurrent identical submissions leave one row ----------------------------
C1=$(uuid)
BODYC="{\"kind\":\"trucks\",\"report_id\":\"$C1\",\"corridor\":\"rafah\",\"date\":\"2024-05-04\",\"trucks\":44}"
pids=""
for i in $(seq 1 20); do
	curl -sS -o "$WORK/c.$i" -w '%{http_code}\n' -H "Content-Type: application/json" \
		-H "Authorization: Bearer $TOKEN" --data-binary "$BODYC" "$SW_URL/api/v1/reports" >"$WORK/code.$i" &
	pids="$pids $!"
done
wait $pids
expect_eq "$(cat "$WORK"/code.* | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')" "200x19 201x1 " "one 201 and nineteen 200s"
expect_eq "$(cat "$WORK"/c.* | sort -u | wc -l)" "1" "all twenty bodies identical"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE report_id = '$C1'")" "1" "exactly one row"

# --- the log has one line per request and never a token ----------------------------
expect_contains "$WORK/daemon.log" "http POST /api/v1/reports 201" "request log line"
if grep -q "$TOKEN" "$WORK/daemon.log"; then fail "token appears in the log"; else ok; fi
if sql "SELECT * FROM supplywatch.tokens" | grep -q "$TOKEN"; then fail "token stored in clear"; else ok; fi

# --- a database error after an invalid report is a 500, not a 422 -------------------
# A trigger (the test's, not the schema's) fails any insert whose note says so,
# as a bug or a broken grant would.  The batch's first report names a report
# that does not exist (a 422 detail); the second, a supersede stored at once,
# hits the failure: the answer must say the server failed, not blame the
# reports.  Nothing is stored either way.
SUP=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$SUP\",\"corridor\":\"rafah\",\"date\":\"2024-05-05\",\"trucks\":1}"
expect_status 201 "a report to supersede"
sql "CREATE FUNCTION public.fail_on_note() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN IF NEW.note = 'fail here' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END \$\$;
CREATE TRIGGER fail_on_note BEFORE INSERT ON supplywatch.reports FOR EACH ROW EXECUTE FUNCTION public.fail_on_note();" >/dev/null
before=$(sql "SELECT count(*) FROM supplywatch.reports")
post_json /api/v1/reports "{\"reports\": [
  {\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"supersedes\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"2024-05-05\",\"trucks\":2},
  {\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"supersedes\":\"$SUP\",\"corridor\":\"rafah\",\"date\":\"2024-05-05\",\"trucks\":3,\"note\":\"fail here\"}]}"
expect_status 500 "a database failure after an invalid report"
expect_json '.error' '"internal error; nothing was stored"' "500 body"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports")" "$before" "nothing stored"
sql "DROP TRIGGER fail_on_note ON supplywatch.reports; DROP FUNCTION public.fail_on_note()" >/dev/null

expect_truck_daily_consistent
expect_ledger_verifies
sw_stop
