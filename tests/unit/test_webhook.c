/*
 * Webhooks: event names, the decider, message bodies (text in a language,
 * from a catalogue msgfmt compiles here), chat escaping, signatures, targets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "core/rules.h"
#include "core/webhook.h"
#include "unit_config.h"

static struct sw_corridor lachin = { .id = "lachin", .name = "Lachin corridor" };
static struct strbuf said = STRBUF_INIT;

/* ev's text-format sentence in L (valid until the next call). */
static const char *text(const struct wh_event *ev, const struct lang *L)
{
	sb_reset(&said);
	webhook_text(&said, ev, L);
	return said.buf;
}

static const char *en(const struct wh_event *ev)
{
	return text(ev, &i18n_english);
}

static void parses_event_lists(void **st)
{
	struct strbuf err = STRBUF_INIT;
	unsigned m;

	(void)st;
	assert_int_equal(webhook_parse_events("blockade.started,source.silent", &m, &err), 0);
	assert_int_equal(m, (1u << WH_BLOCKADE_STARTED) | (1u << WH_SOURCE_SILENT));
	assert_int_equal(webhook_parse_events("corridor.status_changed", &m, &err), 0);
	assert_int_equal(m, 1u << WH_STATUS_CHANGED);
	assert_int_equal(webhook_parse_events("blockade.started,blockade.begun", &m, &err), -1);
	assert_non_null(strstr(err.buf, "unknown event \"blockade.begun\""));
	sb_reset(&err);
	assert_int_equal(webhook_parse_events("webhook.test", &m, &err), -1);
	assert_int_equal(webhook_parse_events("", &m, &err), -1);
	assert_int_equal(webhook_parse_events("source.silent,", &m, &err), -1);
	sb_release(&err);
}

static struct wh_facts facts(int status)
{
	struct wh_facts f;

	memset(&f, 0, sizeof(f));
	f.corridor = &lachin;
	f.status = status;
	f.now = 1700000000;
	f.silent_after_s = 24 * 3600;
	return f;
}

/* Runs the decider from *state, keeps the new state; returns the events. */
static struct wh_events step(struct wh_state *state, const struct wh_facts *f)
{
	struct wh_state next = { 0 };
	struct wh_events ev = { 0 };

	webhook_decide(state, f, &next, &ev);
	wh_state_free(state);
	*state = next;
	return ev;
}

static void first_sight_announces_nothing(void **st)
{
	struct ongoing dis = { "gas", "Stepanakert", 1699990000, 14400, 19675, 1, -1, 1 };
	struct wh_org org = { "ngo-a", "NGO A", 1600000000 };
	struct wh_facts f = facts(ST_BLOCKED);
	struct wh_state s = { 0 };
	struct wh_events ev;

	(void)st;
	f.blockade = true;
	f.blockade_since = 19670;
	f.blockade_day = 6;
	f.dis = &dis;
	f.ndis = 1;
	f.orgs = &org;
	f.norgs = 1;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 0);
	assert_string_equal(wh_state_get(&s, "status"), "blocked");
	assert_string_equal(wh_state_get(&s, "blockade"), "19670");
	assert_non_null(wh_state_get(&s, "silent:ngo-a"));
	wh_events_free(&ev);
	/* Nothing changed: nothing to say. */
	ev = step(&s, &f);
	assert_int_equal(ev.n, 0);
	wh_events_free(&ev);
	wh_state_free(&s);
}

static void status_and_blockade(void **st)
{
	struct wh_facts f = facts(ST_RESTRICTED);
	struct wh_state s = { 0 };
	struct wh_events ev = step(&s, &f);
	char *body;

	(void)st;
	wh_events_free(&ev);
	f.status = ST_BLOCKED;
	f.blockade = true;
	f.blockade_since = 19327;	/* 2022-12-01 */
	f.blockade_day = 12;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 2);
	assert_int_equal(ev.ev[0].type, WH_STATUS_CHANGED);
	assert_string_equal(en(&ev.ev[0]),
			    "Lachin corridor: status changed from restricted to blocked (day 12 of the blockade).");
	body = webhook_body(&ev.ev[0], WH_STANDARD, &i18n_english, 1700000000);
	assert_string_equal(body, "{\"type\":\"corridor.status_changed\",\"timestamp\":\"2023-11-14T22:13:20Z\","
			    "\"data\":{\"corridor\":\"lachin\",\"corridor_name\":\"Lachin corridor\","
			    "\"from\":\"restricted\",\"to\":\"blocked\",\"blockade_day\":12}}");
	free(body);
	assert_int_equal(ev.ev[1].type, WH_BLOCKADE_STARTED);
	assert_string_equal(en(&ev.ev[1]), "Lachin corridor: a blockade began on 1 December 2022 (day 12).");
	body = webhook_body(&ev.ev[1], WH_TEXT, &i18n_english, 1700000000);
	assert_string_equal(body, "{\"text\":\"Lachin corridor: a blockade began on 1 December 2022 (day 12).\"}");
	free(body);
	wh_events_free(&ev);
	f.status = ST_OPEN;
	f.blockade = false;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 2);
	assert_string_equal(en(&ev.ev[0]), "Lachin corridor: status changed from blocked to open.");
	assert_int_equal(ev.ev[1].type, WH_BLOCKADE_ENDED);
	assert_string_equal(en(&ev.ev[1]), "Lachin corridor: the blockade that began on 1 December 2022 has ended.");
	body = webhook_body(&ev.ev[1], WH_STANDARD, &i18n_english, 1700000000);
	assert_string_equal(body, "{\"type\":\"blockade.ended\",\"timestamp\":\"2023-11-14T22:13:20Z\","
			    "\"data\":{\"corridor\":\"lachin\",\"corridor_name\":\"Lachin corridor\",\"since\":\"2022-12-01\"}}");
	free(body);
	wh_events_free(&ev);
	wh_state_free(&s);
}

static void disruptions(void **st)
{
	struct ongoing d[2] = { { "gas", "Stepanakert", 1672718400, 14400, 19360, 3, -1, 1 },
				{ "water", "", 1672800000, 14400, 19361, 2, -1, 1 } };
	struct wh_facts f = facts(ST_OPEN);
	struct wh_state s = { 0 };
	struct wh_events ev = step(&s, &f);
	char *body;

	(void)st;
	wh_events_free(&ev);
	f.dis = d;
	f.ndis = 2;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 2);
	assert_string_equal(en(&ev.ev[0]), "Lachin corridor: gas disruption began in Stepanakert.");
	assert_string_equal(en(&ev.ev[1]), "Lachin corridor: water disruption began.");
	body = webhook_body(&ev.ev[0], WH_STANDARD, &i18n_english, 1700000000);
	assert_string_equal(body, "{\"type\":\"disruption.started\",\"timestamp\":\"2023-11-14T22:13:20Z\","
			    "\"data\":{\"corridor\":\"lachin\",\"corridor_name\":\"Lachin corridor\",\"service\":\"gas\","
			    "\"location\":\"Stepanakert\",\"since\":\"2023-01-03T08:00:00+04:00\"}}");
	free(body);
	wh_events_free(&ev);
	f.dis = &d[1];
	f.ndis = 1;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 1);
	assert_int_equal(ev.ev[0].type, WH_DISRUPTION_ENDED);
	assert_string_equal(en(&ev.ev[0]), "Lachin corridor: gas disruption in Stepanakert has ended.");
	assert_string_equal(json_string_value(json_object_get(ev.ev[0].data, "since")), "2023-01-03T08:00:00+04:00");
	wh_events_free(&ev);
	wh_state_free(&s);
}

static void silence_once_per_silence(void **st)
{
	struct wh_org org = { "ngo-a", "NGO A", 1700000000 - 3600 };
	struct wh_facts f = facts(ST_OPEN);
	struct wh_state s = { 0 };
	struct wh_events ev;

	(void)st;
	f.orgs = &org;
	f.norgs = 1;
	ev = step(&s, &f);
	wh_events_free(&ev);
	f.now += 24 * 3600;	/* 25 h */
	ev = step(&s, &f);
	assert_int_equal(ev.n, 1);
	assert_string_equal(en(&ev.ev[0]), "Lachin corridor: no report from NGO A for 25 hours (the last was on 14 November 2023, 21:13 UTC).");
	assert_int_equal(json_integer_value(json_object_get(ev.ev[0].data, "silent_hours")), 25);
	wh_events_free(&ev);
	f.now += 3600;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 0);
	wh_events_free(&ev);
	/* It reports again: forgotten; silent again later: said again. */
	org.last_report_at = f.now;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 0);
	assert_null(wh_state_get(&s, "silent:ngo-a"));
	wh_events_free(&ev);
	f.now += 30 * 3600;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 1);
	wh_events_free(&ev);
	wh_state_free(&s);
}

/* Reporter text is inert in chat clients: no markup, no mentions, no links, one line. */
static void chat_escape_hostile(void **st)
{
	struct strbuf b = STRBUF_INIT;
	struct wh_events ev = { 0 };
	struct ongoing d = { "gas", "<!channel> *bold* @here [x](http://e)", 1672718400, 14400, 19360, 3, -1, 1 };
	struct wh_facts f = facts(ST_OPEN);
	struct wh_state s = { 0 }, next = { 0 };
	char *body;

	(void)st;
	webhook_chat_escape(&b, "<!channel> *bold* @here [x](http://e)");
	assert_string_equal(b.buf, "&lt;\\!channel&gt; \\*bold\\* @\xe2\x80\x8bhere \\[x\\]\\(http:\xe2\x80\x8b//e\\)");
	sb_reset(&b);
	webhook_chat_escape(&b, "a\nb\r\tc & _d_ ~e~ `f` |g| # h \\ > q");
	assert_string_equal(b.buf, "a b  c &amp; \\_d\\_ \\~e\\~ \\`f\\` \\|g\\| \\# h \\\\ &gt; q");
	sb_reset(&b);
	webhook_chat_escape(&b, "<@U123> <https://evil|click> :smile: caf\xc3\xa9");
	assert_string_equal(b.buf, "&lt;@\xe2\x80\x8bU123&gt; &lt;https:\xe2\x80\x8b//evil\\|click&gt; :smile: caf\xc3\xa9");
	sb_reset(&b);
	/* Bare domains are links too; a final full stop stays as it is. */
	webhook_chat_escape(&b, "see evil.example/login, 3.5 t.");
	assert_string_equal(b.buf, "see evil.\xe2\x80\x8b" "example/login, 3.\xe2\x80\x8b" "5 t.");
	sb_release(&b);
	/* Through a message: JSON-escaped on top, the quote and backslash too. */
	wh_state_set(&s, "init", "1");
	f.dis = &d;
	f.ndis = 1;
	webhook_decide(&s, &f, &next, &ev);
	assert_int_equal(ev.n, 1);
	body = webhook_body(&ev.ev[0], WH_TEXT, &i18n_english, 0);
	assert_string_equal(body, "{\"text\":\"Lachin corridor: gas disruption began in &lt;\\\\!channel&gt; \\\\*bold\\\\* "
			    "@\xe2\x80\x8bhere \\\\[x\\\\]\\\\(http:\xe2\x80\x8b//e\\\\).\"}");
	free(body);
	/* The standard format carries the reporter's text as it is, JSON-escaped. */
	body = webhook_body(&ev.ev[0], WH_STANDARD, &i18n_english, 0);
	assert_non_null(strstr(body, "\"location\":\"<!channel> *bold* @here [x](http://e)\""));
	free(body);
	wh_events_free(&ev);
	wh_state_free(&s);
	wh_state_free(&next);
}

/* ---- text in a language: a throwaway Armenian catalogue and names per language ---- */

static const char hy_po[] =
	"msgid \"\"\n"
	"msgstr \"\"\n"
	"\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
	"\"Plural-Forms: nplurals=2; plural=(n != 1);\\n\"\n"
	"\n"
	"msgctxt \"status\"\nmsgid \"restricted\"\nmsgstr \"սահմանափակ\"\n\n"
	"msgctxt \"status\"\nmsgid \"blocked\"\nmsgstr \"փակ\"\n\n"
	"msgctxt \"service in a sentence\"\nmsgid \"gas\"\nmsgstr \"գազ\"\n\n"
	"msgctxt \"month in a date\"\nmsgid \"December\"\nmsgstr \"դեկտեմբերի\"\n\n"
	"msgctxt \"month in a date\"\nmsgid \"November\"\nmsgstr \"նոյեմբերի\"\n\n"
	"msgctxt \"date\"\nmsgid \"%s %s %s\"\nmsgstr \"%3$s թ. %2$s %1$s\"\n\n"
	"msgctxt \"thousands separator\"\nmsgid \",\"\nmsgstr \" \"\n\n"
	/* The arguments reordered, as a translation may. */
	"msgid \"%s: status changed from %s to %s (day %s of the blockade).\"\n"
	"msgstr \"%1$s. շրջափակման %4$s-րդ օր. կարգավիճակը՝ %2$s → %3$s։\"\n\n"
	"msgid \"%s: a blockade began on %s (day %s).\"\n"
	"msgstr \"%1$s. շրջափակումը սկսվել է %2$s (%3$s-րդ օր)։\"\n\n"
	"msgid \"%s: %s disruption began in %s.\"\n"
	"msgstr \"%1$s. %3$s-ում ընդհատվել է %2$s-ի մատակարարումը։\"\n";

static char mo_dir[64];

/* Compiles hy_po with msgfmt into mo_dir/hy/LC_MESSAGES/supplywatch.mo. */
static int compile_hy(void)
{
	char cmd[512], po[96];
	FILE *f;

	snprintf(mo_dir, sizeof(mo_dir), "/tmp/sw-unit-mo-XXXXXX");
	if (!mkdtemp(mo_dir))
		return -1;
	snprintf(po, sizeof(po), "%s/hy.po", mo_dir);
	if (!(f = fopen(po, "w")))
		return -1;
	fputs(hy_po, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/hy/LC_MESSAGES && msgfmt --check-format -o %s/hy/LC_MESSAGES/supplywatch.mo %s",
		 mo_dir, mo_dir, po);
	return system(cmd) == 0 ? 0 : -1;
}

static void remove_hy(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", mo_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", mo_dir);
}

/* status.languages en and hy; lachin has an Armenian name (with markup to make inert), rafah none. */
static struct sw_config *hy_config(void)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "status = { languages = [ \"en\", \"hy\" ]; locale_dir = \"%s\"; };\n"
		 "corridors = (\n"
		 "  { id = \"lachin\"; name = \"Lachin corridor\"; baseline_trucks_per_day = 400;\n"
		 "    names = { hy = \"Լաչինի միջանցք (Բերձոր)\"; }; },\n"
		 "  { id = \"rafah\"; name = \"Rafah crossing\"; baseline_trucks_per_day = 500; }\n"
		 ");\n", mo_dir);
	return unit_config_load(text);
}

static void text_in_a_language(void **st)
{
	struct sw_config *cfg;
	const struct lang *hy, *L;
	struct lang *swapped[2];
	struct ongoing dis = { "gas", "Ստեփանակերտ", 1672718400, 14400, 19360, 3, -1, 1 };
	struct wh_org org = { "ngo-a", "NGO A", 1700000000 - 3600 };
	struct wh_state s = { 0 };
	struct wh_facts f;
	struct wh_events ev;
	char *a, *b;

	(void)st;
	assert_int_equal(compile_hy(), 0);
	cfg = hy_config();
	assert_non_null(cfg);
	assert_int_equal(cfg->nlangs, 2);
	hy = cfg->langs[1];
	assert_string_equal(hy->code, "hy");
	/* The subscription's language; none, or one no longer served: the default. */
	assert_ptr_equal(webhook_lang(cfg->langs, cfg->nlangs, "hy"), hy);
	assert_ptr_equal(webhook_lang(cfg->langs, cfg->nlangs, NULL), cfg->langs[0]);
	assert_ptr_equal(webhook_lang(cfg->langs, cfg->nlangs, ""), cfg->langs[0]);
	assert_ptr_equal(webhook_lang(cfg->langs, cfg->nlangs, "ru"), cfg->langs[0]);
	swapped[0] = cfg->langs[1];
	swapped[1] = cfg->langs[0];
	assert_ptr_equal(webhook_lang(swapped, 2, "ru"), hy);

	f = facts(ST_RESTRICTED);
	f.corridor = config_corridor(cfg, "lachin");
	ev = step(&s, &f);
	wh_events_free(&ev);
	f.status = ST_BLOCKED;
	f.blockade = true;
	f.blockade_since = 19327;	/* 2022-12-01 */
	f.blockade_day = 1234;
	f.dis = &dis;
	f.ndis = 1;
	f.orgs = &org;
	f.norgs = 1;
	f.now += 1800 * 3600;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 4);
	L = hy;
	assert_string_equal(text(&ev.ev[0], L), "Լաչինի միջանցք \\(Բերձոր\\). շրջափակման 1 234-րդ օր. "
			    "կարգավիճակը՝ սահմանափակ → փակ։");
	assert_string_equal(text(&ev.ev[1], L), "Լաչինի միջանցք \\(Բերձոր\\). շրջափակումը սկսվել է "
			    "2022 թ. դեկտեմբերի 1 (1 234-րդ օր)։");
	assert_string_equal(text(&ev.ev[2], L), "Լաչինի միջանցք \\(Բերձոր\\). Ստեփանակերտ-ում ընդհատվել է գազ-ի մատակարարումը։");
	/* Not translated: the English sentence, with the names, numbers and dates of the language. */
	assert_string_equal(text(&ev.ev[3], L), "Լաչինի միջանցք \\(Բերձոր\\): no report from NGO A for 1 801 hours "
			    "(the last was on 2023 թ. նոյեմբերի 14, 21:13 UTC).");
	/* The same events in the default language: English, the configured name. */
	assert_string_equal(text(&ev.ev[0], cfg->langs[0]),
			    "Lachin corridor: status changed from restricted to blocked (day 1,234 of the blockade).");
	assert_string_equal(text(&ev.ev[3], cfg->langs[0]),
			    "Lachin corridor: no report from NGO A for 1,801 hours (the last was on 14 November 2023, 21:13 UTC).");
	/* JSON is not translated: the standard format is the same in every language. */
	a = webhook_body(&ev.ev[0], WH_STANDARD, hy, 1700000000);
	b = webhook_body(&ev.ev[0], WH_STANDARD, cfg->langs[0], 1700000000);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "\"corridor_name\":\"Lachin corridor\",\"from\":\"restricted\",\"to\":\"blocked\""));
	free(a);
	free(b);
	a = webhook_body(&ev.ev[2], WH_TEXT, hy, 0);
	assert_string_equal(a, "{\"text\":\"Լաչինի միջանցք \\\\(Բերձոր\\\\). Ստեփանակերտ-ում ընդհատվել է գազ-ի մատակարարումը։\"}");
	free(a);
	wh_events_free(&ev);
	wh_state_free(&s);

	/* A corridor without an Armenian name keeps its configured one; a sentence not translated stays English. */
	f = facts(ST_OPEN);
	f.corridor = config_corridor(cfg, "rafah");
	ev = step(&s, &f);
	wh_events_free(&ev);
	f.status = ST_RESTRICTED;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 1);
	assert_string_equal(text(&ev.ev[0], hy), "Rafah crossing: status changed from open to սահմանափակ.");
	wh_events_free(&ev);
	wh_state_free(&s);
	ev = (struct wh_events){ 0 };
	webhook_test_event(7, &ev);
	assert_string_equal(text(&ev.ev[0], hy), "supplywatch: test message for webhook 7.");
	wh_events_free(&ev);
	unit_config_free(cfg);
	remove_hy();
}

/* One hour is singular in English; the count is written as the language writes numbers. */
static void silent_for_one_hour(void **st)
{
	struct wh_org org = { "ngo-a", "NGO A", 1700000000 - 3600 };
	struct wh_facts f = facts(ST_OPEN);
	struct wh_state s = { 0 };
	struct wh_events ev;

	(void)st;
	f.silent_after_s = 1800;
	wh_state_set(&s, "init", "1");
	f.orgs = &org;
	f.norgs = 1;
	ev = step(&s, &f);
	assert_int_equal(ev.n, 1);
	assert_string_equal(en(&ev.ev[0]), "Lachin corridor: no report from NGO A for 1 hour (the last was on 14 November 2023, 21:13 UTC).");
	wh_events_free(&ev);
	wh_state_free(&s);
}

/*
 * The test vector of the Standard Webhooks reference library:
 * standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py,
 * test_sign_function (the same values as the spec's other libraries' tests).
 */
static void signature_vector(void **st)
{
	char sig[WEBHOOK_SIG_LEN + 1];
	const char *body = "{\"test\": 2432232314}";

	(void)st;
	assert_int_equal(webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
				      1614265330, body, strlen(body), sig), 0);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* Without the prefix too, as the reference library accepts. */
	assert_int_equal(webhook_sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
				      1614265330, body, strlen(body), sig), 0);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	assert_int_equal(webhook_sign("whsec_not base64!", "m", 1, "", 0, sig), -1);
	assert_int_equal(webhook_sign("whsec_", "m", 1, "", 0, sig), -1);
}

static void secrets_and_ids(void **st)
{
	char a[WEBHOOK_SECRET_LEN + 1], b[WEBHOOK_SECRET_LEN + 1], id[WEBHOOK_MSG_ID_LEN + 1];
	char sig[WEBHOOK_SIG_LEN + 1];

	(void)st;
	webhook_new_secret(a);
	webhook_new_secret(b);
	assert_int_equal(strlen(a), WEBHOOK_SECRET_LEN);
	assert_memory_equal(a, "whsec_", 6);
	assert_string_not_equal(a, b);
	assert_int_equal(webhook_sign(a, "msg_x", 1, "{}", 2, sig), 0);
	assert_int_equal(strlen(sig), WEBHOOK_SIG_LEN);
	webhook_new_msg_id(id);
	assert_int_equal(strlen(id), WEBHOOK_MSG_ID_LEN);
	assert_memory_equal(id, "msg_", 4);
}

static void private_targets(void **st)
{
	static const char *const priv[] = { "127.0.0.1", "127.8.9.1", "10.1.2.3", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
		"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1",
		"::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2001:db8::1", "not an address", "",
		/* 6to4 of 127.0.0.1 and 192.168.1.1; Teredo of client 10.0.0.1 (inverted) */
		"2002:7f00:1::1", "2002:c0a8:101::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe", NULL };
	static const char *const pub[] = { "93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1",
		"2606:4700::1111", "::ffff:8.8.8.8", "1.1.1.1", "2002:808:808::1",
		"2001:0:4136:e378:8000:63bf:f7f7:f7f7", NULL };

	(void)st;
	for (int i = 0; priv[i]; i++)
		if (!webhook_ip_private(priv[i]))
			fail_msg("%s should be private", priv[i]);
	for (int i = 0; pub[i]; i++)
		if (webhook_ip_private(pub[i]))
			fail_msg("%s should be public", pub[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_event_lists),
		cmocka_unit_test(first_sight_announces_nothing),
		cmocka_unit_test(status_and_blockade),
		cmocka_unit_test(disruptions),
		cmocka_unit_test(silence_once_per_silence),
		cmocka_unit_test(chat_escape_hostile),
		cmocka_unit_test(text_in_a_language),
		cmocka_unit_test(silent_for_one_hour),
		cmocka_unit_test(signature_vector),
		cmocka_unit_test(secrets_and_ids),
		cmocka_unit_test(private_targets),
	};

	int rc;

	if (sodium_init() < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	sb_release(&said);
	return rc;
}
