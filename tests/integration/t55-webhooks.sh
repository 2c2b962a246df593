#!/bin/bash
# Webhooks (design.md, stage two; issue 12, item 5): the CLI and its refusals,
# the six events decided from reports, both formats, the Standard Webhooks
# signature checked by a receiver in Python (tests/tools/webhook_receiver.py),
# the durable outbox: a receiver down for a while gets every event in order
# with the same webhook-id on retries; kill -9 between "decided" and
# "delivered", and during a delivery, loses nothing; a hanging receiver holds
# up neither ingest, nor the page, nor another subscription; two daemons on
# one database deliver each event once, and the survivor takes over; text
# messages in the subscription's language (issue 13), from a throwaway
# catalogue, with the corridor's name in that language.
. "$(dirname "$0")/../lib.sh"
sw_setup
EXTRA='webhooks = { allow_private = true; retry_initial_s = 1; timeout_s = 3; };'
write_config "$WORK/daemon.conf" "dbname=$DB user=sw_test_daemon" "$EXTRA"
write_config "$WORK/cli-private.conf" "dbname=$DB user=postgres" "webhooks = { allow_private = true; };"
RCV=$WORK/rcv
mkdir -p "$RCV"
RCV_PID=""
B_PID=""

t55_cleanup() {
	local rc=$?
	[ "${BASHPID:-$$}" = "$$" ] || return 0
	[ -n "$RCV_PID" ] && kill "$RCV_PID" 2>/dev/null
	[ -n "$B_PID" ] && kill -9 "$B_PID" 2>/dev/null
	# sw_cleanup reads daemon.log for sanitizer reports; the second daemon's too.
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/daemon-b.log" 2>/dev/null; then
		fail "sanitizer report in daemon-b.log"
	fi
	(exit "$rc")
	sw_cleanup
}
trap t55_cleanup EXIT

# until_ok WHAT 'CONDITION': evaluates CONDITION (shell code) every 50 ms for up
# to 20 s; a failure names WHAT.
until_ok() {
	for _ in $(seq 1 400); do
		eval "$2" && return 0
		sleep 0.05
	done
	fail "timed out waiting for: $1"
	return 1
}

rcv_start() {
	rm -f "$RCV/port"
	python3 "$SW_ROOT/tests/tools/webhook_receiver.py" "$RCV" ${RPORT:+--port "$RPORT"} 2>>"$RCV/stderr" &
	RCV_PID=$!
	until_ok "the receiver listening" 'test -s "$RCV/port"'
	RPORT=$(cat "$RCV/port")
}
rcv_stop() {
	kill "$RCV_PID"
	wait "$RCV_PID" 2>/dev/null
	RCV_PID=""
}
mode() { echo "$2" >"$RCV/mode.$1"; }
# rlog JQ: the receiver's log as one array, through JQ.
rlog() { jq -s -c "$1" "$RCV/log" 2>/dev/null; }

# A daemon of our own (log file $1): sets PID and URL.
start_daemon() {
	local log=$1 port
	: >"$log"
	"$SW_BUILD/supplywatchd" -c "$WORK/daemon.conf" 2>>"$log" &
	PID=$!
	for _ in $(seq 1 400); do
		port=$(sed -n 's|.*ready: listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
		[ -n "$port" ] && { URL="http://127.0.0.1:$port"; return 0; }
		sleep 0.05
	done
	fail "daemon did not start: $(tail -n 5 "$log")"
}
start_a() { start_daemon "$WORK/daemon.log"; DAEMON_PID=$PID; SW_URL=$URL; }

pending() { sql "SELECT count(*) FROM supplywatch.webhook_outbox WHERE delivered_at IS NULL"; }
no_pending() { [ "$(pending)" = 0 ]; }
rows() { sql "SELECT count(*) FROM supplywatch.webhook_outbox"; }
# delivered N: waits until N messages were decided in all, and every one delivered.
outbox() { sql "SELECT count(*) || ' ' || count(delivered_at) FROM supplywatch.webhook_outbox"; }
delivered() { until_ok "$1 messages decided and delivered" "test \"\$(outbox)\" = '$1 $1'"; }
state_rows() { sql "SELECT count(*) FROM supplywatch.webhook_state WHERE key = 'init'"; }
pending_started() { sql "SELECT count(*) FROM supplywatch.webhook_outbox WHERE event = 'disruption.started' AND delivered_at IS NULL"; }
arrivals() { rlog "[.[] | select(.name == \"$1\")] | length"; }
Z=$(printf '\xe2\x80\x8b')	# U+200B
now() { date -u -d "${1:-1 minute ago}" +%Y-%m-%dT%H:%M:%SZ; }
report() { post_json /api/v1/reports "$1"; expect_status 201 "${2:-report}"; }
dis() {	# service id location [ended]
	echo "{\"kind\":\"disruption\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"service\":\"$1\",\"disruption_id\":\"$2\",\"location\":\"$3\",\"started_at\":\"$(now '10 minutes ago')\"${4:+,\"ended_at\":\"$(now)\"}}"
}

# --- the CLI: bad input refused by name, nothing written ----------------------------------------
H=http://127.0.0.1:9/hook
CLI_CONF=$WORK/supplywatch.conf	# webhooks.allow_private = false
cli_err() {	# WANT-STATUS WANT-MESSAGE ARGS...
	local want=$1 msg=$2 rc
	shift 2
	"$SW_BUILD/supplywatch" -c "$CLI_CONF" webhook "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	expect_eq "$rc" "$want" "webhook $* exits $want"
	expect_contains "$WORK/err" "$msg" "webhook $*"
}
cli_err 1 'webhook URL "ftp://example.org/x" must be an http:// or https:// URL' add ftp://example.org/x
cli_err 1 'unknown event "blockade.begun"' add https://example.org/x --events blockade.started,blockade.begun
cli_err 1 '--corridor "nowhere" is not a configured corridor' add https://example.org/x --corridor lachin --corridor nowhere
cli_err 1 '--format "html" must be standard or text' add https://example.org/x --format html
cli_err 1 '--lang "english" is not a language this installation serves (status.languages: en)' add https://example.org/x --lang english
cli_err 1 '--lang "hy" is not a language this installation serves (status.languages: en)' add https://example.org/x --lang hy
cli_err 1 'host "127.0.0.1" has the private address 127.0.0.1 (set webhooks.allow_private = true to allow it)' add "$H/x"
cli_err 1 'host "10.1.2.3" has the private address 10.1.2.3' add http://10.1.2.3/x
cli_err 1 'host "::1" has the private address ::1' add 'http://[::1]:9/x'
cli_err 1 'host "localhost" has the private address' add http://localhost:9/x
cli_err 1 'no active webhook with id 999' remove 999
cli_err 1 'webhook id "x" must be a positive number' remove x
cli_err 1 'no active webhook with id 999' test 999
cli_err 2 'usage:' add
cli_err 2 'usage:' add https://example.org/x --events
expect_eq "$(sql "SELECT count(*) FROM supplywatch.webhooks")" "0" "nothing written by refused adds"
pcli() { "$SW_BUILD/supplywatch" -c "$WORK/cli-private.conf" webhook "$@"; }
pcli add "$H/dup" --events blockade.started,blockade.ended --corridor rafah --corridor lachin >/dev/null
CLI_CONF=$WORK/cli-private.conf
cli_err 1 'an active subscription with the same URL, events, corridors and format exists (id 1)' add "$H/dup" --events blockade.ended,blockade.started --corridor lachin --corridor rafah
pcli add "$H/dup" --events blockade.ended,blockade.started --corridor lachin --format text >"$WORK/out"
expect_contains "$WORK/out" "webhook 2 added" "same URL with another corridor set and format is another subscription"
expect_eq "$(pcli remove 1)" "webhook 1 removed" "remove"
expect_eq "$(pcli remove 2)" "webhook 2 removed" "remove"
cli_err 1 'no active webhook with id 1' remove 1
expect_eq "$(sql "SELECT count(*) FROM supplywatch.webhooks WHERE removed_at IS NULL")" "0" "both removed"

# --- subscriptions; the daemon sees every corridor once, announcing nothing ------------------------
rcv_start
H=http://127.0.0.1:$RPORT/hook
sub() {	# NAME ARGS...: adds /hook/NAME, gives the receiver its secret; sets SUB
	local name=$1 out
	shift
	out=$(pcli add "$H/$name" "$@") || fail "webhook add $name: $out"
	SUB=$(echo "$out" | sed -n 's/^webhook \([0-9]*\) added.*/\1/p')
	echo "$name $(echo "$out" | tail -n 1)" >>"$RCV/secrets"
}
sub s1
S1=$SUB
sub s2 --format text --events disruption.started,disruption.ended
S2=$SUB
expect_eq "$(echo "$(tail -n 1 "$RCV/secrets")" | grep -cE '^s2 whsec_[A-Za-z0-9+/]{43}=$')" "1" "the secret, on the last line"
pcli list >"$WORK/list"
expect_eq "$(sed -n 2p "$WORK/list" | cut -f 1-6)" "$S1	$H/s1	corridor.status_changed,blockade.started,blockade.ended,disruption.started,disruption.ended,source.silent	*	standard	-" "list: defaults (no language: the default one)"
expect_eq "$(grep -c whsec_ "$WORK/list")" "0" "list shows no secret"
start_a
until_ok "the decider's first look" 'test "$(state_rows)" = 2'
expect_eq "$(sql "SELECT count(*) FROM supplywatch.webhook_outbox")" "0" "first sight: no events"

# webhook test: signed, sent at once, outside the outbox.
expect_contains <(pcli test "$S1") "webhook $S1: HTTP 200 (delivered msg_" "webhook test"
expect_eq "$(rlog '[.[] | select(.name == "s1") | [.valid, (.body | fromjson | .type, .data.webhook)]]')" "[[true,\"webhook.test\",$S1]]" "the test message, verified"
mode s1 500
"$SW_BUILD/supplywatch" -c "$WORK/cli-private.conf" webhook test "$S1" >/dev/null 2>"$WORK/err"
expect_eq "$?" "1" "webhook test against a 500 exits 1"
expect_contains "$WORK/err" "webhook $S1: HTTP 500" "webhook test says the status"
mode s1 ok
# Without webhooks.allow_private, the address connected to is refused (not only at add time).
"$SW_BUILD/supplywatch" -c "$WORK/supplywatch.conf" webhook test "$S1" >/dev/null 2>"$WORK/err"
expect_eq "$?" "1" "webhook test to a private address exits 1"
expect_contains "$WORK/err" "refused: 127.0.0.1 is a private address (webhooks.allow_private)" "refused on connecting"
expect_eq "$(arrivals s1)" "2" "nothing reached the private receiver"
: >"$RCV/log"

# --- (e) a text message with hostile reporter text arrives neutralised ------------------------------
report "$(dis gas d1 '<!channel> *bold* @here [x](http://e)')" "hostile disruption"
delivered 2
expect_eq "$(rlog '[.[] | select(.name == "s2") | .body]')" '["{\"text\":\"Lachin corridor: gas disruption began in &lt;\\\\!channel&gt; \\\\*bold\\\\* @'"$Z"'here \\\\[x\\\\]\\\\(http:'"$Z"'//e\\\\).\"}"]' "text message neutralised"
expect_eq "$(rlog '[.[] | select(.name == "s2") | .body | fromjson | .text | test("<|@here|\\*bold\\*|\\]\\(|\n")]')" "[false]" "no markup left in the text"
expect_eq "$(rlog '[.[] | select(.name == "s1") | .body | fromjson | [.type, .data.service, .data.location]]')" '[["disruption.started","gas","<!channel> *bold* @here [x](http://e)"]]' "standard message carries the text as data"
expect_eq "$(rlog '[.[] | select(.valid | not)] | length')" "0" "every signature valid"
expect_eq "$(rlog '[.[0].content_type]')" '["application/json"]' "content type"

# --- (a) a receiver down for a while gets every event, in order, same webhook-id ---------------------
rcv_stop
report "{\"kind\":\"access\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"status\":\"blocked\",\"at\":\"$(now)\"}" "access blocked"
report "$(dis gas d1 x ended)" "disruption ended"
until_ok "both reports' events decided" 'test "$(rows)" = 6'
first_attempts() { sql "SELECT attempts FROM supplywatch.webhook_outbox WHERE webhook = $S1 AND delivered_at IS NULL ORDER BY id LIMIT 1"; }
until_ok "retries while down" 'test "$(first_attempts)" -ge 2 2>/dev/null'
expect_eq "$(sql "SELECT string_agg(event || ':' || (attempts > 0), ',' ORDER BY id) FROM supplywatch.webhook_outbox WHERE webhook = $S1 AND delivered_at IS NULL")" \
	"corridor.status_changed:true,blockade.started:false,disruption.ended:false" "later messages wait behind the first"
expect_eq "$(sql "SELECT last_status IS NULL AND last_error <> '' FROM supplywatch.webhook_outbox WHERE webhook = $S1 AND delivered_at IS NULL ORDER BY id LIMIT 1")" "t" "the failure recorded"
oldest() { curl -sS --max-time 5 "$SW_URL/metrics" | sed -n 's/^supplywatch_webhook_oldest_pending_seconds //p'; }
until_ok "the oldest pending message's age in /metrics" 'test "$(oldest)" -ge 1'
counted() { curl -sS --max-time 5 "$SW_URL/metrics" | sed -n "s/^supplywatch_webhook_deliveries_total{result=\"$1\"} //p"; }
until_ok "failures counted in /metrics" 'test "$(counted failed)" -ge 2'
mode s1 500
rcv_start
FIRST=$(sql "SELECT msg_id FROM supplywatch.webhook_outbox WHERE webhook = $S1 AND delivered_at IS NULL ORDER BY id LIMIT 1")
until_ok "a 500 answered" 'test "$(rlog "[.[] | select(.id == \"$FIRST\")] | length")" -ge 1'
mode s1 ok
delivered 6
expect_eq "$(rlog "[.[] | select(.id == \"$FIRST\") | .dup] | .[0:2]")" "[false,true]" "the same webhook-id again after the 500"
expect_eq "$(rlog '[.[] | select(.name == "s1" and (.dup | not)) | .body | fromjson | .type]')" \
	'["disruption.started","corridor.status_changed","blockade.started","disruption.ended"]' "s1: every event, in order"
expect_eq "$(rlog '[.[] | select(.name == "s1" and (.dup | not)) | .body | fromjson | select(.type == "corridor.status_changed") | .data | [.corridor, .from, .to, .blockade_day]]')" \
	'[["lachin","unknown","blocked",1]]' "status change data"
expect_eq "$(rlog '[.[] | select(.name == "s2") | .body | fromjson | .text] | .[1]')" '"Lachin corridor: gas disruption in &lt;\\!channel&gt; \\*bold\\* @'"$Z"'here \\[x\\]\\(http:'"$Z"'//e\\) has ended."' "s2: the end, in text"

# --- (b) kill -9 after "decided", before "delivered"; and during a delivery -------------------------
rcv_stop
report "$(dis water d2 'Town B')" "water disruption"
until_ok "the event decided (its outbox rows committed)" 'test "$(pending_started)" = 2'
W=$(sql "SELECT msg_id FROM supplywatch.webhook_outbox WHERE webhook = $S1 AND delivered_at IS NULL")
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
rcv_start
start_a
delivered 8
expect_eq "$(rlog "[.[] | select(.id == \"$W\" and .valid) | .dup]")" "[false]" "decided before the kill, delivered once after"
mode s1 "slow 30"
report "$(dis water d2 'Town B' ended)" "water disruption ended"
until_ok "the end decided" 'test "$(rows)" = 10'
W=$(sql "SELECT msg_id FROM supplywatch.webhook_outbox WHERE webhook = $S1 AND event = 'disruption.ended' ORDER BY id DESC LIMIT 1")
until_ok "a delivery in flight" 'test "$(rlog "[.[] | select(.id == \"$W\")] | length")" = 1'
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
mode s1 ok
start_a
delivered 10
expect_eq "$(rlog "[.[] | select(.id == \"$W\") | .dup]")" "[false,true]" "the same webhook-id again; the receiver deduplicates"

# --- (c) a hanging receiver holds up neither ingest, nor the page, nor another subscription ---------
sub s3 --corridor lachin --events disruption.started
S3=$SUB
mode s3 hang
report "$(dis electricity d3 'Town C')" "electricity disruption"
until_ok "s3's delivery hanging" 'test "$(arrivals s3)" -ge 1'
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"rafah\",\"date\":\"$(TZ=Asia/Gaza date +%F)\",\"trucks\":450}"
expect_status 201 "ingest while a delivery hangs"
for p in / /corridors/lachin /api/v1/status; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SW_URL$p")
	expect_eq "$code" "200" "$p within 2 s while a delivery hangs"
done
s1_done() { [ "$(sql "SELECT count(*) FROM supplywatch.webhook_outbox WHERE webhook = $S1 AND event = 'disruption.started' AND delivered_at IS NULL")" = 0 ]; }
until_ok "s1 delivered while s3 hangs" 's1_done'
expect_eq "$(sql "SELECT count(*) FROM supplywatch.webhook_outbox WHERE webhook = $S3 AND delivered_at IS NULL")" "1" "s3 still pending meanwhile"
# SIGTERM with a delivery hanging: the daemon stops promptly, cleanly.
kill -TERM "$DAEMON_PID"
until_ok "the daemon stopping" 'sh -c "! kill -0 $DAEMON_PID 2>/dev/null"'
wait "$DAEMON_PID"
expect_eq "$?" "0" "clean exit with a delivery hanging"
mode s3 ok
start_a
delivered 14

# --- (d) two daemons on one database: each event delivered once; the survivor takes over -----------
BASE=$(sql "SELECT max(id) FROM supplywatch.webhook_outbox")
start_daemon "$WORK/daemon-b.log"
B_PID=$PID
B_URL=$URL
report "$(dis internet d4 'Town D')" "internet disruption"
delivered 17
report "$(dis internet d4 'Town D' ended)" "internet disruption ended"
delivered 19
expect_eq "$(grep -c 'this daemon decides and delivers' "$WORK/daemon-b.log")" "0" "B waits while A delivers"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=$B_PID
SW_URL=$B_URL
B_PID=""
report "$(dis fuel d5 'Town E')" "fuel disruption, to B"
until_ok "B takes over" 'grep -q "this daemon decides and delivers" "$WORK/daemon-b.log"'
delivered 22

# --- every message: delivered exactly once after deduplication, in order, signed --------------------
for s in s1 s2 s3; do
	id=$(eval echo "\$$(echo "$s" | tr a-z A-Z)")
	expect_eq "$(rlog "[.[] | select(.name == \"$s\" and (.dup | not)) | .id]")" \
		"$(sql "SELECT coalesce(json_agg(msg_id ORDER BY id), '[]') FROM supplywatch.webhook_outbox WHERE webhook = $id" | jq -c .)" \
		"$s: each message once, in outbox order"
done
expect_eq "$(rlog '[.[] | select(.name == "s1" and (.dup | not)) | .body | fromjson | .type] | .[4:]')" \
	'["disruption.started","disruption.ended","disruption.started","corridor.status_changed","disruption.started","disruption.ended","disruption.started"]' "s1: the later events"
expect_eq "$(rlog '[.[] | select(.name == "s3" and (.dup | not)) | .body | fromjson | [.type, .data.location]]')" \
	'[["disruption.started","Town C"],["disruption.started","Town D"],["disruption.started","Town E"]]' "s3: its corridor and event only"
expect_eq "$(rlog '[.[] | select(.valid | not)] | length')" "0" "every signature valid, every timestamp fresh"
# With two daemons up, every message came exactly once, duplicates included: one deliverer.
LATER=$(sql "SELECT coalesce(json_agg(msg_id), '[]') FROM supplywatch.webhook_outbox WHERE id > $BASE")
expect_eq "$(jq -s -c --argjson ids "$LATER" '[.[] | select(.id as $i | $ids | index($i))] | length' "$RCV/log")" \
	"$(jq 'length' <<<"$LATER")" "two daemons: each message arrived once, no duplicate"
expect_eq "$(jq 'length' <<<"$LATER")" "8" "the eight messages decided with two daemons up"
expect_eq "$(sql "SELECT count(*) FROM (SELECT msg_id FROM supplywatch.webhook_outbox GROUP BY msg_id HAVING count(*) > 1) d")" "0" "msg ids unique"
expect_eq "$(oldest)" "0" "nothing pending: 0 in /metrics"
expect_eq "$(counted delivered)" "3" "B counted its own three deliveries"
sw_stop

# --- retention: webhooks.keep_days deletes delivered messages, and those of removed
# subscriptions, once they are older; an active subscription's pending ones stay -------
TOTAL=$(rows)
sql "UPDATE supplywatch.webhook_outbox SET delivered_at = now() - interval '3 days' WHERE id <= 3"
sql "INSERT INTO supplywatch.webhook_outbox (webhook, msg_id, event, corridor_id, body, created_at, next_attempt_at)
     VALUES ($S1, 'msg_old_pending', 'source.silent', 'lachin', '{}', now() - interval '5 days', now() + interval '1 day'),
            (1, 'msg_old_removed', 'source.silent', 'lachin', '{}', now() - interval '5 days', now() + interval '1 day'),
            (1, 'msg_new_removed', 'source.silent', 'lachin', '{}', now(), now() + interval '1 day')"
write_config "$WORK/daemon.conf" "dbname=$DB user=sw_test_daemon" "webhooks = { allow_private = true; keep_days = 2; };"
start_a
until_ok "old rows pruned when the lock is taken" 'test "$(rows)" = "$((TOTAL - 3 + 2))"'
expect_eq "$(sql "SELECT string_agg(msg_id, ',' ORDER BY msg_id) FROM supplywatch.webhook_outbox WHERE msg_id LIKE 'msg\_%\_%'")" \
	"msg_new_removed,msg_old_pending" "what retention keeps"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.webhook_outbox WHERE id <= 3")" "0" "delivered long ago: deleted"
expect_contains "$WORK/daemon.log" "webhooks: 4 outbox rows older than 2 days deleted" "the pruning logged"
sw_stop

# --- (f) text in the subscription's language: a throwaway Armenian catalogue (status.locale_dir)
# and lachin's Armenian name; --lang checked against status.languages; a language the
# configuration drops falls back to the default --------------------------------------------
mkdir -p "$WORK/locale/hy/LC_MESSAGES"
cat >"$WORK/hy.po" <<'PO'
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgctxt "service in a sentence"
msgid "gas"
msgstr "գազ"

msgid "%s: %s disruption began in %s."
msgstr "%1$s. %3$s-ում ընդհատվել է %2$s-ի մատակարարումը։"
PO
msgfmt --check-format -o "$WORK/locale/hy/LC_MESSAGES/supplywatch.mo" "$WORK/hy.po" || fail "msgfmt hy.po"
with_hy() {	# FILE: status.languages en and hy, and lachin's name in Armenian
	sed -i -e "s|^status = { |status = { languages = [ \"en\", \"hy\" ]; locale_dir = \"$WORK/locale\"; |" \
		-e 's|{ id = "lachin"; name = "Lachin corridor";|& names = { hy = "Լաչինի միջանցք"; };|' "$1"
}
write_config "$WORK/daemon.conf" "dbname=$DB user=sw_test_daemon" "$EXTRA"
with_hy "$WORK/daemon.conf"
with_hy "$WORK/cli-private.conf"
cli_err 1 '--lang "ru" is not a language this installation serves (status.languages: en, hy)' add "$H/x" --lang ru
sub s4 --format text --lang hy --corridor lachin --events disruption.started,disruption.ended
S4=$SUB
sub s5 --format text --corridor lachin --events disruption.started,disruption.ended
S5=$SUB
expect_eq "$(pcli list | awk -F '\t' -v a="$S4" -v b="$S5" '$1 == a || $1 == b {print $5 "/" $6}' | paste -sd ' ')" \
	"text/hy text/-" "list: the language, - for none"
BASE=$(sql "SELECT max(id) FROM supplywatch.webhook_outbox")
start_a
report "$(dis gas d6 'Town F')" "gas disruption in Town F"
until_ok "s4 and s5 answered" 'test "$(arrivals s4)" = 1 && test "$(arrivals s5)" = 1'
expect_eq "$(rlog '[.[] | select(.name == "s4") | .body | fromjson | .text]')" \
	'["Լաչինի միջանցք. Town F-ում ընդհատվել է գազ-ի մատակարարումը։"]' "s4: in Armenian, with the corridor's Armenian name"
expect_eq "$(rlog '[.[] | select(.name == "s5") | .body | fromjson | .text]')" \
	'["Lachin corridor: gas disruption began in Town F."]' "s5: no language, the default one"
expect_eq "$(sql "SELECT string_agg(webhook || ':' || coalesce(lang, '-'), ',' ORDER BY webhook) FROM analytics.webhook_deliveries WHERE id > $BASE")" \
	"$S1:-,$S2:en,$S3:-,$S4:hy,$S5:en" "analytics.webhook_deliveries: the language each text was written in"
sw_stop
write_config "$WORK/daemon.conf" "dbname=$DB user=sw_test_daemon" "$EXTRA"	# hy no longer served
start_a
report "$(dis gas d6 'Town F' ended)" "gas disruption in Town F ended"
until_ok "s4's second message" 'test "$(arrivals s4)" = 2'
expect_eq "$(rlog '[.[] | select(.name == "s4") | .body | fromjson | .text] | .[1]')" \
	'"Lachin corridor: gas disruption in Town F has ended."' "s4: its language dropped from status.languages, the default one"
expect_contains "$WORK/daemon.log" "webhooks: subscription $S4 asks for language \"hy\", which status.languages does not list; its message is in en" "the fallback logged"
expect_eq "$(pcli list | awk -F '\t' -v a="$S4" '$1 == a {print $6}')" "hy" "the subscription keeps its language"
expect_eq "$(rlog '[.[] | select(.valid | not)] | length')" "0" "every signature valid"
sw_stop
