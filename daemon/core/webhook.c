#include "core/webhook.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "util/fmt.h"
#include "util/valid.h"

const char *const webhook_event_names[] = {
	"corridor.status_changed", "blockade.started", "blockade.ended",
	"disruption.started", "disruption.ended", "source.silent", "webhook.test", NULL
};

const char *const webhook_format_names[] = { "standard", "text", NULL };

int webhook_parse_events(const char *list, unsigned *mask, struct strbuf *err)
{
	const char *p = list;

	*mask = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char name[64];
		int e = -1;

		if (len && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			e = enum_index(name, webhook_event_names);
		}
		if (e < 0 || e >= WH_NEVENTS) {
			sb_addf(err, "unknown event \"%.*s\" (events: corridor.status_changed, blockade.started, "
				"blockade.ended, disruption.started, disruption.ended, source.silent)",
				len > 64 ? 64 : (int)len, p);
			return -1;
		}
		*mask |= 1u << e;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* ---- state ---------------------------------------------------------------------- */

void wh_state_set(struct wh_state *s, const char *key, const char *value)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->kv[i].key, key) == 0) {
			free(s->kv[i].value);
			s->kv[i].value = xstrdup(value);
			return;
		}
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 8;
		s->kv = xrealloc(s->kv, s->alloc * sizeof(*s->kv));
	}
	s->kv[s->n].key = xstrdup(key);
	s->kv[s->n].value = xstrdup(value);
	s->n++;
}

const char *wh_state_get(const struct wh_state *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->kv[i].key, key) == 0)
			return s->kv[i].value;
	return NULL;
}

void wh_state_free(struct wh_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->kv[i].key);
		free(s->kv[i].value);
	}
	free(s->kv);
	memset(s, 0, sizeof(*s));
}

/* ---- chat markup ---------------------------------------------------------------- */

#define ZWSP "\xe2\x80\x8b"	/* U+200B ZERO WIDTH SPACE */

void webhook_chat_escape(struct strbuf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': sb_addstr(out, "&amp;"); break;
		case '<': sb_addstr(out, "&lt;"); break;
		case '>': sb_addstr(out, "&gt;"); break;
		case '@': sb_addstr(out, "@" ZWSP); break;
		case '\\': case '*': case '_': case '~': case '`': case '[': case ']':
		case '(': case ')': case '|': case '#': case '!': case '{': case '}':
			sb_addch(out, '\\');
			sb_addch(out, (char)*p);
			break;
		case ':':
			sb_addch(out, ':');
			if (p[1] == '/' && p[2] == '/')
				sb_addstr(out, ZWSP);
			break;
		case '.':
			/* "evil.example/login" is a link to chat clients, scheme or not. */
			sb_addch(out, '.');
			if ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') ||
			    (p[1] >= '0' && p[1] <= '9'))
				sb_addstr(out, ZWSP);
			break;
		default:
			sb_addch(out, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
		}
	}
}

/* ---- events ----------------------------------------------------------------------- */

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_string(v));
}

/* A new event about f's corridor (none: NULL), its data begun; the caller fills in the rest. */
static struct wh_event *add_event(struct wh_events *out, enum webhook_event type, const struct wh_facts *f)
{
	struct wh_event *ev;

	if (out->n == out->alloc) {
		out->alloc = out->alloc ? 2 * out->alloc : 4;
		out->ev = xrealloc(out->ev, out->alloc * sizeof(*out->ev));
	}
	ev = &out->ev[out->n++];
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->data = json_object();
	if (f) {
		ev->corridor = f->corridor;
		set_str(ev->data, "corridor", f->corridor->id);
		set_str(ev->data, "corridor_name", f->corridor->name);
	}
	return ev;
}

void wh_events_free(struct wh_events *e)
{
	for (size_t i = 0; i < e->n; i++)
		json_decref(e->ev[i].data);
	free(e->ev);
	memset(e, 0, sizeof(*e));
}

void webhook_facts(const struct corridor_eval *e, struct wh_facts *out)
{
	memset(out, 0, sizeof(*out));
	out->corridor = e->data->c;
	out->status = e->n ? e->days[e->n - 1].status : ST_UNKNOWN;
	out->blockade = e->blockade.ongoing;
	out->blockade_since = e->blockade.since;
	out->blockade_day = e->blockade.day_n;
	out->dis = e->ongoing;
	out->ndis = e->nongoing;
}

static void decide_status(const struct wh_state *prev, const struct wh_facts *f,
			  struct wh_state *next, struct wh_events *out)
{
	const char *was = wh_state_get(prev, "status"), *now = status_name(f->status);
	struct wh_event *ev;

	wh_state_set(next, "status", now);
	if (!was || strcmp(was, now) == 0)
		return;
	ev = add_event(out, WH_STATUS_CHANGED, f);
	set_str(ev->data, "from", was);
	set_str(ev->data, "to", now);
	json_object_set_new(ev->data, "blockade_day", f->blockade ? json_integer(f->blockade_day) : json_null());
}

static void decide_blockade(const struct wh_state *prev, const struct wh_facts *f,
			    struct wh_state *next, struct wh_events *out)
{
	const char *was = wh_state_get(prev, "blockade");
	char since[FMT_DATE_LEN], buf[24];
	struct wh_event *ev;
	int64_t d;

	if (f->blockade) {
		snprintf(buf, sizeof(buf), "%lld", (long long)f->blockade_since);
		wh_state_set(next, "blockade", buf);
		if (was)
			return;
		fmt_date(f->blockade_since, since);
		ev = add_event(out, WH_BLOCKADE_STARTED, f);
		ev->when = f->blockade_since;
		set_str(ev->data, "since", since);
		json_object_set_new(ev->data, "day", json_integer(f->blockade_day));
	} else if (was && parse_int64(was, &d)) {
		fmt_date(d, since);
		ev = add_event(out, WH_BLOCKADE_ENDED, f);
		ev->when = d;
		set_str(ev->data, "since", since);
	}
}

/* "dis:" service US location: one merged disruption's key. */
static void dis_key(struct strbuf *k, const char *service, const char *location)
{
	sb_reset(k);
	sb_addf(k, "dis:%s\x1f%s", service, location);
}

static void disruption_event(struct wh_events *out, const struct wh_facts *f, bool started,
			     const char *service, const char *location, int64_t since, int offset)
{
	char at[FMT_INSTANT_LEN];
	struct wh_event *ev = add_event(out, started ? WH_DISRUPTION_STARTED : WH_DISRUPTION_ENDED, f);

	fmt_instant_local(since, offset, at);
	set_str(ev->data, "service", service);
	set_str(ev->data, "location", location);
	set_str(ev->data, "since", at);
}

static void decide_disruptions(const struct wh_state *prev, const struct wh_facts *f,
			       struct wh_state *next, struct wh_events *out)
{
	struct strbuf k = STRBUF_INIT;
	char v[48];

	for (size_t i = 0; i < f->ndis; i++) {
		const struct ongoing *o = &f->dis[i];

		dis_key(&k, o->service_name, o->location);
		snprintf(v, sizeof(v), "%lld %d", (long long)o->since, o->since_offset);
		wh_state_set(next, k.buf, v);
		if (!wh_state_get(prev, k.buf))
			disruption_event(out, f, true, o->service_name, o->location, o->since, o->since_offset);
	}
	/* Those seen before and not now have ended. */
	for (size_t i = 0; i < prev->n; i++) {
		const char *key = prev->kv[i].key, *us;
		long long since = 0;
		int offset = 0;
		char service[64];

		if (strncmp(key, "dis:", 4) != 0 || wh_state_get(next, key) || !(us = strchr(key, '\x1f')) ||
		    (size_t)(us - key - 4) >= sizeof(service))
			continue;
		memcpy(service, key + 4, (size_t)(us - key - 4));
		service[us - key - 4] = '\0';
		if (sscanf(prev->kv[i].value, "%lld %d", &since, &offset) != 2)
			continue;
		disruption_event(out, f, false, service, us + 1, since, offset);
	}
	sb_release(&k);
}

static void decide_silent(const struct wh_state *prev, const struct wh_facts *f,
			  struct wh_state *next, struct wh_events *out)
{
	struct strbuf k = STRBUF_INIT;

	for (size_t i = 0; i < f->norgs; i++) {
		const struct wh_org *o = &f->orgs[i];
		char at[FMT_INSTANT_LEN], v[24];
		struct wh_event *ev;

		/* Silence is a state: it ends (and is forgotten) when the organisation reports. */
		if (f->now - o->last_report_at <= f->silent_after_s)
			continue;
		sb_reset(&k);
		sb_addf(&k, "silent:%s", o->slug);
		snprintf(v, sizeof(v), "%lld", (long long)o->last_report_at);
		wh_state_set(next, k.buf, v);
		if (wh_state_get(prev, k.buf))
			continue;
		ev = add_event(out, WH_SOURCE_SILENT, f);
		ev->when = o->last_report_at;
		fmt_instant_utc(o->last_report_at, at);
		set_str(ev->data, "organisation", o->slug);
		set_str(ev->data, "organisation_name", o->name);
		set_str(ev->data, "last_report_at", at);
		json_object_set_new(ev->data, "silent_hours", json_integer((f->now - o->last_report_at) / 3600));
	}
	sb_release(&k);
}

void webhook_decide(const struct wh_state *prev, const struct wh_facts *f,
		    struct wh_state *next, struct wh_events *out)
{
	/* Never seen: record what is, announce nothing. */
	struct wh_events ignored = { 0 };
	struct wh_events *to = wh_state_get(prev, "init") ? out : &ignored;

	wh_state_set(next, "init", "1");
	decide_status(prev, f, next, to);
	decide_blockade(prev, f, next, to);
	decide_disruptions(prev, f, next, to);
	decide_silent(prev, f, next, to);
	wh_events_free(&ignored);
}

void webhook_test_event(int id, struct wh_events *out)
{
	json_object_set_new(add_event(out, WH_TEST, NULL)->data, "webhook", json_integer(id));
}

/* ---- the text format, in a language ------------------------------------------------ */

const struct lang *webhook_lang(struct lang *const *langs, size_t n, const char *code)
{
	for (size_t i = 0; code && i < n; i++)
		if (strcmp(langs[i]->code, code) == 0)
			return langs[i];
	return n ? langs[0] : &i18n_english;
}

/* Inert copies of outside strings for one sentence; freed together. */
struct inert {
	struct strbuf b[4];
	int n;
};

static const char *inert(struct inert *in, const char *s)
{
	struct strbuf *b = &in->b[in->n++];

	sb_init(b);
	webhook_chat_escape(b, s);
	return b->buf;
}

static void inert_free(struct inert *in)
{
	for (int i = 0; i < in->n; i++)
		sb_release(&in->b[i]);
	in->n = 0;
}

static const char *str(const struct wh_event *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev->data, key));

	return s ? s : "";
}

static int64_t num(const struct wh_event *ev, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(ev->data, key));
}

/* c: the corridor's name in L, made inert, as in every sentence below. */
static void say_status(struct strbuf *out, const struct wh_event *ev, const struct lang *L, const char *c)
{
	/* The words are marked for translators where they are defined (core/rules.c). */
	const char *from = trp(L, "status", str(ev, "from")), *to = trp(L, "status", str(ev, "to"));
	char day[I18N_NUM_LEN];

	if (json_is_integer(json_object_get(ev->data, "blockade_day"))) {
		/*
		 * TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s and %3$s its
		 * status before and after (context "status": open, restricted,
		 * blocked, unknown); %4$s which day of the ongoing blockade today is.
		 */
		sb_addf(out, tr(L, "%s: status changed from %s to %s (day %s of the blockade)."), c, from, to,
			i18n_int(L, num(ev, "blockade_day"), day));
	} else {
		/*
		 * TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s and %3$s its
		 * status before and after (context "status").
		 */
		sb_addf(out, tr(L, "%s: status changed from %s to %s."), c, from, to);
	}
}

static void say_blockade(struct strbuf *out, const struct wh_event *ev, const struct lang *L, const char *c)
{
	char date[I18N_DATE_LEN], day[I18N_NUM_LEN];

	i18n_date(L, ev->when, date);
	if (ev->type == WH_BLOCKADE_STARTED) {
		/*
		 * TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s the date
		 * the blockade began (6 December 2026); %3$s which day of it today is,
		 * 1 on its first day.
		 */
		sb_addf(out, tr(L, "%s: a blockade began on %s (day %s)."), c, date, i18n_int(L, num(ev, "day"), day));
	} else {
		/* TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s the date the blockade began. */
		sb_addf(out, tr(L, "%s: the blockade that began on %s has ended."), c, date);
	}
}

static void say_disruption(struct strbuf *out, const struct wh_event *ev, const struct lang *L, const char *c,
			   struct inert *in)
{
	/* The services are marked for translators where they are defined (core/report.c). */
	const char *s = inert(in, trp(L, "service in a sentence", str(ev, "service"))), *where = str(ev, "location");

	if (ev->type == WH_DISRUPTION_STARTED && *where) {
		/*
		 * TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s a service
		 * (context "service in a sentence": gas, electricity, water...); %3$s a place, as a
		 * reporter wrote it.
		 */
		sb_addf(out, tr(L, "%s: %s disruption began in %s."), c, s, inert(in, where));
	} else if (ev->type == WH_DISRUPTION_STARTED) {
		/* TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s a service (context "service in a sentence"). */
		sb_addf(out, tr(L, "%s: %s disruption began."), c, s);
	} else if (*where) {
		/*
		 * TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s a service
		 * (context "service in a sentence"); %3$s a place, as a reporter wrote it.
		 */
		sb_addf(out, tr(L, "%s: %s disruption in %s has ended."), c, s, inert(in, where));
	} else {
		/* TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s a service (context "service in a sentence"). */
		sb_addf(out, tr(L, "%s: %s disruption has ended."), c, s);
	}
}

static void say_silent(struct strbuf *out, const struct wh_event *ev, const struct lang *L, const char *c,
		       struct inert *in)
{
	int64_t hours = num(ev, "silent_hours");
	char n[I18N_NUM_LEN], at[I18N_DATE_LEN];

	/*
	 * TRANSLATORS: a chat message.  %1$s a corridor's name; %2$s an
	 * organisation's name; %3$s the hours since its last report on the
	 * corridor; %4$s when that was (6 December 2026, 13:21 UTC).
	 */
	sb_addf(out, trn(L, "%s: no report from %s for %s hour (the last was on %s).",
			 "%s: no report from %s for %s hours (the last was on %s).", (uint64_t)hours),
		c, inert(in, str(ev, "organisation_name")), i18n_int(L, hours, n), i18n_utc(L, ev->when, at));
}

static void say_test(struct strbuf *out, const struct wh_event *ev, const struct lang *L)
{
	struct strbuf id = STRBUF_INIT;
	char n[24];

	snprintf(n, sizeof(n), "%lld", (long long)num(ev, "webhook"));
	i18n_add_digits(&id, L, n);
	/* TRANSLATORS: the chat message `supplywatch webhook test` sends; %s the subscription's number. */
	sb_addf(out, tr(L, "supplywatch: test message for webhook %s."), id.buf);
	sb_release(&id);
}

void webhook_text(struct strbuf *out, const struct wh_event *ev, const struct lang *L)
{
	struct inert in = { 0 };
	const char *c = ev->corridor ? inert(&in, corridor_name(ev->corridor, L)) : "";

	switch (ev->type) {
	case WH_STATUS_CHANGED: say_status(out, ev, L, c); break;
	case WH_BLOCKADE_STARTED: case WH_BLOCKADE_ENDED: say_blockade(out, ev, L, c); break;
	case WH_DISRUPTION_STARTED: case WH_DISRUPTION_ENDED: say_disruption(out, ev, L, c, &in); break;
	case WH_SOURCE_SILENT: say_silent(out, ev, L, c, &in); break;
	case WH_TEST: say_test(out, ev, L); break;
	}
	inert_free(&in);
}

char *webhook_body(const struct wh_event *ev, enum webhook_format format, const struct lang *L, int64_t now)
{
	struct strbuf text = STRBUF_INIT;
	char at[FMT_INSTANT_LEN];
	json_t *o;
	char *s;

	if (format == WH_TEXT) {
		webhook_text(&text, ev, L);
		o = json_pack("{s:s}", "text", text.buf);
	} else {
		fmt_instant_utc(now, at);
		o = json_pack("{s:s,s:s,s:O}", "type", webhook_event_names[ev->type], "timestamp", at,
			      "data", ev->data);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	sb_release(&text);
	if (!s)
		abort();	/* only on running out of memory */
	return s;
}

/* ---- signatures ------------------------------------------------------------------- */

void webhook_new_secret(char out[WEBHOOK_SECRET_LEN + 1])
{
	unsigned char key[32];

	randombytes_buf(key, sizeof(key));
	memcpy(out, "whsec_", 6);
	sodium_bin2base64(out + 6, WEBHOOK_SECRET_LEN - 6 + 1, key, sizeof(key),
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof(key));
}

void webhook_new_msg_id(char out[WEBHOOK_MSG_ID_LEN + 1])
{
	unsigned char r[16];

	randombytes_buf(r, sizeof(r));
	memcpy(out, "msg_", 4);
	sodium_bin2hex(out + 4, 33, r, sizeof(r));
}

int webhook_sign(const char *secret, const char *msg_id, int64_t timestamp,
		 const char *body, size_t len, char out[WEBHOOK_SIG_LEN + 1])
{
	unsigned char key[128], mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	size_t keylen = 0;
	char ts[24];

	if (strncmp(secret, "whsec_", 6) == 0)
		secret += 6;
	if (sodium_base642bin(key, sizeof(key), secret, strlen(secret), NULL, &keylen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || keylen == 0)
		return -1;
	snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg_id, strlen(msg_id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(key, sizeof(key));
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, WEBHOOK_SIG_LEN - 3 + 1, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

/* ---- targets ---------------------------------------------------------------------- */

static bool v4_private(const unsigned char a[4])
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
	       (a[0] == 100 && (a[1] & 0xc0) == 64) ||		/* 100.64/10, shared */
	       (a[0] == 169 && a[1] == 254) ||
	       (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	       (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 192 && a[1] == 0 && a[2] == 0) ||	/* IETF protocol assignments */
	       (a[0] == 198 && (a[1] & 0xfe) == 18) ||		/* benchmarking */
	       a[0] >= 224;					/* multicast, reserved, broadcast */
}

bool webhook_ip_private(const char *ip)
{
	unsigned char a[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char zero[16] = { 0 };

	if (inet_pton(AF_INET, ip, a) == 1)
		return v4_private(a);
	if (inet_pton(AF_INET6, ip, a) != 1)
		return true;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_private(a + 12);
	/* 6to4 (2002::/16) carries an IPv4 address in bits 16-47. */
	if (a[0] == 0x20 && a[1] == 0x02)
		return v4_private(a + 2);
	/* Teredo (2001:0::/32) carries the client's, inverted, in the last 32 bits. */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) {
		unsigned char v4[4] = { (unsigned char)~a[12], (unsigned char)~a[13],
					(unsigned char)~a[14], (unsigned char)~a[15] };

		return v4_private(v4) || v4_private(a + 4);
	}
	if (memcmp(a, zero, 15) == 0)				/* :: and ::1 */
		return true;
	if (memcmp(a, zero, 12) == 0)				/* IPv4-compatible, deprecated */
		return true;
	return (a[0] & 0xfe) == 0xfc ||				/* fc00::/7, unique local */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||	/* fe80::/10, link-local */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||	/* fec0::/10, site-local */
	       a[0] == 0xff ||					/* multicast */
	       (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8);	/* documentation */
}
