#!/bin/bash
# Languages: the page and the feed in the language the reader asks for
# (?lang=, then Accept-Language by q-value, then status.default_language),
# with Content-Language, Vary, hreflang alternates, a switcher of plain
# links, an ETag per language, names per language from the configuration,
# feed entries whose ids do not change with the language, and what each
# language costs in the snapshot.  The catalogues are the real ones of po/,
# as the build compiled them into build/locale/.
. "$(dirname "$0")/../lib.sh"

sw_setup
# Three languages, English the default; names per language for lachin and one crossing.
langs() {
	sed -i -e 's|^status = { \(.*\) };|status = { \1 default_language = "en"; languages = [ "en", "ar", "hy" ]; };|' \
		-e 's|name = "Lachin corridor";|name = "Lachin corridor"; names = { hy = "Լաչինի միջանցք"; ar = "ممر لاتشين"; };|' \
		-e 's|crossings = ( "Hakari bridge", "Lachin checkpoint" );|crossings = ( { name = "Hakari bridge"; names = { hy = "Հակարիի կամուրջ"; }; }, "Lachin checkpoint" );|' "$1"
}
langs "$WORK/daemon.conf"
langs "$WORK/supplywatch.conf"
"$SW_BUILD/supplywatchd" --check-config -c "$WORK/daemon.conf" >"$WORK/check.out" 2>&1
expect_eq "$?" "0" "a configuration with three languages and names per language is valid: $(cat "$WORK/check.out")"
sw_start

post_json /api/v1/reports "{\"reports\":[
 {\"kind\":\"access\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"status\":\"blocked\",\"at\":\"2023-01-01T10:00:00+04:00\",\"crossing\":\"Hakari bridge\"},
 {\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2023-01-02\",\"trucks\":1234,\"crossing\":\"Hakari bridge\"},
 {\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"gas\",\"started_at\":\"2023-01-03T08:00:00+04:00\",\"location\":\"Stepanakert\",\"people_affected\":120000}]}"
expect_status 201 "reports stored"
wait_snapshot

# --- negotiation -------------------------------------------------------------------
# lang_of ARGS...: the Content-Language of GET / with those curl arguments.
lang_of() {
	curl -sS -o "$WORK/page" -D "$WORK/page.h" "$@"
	sed -n 's/^[Cc]ontent-[Ll]anguage: \([^\r]*\)\r$/\1/p' "$WORK/page.h"
}
expect_eq "$(lang_of "$SW_URL/")" "en" "no preference: the default language"
expect_contains "$WORK/page" '<html lang="en" dir="ltr">' "English page: lang and dir"
expect_eq "$(lang_of "$SW_URL/?lang=ar")" "ar" "?lang=ar"
expect_contains "$WORK/page" '<html lang="ar" dir="rtl">' "Arabic page: right to left"
expect_eq "$(lang_of "$SW_URL/?lang=hy")" "hy" "?lang=hy"
expect_contains "$WORK/page" '<html lang="hy" dir="ltr">' "Armenian page: left to right"
expect_eq "$(lang_of -H 'Accept-Language: hy-AM,hy;q=0.9,en;q=0.5' "$SW_URL/")" "hy" "Accept-Language: hy-AM matches hy"
expect_eq "$(lang_of -H 'Accept-Language: fr;q=1, ar;q=0.8, hy;q=0.9' "$SW_URL/")" "hy" "the highest q-value we serve wins"
expect_eq "$(lang_of -H 'Accept-Language: ar;q=0, fr' "$SW_URL/")" "en" "q=0 refuses a language; the default then"
expect_eq "$(lang_of -H 'Accept-Language: *;q=0.5' "$SW_URL/")" "en" "* is the default"
expect_eq "$(lang_of -H 'Accept-Language: ;;;,,q=,ar;q=2' "$SW_URL/")" "en" "a malformed Accept-Language is no error"
expect_eq "$(lang_of -H 'Accept-Language: ar' "$SW_URL/?lang=hy")" "hy" "?lang= wins over Accept-Language"
code=$(curl -sS -o "$WORK/page" -w '%{http_code}' -H 'Accept-Language: ar' "$SW_URL/?lang=xx-bogus")
expect_eq "$code" "200" "an unknown ?lang= is no error"
expect_contains "$WORK/page" '<html lang="ar" dir="rtl">' "an unknown ?lang= falls back to Accept-Language"
expect_eq "$(lang_of "$SW_URL/?lang=%3Cscript%3E")" "en" "a hostile ?lang= falls back to the default"
req GET "/?lang=ar"
expect_header "Vary" "Accept-Encoding, Accept-Language" "pages vary by Accept-Language"
req GET /api/v1/status -H 'Accept-Language: ar'
expect_header "Vary" "Accept-Encoding" "the status JSON is not translated and does not vary by language"
if grep -qi '^content-language' "$HEADERS"; then fail "the status JSON has no Content-Language"; else ok; fi

# --- hreflang alternates and the switcher --------------------------------------------
req GET "/corridors/lachin?lang=hy"
for l in en ar hy; do
	expect_contains "$BODY" "<link rel=\"alternate\" hreflang=\"$l\" href=\"/corridors/lachin?lang=$l\">" "hreflang alternate for $l"
done
expect_contains "$BODY" '<link rel="alternate" hreflang="x-default" href="/corridors/lachin">' "x-default alternate"
expect_contains "$BODY" '<a href="/corridors/lachin?lang=ar" hreflang="ar" lang="ar" dir="rtl">العربية</a>' "switcher: Arabic in its own name and direction"
expect_contains "$BODY" '<strong aria-current="true">Հայերեն</strong>' "switcher: the current language is not a link"
# A summary for search engines, in the page's language, naming the corridor.
expect_contains "$BODY" '՝ վիճակը, շրջափակման օրերը, բեռնատարները՝ շրջափակումից առաջվա ելակետային մակարդակի համեմատ' "the Armenian meta description"
if grep -qE '<meta name="description" content="[^"<>]*Lachin|<meta name="description" content="[^"<>]*Լաչին' "$BODY"; then ok; else fail "the corridor's meta description names it: $(grep -o '<meta name="description"[^>]*>' "$BODY")"; fi
curl -s -H 'Accept-Language: en' "$SW_URL/" >"$WORK/home.en"
expect_contains "$WORK/home.en" '<meta name="description" content="The status of each monitored corridor: days of blockade, trucks against the pre-blockade baseline, service cuts and shortages, from NGO reports.">' "the front page's meta description"
expect_contains "$BODY" '<a href="/?lang=hy">' "links to other pages keep the language"

# --- names per language, numbers the language's way ----------------------------------
req GET "/corridors/lachin?lang=hy&as_of=2023-01-02"
expect_eq "$(sed -n 's/^[Cc]ontent-[Ll]anguage: \([^\r]*\)\r$/\1/p' "$HEADERS")" "hy" "a past as_of page in the language asked"
expect_contains "$BODY" '<h2><bdi>Լաչինի միջանցք</bdi></h2>' "the corridor's Armenian name"
expect_contains "$BODY" '<bdi>Հակարիի կամուրջ</bdi>' "the crossing's Armenian name"
expect_contains "$BODY" "1$(printf '\302\240')234" "Armenian groups thousands with a no-break space"
req GET "/corridors/lachin?lang=ar&as_of=2023-01-02"
expect_contains "$BODY" '<h2><bdi>ممر لاتشين</bdi></h2>' "the corridor's Arabic name"
expect_contains "$BODY" '<bdi>Hakari bridge</bdi>' "no Arabic name for the crossing: the configured one"
expect_contains "$BODY" '١٬٢٣٤' "Arabic writes 1234 with Arabic-Indic digits and its own separator"
req GET "/corridors/lachin?lang=ar"
expect_contains "$BODY" '<bdi>Stepanakert</bdi>' "report text in <bdi>"
# The timeline's paging links keep the language and the date.
req GET "/corridors/lachin?lang=ar&as_of=2023-01-02&before=1.0.0000000000000000"
expect_contains "$BODY" '<a href="/corridors/lachin?as_of=2023-01-02&amp;lang=ar#timeline">' "the way back to the latest events, in Arabic"
req GET "/corridors/lachin?as_of=2023-01-02"
expect_contains "$BODY" '<h2><bdi>Lachin corridor</bdi></h2>' "English: the configured name"
expect_contains "$BODY" '1,234' "English groups thousands with a comma"

# --- one ETag per language; caches keep them apart -----------------------------------
etag_of() { curl -sS -o /dev/null -D - "$@" | sed -n 's/^[Ee][Tt]ag: \([^\r]*\)\r$/\1/p'; }
E_EN=$(etag_of "$SW_URL/corridors/lachin")
E_AR=$(etag_of "$SW_URL/corridors/lachin?lang=ar")
E_AR2=$(etag_of -H 'Accept-Language: ar' "$SW_URL/corridors/lachin")
if [ -n "$E_EN" ] && [ "$E_EN" != "$E_AR" ]; then ok; else fail "ETags differ per language ($E_EN, $E_AR)"; fi
expect_eq "$E_AR2" "$E_AR" "the same language by Accept-Language has the same ETag"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $E_EN" "$SW_URL/corridors/lachin?lang=ar")
expect_eq "$code" "200" "the English ETag does not validate the Arabic page"
curl -sS -o /dev/null -D "$WORK/h304" -H "If-None-Match: $E_AR" "$SW_URL/corridors/lachin?lang=ar"
expect_contains "$WORK/h304" "304" "the Arabic ETag validates the Arabic page"
expect_contains "$WORK/h304" "Content-Language: ar" "a 304 says its language"

# --- the feed in a language, entries the same --------------------------------------------
curl -sS -o "$WORK/feed.en" "$SW_URL/feed.atom"
curl -sS -o "$WORK/feed.ar" -D "$WORK/feed.ar.h" "$SW_URL/feed.atom?lang=ar"
expect_contains "$WORK/feed.ar.h" "Content-Language: ar" "the Arabic feed says its language"
expect_contains "$WORK/feed.ar" '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">' "the Arabic feed's xml:lang"
expect_contains "$WORK/feed.ar" '<id>tag:supplywatch,2022:feed/ar</id>' "the Arabic feed is a feed of its own"
expect_contains "$WORK/feed.ar" '<link rel="self" href="/feed.atom?lang=ar"/>' "its self link"
n_en=$(grep -c '<entry>' "$WORK/feed.en")
if [ "$n_en" -ge 3 ]; then ok; else fail "the feed has entries ($n_en)"; fi
expect_eq "$(grep '<id>tag:supplywatch,2022:lachin' "$WORK/feed.ar")" "$(grep '<id>tag:supplywatch,2022:lachin' "$WORK/feed.en")" \
	"entry ids do not change with the language"
if cmp -s <(grep '<title>' "$WORK/feed.en") <(grep '<title>' "$WORK/feed.ar"); then
	fail "the Arabic feed's titles are translated"
else ok; fi
if xmllint --noout "$WORK/feed.ar" 2>"$WORK/xmllint.err"; then ok; else fail "the Arabic feed is well-formed XML: $(head -c 300 "$WORK/xmllint.err")"; fi

# --- what each language costs ----------------------------------------------------------
curl -sS "$SW_URL/metrics" >"$WORK/metrics"
for l in en ar hy; do
	v=$(sed -n "s/^supplywatch_snapshot_language_bytes{language=\"$l\"} //p" "$WORK/metrics")
	if [ -n "$v" ] && [ "$v" -gt 1000 ]; then ok; else fail "supplywatch_snapshot_language_bytes for $l ($v)"; fi
done

# --- a language without a catalogue is refused, naming the file ---------------------------
sed 's|languages = \[ "en", "ar", "hy" \]|languages = [ "en", "fr" ]|' "$WORK/daemon.conf" >"$WORK/bad.conf"
out=$("$SW_BUILD/supplywatchd" --check-config -c "$WORK/bad.conf" 2>&1)
expect_eq "$?" "1" "a language without a catalogue: config refused"
case $out in
*'status.languages: no catalogue for "fr": '*'/fr/LC_MESSAGES/supplywatch.mo: No such file or directory'*) ok ;;
*) fail "the refusal names the catalogue looked for: $out" ;;
esac
sed 's|default_language = "en"; languages = \[ "en", "ar", "hy" \]|default_language = "ru"; languages = [ "en", "ar" ]|' "$WORK/daemon.conf" >"$WORK/bad.conf"
out=$("$SW_BUILD/supplywatchd" --check-config -c "$WORK/bad.conf" 2>&1)
case $out in
*'status.languages: must include status.default_language ("ru")'*) ok ;;
*) fail "default_language outside languages refused: $out" ;;
esac
sed 's|names = { hy = "Լաչինի միջանցք";|names = { Hy = "x"; hy = "Լաչինի միջանցք";|' "$WORK/daemon.conf" >"$WORK/bad.conf"
out=$("$SW_BUILD/supplywatchd" --check-config -c "$WORK/bad.conf" 2>&1)
case $out in
*'corridors.[0].names: "Hy" is not a language code (like "hy" or "pt_BR")'*) ok ;;
*) fail "a names key that is no language code refused: $out" ;;
esac

# --- a translator's markup stays text ----------------------------------------------------
# A catalogue whose words hold markup: every surface escapes them like report text.
sw_stop
mkdir -p "$WORK/locale/hy/LC_MESSAGES"
cat >"$WORK/hostile.po" <<'PO'
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgctxt "status badge"
msgid "BLOCKED"
msgstr "<script>alert(1)</script>"

msgctxt "month in a date"
msgid "January"
msgstr "<i onmouseover=x>"

msgctxt "status"
msgid "blocked"
msgstr "\"><img src=x>"

msgid "Inbound trucks"
msgstr "<b>Trucks</b> & co"
PO
msgfmt -o "$WORK/locale/hy/LC_MESSAGES/supplywatch.mo" "$WORK/hostile.po"
sed -i "s|languages = \[ \"en\", \"ar\", \"hy\" \];|languages = [ \"en\", \"hy\" ]; locale_dir = \"$WORK/locale\";|" "$WORK/daemon.conf"
sw_start
req GET "/corridors/lachin?lang=hy&as_of=2023-01-02"
expect_contains "$BODY" '<span class="badge s2">&lt;script&gt;alert(1)&lt;/script&gt;</span>' "a badge's markup is escaped"
expect_contains "$BODY" '2 &lt;i onmouseover=x&gt; 2023' "a month's markup is escaped"
expect_contains "$BODY" '<h3>&lt;b&gt;Trucks&lt;/b&gt; &amp; co</h3>' "a message's markup is escaped"
if grep -q '<script>\|<i onmouseover\|<img src=x' "$BODY"; then fail "no markup from the catalogue in the page"; else ok; fi
curl -sS -o "$WORK/feed.hy" "$SW_URL/feed.atom?lang=hy"
if xmllint --noout "$WORK/feed.hy" 2>"$WORK/xmllint.err"; then ok; else fail "the feed stays well-formed with a hostile catalogue: $(head -c 300 "$WORK/xmllint.err")"; fi
expect_contains "$WORK/feed.hy" '&quot;&gt;&lt;img src=x&gt;' "a status word's markup is escaped in the feed"
sw_stop
