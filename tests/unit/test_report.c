/*
 * Unit tests for daemon/report.c: validation of the four report kinds,
 * submission bodies, content hashes and SQL parameters.
 *
 * Test JSON is written with single quotes (turned into double quotes
 * before parsing) to keep it readable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/report.h"
#include "util/strbuf.h"

/* 2023-11-14T22:13:20Z */
#define NOW ((int64_t)1700000000)

#define ID1 "123e4567-e89b-42d3-a456-426614174000"
#define ID1U "123E4567-E89B-42D3-A456-426614174000"
#define ID2 "123e4567-e89b-42d3-a456-426614174001"
#define HEAD(kind) "{'kind':'" kind "','report_id':'" ID1 "','corridor':'lachin'"

#define MSG_UUID "must be a UUID like 123e4567-e89b-42d3-a456-426614174000"
#define MSG_TS "must be an RFC 3339 timestamp with a UTC offset, like 2023-01-17T08:00:00+04:00"
#define MSG_DATE "must be a real date as YYYY-MM-DD"
#define MSG_URL "must be an http:// or https:// URL of at most 2048 bytes"
#define MSG_CORRIDOR "is not a corridor configured on this server"
#define MSG_UNKNOWN "is not a field of this kind of report"
#define MSG_CROSSING "is not a crossing of this corridor; known crossings: Hakari bridge, Lachin checkpoint"
#define MSG_KINDS "must be one of: trucks, shortage, disruption, access, movement"
#define MSG_BATCH "a batch must be {\"reports\": [...]} with nothing else beside it"

static const char config_text[] =
	"corridors = (\n"
	"  { id = \"lachin\"; name = \"Lachin\"; baseline_trucks_per_day = 400;\n"
	"    crossings = ( \"Hakari bridge\", \"Lachin checkpoint\" ); },\n"
	"  { id = \"open\"; name = \"Open\"; baseline_trucks_per_day = 10; }\n"
	");\n";

#define UNIT_CONFIG_GROUP
#include "unit_config.h"

/* ---- helpers ------------------------------------------------------------ */

/* Single quotes to double quotes, in a new string. */
static char *dq(const char *s)
{
	char *r = xstrdup(s);

	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

static json_t *J(const char *text)
{
	char *s = dq(text);
	json_error_t jerr;
	json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);

	free(s);
	if (!v)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	return v;
}

/* Sorted compact JSON in one of two static buffers (so that failures leak nothing). */
static const char *dump(const json_t *v)
{
	static char bufs[2][16384];
	static int which;
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *out = bufs[which ^= 1];

	snprintf(out, sizeof(bufs[0]), "%s", s ? s : "(null)");
	free(s);
	return out;
}

struct exp {
	int index;
	const char *field;
	const char *reason;
};

#define EXPS(...) (const struct exp[]){ __VA_ARGS__ }, \
	sizeof((const struct exp[]){ __VA_ARGS__ }) / sizeof(struct exp)

/* Compares errs with the expected details; consumes errs. */
static void check_errs(json_t *errs, const struct exp *want, size_t n)
{
	json_t *w = json_array();
	const char *got_s, *want_s;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(w, json_pack("{s:i, s:s, s:s}", "index", want[i].index,
						   "field", want[i].field, "reason", want[i].reason));
	got_s = dump(errs);
	want_s = dump(w);
	json_decref(w);
	json_decref(errs);
	assert_string_equal(got_s, want_s);
}

/* Validates obj (consumed) and expects exactly the details want. */
static void invalid_obj(json_t *obj, const struct exp *want, size_t n)
{
	json_t *errs = json_array();
	json_t *canon = report_validate(obj, 0, cfg, NOW, errs);
	int was_null = canon == NULL;

	json_decref(canon);
	json_decref(obj);
	check_errs(errs, want, n);
	assert_true(was_null);
}

static void invalid(const char *in, const struct exp *want, size_t n)
{
	invalid_obj(J(in), want, n);
}

/* Validates obj (consumed) and expects the canonical object want. */
static void valid_obj(json_t *obj, const char *want)
{
	json_t *errs = json_array();
	json_t *canon = report_validate(obj, 0, cfg, NOW, errs);
	char *w = dq(want);
	const char *got_s = dump(canon);
	const char *errs_s = dump(errs);
	static char want_s[16384];

	snprintf(want_s, sizeof(want_s), "%s", w);
	free(w);
	json_decref(canon);
	json_decref(errs);
	json_decref(obj);
	assert_string_equal(errs_s, "[]");
	assert_string_equal(got_s, want_s);
}

static void valid(const char *in, const char *want)
{
	valid_obj(J(in), want);
}

/* A JSON object from text with one more string member of n copies of unit. */
static json_t *with_repeated(const char *in, const char *field, const char *unit, size_t n)
{
	json_t *obj = J(in);
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < n; i++)
		sb_addstr(&sb, unit);
	json_object_set_new(obj, field, json_string(sb.buf));
	sb_release(&sb);
	return obj;
}

/* Whether obj (consumed) validates without any detail. */
static int accepted(json_t *obj)
{
	json_t *errs = json_array();
	json_t *canon = report_validate(obj, 0, cfg, NOW, errs);
	int ok = canon != NULL && json_array_size(errs) == 0;

	json_decref(canon);
	json_decref(obj);
	json_decref(errs);
	return ok;
}

struct parsed {
	int rc;
	json_t *canon, *raw, *errs;
	char errmsg[256];
};

static void parse(const char *text, struct parsed *p)
{
	char *body = dq(text);

	p->errs = json_array();
	p->errmsg[0] = '\0';
	p->rc = report_parse_body(body, strlen(body), cfg, NOW, &p->canon, &p->raw, p->errs,
				  p->errmsg, sizeof(p->errmsg));
	free(body);
}

static void parsed_free(struct parsed *p)
{
	json_decref(p->canon);
	json_decref(p->raw);
	json_decref(p->errs);
}

/* Parses a body expected to be refused as a whole (-1) with errmsg want. */
static void bad_body(const char *text, const char *want)
{
	struct parsed p;
	size_t nerrs;

	parse(text, &p);
	nerrs = json_array_size(p.errs);
	parsed_free(&p);
	assert_int_equal(p.rc, -1);
	assert_null(p.canon);
	assert_null(p.raw);
	assert_int_equal(nerrs, 0);
	assert_string_equal(p.errmsg, want);
}

/* Parses a body expected to be invalid (-2) with exactly the details want. */
static void invalid_body(const char *text, const struct exp *want, size_t n)
{
	struct parsed p;

	parse(text, &p);
	assert_null(p.canon);
	assert_null(p.raw);
	check_errs(p.errs, want, n);
	assert_int_equal(p.rc, -2);
}

static void hash_of(const char *in, unsigned char out[32])
{
	json_t *errs = json_array(), *obj = J(in);
	json_t *canon = report_validate(obj, 0, cfg, NOW, errs);

	memset(out, 0, 32);
	if (canon)
		report_hash(canon, out);
	json_decref(canon);
	json_decref(obj);
	json_decref(errs);
	assert_non_null(canon);
}

/* report_param of field in the canonical form of in, copied to out. */
static void param_of(const char *in, const char *field, char *out, size_t n)
{
	json_t *errs = json_array(), *obj = J(in);
	json_t *canon = report_validate(obj, 0, cfg, NOW, errs);
	char buf[64];
	const char *v = canon ? report_param(canon, field, buf, sizeof(buf)) : "(invalid)";

	snprintf(out, n, "%s", v ? v : "(null)");
	json_decref(canon);
	json_decref(obj);
	json_decref(errs);
}

/* ---- trucks ------------------------------------------------------------- */

static void trucks_valid_report_is_canonical(void **state)
{
	(void)state;
	valid("{'kind':'trucks','report_id':'" ID1U "','corridor':'lachin',"
	      "'observed_at':'2023-01-17T08:00:00+04:00','trucks':12,'tonnes':30,"
	      "'crossing':'Hakari bridge'}",
	      "{'corridor':'lachin','crossing':'Hakari bridge','direction':'inbound',"
	      "'kind':'trucks','observed_at':'2023-01-17T04:00:00Z','report_id':'" ID1 "',"
	      "'tonnes':30.0,'trucks':12}");
}

static void trucks_with_every_field_is_canonical(void **state)
{
	(void)state;
	valid(HEAD("trucks") ",'supersedes':'" ID2 "','source_url':'https://example.org/r?id=1',"
	      "'note':'line one\\nline two','date':'2023-01-17',"
	      "'observed_at':'2023-01-17T08:00:00.25Z','trucks':0,'direction':'outbound',"
	      "'crossing':'Lachin checkpoint','cargo':'medical','tonnes':12.5,'turned_back':3}",
	      "{'cargo':'medical','corridor':'lachin','crossing':'Lachin checkpoint',"
	      "'date':'2023-01-17','direction':'outbound','kind':'trucks',"
	      "'note':'line one\\nline two','observed_at':'2023-01-17T08:00:00.250000Z',"
	      "'report_id':'" ID1 "','source_url':'https://example.org/r?id=1',"
	      "'supersedes':'" ID2 "','tonnes':12.5,'trucks':0,'turned_back':3}");
}

static void trucks_with_date_alone_is_valid(void **state)
{
	(void)state;
	valid(HEAD("trucks") ",'date':'2023-01-17','trucks':5}",
	      "{'corridor':'lachin','date':'2023-01-17','direction':'inbound','kind':'trucks',"
	      "'report_id':'" ID1 "','trucks':5}");
}

static void trucks_null_fields_count_as_absent(void **state)
{
	(void)state;
	valid(HEAD("trucks") ",'date':'2023-01-17','trucks':5,'direction':null,'note':null}",
	      "{'corridor':'lachin','date':'2023-01-17','direction':'inbound','kind':'trucks',"
	      "'report_id':'" ID1 "','trucks':5}");
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':null}",
		EXPS({ 0, "trucks", "is required" }));
}

static void trucks_requires_date_or_observed_at(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'trucks':5}",
		EXPS({ 0, "date", "is required (or give observed_at)" }));
}

static void trucks_reports_missing_required_fields(void **state)
{
	(void)state;
	invalid("{'kind':'trucks'}",
		EXPS({ 0, "report_id", "is required" }, { 0, "corridor", "is required" },
		     { 0, "trucks", "is required" }));
}

static void trucks_refuses_numbers_out_of_range(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':-1,'tonnes':10000001,"
		"'turned_back':100001}",
		EXPS({ 0, "trucks", "must be >= 0" }, { 0, "tonnes", "must be <= 10000000" },
		     { 0, "turned_back", "must be <= 100000" }));
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':100001,'tonnes':-0.5}",
		EXPS({ 0, "trucks", "must be <= 100000" }, { 0, "tonnes", "must be >= 0" }));
}

static void trucks_accepts_numbers_at_the_limits(void **state)
{
	(void)state;
	valid(HEAD("trucks") ",'date':'2023-01-17','trucks':100000,'tonnes':10000000,"
	      "'turned_back':0}",
	      "{'corridor':'lachin','date':'2023-01-17','direction':'inbound','kind':'trucks',"
	      "'report_id':'" ID1 "','tonnes':10000000.0,'trucks':100000,'turned_back':0}");
}

static void trucks_refuses_wrong_json_types(void **state)
{
	(void)state;
	invalid("{'kind':'trucks','report_id':5,'corridor':['lachin'],'note':true,"
		"'date':20230117,'trucks':'12','direction':1,'tonnes':'3'}",
		EXPS({ 0, "report_id", "must be a string" }, { 0, "corridor", "must be a string" },
		     { 0, "note", "must be a string" }, { 0, "date", "must be a string" },
		     { 0, "trucks", "must be a whole number" }, { 0, "direction", "must be a string" },
		     { 0, "tonnes", "must be a number" }));
}

static void trucks_refuses_fractional_counts(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':1.5,'turned_back':2.0}",
		EXPS({ 0, "trucks", "must be a whole number" },
		     { 0, "turned_back", "must be a whole number" }));
}

static void trucks_refuses_unknown_enum_values(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'direction':'up','cargo':'gold'}",
		EXPS({ 0, "direction", "must be one of: inbound, outbound" },
		     { 0, "cargo", "must be one of: food, medical, fuel, hygiene, shelter, mixed, nutrition, wash, education, other" }));
}

static void trucks_refuses_bad_dates_and_timestamps(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-02-29','observed_at':'2023-01-17T08:00:00','trucks':1}",
		EXPS({ 0, "date", MSG_DATE }, { 0, "observed_at", MSG_TS }));
}

static void common_fields_report_each_error(void **state)
{
	(void)state;
	invalid("{'kind':'trucks','report_id':'not-a-uuid',"
		"'supersedes':'00000000-0000-0000-0000-000000000000','corridor':'gaza',"
		"'source_url':'ftp://example.org/','note':'','date':'2023-01-17','trucks':1}",
		EXPS({ 0, "report_id", MSG_UUID }, { 0, "supersedes", MSG_UUID },
		     { 0, "corridor", MSG_CORRIDOR }, { 0, "source_url", MSG_URL },
		     { 0, "note", "must not be empty" }));
}

static void note_is_limited_to_4000_characters(void **state)
{
	(void)state;
	invalid_obj(with_repeated(HEAD("trucks") ",'date':'2023-01-17','trucks':1}", "note", "a", 4001),
		    EXPS({ 0, "note", "is too long (at most 4000 characters)" }));
}

static void note_of_4000_two_byte_characters_is_valid(void **state)
{
	(void)state;
	assert_true(accepted(with_repeated(HEAD("trucks") ",'date':'2023-01-17','trucks':1}",
					  "note", "\xc3\xa9", 4000)));
}

static void text_with_control_characters_is_refused(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'crossing':'Hakari\\u0001bridge',"
		"'note':'a\\u0085b'}",
		EXPS({ 0, "note", "must not contain control characters" },
		     { 0, "crossing", "must not contain control characters" }));
}

static void unknown_fields_are_reported(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'item':'flour','Trucks':2}",
		EXPS({ 0, "item", MSG_UNKNOWN }, { 0, "Trucks", MSG_UNKNOWN }));
}

static void unknown_fields_are_reported_beside_other_errors(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':-3,'colour':'red'}",
		EXPS({ 0, "colour", MSG_UNKNOWN }, { 0, "trucks", "must be >= 0" }));
}

static void kind_is_required(void **state)
{
	(void)state;
	invalid("{'report_id':'" ID1 "','corridor':'lachin'}",
		EXPS({ 0, "kind", "is required: trucks, shortage, disruption, access or movement" }));
}

static void kind_must_be_known(void **state)
{
	(void)state;
	invalid(HEAD("truck") "}", EXPS({ 0, "kind", MSG_KINDS }));
	invalid("{'kind':3}", EXPS({ 0, "kind", MSG_KINDS }));
	invalid("{'kind':null}", EXPS({ 0, "kind", MSG_KINDS }));
}

static void report_must_be_an_object(void **state)
{
	json_t *errs = json_array(), *arr = json_array();
	json_t *canon = report_validate(arr, 7, cfg, NOW, errs);

	(void)state;
	json_decref(arr);
	assert_null(canon);
	check_errs(errs, EXPS({ 7, "", "must be a JSON object" }));
}

static void crossing_must_belong_to_the_corridor(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'crossing':'Agdam'}",
		EXPS({ 0, "crossing", MSG_CROSSING }));
}

static void crossing_is_free_when_the_corridor_lists_none(void **state)
{
	(void)state;
	valid("{'kind':'trucks','report_id':'" ID1 "','corridor':'open','date':'2023-01-17',"
	      "'trucks':1,'crossing':'Anywhere'}",
	      "{'corridor':'open','crossing':'Anywhere','date':'2023-01-17','direction':'inbound',"
	      "'kind':'trucks','report_id':'" ID1 "','trucks':1}");
}

static void supersedes_must_not_be_the_report_itself(void **state)
{
	(void)state;
	invalid("{'kind':'trucks','report_id':'" ID1U "','supersedes':'" ID1 "',"
		"'corridor':'lachin','date':'2023-01-17','trucks':1}",
		EXPS({ 0, "supersedes", "must not be the report itself" }));
}

static void dates_and_timestamps_in_the_future_are_refused(void **state)
{
	(void)state;
	invalid(HEAD("trucks") ",'date':'2023-11-20','trucks':1}",
		EXPS({ 0, "date", "is in the future" }));
	invalid(HEAD("trucks") ",'observed_at':'2023-11-20T00:00:00Z','trucks':1}",
		EXPS({ 0, "observed_at", "is in the future" }));
	invalid(HEAD("access") ",'status':'open','at':'2024-01-01T00:00:00+04:00'}",
		EXPS({ 0, "at", "is in the future" }));
}

static void today_and_recent_times_are_not_future(void **state)
{
	(void)state;
	valid(HEAD("trucks") ",'date':'2023-11-14','observed_at':'2023-11-15T08:00:00+04:00',"
	      "'trucks':1}",
	      "{'corridor':'lachin','date':'2023-11-14','direction':'inbound','kind':'trucks',"
	      "'observed_at':'2023-11-15T04:00:00Z','report_id':'" ID1 "','trucks':1}");
}

/* ---- shortage ----------------------------------------------------------- */

static void shortage_valid_report_is_canonical(void **state)
{
	(void)state;
	valid(HEAD("shortage") ",'date':'2023-01-17','item':'flour','severity':'severe',"
	      "'category':'food','location':'Stepanakert'}",
	      "{'category':'food','corridor':'lachin','date':'2023-01-17','item':'flour',"
	      "'kind':'shortage','location':'Stepanakert','report_id':'" ID1 "',"
	      "'severity':'severe'}");
}

static void shortage_reports_missing_required_fields(void **state)
{
	(void)state;
	invalid(HEAD("shortage") "}",
		EXPS({ 0, "date", "is required" }, { 0, "item", "is required" },
		     { 0, "severity", "is required" }));
}

static void shortage_refuses_unknown_enum_values(void **state)
{
	(void)state;
	invalid(HEAD("shortage") ",'date':'2023-01-17','item':'flour','severity':'bad',"
		"'category':'toys'}",
		EXPS({ 0, "severity", "must be one of: none, low, moderate, severe, critical" },
		     { 0, "category", "must be one of: food, medicine, fuel, hygiene, baby, other" }));
}

static void shortage_item_is_limited_to_200_characters(void **state)
{
	(void)state;
	invalid_obj(with_repeated(HEAD("shortage") ",'date':'2023-01-17','severity':'low',"
				  "'location':''}", "item", "x", 201),
		    EXPS({ 0, "item", "is too long (at most 200 characters)" },
			 { 0, "location", "must not be empty" }));
}

static void shortage_item_of_200_two_byte_characters_is_valid(void **state)
{
	(void)state;
	assert_true(accepted(with_repeated(HEAD("shortage") ",'date':'2023-01-17','severity':'low'}",
					  "item", "\xd5\xa1", 200)));
}

static void shortage_refuses_trucks_fields(void **state)
{
	(void)state;
	invalid(HEAD("shortage") ",'date':'2023-01-17','item':'flour','severity':'low',"
		"'trucks':5,'crossing':'Hakari bridge'}",
		EXPS({ 0, "trucks", MSG_UNKNOWN }, { 0, "crossing", MSG_UNKNOWN }));
}

/* ---- disruption --------------------------------------------------------- */

static void disruption_valid_report_is_canonical(void **state)
{
	(void)state;
	valid(HEAD("disruption") ",'service':'water','started_at':'2023-01-17T08:00:00+04:00',"
	      "'ended_at':'2023-01-18T10:30:00.25-01:00','disruption_id':'d-1',"
	      "'location':'Stepanakert','people_affected':120000}",
	      "{'corridor':'lachin','disruption_id':'d-1','ended_at':'2023-01-18T11:30:00.250000Z',"
	      "'kind':'disruption','location':'Stepanakert','people_affected':120000,"
	      "'report_id':'" ID1 "','service':'water','started_at':'2023-01-17T04:00:00Z'}");
}

static void disruption_reports_missing_required_fields(void **state)
{
	(void)state;
	invalid(HEAD("disruption") "}",
		EXPS({ 0, "service", "is required" }, { 0, "started_at", "is required" }));
}

static void disruption_refuses_bad_fields(void **state)
{
	(void)state;
	invalid(HEAD("disruption") ",'service':'gold','started_at':'2023-01-17T08:00Z',"
		"'people_affected':2000000001}",
		EXPS({ 0, "service", "must be one of: gas, electricity, water, internet, phone, "
				     "fuel, medical, transport, education, other" },
		     { 0, "started_at", MSG_TS },
		     { 0, "people_affected", "must be <= 2000000000" }));
	invalid_obj(with_repeated(HEAD("disruption") ",'service':'gas',"
				  "'started_at':'2023-01-17T08:00:00Z'}", "disruption_id", "d", 101),
		    EXPS({ 0, "disruption_id", "is too long (at most 100 characters)" }));
}

static void disruption_end_before_start_is_refused(void **state)
{
	(void)state;
	invalid(HEAD("disruption") ",'service':'gas','started_at':'2023-01-17T10:00:00Z',"
		"'ended_at':'2023-01-17T09:59:59Z'}",
		EXPS({ 0, "ended_at", "must not be before started_at" }));
	/* Later on the local clock, earlier in UTC. */
	invalid(HEAD("disruption") ",'service':'gas','started_at':'2023-01-17T08:00:00+04:00',"
		"'ended_at':'2023-01-17T05:00:00+02:00'}",
		EXPS({ 0, "ended_at", "must not be before started_at" }));
}

static void disruption_end_equal_to_start_is_valid(void **state)
{
	(void)state;
	valid(HEAD("disruption") ",'service':'gas','started_at':'2023-01-17T08:00:00+04:00',"
	      "'ended_at':'2023-01-17T04:00:00Z'}",
	      "{'corridor':'lachin','ended_at':'2023-01-17T04:00:00Z','kind':'disruption',"
	      "'report_id':'" ID1 "','service':'gas','started_at':'2023-01-17T04:00:00Z'}");
}

static void disruption_end_half_a_second_after_start_is_valid(void **state)
{
	(void)state;
	valid(HEAD("disruption") ",'service':'gas','started_at':'2023-01-17T08:00:00Z',"
	      "'ended_at':'2023-01-17T08:00:00.5Z'}",
	      "{'corridor':'lachin','ended_at':'2023-01-17T08:00:00.500000Z','kind':'disruption',"
	      "'report_id':'" ID1 "','service':'gas','started_at':'2023-01-17T08:00:00Z'}");
}

static void disruption_end_half_a_second_before_start_is_refused(void **state)
{
	(void)state;
	invalid(HEAD("disruption") ",'service':'gas','started_at':'2023-01-17T08:00:00.5Z',"
		"'ended_at':'2023-01-17T08:00:00Z'}",
		EXPS({ 0, "ended_at", "must not be before started_at" }));
}

/* ---- access ------------------------------------------------------------- */

static void access_valid_report_is_canonical(void **state)
{
	(void)state;
	valid(HEAD("access") ",'status':'blocked','at':'2023-01-17T08:00:00+04:00',"
	      "'crossing':'Lachin checkpoint'}",
	      "{'at':'2023-01-17T04:00:00Z','corridor':'lachin','crossing':'Lachin checkpoint',"
	      "'kind':'access','report_id':'" ID1 "','status':'blocked'}");
}

static void access_reports_missing_required_fields(void **state)
{
	(void)state;
	invalid(HEAD("access") "}",
		EXPS({ 0, "status", "is required" }, { 0, "at", "is required" }));
}

static void access_refuses_unknown_status(void **state)
{
	(void)state;
	invalid(HEAD("access") ",'status':'closed','at':'2023-01-17T08:00:00Z'}",
		EXPS({ 0, "status", "must be one of: open, restricted, blocked" }));
}

static void access_crossing_must_belong_to_the_corridor(void **state)
{
	(void)state;
	invalid(HEAD("access") ",'status':'open','at':'2023-01-17T08:00:00Z','crossing':'hakari bridge'}",
		EXPS({ 0, "crossing", MSG_CROSSING }));
}

/* ---- report_parse_body -------------------------------------------------- */

static void body_with_one_report_parses(void **state)
{
	struct parsed p;

	(void)state;
	parse("{'kind':'access','report_id':'" ID1U "','corridor':'lachin','status':'open',"
	      "'at':'2023-01-17T08:00:00Z'}", &p);
	assert_int_equal(p.rc, 0);
	assert_string_equal(dump(p.errs), "[]");
	assert_string_equal(dump(p.canon),
			    "[{\"at\":\"2023-01-17T08:00:00Z\",\"corridor\":\"lachin\",\"kind\":\"access\","
			    "\"report_id\":\"" ID1 "\",\"status\":\"open\"}]");
	assert_string_equal(dump(p.raw),
			    "[{\"at\":\"2023-01-17T08:00:00Z\",\"corridor\":\"lachin\",\"kind\":\"access\","
			    "\"report_id\":\"" ID1U "\",\"status\":\"open\"}]");
	parsed_free(&p);
}

static void body_with_a_batch_parses_in_order(void **state)
{
	struct parsed p;

	(void)state;
	parse("{'reports':[" HEAD("trucks") ",'date':'2023-01-17','trucks':1},"
	      "{'kind':'access','report_id':'" ID2 "','corridor':'lachin','status':'open',"
	      "'at':'2023-01-17T08:00:00Z'}]}", &p);
	assert_int_equal(p.rc, 0);
	assert_int_equal(json_array_size(p.canon), 2);
	assert_int_equal(json_array_size(p.raw), 2);
	assert_int_equal(report_kind_of(json_array_get(p.canon, 0)), KIND_TRUCKS);
	assert_int_equal(report_kind_of(json_array_get(p.canon, 1)), KIND_ACCESS);
	assert_string_equal(json_string_value(json_object_get(json_array_get(p.raw, 1), "report_id")), ID2);
	parsed_free(&p);
}

static void body_batch_reports_errors_with_indexes(void **state)
{
	(void)state;
	invalid_body("{'reports':[" HEAD("trucks") ",'date':'2023-01-17','trucks':1},"
		     "{'kind':'trucks','report_id':'" ID2 "','corridor':'lachin','date':'2023-01-17','trucks':-1},"
		     "{'kind':'access','report_id':'123e4567-e89b-42d3-a456-426614174002','corridor':'lachin',"
		     "'status':'open','at':'2023-01-17T08:00:00Z'},"
		     "{'kind':'bus'}, 5]}",
		     EXPS({ 1, "trucks", "must be >= 0" }, { 3, "kind", MSG_KINDS },
			  { 4, "", "must be a JSON object" }));
}

static void body_batch_refuses_duplicate_report_ids(void **state)
{
	(void)state;
	invalid_body("{'reports':[" HEAD("trucks") ",'date':'2023-01-17','trucks':1},"
		     "{'kind':'trucks','report_id':'" ID2 "','corridor':'lachin','date':'2023-01-17','trucks':2},"
		     "{'kind':'trucks','report_id':'" ID1U "','corridor':'lachin','date':'2023-01-18','trucks':3}]}",
		     EXPS({ 2, "report_id", "appears twice in this batch" }));
}

static void body_empty_batch_is_invalid(void **state)
{
	(void)state;
	invalid_body("{'reports':[]}", EXPS({ 0, "reports", "must hold at least one report" }));
}

static void body_batch_must_be_a_lone_array(void **state)
{
	(void)state;
	bad_body("{'reports':{}}", MSG_BATCH);
	bad_body("{'reports':null}", MSG_BATCH);
	bad_body("{'reports':[],'extra':1}", MSG_BATCH);
}

static void body_must_be_an_object(void **state)
{
	(void)state;
	bad_body("[]", "body must be a report object or {\"reports\": [...]}");
	bad_body("[{'kind':'trucks'}]", "body must be a report object or {\"reports\": [...]}");
}

static void body_invalid_json_is_refused(void **state)
{
	static const char *const bodies[] = { "{'kind':", "", "{} x", "{'a':1,}", NULL };

	(void)state;
	for (int i = 0; bodies[i]; i++) {
		struct parsed p;
		int prefix_ok;

		parse(bodies[i], &p);
		prefix_ok = strncmp(p.errmsg, "body is not valid JSON: ", 24) == 0;
		parsed_free(&p);
		assert_int_equal(p.rc, -1);
		assert_true(prefix_ok);
	}
}

static void body_with_duplicate_keys_is_refused(void **state)
{
	struct parsed p;
	int mentions;

	(void)state;
	parse(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'trucks':2}", &p);
	mentions = strncmp(p.errmsg, "body is not valid JSON: ", 24) == 0 &&
		   strstr(p.errmsg, "duplicate") != NULL;
	parsed_free(&p);
	assert_int_equal(p.rc, -1);
	assert_true(mentions);
}

static void body_is_read_only_up_to_len(void **state)
{
	const char *body = "{\"kind\":\"access\",\"report_id\":\"" ID1 "\",\"corridor\":\"lachin\","
			   "\"status\":\"open\",\"at\":\"2023-01-17T08:00:00Z\"}GARBAGE";
	json_t *canon, *raw, *errs = json_array();
	char errmsg[256] = "";
	int rc = report_parse_body(body, strlen(body) - 7, cfg, NOW, &canon, &raw, errs,
				   errmsg, sizeof(errmsg));

	(void)state;
	json_decref(canon);
	json_decref(raw);
	json_decref(errs);
	assert_int_equal(rc, 0);
	assert_string_equal(errmsg, "");
}

/* ---- report_hash -------------------------------------------------------- */

static void hash_ignores_key_order_and_uuid_case(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	hash_of(HEAD("trucks") ",'date':'2023-01-17','trucks':12,'tonnes':30}", a);
	hash_of("{'tonnes':30.0,'trucks':12,'date':'2023-01-17','corridor':'lachin',"
		"'report_id':'" ID1U "','direction':'inbound','kind':'trucks'}", b);
	assert_memory_equal(a, b, 32);
}

static void hash_ignores_offset_spelling_of_the_same_instant(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	hash_of(HEAD("access") ",'status':'open','at':'2023-01-17T08:00:00+04:00'}", a);
	hash_of(HEAD("access") ",'status':'open','at':'2023-01-17T04:00:00.000Z'}", b);
	assert_memory_equal(a, b, 32);
}

static void hash_differs_for_different_content(void **state)
{
	unsigned char a[32], b[32], c[32];

	(void)state;
	hash_of(HEAD("trucks") ",'date':'2023-01-17','trucks':12}", a);
	hash_of(HEAD("trucks") ",'date':'2023-01-17','trucks':13}", b);
	hash_of(HEAD("trucks") ",'date':'2023-01-17','trucks':12,'direction':'outbound'}", c);
	assert_memory_not_equal(a, b, 32);
	assert_memory_not_equal(a, c, 32);
	assert_memory_not_equal(b, c, 32);
}

/* ---- report_param / report_kind_of -------------------------------------- */

static void param_of_strings_is_the_value(void **state)
{
	char out[64];

	(void)state;
	param_of(HEAD("trucks") ",'date':'2023-01-17','trucks':12}", "corridor", out, sizeof(out));
	assert_string_equal(out, "lachin");
	param_of(HEAD("trucks") ",'observed_at':'2023-01-17T08:00:00+04:00','trucks':12}",
		 "observed_at", out, sizeof(out));
	assert_string_equal(out, "2023-01-17T04:00:00Z");
}

static void param_of_absent_field_is_null(void **state)
{
	char out[64];

	(void)state;
	param_of(HEAD("trucks") ",'date':'2023-01-17','trucks':12}", "cargo", out, sizeof(out));
	assert_string_equal(out, "(null)");
	param_of(HEAD("trucks") ",'date':'2023-01-17','trucks':12}", "observed_at", out, sizeof(out));
	assert_string_equal(out, "(null)");
}

static void param_of_integers_is_decimal(void **state)
{
	char out[64];

	(void)state;
	param_of(HEAD("trucks") ",'date':'2023-01-17','trucks':12}", "trucks", out, sizeof(out));
	assert_string_equal(out, "12");
	param_of(HEAD("disruption") ",'service':'gas','started_at':'2023-01-17T08:00:00Z',"
		 "'people_affected':2000000000}", "people_affected", out, sizeof(out));
	assert_string_equal(out, "2000000000");
}

static void param_of_reals_is_decimal(void **state)
{
	char out[64];

	(void)state;
	param_of(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'tonnes':12.5}", "tonnes", out, sizeof(out));
	assert_string_equal(out, "12.5");
	param_of(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'tonnes':30}", "tonnes", out, sizeof(out));
	assert_string_equal(out, "30");
}

/* tonnes goes to a numeric column: the text must be the number reported, not binary noise. */
static void param_of_reals_is_the_shortest_exact_decimal(void **state)
{
	char out[64];

	(void)state;
	param_of(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'tonnes':12.3}", "tonnes", out, sizeof(out));
	assert_string_equal(out, "12.3");
	param_of(HEAD("trucks") ",'date':'2023-01-17','trucks':1,'tonnes':0.1}", "tonnes", out, sizeof(out));
	assert_string_equal(out, "0.1");
}

/* Stage two: counting points, consignors, sectors. */
static void trucks_stage_and_consignor(void **state)
{
	(void)state;
	valid(HEAD("trucks") ",'date':'2023-01-17','trucks':5,'stage':'collected',"
	      "'consignor':'red_cross','cargo':'nutrition'}",
	      "{'cargo':'nutrition','consignor':'red_cross','corridor':'lachin','date':'2023-01-17',"
	      "'direction':'inbound','kind':'trucks','report_id':'" ID1 "','stage':'collected','trucks':5}");
	/* "crossed" is what no stage means: the same content, hence the same hash. */
	valid(HEAD("trucks") ",'date':'2023-01-17','trucks':5,'stage':'crossed'}",
	      "{'corridor':'lachin','date':'2023-01-17','direction':'inbound','kind':'trucks',"
	      "'report_id':'" ID1 "','trucks':5}");
	valid(HEAD("trucks") ",'date':'2023-01-17','trucks':40,'stage':'waiting'}",
	      "{'corridor':'lachin','date':'2023-01-17','direction':'inbound','kind':'trucks',"
	      "'report_id':'" ID1 "','stage':'waiting','trucks':40}");
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':5,'stage':'arrived','consignor':'UN'}",
		EXPS({ 0, "stage", "must be one of: dispatched, inspected, crossed, collected, delivered, "
			"intercepted, waiting" },
		     { 0, "consignor", "must be one of: un, ngo, red_cross, government, commercial, other" }));
	invalid(HEAD("trucks") ",'date':'2023-01-17','trucks':5,'stage':3}",
		EXPS({ 0, "stage", "must be a string" }));
}

static void movement_valid_and_invalid(void **state)
{
	(void)state;
	valid(HEAD("movement") ",'outcome':'denied','planned_for':'2023-01-17','purpose':'medical',"
	      "'from':'Goris','to':'Stepanakert','delay_hours':4.5,'crossing':'Hakari bridge'}",
	      "{'corridor':'lachin','crossing':'Hakari bridge','delay_hours':4.5,'from':'Goris',"
	      "'kind':'movement','outcome':'denied','planned_for':'2023-01-17','purpose':'medical',"
	      "'report_id':'" ID1 "','to':'Stepanakert'}");
	invalid(HEAD("movement") "}",
		EXPS({ 0, "outcome", "is required" }, { 0, "planned_for", "is required" }));
	invalid(HEAD("movement") ",'outcome':'blocked','planned_for':'2023-02-30','purpose':'fun',"
		"'delay_hours':-1,'crossing':'Nowhere','trucks':3}",
		EXPS({ 0, "trucks", MSG_UNKNOWN },
		     { 0, "outcome", "must be one of: facilitated, partially_facilitated, impeded, denied, postponed" },
		     { 0, "planned_for", MSG_DATE },
		     { 0, "purpose", "must be one of: food, medical, fuel, wash, assessment, staff, other" },
		     { 0, "delay_hours", "must be >= 0" }));
	invalid(HEAD("movement") ",'outcome':'denied','planned_for':'2023-01-17','crossing':'Nowhere'}",
		EXPS({ 0, "crossing", MSG_CROSSING }));
	invalid(HEAD("movement") ",'outcome':'denied','planned_for':'2023-01-17','delay_hours':10001}",
		EXPS({ 0, "delay_hours", "must be <= 10000" }));
}

static void kind_of_names_each_kind(void **state)
{
	static const char *const kinds[] = { "trucks", "shortage", "disruption", "access", "movement" };

	(void)state;
	for (int k = 0; k < KIND_COUNT; k++) {
		json_t *o = json_pack("{s:s}", "kind", kinds[k]);
		enum report_kind got = report_kind_of(o);

		json_decref(o);
		assert_int_equal(got, k);
		assert_string_equal(report_kinds[k], kinds[k]);
		assert_string_equal(kind_specs[k].name, kinds[k]);
	}
	assert_null(report_kinds[KIND_COUNT]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trucks_valid_report_is_canonical),
		cmocka_unit_test(trucks_with_every_field_is_canonical),
		cmocka_unit_test(trucks_with_date_alone_is_valid),
		cmocka_unit_test(trucks_null_fields_count_as_absent),
		cmocka_unit_test(trucks_requires_date_or_observed_at),
		cmocka_unit_test(trucks_reports_missing_required_fields),
		cmocka_unit_test(trucks_refuses_numbers_out_of_range),
		cmocka_unit_test(trucks_accepts_numbers_at_the_limits),
		cmocka_unit_test(trucks_refuses_wrong_json_types),
		cmocka_unit_test(trucks_refuses_fractional_counts),
		cmocka_unit_test(trucks_refuses_unknown_enum_values),
		cmocka_unit_test(trucks_refuses_bad_dates_and_timestamps),
		cmocka_unit_test(common_fields_report_each_error),
		cmocka_unit_test(note_is_limited_to_4000_characters),
		cmocka_unit_test(note_of_4000_two_byte_characters_is_valid),
		cmocka_unit_test(text_with_control_characters_is_refused),
		cmocka_unit_test(unknown_fields_are_reported),
		cmocka_unit_test(unknown_fields_are_reported_beside_other_errors),
		cmocka_unit_test(kind_is_required),
		cmocka_unit_test(kind_must_be_known),
		cmocka_unit_test(report_must_be_an_object),
		cmocka_unit_test(crossing_must_belong_to_the_corridor),
		cmocka_unit_test(crossing_is_free_when_the_corridor_lists_none),
		cmocka_unit_test(supersedes_must_not_be_the_report_itself),
		cmocka_unit_test(dates_and_timestamps_in_the_future_are_refused),
		cmocka_unit_test(today_and_recent_times_are_not_future),
		cmocka_unit_test(shortage_valid_report_is_canonical),
		cmocka_unit_test(shortage_reports_missing_required_fields),
		cmocka_unit_test(shortage_refuses_unknown_enum_values),
		cmocka_unit_test(shortage_item_is_limited_to_200_characters),
		cmocka_unit_test(shortage_item_of_200_two_byte_characters_is_valid),
		cmocka_unit_test(shortage_refuses_trucks_fields),
		cmocka_unit_test(disruption_valid_report_is_canonical),
		cmocka_unit_test(disruption_reports_missing_required_fields),
		cmocka_unit_test(disruption_refuses_bad_fields),
		cmocka_unit_test(disruption_end_before_start_is_refused),
		cmocka_unit_test(disruption_end_equal_to_start_is_valid),
		cmocka_unit_test(disruption_end_half_a_second_after_start_is_valid),
		cmocka_unit_test(disruption_end_half_a_second_before_start_is_refused),
		cmocka_unit_test(access_valid_report_is_canonical),
		cmocka_unit_test(access_reports_missing_required_fields),
		cmocka_unit_test(access_refuses_unknown_status),
		cmocka_unit_test(access_crossing_must_belong_to_the_corridor),
		cmocka_unit_test(body_with_one_report_parses),
		cmocka_unit_test(body_with_a_batch_parses_in_order),
		cmocka_unit_test(body_batch_reports_errors_with_indexes),
		cmocka_unit_test(body_batch_refuses_duplicate_report_ids),
		cmocka_unit_test(body_empty_batch_is_invalid),
		cmocka_unit_test(body_batch_must_be_a_lone_array),
		cmocka_unit_test(body_must_be_an_object),
		cmocka_unit_test(body_invalid_json_is_refused),
		cmocka_unit_test(body_with_duplicate_keys_is_refused),
		cmocka_unit_test(body_is_read_only_up_to_len),
		cmocka_unit_test(hash_ignores_key_order_and_uuid_case),
		cmocka_unit_test(hash_ignores_offset_spelling_of_the_same_instant),
		cmocka_unit_test(hash_differs_for_different_content),
		cmocka_unit_test(param_of_strings_is_the_value),
		cmocka_unit_test(param_of_absent_field_is_null),
		cmocka_unit_test(param_of_integers_is_decimal),
		cmocka_unit_test(param_of_reals_is_decimal),
		cmocka_unit_test(param_of_reals_is_the_shortest_exact_decimal),
		cmocka_unit_test(kind_of_names_each_kind),
		cmocka_unit_test(trucks_stage_and_consignor),
		cmocka_unit_test(movement_valid_and_invalid),
	};

	return cmocka_run_group_tests(tests, setup_config, teardown_config);
}
