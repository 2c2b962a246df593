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

__attribute__((format(printf, 3, 4)))
static void add_event(struct wh_events *out, enum webhook_event type, const char *fmt, ...)
{
	struct strbuf text = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&text, fmt, ap);
	va_end(ap);
	if (out->n == out->alloc) {
		out->alloc = out->alloc ? 2 * out->alloc : 4;
		out->ev = xrealloc(out->ev, out->alloc * sizeof(*out->ev));
	}
	out->ev[out->n].type = type;
	out->ev[out->n].data = json_object();
	out->ev[out->n].text = sb_detach(&text, NULL);
	out->n++;
}

/* The data object of the event just added. */
static json_t *data(struct wh_events *out)
{
	return out->ev[out->n - 1].data;
}

void wh_events_free(struct wh_events *e)
{
	for (size_t i = 0; i < e->n; i++) {
		json_decref(e->ev[i].data);
		free(e->ev[i].text);
	}
	free(e->ev);
	memset(e, 0, sizeof(*e));
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

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_string(v));
}

static void set_corridor(json_t *o, const struct wh_facts *f)
{
	set_str(o, "corridor", f->corridor_id);
	set_str(o, "corridor_name", f->corridor_name);
}

void webhook_facts(const struct corridor_eval *e, struct wh_facts *out)
{
	memset(out, 0, sizeof(*out));
	out->corridor_id = e->data->c->id;
	out->corridor_name = e->data->c->name;
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
	struct inert in = { 0 };

	wh_state_set(next, "status", now);
	if (!was || strcmp(was, now) == 0)
		return;
	if (f->blockade)
		add_event(out, WH_STATUS_CHANGED, "%s: status changed from %s to %s (day %lld of the blockade).",
			  inert(&in, f->corridor_name), was, now, (long long)f->blockade_day);
	else
		add_event(out, WH_STATUS_CHANGED, "%s: status changed from %s to %s.",
			  inert(&in, f->corridor_name), was, now);
	inert_free(&in);
	set_corridor(data(out), f);
	set_str(data(out), "from", was);
	set_str(data(out), "to", now);
	json_object_set_new(data(out), "blockade_day", f->blockade ? json_integer(f->blockade_day) : json_null());
}

static void decide_blockade(const struct wh_state *prev, const struct wh_facts *f,
			    struct wh_state *next, struct wh_events *out)
{
	const char *was = wh_state_get(prev, "blockade");
	char since[FMT_DATE_LEN], buf[24];
	struct inert in = { 0 };
	int64_t d;

	if (f->blockade) {
		snprintf(buf, sizeof(buf), "%lld", (long long)f->blockade_since);
		wh_state_set(next, "blockade", buf);
		if (was)
			return;
		fmt_date(f->blockade_since, since);
		add_event(out, WH_BLOCKADE_STARTED, "%s: a blockade began on %s (day %lld).",
			  inert(&in, f->corridor_name), since, (long long)f->blockade_day);
		set_corridor(data(out), f);
		set_str(data(out), "since", since);
		json_object_set_new(data(out), "day", json_integer(f->blockade_day));
	} else if (was && parse_int64(was, &d)) {
		fmt_date(d, since);
		add_event(out, WH_BLOCKADE_ENDED, "%s: the blockade that began on %s has ended.",
			  inert(&in, f->corridor_name), since);
		set_corridor(data(out), f);
		set_str(data(out), "since", since);
	}
	inert_free(&in);
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
	struct inert in = { 0 };
	const char *c = inert(&in, f->corridor_name), *s = inert(&in, service);
	enum webhook_event t = started ? WH_DISRUPTION_STARTED : WH_DISRUPTION_ENDED;

	if (started && *location)
		add_event(out, t, "%s: %s disruption began in %s.", c, s, inert(&in, location));
	else if (started)
		add_event(out, t, "%s: %s disruption began.", c, s);
	else if (*location)
		add_event(out, t, "%s: %s disruption in %s has ended.", c, s, inert(&in, location));
	else
		add_event(out, t, "%s: %s disruption has ended.", c, s);
	inert_free(&in);
	fmt_instant_local(since, offset, at);
	set_corridor(data(out), f);
	set_str(data(out), "service", service);
	set_str(data(out), "location", location);
	set_str(data(out), "since", at);
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
		struct inert in = { 0 };
		int64_t hours = (f->now - o->last_report_at) / 3600;

		/* Silence is a state: it ends (and is forgotten) when the organisation reports. */
		if (f->now - o->last_report_at <= f->silent_after_s)
			continue;
		sb_reset(&k);
		sb_addf(&k, "silent:%s", o->slug);
		snprintf(v, sizeof(v), "%lld", (long long)o->last_report_at);
		wh_state_set(next, k.buf, v);
		if (wh_state_get(prev, k.buf))
			continue;
		fmt_instant_utc(o->last_report_at, at);
		add_event(out, WH_SOURCE_SILENT, "%s: no report from %s for %lld hours (the last was at %s).",
			  inert(&in, f->corridor_name), inert(&in, o->name), (long long)hours, at);
		inert_free(&in);
		set_corridor(data(out), f);
		set_str(data(out), "organisation", o->slug);
		set_str(data(out), "organisation_name", o->name);
		set_str(data(out), "last_report_at", at);
		json_object_set_new(data(out), "silent_hours", json_integer(hours));
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
	add_event(out, WH_TEST, "supplywatch: test message for webhook %d.", id);
	json_object_set_new(data(out), "webhook", json_integer(id));
}

char *webhook_body(const struct wh_event *ev, enum webhook_format format, int64_t now)
{
	char at[FMT_INSTANT_LEN];
	json_t *o;
	char *s;

	if (format == WH_TEXT) {
		o = json_pack("{s:s}", "text", ev->text);
	} else {
		fmt_instant_utc(now, at);
		o = json_pack("{s:s,s:s,s:O}", "type", webhook_event_names[ev->type], "timestamp", at,
			      "data", ev->data);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
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
