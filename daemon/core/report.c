#include "core/report.h"

#include <ctype.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/valid.h"

const char *const report_kinds[] = { "trucks", "shortage", "disruption", "access", "movement", NULL };
const char *const report_channels[] = { "json", "csv", "openrosa", "cli", NULL };

static const char *const directions[] = { "inbound", "outbound", NULL };
const char *const report_cargos[] = { "food", "medical", "fuel", "hygiene", "shelter", "mixed",
				      "nutrition", "wash", "education", "other", NULL };
const char *const report_consignors[] = { "un", "ngo", "red_cross", "government", "commercial",
					  "other", NULL };
const char *const report_outcomes[] = { "facilitated", "partially_facilitated", "impeded", "denied",
					"postponed", NULL };
static const char *const purposes[] = { "food", "medical", "fuel", "wash", "assessment", "staff",
					"other", NULL };
const char *const report_severities[] = { "none", "low", "moderate", "severe", "critical", NULL };
static const char *const categories[] = { "food", "medicine", "fuel", "hygiene", "baby", "other", NULL };
/* TRANSLATORS: a service that can be disrupted, as a sentence names it ("gas disruption began"). */
const char *const report_services[] = { NP_("service in a sentence", "gas"), NP_("service in a sentence", "electricity"),
					NP_("service in a sentence", "water"), NP_("service in a sentence", "internet"), NP_("service in a sentence", "phone"),
					NP_("service in a sentence", "fuel"), NP_("service in a sentence", "medical"), NP_("service in a sentence", "transport"),
					NP_("service in a sentence", "education"), NP_("service in a sentence", "other"), NULL };
static const char *const access_statuses[] = { "open", "restricted", "blocked", NULL };

enum ftype { F_UUID, F_DATE, F_TS, F_INT, F_NUM, F_TEXT, F_URL, F_ENUM, F_CORRIDOR };

struct field {
	const char *name;
	enum ftype type;
	bool required;
	const char *const *choices;	/* F_ENUM */
	int64_t max;			/* F_INT, F_NUM upper bound; F_TEXT characters */
	const char *def;		/* F_ENUM default when absent */
};

/* Fields every kind takes ("kind" itself is checked before these). */
static const struct field common_fields[] = {
	{ "report_id", F_UUID, true, NULL, 0, NULL },
	{ "supersedes", F_UUID, false, NULL, 0, NULL },
	{ "corridor", F_CORRIDOR, true, NULL, 0, NULL },
	{ "source_url", F_URL, false, NULL, 0, NULL },
	{ "note", F_TEXT, false, NULL, 4000, NULL },
	{ NULL, 0, false, NULL, 0, NULL }
};

static const struct field trucks_fields[] = {
	{ "date", F_DATE, false, NULL, 0, NULL },
	{ "observed_at", F_TS, false, NULL, 0, NULL },
	{ "trucks", F_INT, true, NULL, 100000, NULL },
	{ "direction", F_ENUM, false, directions, 0, "inbound" },
	{ "crossing", F_TEXT, false, NULL, 200, NULL },
	{ "stage", F_ENUM, false, stage_names, 0, NULL },	/* absent = crossed */
	{ "consignor", F_ENUM, false, report_consignors, 0, NULL },
	{ "cargo", F_ENUM, false, report_cargos, 0, NULL },
	{ "tonnes", F_NUM, false, NULL, 10000000, NULL },
	{ "turned_back", F_INT, false, NULL, 100000, NULL },
	{ NULL, 0, false, NULL, 0, NULL }
};

static const struct field shortage_fields[] = {
	{ "date", F_DATE, true, NULL, 0, NULL },
	{ "item", F_TEXT, true, NULL, 200, NULL },
	{ "severity", F_ENUM, true, report_severities, 0, NULL },
	{ "category", F_ENUM, false, categories, 0, NULL },
	{ "location", F_TEXT, false, NULL, 200, NULL },
	{ NULL, 0, false, NULL, 0, NULL }
};

static const struct field disruption_fields[] = {
	{ "service", F_ENUM, true, report_services, 0, NULL },
	{ "started_at", F_TS, true, NULL, 0, NULL },
	{ "ended_at", F_TS, false, NULL, 0, NULL },
	{ "disruption_id", F_TEXT, false, NULL, 100, NULL },
	{ "location", F_TEXT, false, NULL, 200, NULL },
	{ "people_affected", F_INT, false, NULL, 2000000000, NULL },
	{ NULL, 0, false, NULL, 0, NULL }
};

static const struct field access_fields[] = {
	{ "status", F_ENUM, true, access_statuses, 0, NULL },
	{ "at", F_TS, true, NULL, 0, NULL },
	{ "crossing", F_TEXT, false, NULL, 200, NULL },
	{ NULL, 0, false, NULL, 0, NULL }
};

/* Movement places are text like locations; their publication waits (movements.embargo_hours). */
static const struct field movement_fields[] = {
	{ "outcome", F_ENUM, true, report_outcomes, 0, NULL },
	{ "planned_for", F_DATE, true, NULL, 0, NULL },
	{ "purpose", F_ENUM, false, purposes, 0, NULL },
	{ "from", F_TEXT, false, NULL, 200, NULL },
	{ "to", F_TEXT, false, NULL, 200, NULL },
	{ "delay_hours", F_NUM, false, NULL, 10000, NULL },
	{ "crossing", F_TEXT, false, NULL, 200, NULL },
	{ NULL, 0, false, NULL, 0, NULL }
};

static const struct field *const kind_fields[KIND_COUNT] = {
	trucks_fields, shortage_fields, disruption_fields, access_fields, movement_fields
};

static const char *const trucks_params[] = { "date", "observed_at", "@timezone", "direction",
	"crossing", "trucks", "cargo", "tonnes", "turned_back", "stage", "consignor", NULL };
static const char *const shortage_params[] = { "date", "item", "severity", "category",
	"location", NULL };
static const char *const disruption_params[] = { "service", "started_at", "ended_at",
	"disruption_id", "location", "people_affected", NULL };
static const char *const access_params[] = { "status", "at", "crossing", NULL };
static const char *const movement_params[] = { "outcome", "planned_for", "purpose", "from", "to",
	"delay_hours", "crossing", NULL };

const struct kind_spec kind_specs[KIND_COUNT] = {
	{ "trucks", trucks_params },
	{ "shortage", shortage_params },
	{ "disruption", disruption_params },
	{ "access", access_params },
	{ "movement", movement_params },
};

void report_error(json_t *errs, size_t index, const char *field, const char *reason)
{
	json_array_append_new(errs, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)index,
					      "field", field, "reason", reason));
}

unsigned report_errors_reports(const json_t *errs)
{
	unsigned n = 0;
	json_int_t last = -1;
	size_t i;
	json_t *e;

	/* Details come grouped by index, in order. */
	json_array_foreach(errs, i, e) {
		json_int_t idx = json_integer_value(json_object_get(e, "index"));

		if (idx != last)
			n++;
		last = idx;
	}
	return n;
}

static const struct field *find_field(const struct field *f, const char *name)
{
	for (; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* Seconds of slack for clocks and time zones before a value is "in the future". */
#define FUTURE_SLACK (36 * 3600)
/*
 * Reports begin in 1990: every day from a corridor's first report to today
 * is kept in memory and served, so a typo like 1900 must not make a century.
 */
#define EARLIEST_DAYS 7305	/* 1990-01-01 */

/* What checking a report's fields needs besides the field and its value. */
struct check {
	size_t index;			/* the report's, in its request */
	const struct sw_config *cfg;
	int64_t now;
	json_t *errs;
};

/* Records why f's value is refused; NULL, for the caller to return. */
/*
 * reason follows the field's name ("trucks: must be >= 0"); a fixed one is
 * marked N_() so the OpenRosa channel can show it in the phone's language
 * (openrosa_details_message), one with a value in it stays English.
 */
static json_t *refuse(const struct field *f, struct check *x, const char *reason)
{
	report_error(x->errs, x->index, f->name, reason);
	return NULL;
}

static json_t *refuse_above(const struct field *f, struct check *x)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "must be <= %lld", (long long)f->max);
	return refuse(f, x, buf);
}

static json_t *check_int(const struct field *f, const json_t *v, struct check *x)
{
	json_int_t n;

	if (!json_is_integer(v))
		return refuse(f, x, N_("must be a whole number"));
	n = json_integer_value(v);
	if (n < 0)
		return refuse(f, x, N_("must be >= 0"));
	if (n > f->max)
		return refuse_above(f, x);
	return json_integer(n);
}

static json_t *check_num(const struct field *f, const json_t *v, struct check *x)
{
	double d;

	if (!json_is_number(v))
		return refuse(f, x, N_("must be a number"));
	d = json_number_value(v);
	if (!(d >= 0))
		return refuse(f, x, N_("must be >= 0"));
	if (d > (double)f->max)
		return refuse_above(f, x);
	return json_real(d);
}

static json_t *check_uuid(const struct field *f, const json_t *v, struct check *x)
{
	char out[SW_UUID_LEN + 1];

	if (!valid_uuid(json_string_value(v), out))
		return refuse(f, x, N_("must be a UUID like 123e4567-e89b-42d3-a456-426614174000"));
	return json_string(out);
}

/* A date or instant (seconds) between 1990 and now, with slack for clocks and zones. */
static bool in_era(const struct field *f, struct check *x, int64_t seconds)
{
	const char *why = seconds > x->now + FUTURE_SLACK ? N_("is in the future") :
			  seconds < EARLIEST_DAYS * 86400 ? N_("is before 1990-01-01") : NULL;

	if (why)
		refuse(f, x, why);
	return !why;
}

static json_t *check_date(const struct field *f, const json_t *v, struct check *x)
{
	struct sw_date d;

	if (!valid_date(json_string_value(v), &d))
		return refuse(f, x, N_("must be a real date as YYYY-MM-DD"));
	if (!in_era(f, x, date_to_days(&d) * 86400))
		return NULL;
	return json_string(json_string_value(v));
}

static json_t *check_ts(const struct field *f, const json_t *v, struct check *x)
{
	struct sw_ts ts;
	char out[SW_TS_LEN];

	if (!valid_timestamp(json_string_value(v), &ts))
		return refuse(f, x, N_("must be an RFC 3339 timestamp with a UTC offset, "
				       "like 2023-01-17T08:00:00+04:00"));
	if (!in_era(f, x, ts.epoch))
		return NULL;
	ts_format_utc(&ts, out);
	return json_string(out);
}

static json_t *check_text(const struct field *f, const json_t *v, struct check *x)
{
	const char *why = valid_text(json_string_value(v), (size_t)f->max);
	char buf[64];

	if (why && strcmp(why, "is too long") == 0) {
		snprintf(buf, sizeof(buf), "is too long (at most %lld characters)", (long long)f->max);
		why = buf;
	}
	if (why)
		return refuse(f, x, why);
	return json_string(json_string_value(v));
}

static json_t *check_url(const struct field *f, const json_t *v, struct check *x)
{
	if (!valid_url(json_string_value(v)))
		return refuse(f, x, N_("must be an http:// or https:// URL of at most 2048 bytes"));
	return json_string(json_string_value(v));
}

static json_t *check_enum(const struct field *f, const json_t *v, struct check *x)
{
	char list[200], buf[256];

	if (enum_index(json_string_value(v), f->choices) >= 0)
		return json_string(json_string_value(v));
	enum_list(f->choices, list, sizeof(list));
	snprintf(buf, sizeof(buf), "must be one of: %s", list);
	return refuse(f, x, buf);
}

static json_t *check_corridor(const struct field *f, const json_t *v, struct check *x)
{
	if (!config_corridor(x->cfg, json_string_value(v)))
		return refuse(f, x, N_("is not a corridor configured on this server"));
	return json_string(json_string_value(v));
}

typedef json_t *(*check_fn)(const struct field *f, const json_t *v, struct check *x);

static const check_fn checkers[] = {
	[F_UUID] = check_uuid, [F_DATE] = check_date, [F_TS] = check_ts, [F_INT] = check_int,
	[F_NUM] = check_num, [F_TEXT] = check_text, [F_URL] = check_url, [F_ENUM] = check_enum,
	[F_CORRIDOR] = check_corridor,
};

/*
 * Checks one present value.  Returns the canonical value (new reference)
 * or NULL after recording the reason.
 */
static json_t *check_value(const struct field *f, const json_t *v, struct check *x)
{
	if (f->type != F_INT && f->type != F_NUM && !json_is_string(v))
		return refuse(f, x, "must be a string");
	return checkers[f->type](f, v, x);
}

/* Checks one list of fields of obj into canon; returns the number of errors. */
static int check_fields(const struct field *fields, const json_t *obj, json_t *canon,
			size_t index, const struct sw_config *cfg, int64_t now, json_t *errs)
{
	struct check x = { index, cfg, now, errs };
	int bad = 0;

	for (const struct field *f = fields; f->name; f++) {
		const json_t *v = json_object_get(obj, f->name);
		json_t *c;

		if (!v || json_is_null(v)) {
			if (f->required) {
				report_error(errs, index, f->name, N_("is required"));
				bad++;
			} else if (f->def) {
				json_object_set_new(canon, f->name, json_string(f->def));
			}
			continue;
		}
		c = check_value(f, v, &x);
		if (!c) {
			bad++;
			continue;
		}
		json_object_set_new(canon, f->name, c);
	}
	return bad;
}

/* Rules that involve more than one field. */
static int check_kind_rules(enum report_kind kind, json_t *canon, size_t index,
			    const struct sw_config *cfg, json_t *errs)
{
	const char *corridor = json_string_value(json_object_get(canon, "corridor"));
	const struct sw_corridor *c = corridor ? config_corridor(cfg, corridor) : NULL;
	const char *crossing = json_string_value(json_object_get(canon, "crossing"));
	int bad = 0;

	if (kind == KIND_TRUCKS && !json_object_get(canon, "date") &&
	    !json_object_get(canon, "observed_at")) {
		report_error(errs, index, "date", "is required (or give observed_at)");
		bad++;
	}
	/*
	 * "crossed" is what a report without a stage means: the canonical form
	 * leaves it out, so a report stored before stages existed and its
	 * replay with "stage": "crossed" are the same content.
	 */
	if (kind == KIND_TRUCKS && json_object_get(canon, "stage") &&
	    strcmp(json_string_value(json_object_get(canon, "stage")), "crossed") == 0)
		json_object_del(canon, "stage");
	if (c && crossing && c->ncrossings && !corridor_has_crossing(c, crossing)) {
		struct strbuf sb = STRBUF_INIT;

		sb_addstr(&sb, "is not a crossing of this corridor; known crossings: ");
		for (size_t i = 0; i < c->ncrossings; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", c->crossings[i]);
		report_error(errs, index, "crossing", sb.buf);
		sb_release(&sb);
		bad++;
	}
	if (kind == KIND_DISRUPTION) {
		const char *start = json_string_value(json_object_get(canon, "started_at"));
		const char *end = json_string_value(json_object_get(canon, "ended_at"));

		struct sw_ts a, b;

		if (start && end && valid_timestamp(start, &a) && valid_timestamp(end, &b) &&
		    (b.epoch < a.epoch || (b.epoch == a.epoch && b.usec < a.usec))) {
			report_error(errs, index, "ended_at", N_("must not be before started_at"));
			bad++;
		}
	}
	{
		const char *id = json_string_value(json_object_get(canon, "report_id"));
		const char *sup = json_string_value(json_object_get(canon, "supersedes"));

		if (id && sup && strcmp(id, sup) == 0) {
			report_error(errs, index, "supersedes", N_("must not be the report itself"));
			bad++;
		}
	}
	return bad;
}

json_t *report_validate(const json_t *obj, size_t index, const struct sw_config *cfg,
			int64_t now, json_t *errs)
{
	const json_t *kv = json_object_get(obj, "kind");
	const char *key;
	const json_t *value;
	json_t *canon;
	int kind, bad = 0;

	if (!json_is_object(obj)) {
		report_error(errs, index, "", "must be a JSON object");
		return NULL;
	}
	if (!kv) {
		report_error(errs, index, "kind", "is required: trucks, shortage, disruption, access or movement");
		return NULL;
	}
	kind = json_is_string(kv) ? enum_index(json_string_value(kv), report_kinds) : -1;
	if (kind < 0) {
		report_error(errs, index, "kind", "must be one of: trucks, shortage, disruption, access, movement");
		return NULL;
	}
	json_object_foreach((json_t *)obj, key, value) {
		if (strcmp(key, "kind") != 0 && !find_field(common_fields, key) &&
		    !find_field(kind_fields[kind], key)) {
			report_error(errs, index, key, "is not a field of this kind of report");
			bad++;
		}
	}
	canon = json_object();
	json_object_set_new(canon, "kind", json_string(report_kinds[kind]));
	bad += check_fields(common_fields, obj, canon, index, cfg, now, errs);
	bad += check_fields(kind_fields[kind], obj, canon, index, cfg, now, errs);
	if (!bad)
		bad += check_kind_rules((enum report_kind)kind, canon, index, cfg, errs);
	if (bad) {
		json_decref(canon);
		return NULL;
	}
	return canon;
}

static int fail400(char *errmsg, size_t errlen, const char *msg)
{
	snprintf(errmsg, errlen, "%s", msg);
	return -1;
}

int report_parse_body(const char *body, size_t len, const struct sw_config *cfg,
		      int64_t now, json_t **canon, json_t **raw, json_t *errs,
		      char *errmsg, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *list, *out, *seen;
	size_t i;
	json_t *item;

	*canon = *raw = NULL;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(errmsg, errlen, "body is not valid JSON: %s (line %d, column %d)",
			 jerr.text, jerr.line, jerr.column);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return fail400(errmsg, errlen, "body must be a report object or {\"reports\": [...]}");
	}
	if (!json_object_get(root, "kind") && json_object_get(root, "reports")) {
		list = json_incref(json_object_get(root, "reports"));
		if (!json_is_array(list) || json_object_size(root) != 1) {
			json_decref(list);
			json_decref(root);
			return fail400(errmsg, errlen,
				       "a batch must be {\"reports\": [...]} with nothing else beside it");
		}
	} else {
		list = json_array();
		json_array_append(list, root);
	}
	json_decref(root);
	if (json_array_size(list) == 0) {
		json_decref(list);
		report_error(errs, 0, "reports", "must hold at least one report");
		return -2;
	}
	out = json_array();
	seen = json_object();
	json_array_foreach(list, i, item) {
		json_t *c = report_validate(item, i, cfg, now, errs);

		if (c) {
			/* A report_id twice in one batch would make the batch contradict itself. */
			const char *id = json_string_value(json_object_get(c, "report_id"));

			if (json_object_get(seen, id)) {
				report_error(errs, i, "report_id", "appears twice in this batch");
				json_decref(c);
				c = NULL;
			} else {
				json_object_set_new(seen, id, json_true());
			}
		}
		json_array_append_new(out, c ? c : json_null());
	}
	json_decref(seen);
	if (json_array_size(errs)) {
		json_decref(out);
		json_decref(list);
		return -2;
	}
	*canon = out;
	*raw = list;
	return 0;
}

/* The field's type in whichever kind has it (names mean the same in every kind). */
static const struct field *any_field(const char *name)
{
	const struct field *f = find_field(common_fields, name);

	for (int k = 0; !f && k < KIND_COUNT; k++)
		f = find_field(kind_fields[k], name);
	return f;
}

const char *report_field_name(const char *name)
{
	const struct field *f = any_field(name);

	if (strcmp(name, "kind") == 0)
		return "kind";
	return f ? f->name : NULL;
}

bool report_field_is_text(const char *name)
{
	const struct field *f = any_field(name);

	return f && f->type == F_TEXT;
}

json_t *report_value_of_text(const char *name, const char *text)
{
	const struct field *f = any_field(name);
	int64_t i;
	double d;

	if (f && (f->type == F_INT || f->type == F_NUM) && parse_int64(text, &i))
		return json_integer((json_int_t)i);
	if (f && f->type == F_NUM && parse_decimal(text, &d))
		return json_real(d);
	/* Anything else stays text, so validation names the problem as for JSON. */
	return json_string(text);
}

enum report_kind report_kind_of(const json_t *canon)
{
	int k = enum_index(json_string_value(json_object_get(canon, "kind")), report_kinds);
	return k < 0 ? KIND_TRUCKS : (enum report_kind)k;
}

const char *report_param(const json_t *canon, const char *field, char *buf, size_t n)
{
	const json_t *v = json_object_get(canon, field);

	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		format_decimal(json_real_value(v), buf, n);
	else
		return NULL;
	return buf;
}

void report_hash(const json_t *canon, unsigned char out[32])
{
	char *s = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);

	crypto_hash_sha256(out, (const unsigned char *)s, strlen(s));
	free(s);
}
