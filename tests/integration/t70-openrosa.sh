#!/bin/bash
# The OpenRosa channel as ODK Collect, KoboCollect and Enketo use it: HEAD and
# POST /submission (multipart, with and without attachments, chunked),
# replays, conflicts, corrections by deprecatedID, refusals a field worker can
# read, XXE, HTTP Basic, and the form list with the forms it names.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start

OR_VERSION=(-H "X-OpenRosa-Version: 1.0")
AUTH=(-u "ngo-a:$TOKEN")
count() { sql "SELECT count(*) FROM supplywatch.reports"; }

# instance FILE FORM_ID INSTANCE_ID BODY [DEPRECATED_ID]: an instance as ODK Collect writes it.
instance() {
	local dep=""
	[ -n "${5:-}" ] && dep="<deprecatedID>uuid:$5</deprecatedID>"
	cat >"$1" <<XML
<?xml version='1.0' ?><data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="$2" version="2026112801">$4<meta><instanceID>uuid:$3</instanceID>$dep<instanceName>test</instanceName></meta></data>
XML
}

# submit FILE [curl args...]: POST it as the xml_submission_file part.
submit() {
	local f=$1
	shift
	req POST /submission "${OR_VERSION[@]}" "${AUTH[@]}" \
		-F "xml_submission_file=@$f;type=text/xml;filename=$(basename "$f")" "$@"
}

# message: the text of the OpenRosaResponse message in the last body.
message() {
	xmllint --xpath 'string(/*[local-name()="OpenRosaResponse"]/*[local-name()="message"])' "$BODY" 2>&1
}
nature() {
	xmllint --xpath 'string(/*[local-name()="OpenRosaResponse"]/*[local-name()="message"]/@nature)' "$BODY" 2>&1
}

# xform_check FILE: "ok", or what ODK Validate would refuse in a form we
# serve: a jr:itext reference or itextId some translation lacks, a text
# twice in a translation, a choice without a value, an itemset over an
# instance the model lacks, a bind or question for a node the primary
# instance lacks.  (No XForm validator is packaged for Debian; this checks
# the structure the generated parts depend on.)
xform_check() {
	python3 - "$1" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
X = "{http://www.w3.org/2002/xforms}"
JR = "{http://openrosa.org/javarosa}"
doc = ET.parse(sys.argv[1]).getroot()
model = doc.find("{http://www.w3.org/1999/xhtml}head/" + X + "model")
body = doc.find("{http://www.w3.org/1999/xhtml}body")
bad = []
trs = model.findall(X + "itext/" + X + "translation")
ids = []
for t in trs:
    got = [e.get("id") for e in t.findall(X + "text")]
    if len(got) != len(set(got)):
        bad.append("a text twice in " + t.get("lang"))
    ids.append(set(got))
refs = [m.group(1) for e in doc.iter() for a, v in e.attrib.items()
        for m in [re.fullmatch(r"jr:itext\('([^']*)'\)", v)] if m]
refs += [e.text for e in model.iter(X + "itextId")]
for r in refs:
    for t, have in zip(trs, ids):
        if r not in have:
            bad.append("%s missing in %s" % (r, t.get("lang")))
if refs and not trs:
    bad.append("references to itext without itext")
insts = {i.get("id") for i in model.findall(X + "instance")}
primary = [i for i in model.findall(X + "instance") if i.get("id") is None][0][0]
paths = set()
def walk(e, p):
    p = p + "/" + e.tag.replace(X, "")
    paths.add(p)
    for c in e:
        walk(c, p)
walk(primary, "")
for e in body.iter():
    if e.tag == X + "item" and not (e.findtext(X + "value") or "").strip():
        bad.append("an item without a value")
    if e.tag == X + "itemset":
        m = re.match(r"instance\('([^']*)'\)", e.get("nodeset"))
        if not m or m.group(1) not in insts:
            bad.append("itemset over a missing instance: " + e.get("nodeset"))
    if e.tag in (X + "input", X + "select1", X + "select") and e.get("ref") not in paths:
        bad.append("question for a missing node: %s" % e.get("ref"))
for b in model.findall(X + "bind"):
    if b.get("nodeset") not in paths:
        bad.append("bind for a missing node: " + b.get("nodeset"))
print("; ".join(bad) if bad else "ok")
PY
}

# openrosa_headers WHAT: the headers every OpenRosa answer carries.
openrosa_headers() {
	expect_header X-OpenRosa-Version "1.0" "$1"
	expect_header Content-Type "text/xml; charset=utf-8" "$1"
	if grep -qi '^Date: ' "$HEADERS"; then ok; else fail "$1: no Date header"; fi
}

# --- HEAD /submission ----------------------------------------------------------
req HEAD /submission -I "${OR_VERSION[@]}"
expect_status 401 "HEAD without credentials"
expect_header WWW-Authenticate 'Basic realm="supplywatch", charset="UTF-8"' "Basic challenge"
req HEAD /submission -I "${OR_VERSION[@]}" "${AUTH[@]}"
expect_status 204 "HEAD with credentials"
expect_header X-OpenRosa-Version "1.0" "HEAD"
expect_header X-OpenRosa-Accept-Content-Length "10485760" "HEAD"
if grep -qi '^Date: ' "$HEADERS"; then ok; else fail "HEAD: no Date header"; fi

# --- one instance of each form ---------------------------------------------------
T1=$(uuid)
instance "$WORK/trucks.xml" supplywatch_trucks "$T1" \
	"<corridor>lachin</corridor><date>2023-01-11</date><direction>inbound</direction><crossing>Hakari bridge</crossing><trucks>5</trucks><cargo>food</cargo><tonnes>12.5</tonnes><turned_back>1</turned_back><source_url>https://example.org/sitrep/1</source_url><note>ICRC convoy</note>"
N0=$(count)
submit "$WORK/trucks.xml"
expect_status 201 "trucks instance"
openrosa_headers "201"
expect_eq "$(message)" "Thank you: report stored." "201 message"
expect_eq "$(nature)" "submit_success" "201 nature"
expect_eq "$(sql "SELECT organisation, corridor, day, crossing, direction, trucks, cargo, tonnes, turned_back, note, source_url, channel FROM analytics.truck_reports WHERE report_id = '$T1'")" \
	"ngo-a|lachin|2023-01-11|Hakari bridge|inbound|5|food|12.5|1|ICRC convoy|https://example.org/sitrep/1|openrosa" "trucks row, report_id from instanceID"
expect_eq "$(sql "SELECT payload->>'kind', payload->>'report_id', payload->'trucks' FROM analytics.report_history WHERE report_id = '$T1'")" \
	"trucks|$T1|5" "payload holds the mapped report"

# With an attachment, as Collect sends a photo: stored, the photo dropped.
head -c 200000 /dev/urandom >"$WORK/photo.jpg"
S1=$(uuid)
instance "$WORK/shortage.xml" supplywatch_shortage "$S1" \
	"<corridor>lachin</corridor><date>2023-01-20</date><item>baby formula</item><severity>critical</severity><category>baby</category><location>Stepanakert</location><source_url/><note/>"
submit "$WORK/shortage.xml" -F "photo.jpg=@$WORK/photo.jpg;type=image/jpeg"
expect_status 201 "shortage instance with an attachment"
expect_eq "$(sql "SELECT item, severity, category, location, day, channel FROM analytics.shortage_reports WHERE report_id = '$S1'")" \
	"baby formula|critical|baby|Stepanakert|2023-01-20|openrosa" "shortage row"

# Chunked, as some clients stream: the attachment first, then the instance.
D1=$(uuid)
instance "$WORK/disruption.xml" supplywatch_disruption "$D1" \
	"<corridor>lachin</corridor><service>gas</service><started_at>2023-01-17T08:00:00.000+04:00</started_at><ended_at/><disruption_id>gas-jan</disruption_id><location>Stepanakert</location><people_affected>120000</people_affected><source_url/><note/>"
req POST /submission "${OR_VERSION[@]}" "${AUTH[@]}" -H "Transfer-Encoding: chunked" \
	-F "photo.jpg=@$WORK/photo.jpg;type=image/jpeg" \
	-F "xml_submission_file=@$WORK/disruption.xml;type=text/xml"
expect_status 201 "chunked disruption instance"
expect_eq "$(sql "SELECT disruption_id, service, started_at, ongoing, people_affected, latest_report_id FROM analytics.disruptions WHERE disruption_id = 'gas-jan'")" \
	"gas-jan|gas|2023-01-17 04:00:00+00|t|120000|$D1" "disruption row"

A1=$(uuid)
instance "$WORK/access.xml" supplywatch_access "$A1" \
	"<corridor>lachin</corridor><status>blocked</status><at>2022-12-12T10:30:00.000+04:00</at><crossing>Lachin checkpoint</crossing><source_url/><note>road closed by &quot;eco-activists&quot; &amp; police</note>"
submit "$WORK/access.xml"
expect_status 201 "access instance"
expect_eq "$(sql "SELECT status, at, crossing, note, channel FROM analytics.access_events WHERE report_id = '$A1'")" \
	"blocked|2022-12-12 06:30:00+00|Lachin checkpoint|road closed by \"eco-activists\" & police|openrosa" "access row"
expect_eq "$(count)" "$((N0 + 4))" "four rows stored"

# --- replay, conflict, correction -------------------------------------------------
N=$(count)
submit "$WORK/trucks.xml"
expect_status 202 "the identical instance again"
openrosa_headers "202"
expect_eq "$(message)" "Already received: this report was stored before; nothing changed." "202 message"
expect_eq "$(count)" "$N" "the replay made no row"

instance "$WORK/trucks-other.xml" supplywatch_trucks "$T1" \
	"<corridor>lachin</corridor><date>2023-01-11</date><trucks>6</trucks>"
submit "$WORK/trucks-other.xml"
expect_status 409 "same instanceID, other answers"
openrosa_headers "409"
expect_eq "$(nature)" "submit_error" "409 nature"
expect_contains "$BODY" "Not stored: a different form with the same instanceID was received before." "409 message"
expect_eq "$(sql "SELECT trucks FROM analytics.truck_reports WHERE report_id = '$T1'")" "5" "the conflict changed nothing"

T2=$(uuid)
instance "$WORK/trucks-edit.xml" supplywatch_trucks "$T2" \
	"<corridor>lachin</corridor><date>2023-01-11</date><direction>inbound</direction><crossing>Hakari bridge</crossing><trucks>8</trucks><cargo>food</cargo>" "$T1"
submit "$WORK/trucks-edit.xml"
expect_status 201 "an edited instance with deprecatedID"
expect_eq "$(sql "SELECT string_agg(report_id || ':' || trucks, ',') FROM analytics.truck_reports WHERE day = '2023-01-11'")" \
	"$T2:8" "only the correction is current"
expect_eq "$(sql "SELECT report_id || ':' || coalesce(supersedes::text, '-') || ':' || coalesce(superseded_by::text, '-') || ':' || current FROM analytics.report_history WHERE report_id IN ('$T1', '$T2') ORDER BY received_at")" \
	"$T1:-:$T2:false
$T2:$T1:-:true" "history keeps both, linked"
submit "$WORK/trucks-edit.xml"
expect_status 202 "the correction sent twice"

# --- refusals a field worker can read -----------------------------------------------
N=$(count)
req POST /submission "${AUTH[@]}" -F "xml_submission_file=@$WORK/trucks.xml;type=text/xml"
expect_status 400 "no X-OpenRosa-Version header"
openrosa_headers "400"
expect_eq "$(message)" "Not stored: this is an OpenRosa server; send the header X-OpenRosa-Version: 1.0." "missing header message"
expect_eq "$(nature)" "submit_error" "400 nature"

B1=$(uuid)
instance "$WORK/bad-values.xml" supplywatch_trucks "$B1" \
	"<corridor>lachin</corridor><date>2999-01-01</date><crossing>Goris</crossing><trucks>-1</trucks><tonnes>lots</tonnes>"
submit "$WORK/bad-values.xml"
expect_status 400 "invalid answers"
expect_eq "$(message)" "Not stored. Please correct the form and send it again: date: is in the future; trucks: must be >= 0; tonnes: must be a number" "invalid answers message"

B2=$(uuid)
instance "$WORK/bad-crossing.xml" supplywatch_trucks "$B2" \
	"<corridor>lachin</corridor><date>2023-01-12</date><crossing>Goris</crossing><trucks>3</trucks>"
submit "$WORK/bad-crossing.xml"
expect_status 400 "a crossing not of the corridor"
expect_eq "$(message)" "Not stored. Please correct the form and send it again: crossing: is not a crossing of this corridor; known crossings: Hakari bridge, Lachin checkpoint" "crossing message"

instance "$WORK/unknown-supersedes.xml" supplywatch_trucks "$(uuid)" \
	"<corridor>lachin</corridor><date>2023-01-12</date><trucks>3</trucks>" "$(uuid)"
submit "$WORK/unknown-supersedes.xml"
expect_status 400 "deprecatedID naming nothing stored"
expect_eq "$(message)" "Not stored. Please correct the form and send it again: supersedes: no report with this report_id from your organisation" "unknown deprecatedID message"

printf '<?xml version="1.0"?>\n<data id="supplywatch_trucks"><trucks>5</truck></data>' >"$WORK/bad.xml"
submit "$WORK/bad.xml"
expect_status 400 "bad XML"
expect_eq "$(message)" "Not stored: the form data is not well-formed XML (line 2: Opening and ending tag mismatch: trucks line 2 and truck)." "bad XML message"

cat >"$WORK/xxe.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<data id="supplywatch_trucks"><corridor>lachin</corridor><date>2023-01-12</date><trucks>1</trucks><note>&xxe;</note><meta><instanceID>uuid:$(uuid)</instanceID></meta></data>
XML
submit "$WORK/xxe.xml"
expect_status 400 "XXE payload"
expect_eq "$(message)" "Not stored: DOCTYPE not allowed in form data." "XXE message"
if grep -q "root:" "$BODY"; then fail "XXE: a file leaked into the answer"; else ok; fi

instance "$WORK/survey.xml" household_survey "$(uuid)" "<q1>yes</q1>"
submit "$WORK/survey.xml"
expect_status 400 "a form this server does not publish"
expect_eq "$(message)" "Not stored: this server does not know the form \"household_survey\"; get the blank forms again from this server." "unknown form message"

printf '<?xml version="1.0"?><data id="supplywatch_trucks"><trucks>1</trucks></data>' >"$WORK/no-id.xml"
submit "$WORK/no-id.xml"
expect_status 400 "no instanceID"
expect_eq "$(message)" "Not stored: the form data has no meta/instanceID." "no instanceID message"

req POST /submission "${OR_VERSION[@]}" "${AUTH[@]}" -F "photo.jpg=@$WORK/photo.jpg;type=image/jpeg"
expect_status 400 "no xml_submission_file part"
expect_eq "$(message)" "Not stored: the request has no xml_submission_file part, or it is empty." "missing part message"

req POST /submission "${OR_VERSION[@]}" "${AUTH[@]}" -F "xml_submission_file=@$WORK/trucks.xml;type=text/xml" \
	-F "xml_submission_file=@$WORK/access.xml;type=text/xml"
expect_status 400 "two xml_submission_file parts"
expect_eq "$(message)" "Not stored: the request has more than one xml_submission_file part." "two parts message"

req POST /submission "${OR_VERSION[@]}" "${AUTH[@]}" -H "Content-Type: multipart/form-data; boundary=XyZ" \
	--data-binary $'--XyZ\r\nContent-Disposition: form-data; name="xml_submission_file"; filename="a.xml"\r\n\r\n<data'
expect_status 400 "a multipart body cut short"
expect_eq "$(message)" "Not stored: the multipart/form-data body is malformed or incomplete." "cut short message"

{ printf '<?xml version="1.0"?><data id="supplywatch_trucks"><note>'; head -c 1100000 /dev/zero | tr '\0' a; printf '</note></data>'; } >"$WORK/huge.xml"
submit "$WORK/huge.xml"
expect_status 413 "form data over 1 MiB"
expect_eq "$(message)" "Not stored: the form data (xml_submission_file) is larger than 1 MiB." "413 message"

req POST /submission "${OR_VERSION[@]}" "${AUTH[@]}" -H "Content-Type: text/xml" --data-binary @"$WORK/trucks.xml"
expect_status 415 "a bare XML body"
expect_eq "$(count)" "$N" "no refusal stored anything"

# --- authentication -----------------------------------------------------------------
req POST /submission "${OR_VERSION[@]}" -F "xml_submission_file=@$WORK/trucks.xml;type=text/xml"
expect_status 401 "POST without credentials"
expect_header WWW-Authenticate 'Basic realm="supplywatch", charset="UTF-8"' "POST challenge"
req POST /submission "${OR_VERSION[@]}" -u "ngo-a:sw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	-F "xml_submission_file=@$WORK/trucks.xml;type=text/xml"
expect_status 401 "wrong password"
expect_header WWW-Authenticate 'Basic realm="supplywatch", charset="UTF-8"' "wrong password challenge"
req POST /submission "${OR_VERSION[@]}" -u "ngo-b:$TOKEN" -F "xml_submission_file=@$WORK/trucks.xml;type=text/xml"
expect_status 401 "the token under another organisation's name"
req GET /formList "${OR_VERSION[@]}"
expect_status 401 "formList without credentials"
expect_header WWW-Authenticate 'Basic realm="supplywatch", charset="UTF-8"' "formList challenge"
req GET /forms/supplywatch_trucks.xml -u "ngo-a:wrong"
expect_status 401 "a form with a wrong password"

# --- the form list and the forms --------------------------------------------------------
req GET /formList "${OR_VERSION[@]}" "${AUTH[@]}"
expect_status 200 "formList"
openrosa_headers "formList"
if xmllint --noout "$BODY" 2>"$WORK/xmllint.err"; then ok; else fail "formList is not XML: $(cat "$WORK/xmllint.err")"; fi
cp "$BODY" "$WORK/formlist.xml"
X='/*[local-name()="xforms"]/*[local-name()="xform"]'
expect_eq "$(xmllint --xpath "count($X)" "$WORK/formlist.xml")" "5" "five forms listed"
ids=()
for i in 1 2 3 4 5; do ids+=("$(xmllint --xpath "string($X[$i]/*[local-name()=\"formID\"])" "$WORK/formlist.xml")"); done
expect_eq "${ids[*]}" "supplywatch_access supplywatch_disruption supplywatch_movement supplywatch_shortage supplywatch_trucks" "form ids"
expect_eq "$(xmllint --xpath "string($X[5]/*[local-name()=\"name\"])" "$WORK/formlist.xml")" "Supplywatch: trucks counted" "trucks form name"
version=$(xmllint --xpath "string($X[5]/*[local-name()=\"version\"])" "$WORK/formlist.xml")
expect_eq "$(echo "$version" | grep -Ec '^2026120701-[0-9a-f]{8}$')" "1" "trucks form version: the template's and the document's hash ($version)"
for i in 1 2 3 4 5; do
	url=$(xmllint --xpath "string($X[$i]/*[local-name()=\"downloadUrl\"])" "$WORK/formlist.xml")
	hash=$(xmllint --xpath "string($X[$i]/*[local-name()=\"hash\"])" "$WORK/formlist.xml")
	id=${ids[$((i - 1))]}
	expect_eq "$url" "$SW_URL/forms/$id.xml" "downloadUrl of $id"
	code=$(curl -sS -o "$WORK/form.xml" -D "$WORK/form.headers" -w '%{http_code}' "${OR_VERSION[@]}" "${AUTH[@]}" "$url")
	expect_eq "$code" "200" "download of $id"
	expect_eq "$(grep -i '^Content-Type:' "$WORK/form.headers" | tr -d '\r')" "Content-Type: text/xml; charset=utf-8" "content type of $id"
	if xmllint --noout "$WORK/form.xml" 2>"$WORK/xmllint.err"; then ok; else fail "$id is not well-formed: $(cat "$WORK/xmllint.err")"; fi
	expect_eq "$hash" "md5:$(md5sum <"$WORK/form.xml" | cut -d' ' -f1)" "hash of $id"
	expect_eq "$(xform_check "$WORK/form.xml")" "ok" "$id is a whole XForm"
	expect_eq "$(cmp -s "$WORK/form.xml" "$SW_ROOT/etc/forms/$id.xml" && echo same)" "" "$id made from its template"
done

req GET "/formList?formID=supplywatch_access" "${OR_VERSION[@]}" "${AUTH[@]}" -H "X-Forwarded-Proto: https"
expect_status 200 "formList for one form behind a TLS proxy"
expect_eq "$(xmllint --xpath "count($X)" "$BODY")" "1" "one form listed"
expect_eq "$(xmllint --xpath "string($X/*[local-name()=\"downloadUrl\"])" "$BODY")" "https://${SW_URL#http://}/forms/supplywatch_access.xml" "https download URL"

req GET /forms/nothing.xml "${AUTH[@]}"
expect_status 404 "a form that does not exist"
req GET /forms/Supplywatch_trucks.xml "${AUTH[@]}"
expect_status 404 "a name outside [a-z0-9_]"
req GET /forms/..%2Fsupplywatch.conf "${AUTH[@]}"
expect_status 404 "no way out of the forms directory"

req GET /formList --http1.0 -H "Host:" "${AUTH[@]}"
expect_status 400 "formList without a Host header"
expect_eq "$(message)" "The request needs a Host header naming this server." "no Host message"
req GET /formList "${AUTH[@]}" -H "Host: evil.example/x?"
expect_status 400 "formList with a Host that is not a host"

# --- metrics and log ----------------------------------------------------------------------
expect_contains <(curl -sS "$SW_URL/metrics") 'supplywatch_reports_total{kind="trucks",channel="openrosa",result="stored"} 2' "stored counted by channel"
expect_contains "$WORK/daemon.log" "http POST /submission 201" "request log line"
if grep -q "$TOKEN" "$WORK/daemon.log"; then fail "token appears in the log"; else ok; fi

sw_stop

# --- the forms are built in; an operator's own come from openrosa.forms_dir ---------------
# Nothing above named a directory: the shipped forms came from the program.
mkdir -p "$WORK/forms"
sed 's/Supplywatch: trucks counted/Convoy count (field office)/' "$SW_ROOT/etc/forms/supplywatch_trucks.xml" >"$WORK/forms/convoys.xml"
echo "not a form" >"$WORK/forms/broken.xml"
# A form translated by hand (it has its own itext) is served as it is.
cat >"$WORK/forms/handmade.xml" <<'XML'
<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
 <h:head><h:title>Handmade</h:title><model>
  <itext><translation lang="Français (fr)" default="true()"><text id="c"><value>Corridor ?</value></text></translation></itext>
  <instance><data id="supplywatch_access" version="1"><corridor/><status/><meta><instanceID/></meta></data></instance>
  <bind nodeset="/data/corridor" type="string"/><bind nodeset="/data/status" type="string"/></model></h:head>
 <h:body><input ref="/data/corridor"><label ref="jr:itext('c')"/></input></h:body>
</h:html>
XML
write_config "$WORK/forms.conf" "dbname=$DB user=sw_test_daemon" "openrosa = { forms_dir = \"$WORK/forms\"; };"
sw_start "$WORK/forms.conf" || exit 1
req GET /formList "${OR_VERSION[@]}" "${AUTH[@]}"
expect_status 200 "formList from openrosa.forms_dir"
expect_eq "$(xmllint --xpath "count($X)" "$BODY")" "2" "the directory's two forms (the broken file left out)"
expect_eq "$(xmllint --xpath "string($X[1]/*[local-name()=\"name\"])" "$BODY")" "Convoy count (field office)" "the operator's form"
expect_contains "$WORK/daemon.log" "openrosa: form $WORK/forms/broken.xml left out" "the file that is no form is logged"
req GET /forms/convoys.xml "${AUTH[@]}"
expect_status 200 "the operator's form downloads"
expect_eq "$(xform_check "$BODY")" "ok" "the operator's form is made like the shipped ones"
expect_eq "$(xmllint --xpath 'string(//*[local-name()="select1"][@ref="/data/corridor"]/*[local-name()="item"][1]/*[local-name()="value"])' "$BODY")" "lachin" "with the corridors' pick list"
req GET /forms/handmade.xml "${AUTH[@]}"
expect_status 200 "the hand-translated form downloads"
expect_eq "$(cmp -s "$BODY" "$WORK/forms/handmade.xml" && echo same)" "same" "a form with its own itext is served as it is in the directory"
req GET /forms/supplywatch_trucks.xml "${AUTH[@]}"
expect_status 404 "a built-in form is not offered beside the operator's"
# A reload naming a directory that is not there keeps the running configuration.
write_config "$WORK/forms.conf" "dbname=$DB user=sw_test_daemon" "openrosa = { forms_dir = \"$WORK/no-forms\"; };"
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 100); do grep -q "keeping the running configuration" "$WORK/daemon.log" && break; sleep 0.05; done
expect_contains "$WORK/daemon.log" "openrosa.forms_dir: no such directory" "the reload names the setting"
req GET /formList "${OR_VERSION[@]}" "${AUTH[@]}"
expect_status 200 "formList after the refused reload"
expect_eq "$(xmllint --xpath "count($X)" "$BODY")" "2" "the running forms are kept"
sw_stop
# At start-up a missing directory is a clear error: never a server that answers 500.
if "$SW_BUILD/supplywatchd" -c "$WORK/forms.conf" 2>"$WORK/start.err"; then fail "supplywatchd started without its forms directory"; else ok; fi
expect_contains "$WORK/start.err" "$WORK/forms.conf:" "the error names the file"
expect_contains "$WORK/start.err" "openrosa.forms_dir: no such directory" "and the setting"
if "$SW_BUILD/supplywatchd" --check-config -c "$WORK/forms.conf" 2>/dev/null; then fail "--check-config accepted a missing forms directory"; else ok; fi

# --- forms in the configured languages, with pick lists from the configuration ------------
# A throwaway Russian catalogue: the project's po/ has no translation yet.
mkdir -p "$WORK/locale/ru/LC_MESSAGES"
cat >"$WORK/ru.po" <<'PO'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgctxt "language name"
msgid "English"
msgstr "Русский"

msgid "How many trucks passed?"
msgstr "Сколько грузовиков прошло?"

msgid "Thank you: report stored."
msgstr "Спасибо: отчёт сохранён."

msgid "Not stored. Please correct the form and send it again: %s"
msgstr "Не сохранено. Исправьте форму и отправьте её снова: %s"

msgid "is in the future"
msgstr "в будущем"
PO
msgfmt --check-format -o "$WORK/locale/ru/LC_MESSAGES/supplywatch.mo" "$WORK/ru.po" || fail "msgfmt"

# lang_config EXTRA_CROSSING RAFAH_NAMES: languages en and ru, names per language.
lang_config() {
	cat >"$WORK/lang.conf" <<CONF
listen = { address = "127.0.0.1"; port = 0; };
database = { conninfo = "dbname=$DB user=sw_test_daemon"; pool_size = 4; };
status = { title = "Test monitor"; timezone = "Asia/Yerevan"; languages = [ "en", "ru" ];
           locale_dir = "$WORK/locale"; };
auth = { pepper_file = "$WORK/pepper"; };
log = { level = "info"; };
$(ledger_conf)
corridors = (
  { id = "lachin"; name = "Lachin corridor"; baseline_trucks_per_day = 400;
    baseline_tonnes_per_day = 1200.0; population = 120000; names = { ru = "Лачинский коридор"; };
    crossings = ( { name = "Hakari bridge"; names = { ru = "Мост Акари"; }; }, "Lachin checkpoint"$1 ); },
  { id = "rafah"; name = "Rafah crossing"; baseline_trucks_per_day = 500;
    timezone = "Asia/Gaza"; reconcile = "sum";$2 }
);
CONF
}

# reload: SIGHUP, then wait for the daemon to say it loaded the file.
reload() {
	local n
	n=$(grep -c "reload: configuration" "$WORK/daemon.log")
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 1 100); do
		[ "$(grep -c "reload: configuration" "$WORK/daemon.log")" -gt "$n" ] && return 0
		sleep 0.05
	done
	fail "the reload was never done"
}

# listed FILE: "version hash" of the form FILE in the form list.
listed() {
	req GET /formList "${OR_VERSION[@]}" "${AUTH[@]}"
	xmllint --xpath "concat(string($X[*[local-name()=\"downloadUrl\"] = \"$SW_URL/forms/$1\"]/*[local-name()=\"version\"]), ' ', string($X[*[local-name()=\"downloadUrl\"] = \"$SW_URL/forms/$1\"]/*[local-name()=\"hash\"]))" "$BODY"
}

# of FORM XPATH: every node of the expression in the fetched form, one per line.
of() {
	xmllint --xpath "$2" "$1" 2>/dev/null | sed 's/^ *//'
}
TR='//*[local-name()="translation"]'
text_in() {	# text_in FORM LANG ID
	xmllint --xpath "string($TR[@lang=\"$2\"]/*[@id=\"$3\"]/*[local-name()=\"value\"])" "$1"
}

lang_config "" ""
sw_start "$WORK/lang.conf" || exit 1
req GET /formList "${OR_VERSION[@]}" "${AUTH[@]}"
expect_eq "$(xmllint --xpath "count($X)" "$BODY")" "5" "five forms listed with languages"
req GET /forms/supplywatch_trucks.xml "${OR_VERSION[@]}" "${AUTH[@]}"
expect_status 200 "the trucks form with languages"
cp "$BODY" "$WORK/trucks-form.xml"
F=$WORK/trucks-form.xml
expect_eq "$(xform_check "$F")" "ok" "every text resolves in every translation"
expect_eq "$(of "$F" "$TR/@lang" | tr '\n' '|')" 'lang="English (en)"|lang="Русский (ru)"|' "a translation per configured language, the default first"
expect_eq "$(of "$F" "$TR/@default" | tr '\n' '|')" 'default="true()"|' "one default"
expect_eq "$(xmllint --xpath 'string(//*[local-name()="input"][@ref="/data/trucks"]/*[local-name()="label"]/@ref)' "$F")" \
	"jr:itext('/data/trucks:label')" "the trucks label refers to itext"
expect_eq "$(text_in "$F" "Русский (ru)" "/data/trucks:label")" "Сколько грузовиков прошло?" "the label translated by the catalogue"
expect_eq "$(text_in "$F" "English (en)" "/data/trucks:label")" "How many trucks passed?" "the label in English"
expect_eq "$(text_in "$F" "Русский (ru)" "/data/trucks:hint")" \
	"Count every truck that went through in that direction on that day. If none passed, write 0: a zero is an important report." \
	"a text the catalogue lacks stays English"
expect_eq "$(text_in "$F" "English (en)" "/data/trucks:jr:constraintMsg")" "Write a whole number from 0 to 100,000." "the trucks message states its range"
CORR='//*[local-name()="select1"][@ref="/data/corridor"]/*[local-name()="item"]/*[local-name()="value"]/text()'
expect_eq "$(of "$F" "$CORR" | tr '\n' ' ')" "lachin rafah " "the corridor pick list: exactly the configured corridors"
expect_eq "$(xmllint --xpath 'count(//*[local-name()="input"][@ref="/data/corridor"])' "$F")" "0" "no corridor to type"
expect_eq "$(text_in "$F" "Русский (ru)" "/data/corridor/lachin:label") / $(text_in "$F" "Русский (ru)" "/data/corridor/rafah:label")" \
	"Лачинский коридор / Rafah crossing" "corridor names per language"
ITEMS='//*[local-name()="instance"][@id="crossings"]/*/*[local-name()="item"]'
crossings() { xmllint --xpath "$ITEMS" "$1" | tr -d ' \n' | sed 's|</item>|\n|g' | sed -n 's|.*<name>\(.*\)</name><corridor>\(.*\)</corridor>|\1:\2|p' | tr '\n' ','; }
expect_eq "$(crossings "$F")" "Hakaribridge:lachin,Lachincheckpoint:lachin," "the crossings instance: exactly the configured crossings with their corridor"
expect_eq "$(xmllint --xpath 'string(//*[local-name()="itemset"]/@nodeset)' "$F")" \
	"instance('crossings')/root/item[corridor = /data/corridor]" "crossings filtered by the chosen corridor"
expect_eq "$(text_in "$F" "Русский (ru)" "/data/crossing/lachin/0:label")" "Мост Акари" "crossing names per language"
for form in access disruption movement shortage; do
	req GET "/forms/supplywatch_$form.xml" "${AUTH[@]}"
	expect_eq "$(xform_check "$BODY")" "ok" "supplywatch_$form with languages is a whole XForm"
done

# A reload that changes nothing changes no form; one that adds a crossing or a name does.
read -r V1 H1 <<<"$(listed supplywatch_trucks.xml)"
lang_config "" ""
reload
read -r V2 H2 <<<"$(listed supplywatch_trucks.xml)"
expect_eq "$V2 $H2" "$V1 $H1" "an unchanged configuration keeps version and hash"
lang_config ', "Goris road"' ""
reload
read -r V3 H3 <<<"$(listed supplywatch_trucks.xml)"
[ "$V3" != "$V1" ] && [ "${V3%-*}" = "${V1%-*}" ] && ok || fail "a new crossing changes the version: $V1 -> $V3"
[ "$H3" != "$H1" ] && ok || fail "a new crossing changes the hash: $H1 -> $H3"
req GET /forms/supplywatch_trucks.xml "${AUTH[@]}"
expect_eq "$(crossings "$BODY")" "Hakaribridge:lachin,Lachincheckpoint:lachin,Gorisroad:lachin," "the new crossing offered"
expect_eq "md5:$(md5sum <"$BODY" | cut -d' ' -f1)" "$H3" "the listed hash is the served form's"
lang_config ', "Goris road"' ' names = { ru = "Рафах"; };'
reload
read -r V4 H4 <<<"$(listed supplywatch_trucks.xml)"
[ "$V4" != "$V3" ] && [ "$H4" != "$H3" ] && ok || fail "a new name changes version and hash: $V3 $H3 -> $V4 $H4"
req GET /forms/supplywatch_trucks.xml "${AUTH[@]}"
expect_eq "$(text_in "$BODY" "Русский (ru)" "/data/corridor/rafah:label")" "Рафах" "the new name in the form"

# What a phone sends is codes and configured names, whatever language it showed.
V_CORRIDOR=$(of "$F" "$CORR" | head -n 1)
V_CROSSING=$(xmllint --xpath "string($ITEMS[1]/*[local-name()=\"name\"])" "$F")
V_CARGO=$(xmllint --xpath 'string(//*[local-name()="select1"][@ref="/data/cargo"]/*[local-name()="item"][1]/*[local-name()="value"])' "$F")
for lang in ru en; do
	id=$(uuid)
	instance "$WORK/lang-$lang.xml" supplywatch_trucks "$id" \
		"<corridor>$V_CORRIDOR</corridor><date>2023-02-01</date><direction>inbound</direction><crossing>$V_CROSSING</crossing><trucks>7</trucks><cargo>$V_CARGO</cargo>"
	submit "$WORK/lang-$lang.xml" -H "Accept-Language: $lang"
	expect_status 201 "a report sent with $lang shown"
	eval "ID_$lang=$id"
done
expect_eq "$(message)" "Thank you: report stored." "the answer in English"
expect_eq "$(sql "SELECT count(DISTINCT (corridor, crossing, direction, trucks, cargo, day)) || ':' || min(corridor) || '|' || min(crossing) || '|' || min(cargo) FROM analytics.truck_reports WHERE report_id IN ('$ID_ru', '$ID_en')")" \
	"1:lachin|Hakari bridge|food" "the same values stored whatever the language"
instance "$WORK/lang-ru2.xml" supplywatch_trucks "$(uuid)" \
	"<corridor>lachin</corridor><date>2023-02-02</date><trucks>1</trucks>"
submit "$WORK/lang-ru2.xml" -H "Accept-Language: ru-RU, ru;q=0.9, en;q=0.8"
expect_status 201 "stored, asked in Russian"
expect_eq "$(message)" "Спасибо: отчёт сохранён." "the phone's language chosen from Accept-Language"

# A refusal in the phone's language: the sentence and the fixed reason translated.
instance "$WORK/future.xml" supplywatch_trucks "$(uuid)" \
	"<corridor>lachin</corridor><date>2999-01-01</date><trucks>-1</trucks>"
submit "$WORK/future.xml" -H "Accept-Language: ru"
expect_status 400 "a refusal in Russian"
expect_eq "$(message)" "Не сохранено. Исправьте форму и отправьте её снова: date: в будущем; trucks: must be >= 0" "the refusal in Russian"
submit "$WORK/future.xml" -H "Accept-Language: ar, fr;q=0.5"
expect_eq "$(message)" "Not stored. Please correct the form and send it again: date: is in the future; trucks: must be >= 0" "a language not served: the default"
# A phone's report has its receipt like any other, found by its instanceID.
wait_receipt ngo-a "$T1"
expect_status 200 "an OpenRosa report's receipt"
expect_json '.entry | fromjson | [.org, .report_id, .type]' "[\"ngo-a\",\"$T1\",\"report\"]" "its entry names the instance"
expect_ledger_verifies
sw_stop
