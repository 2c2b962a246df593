/*
 * Unit tests for daemon/openrosa.c: mapping submitted instances to report
 * objects, refusing DTDs (XXE, billion laughs), OpenRosa responses, the
 * form list and its MD5 hashes.
 *
 * Instances are written the way ODK Collect and Enketo send them: the
 * form's root element with its id and version, the javarosa/orx
 * namespaces declared, unanswered questions as empty elements, and
 * meta/instanceID as "uuid:...".  Expected JSON uses single quotes.
 * Run from the source tree's root (the shipped forms are read from
 * etc/forms), as tests/run.sh does.
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
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/openrosa.h"
#include "core/report.h"
#include "util/strbuf.h"

/* 2023-11-14T22:13:20Z */
#define NOW ((int64_t)1700000000)
#define ID1 "123e4567-e89b-42d3-a456-426614174000"
#define ID2 "123e4567-e89b-42d3-a456-426614174001"

#define OPEN(form) "<?xml version='1.0' encoding='UTF-8' ?>" \
	"<data xmlns:jr=\"http://openrosa.org/javarosa\" xmlns:orx=\"http://openrosa.org/xforms\" " \
	"id=\"" form "\" version=\"2026112801\">"
#define META "<meta><instanceID>uuid:" ID1 "</instanceID><deprecatedID/>" \
	"<instanceName>Trucks</instanceName></meta>"
#define CLOSE "</data>"

static const char config_text[] =
	"corridors = (\n"
	"  { id = \"lachin\"; name = \"Lachin\"; baseline_trucks_per_day = 400;\n"
	"    timezone = \"Asia/Yerevan\";\n"
	"    crossings = ( \"Hakari bridge\", \"Lachin checkpoint\" ); }\n"
	");\n";

#define UNIT_CONFIG_GROUP
#include "unit_config.h"

/* ---- helpers ------------------------------------------------------------ */

/* Sorted compact JSON with single quotes, in one of two static buffers. */
static const char *dump(const json_t *v)
{
	static char bufs[2][8192];
	static int which;
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *out = bufs[which ^= 1];

	snprintf(out, sizeof(bufs[0]), "%s", s ? s : "(null)");
	free(s);
	for (char *p = out; *p; p++)
		if (*p == '"')
			*p = '\'';
	return out;
}

/* Maps xml and compares the report object with want (sorted keys, single quotes). */
static void check_map(const char *xml, const char *want)
{
	char err[256] = "";
	json_t *obj = openrosa_instance_to_report(xml, strlen(xml), &i18n_english, err, sizeof(err));

	if (!obj)
		fail_msg("refused: %s", err);
	assert_string_equal(dump(obj), want);
	json_decref(obj);
}

/* Maps xml and expects a refusal with exactly the message want. */
/* Refused with "Not stored: WANT." for the field worker. */
static void check_refused(const char *xml, const char *want)
{
	char err[512] = "", sentence[512];
	json_t *obj = openrosa_instance_to_report(xml, strlen(xml), &i18n_english, err, sizeof(err));

	if (obj)
		fail_msg("accepted: %s", dump(obj));
	snprintf(sentence, sizeof(sentence), "Not stored: %s.", want);
	assert_string_equal(err, sentence);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		fail_msg("cannot open %s (run from the source tree's root)", path);
	buf = xmalloc(OPENROSA_MAX_XML + 1);
	*len = fread(buf, 1, OPENROSA_MAX_XML, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* ---- mapping each kind ----------------------------------------------------- */

static void trucks_instance_maps_to_the_json_report(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_trucks")
		  "<start>2023-01-11T08:00:00.000+04:00</start><deviceid>collect:abc</deviceid>"
		  "<corridor>lachin</corridor><date>2023-01-11</date><direction>inbound</direction>"
		  "<crossing>Hakari bridge</crossing><trucks>5</trucks><cargo>food</cargo>"
		  "<tonnes>12.5</tonnes><turned_back>1</turned_back>"
		  "<source_url>https://example.org/sitrep/1</source_url><note>ICRC convoy</note>"
		  META CLOSE,
		  "{'cargo':'food','corridor':'lachin','crossing':'Hakari bridge','date':'2023-01-11',"
		  "'direction':'inbound','kind':'trucks','note':'ICRC convoy','report_id':'" ID1 "',"
		  "'source_url':'https://example.org/sitrep/1','tonnes':12.5,'trucks':5,'turned_back':1}");
}

static void shortage_instance_maps_to_the_json_report(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_shortage")
		  "<corridor>lachin</corridor><date>2023-01-20</date><item>baby formula</item>"
		  "<severity>critical</severity><category>baby</category><location>Stepanakert</location>"
		  "<source_url/><note/>" META CLOSE,
		  "{'category':'baby','corridor':'lachin','date':'2023-01-20','item':'baby formula',"
		  "'kind':'shortage','location':'Stepanakert','report_id':'" ID1 "','severity':'critical'}");
}

static void disruption_instance_maps_to_the_json_report(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_disruption")
		  "<corridor>lachin</corridor><service>gas</service>"
		  "<started_at>2023-01-17T08:00:00.000+04:00</started_at><ended_at/>"
		  "<disruption_id>gas-jan</disruption_id><location>Stepanakert</location>"
		  "<people_affected>120000</people_affected><source_url/><note/>" META CLOSE,
		  "{'corridor':'lachin','disruption_id':'gas-jan','kind':'disruption',"
		  "'location':'Stepanakert','people_affected':120000,'report_id':'" ID1 "',"
		  "'service':'gas','started_at':'2023-01-17T08:00:00.000+04:00'}");
}

static void access_instance_maps_to_the_json_report(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_access")
		  "<corridor>lachin</corridor><status>blocked</status>"
		  "<at>2022-12-12T10:30:00.000+04:00</at><crossing>Lachin checkpoint</crossing>"
		  "<source_url/><note>road closed by \"eco-activists\" &amp; police</note>" META CLOSE,
		  "{'at':'2022-12-12T10:30:00.000+04:00','corridor':'lachin','crossing':'Lachin checkpoint',"
		  "'kind':'access','note':'road closed by \\'eco-activists\\' & police','report_id':'" ID1 "',"
		  "'status':'blocked'}");
}

/* The mapped object goes through report_validate like a JSON submission. */
static void mapped_instance_validates_like_the_same_json(void **state)
{
	const char *xml = OPEN("supplywatch_disruption")
		"<corridor>lachin</corridor><service>gas</service>"
		"<started_at>2023-01-17T08:00:00.000+04:00</started_at>"
		"<ended_at>2023-01-19T10:00:00.000+04:00</ended_at>"
		"<people_affected>120000</people_affected>" META CLOSE;
	json_t *errs = json_array(), *obj, *from_xml, *from_json;
	char err[256];

	(void)state;
	obj = openrosa_instance_to_report(xml, strlen(xml), &i18n_english, err, sizeof(err));
	assert_non_null(obj);
	from_xml = report_validate(obj, 0, cfg, NOW, errs);
	json_decref(obj);
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "kind", "disruption",
			"report_id", ID1, "corridor", "lachin", "service", "gas",
			"started_at", "2023-01-17T08:00:00+04:00", "ended_at", "2023-01-19T10:00:00+04:00",
			"people_affected", 120000);
	from_json = report_validate(obj, 0, cfg, NOW, errs);
	json_decref(obj);
	assert_int_equal(json_array_size(errs), 0);
	assert_string_equal(dump(from_xml), dump(from_json));
	assert_string_equal(dump(from_xml),
		"{'corridor':'lachin','ended_at':'2023-01-19T06:00:00Z','kind':'disruption',"
		"'people_affected':120000,'report_id':'" ID1 "','service':'gas',"
		"'started_at':'2023-01-17T04:00:00Z'}");
	json_decref(from_xml);
	json_decref(from_json);
	json_decref(errs);
}

static void invalid_values_reach_validation_as_json_would_carry_them(void **state)
{
	const char *xml = OPEN("supplywatch_trucks")
		"<corridor>lachin</corridor><date>2023-01-11</date><trucks>5.5</trucks>"
		"<tonnes>lots</tonnes><turned_back>-1</turned_back>" META CLOSE;
	json_t *errs = json_array(), *obj, *canon;
	char err[256];

	(void)state;
	check_map(xml, "{'corridor':'lachin','date':'2023-01-11','kind':'trucks','report_id':'" ID1 "',"
		  "'tonnes':'lots','trucks':'5.5','turned_back':-1}");
	obj = openrosa_instance_to_report(xml, strlen(xml), &i18n_english, err, sizeof(err));
	canon = report_validate(obj, 0, cfg, NOW, errs);
	assert_null(canon);
	assert_string_equal(dump(errs),
		"[{'field':'trucks','index':0,'reason':'must be a whole number'},"
		"{'field':'tonnes','index':0,'reason':'must be a number'},"
		"{'field':'turned_back','index':0,'reason':'must be >= 0'}]");
	json_decref(obj);
	json_decref(errs);
}

/* ---- details of the mapping -------------------------------------------------- */

static void empty_and_blank_answers_are_absent_and_text_is_trimmed(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_shortage")
		  "<corridor>\n  lachin \n</corridor><date>2023-01-20</date><item> bread </item>"
		  "<severity>low</severity><category></category><location>   </location>"
		  "<note><![CDATA[a < b]]></note>" META CLOSE,
		  "{'corridor':'lachin','date':'2023-01-20','item':'bread','kind':'shortage',"
		  "'note':'a < b','report_id':'" ID1 "','severity':'low'}");
}

/* The same conversion as CSV cells (report_value_of_text): counts must be whole. */
static void numbers_that_parse_become_json_numbers(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_trucks")
		  "<corridor>lachin</corridor><date>2023-01-11</date><trucks>0</trucks>"
		  "<tonnes>12</tonnes><turned_back>1e400</turned_back>" META CLOSE,
		  "{'corridor':'lachin','date':'2023-01-11','kind':'trucks','report_id':'" ID1 "',"
		  "'tonnes':12,'trucks':0,'turned_back':'1e400'}");
	check_map(OPEN("supplywatch_trucks")
		  "<trucks>0x10</trucks><tonnes>.5</tonnes><turned_back>nan</turned_back>" META CLOSE,
		  "{'kind':'trucks','report_id':'" ID1 "','tonnes':0.5,'trucks':'0x10','turned_back':'nan'}");
	check_map(OPEN("supplywatch_trucks") "<tonnes>1.25e2</tonnes>" META CLOSE,
		  "{'kind':'trucks','report_id':'" ID1 "','tonnes':125.0}");
}

static void groups_are_looked_into_and_metadata_is_ignored(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_access")
		  "<start>2023-01-11T08:00:00.000+04:00</start><end>2023-01-11T08:05:00.000+04:00</end>"
		  "<today>2023-01-11</today><username>amira</username><kind>trucks</kind>"
		  "<report_id>" ID2 "</report_id><formhub><uuid>abc</uuid></formhub>"
		  "<where><corridor>lachin</corridor><crossing>Hakari bridge</crossing></where>"
		  "<what><status>open</status><at>2023-01-11T08:00:00Z</at></what>"
		  "<orx:meta><orx:instanceID>uuid:" ID1 "</orx:instanceID>"
		  "<orx:timeStart>x</orx:timeStart></orx:meta>" CLOSE,
		  "{'at':'2023-01-11T08:00:00Z','corridor':'lachin','crossing':'Hakari bridge',"
		  "'kind':'access','report_id':'" ID1 "','status':'open'}");
}

static void fields_of_another_kind_are_kept_for_validation_to_refuse(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_access") "<status>open</status><trucks>3</trucks>" META CLOSE,
		  "{'kind':'access','report_id':'" ID1 "','status':'open','trucks':3}");
}

static void deprecated_id_becomes_supersedes(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_trucks")
		  "<corridor>lachin</corridor><trucks>7</trucks>"
		  "<meta><instanceID>uuid:" ID1 "</instanceID>"
		  "<deprecatedID>uuid:" ID2 "</deprecatedID></meta>" CLOSE,
		  "{'corridor':'lachin','kind':'trucks','report_id':'" ID1 "','supersedes':'" ID2 "',"
		  "'trucks':7}");
}

static void instance_id_without_the_uuid_prefix_is_taken_as_it_is(void **state)
{
	(void)state;
	check_map(OPEN("supplywatch_trucks") "<meta><instanceID>" ID2 "</instanceID></meta>" CLOSE,
		  "{'kind':'trucks','report_id':'" ID2 "'}");
	check_map(OPEN("supplywatch_trucks") "<meta><instanceID>UUID:" ID2 "</instanceID></meta>" CLOSE,
		  "{'kind':'trucks','report_id':'" ID2 "'}");
}

/* ---- refusals ------------------------------------------------------------------ */

static void missing_instance_id_is_refused(void **state)
{
	(void)state;
	check_refused(OPEN("supplywatch_trucks") "<trucks>5</trucks>" CLOSE,
		      "the form data has no meta/instanceID");
	check_refused(OPEN("supplywatch_trucks") "<trucks>5</trucks><meta><instanceID/></meta>" CLOSE,
		      "the form data has no meta/instanceID");
}

static void bad_xml_is_refused_with_the_line(void **state)
{
	(void)state;
	check_refused(OPEN("supplywatch_trucks") "\n<trucks>5</truck>" META CLOSE,
		      "the form data is not well-formed XML (line 2: "
		      "Opening and ending tag mismatch: trucks line 2 and truck)");
	check_refused("<data id=\"supplywatch_trucks\"><note>&nbsp;</note></data>",
		      "the form data is not well-formed XML (line 1: Entity 'nbsp' not defined)");
	check_refused("not xml", "the form data is not well-formed XML (line 1: "
		      "Start tag expected, '<' not found)");
	check_refused("", "the form data is empty or could not be read");
}

static void xxe_is_refused_before_the_entity_is_read(void **state)
{
	(void)state;
	check_refused("<?xml version=\"1.0\"?>\n"
		      "<!DOCTYPE data [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
		      "<data id=\"supplywatch_trucks\"><corridor>lachin</corridor><note>&xxe;</note>"
		      META CLOSE,
		      "DOCTYPE not allowed in form data");
	check_refused("<!DOCTYPE data SYSTEM \"http://127.0.0.1:1/evil.dtd\">"
		      "<data id=\"supplywatch_trucks\">" META CLOSE,
		      "DOCTYPE not allowed in form data");
	check_refused("<!DOCTYPE data [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
		      "<data id=\"supplywatch_trucks\">" META CLOSE,
		      "DOCTYPE not allowed in form data");
}

static void billion_laughs_is_refused_at_once(void **state)
{
	struct strbuf x = STRBUF_INIT;
	struct timespec a, b;

	(void)state;
	sb_addstr(&x, "<?xml version=\"1.0\"?>\n<!DOCTYPE data [\n<!ENTITY lol \"lol\">\n");
	for (int i = 1; i <= 9; i++) {
		sb_addf(&x, "<!ENTITY lol%d \"", i);
		for (int j = 0; j < 10; j++)
			sb_addf(&x, "&lol%.0d;", i - 1);
		sb_addstr(&x, "\">\n");
	}
	sb_addstr(&x, "]>\n<data id=\"supplywatch_trucks\"><note>&lol9;</note>" META CLOSE);
	clock_gettime(CLOCK_MONOTONIC, &a);
	check_refused(x.buf, "DOCTYPE not allowed in form data");
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 2);
	sb_release(&x);
}

static void unknown_form_is_refused(void **state)
{
	(void)state;
	check_refused(OPEN("household_survey") META CLOSE,
		      "this server does not know the form \"household_survey\"; "
		      "get the blank forms again from this server");
	check_refused("<data>" META CLOSE,
		      "this server does not know the form \"\"; get the blank forms again from this server");
}

static void a_question_answered_twice_is_refused(void **state)
{
	(void)state;
	check_refused(OPEN("supplywatch_trucks")
		      "<trucks>5</trucks><g><trucks>6</trucks></g>" META CLOSE,
		      "trucks is answered more than once in this form");
	check_refused(OPEN("supplywatch_trucks") "<trucks><n>5</n></trucks>" META CLOSE,
		      "<trucks> must hold an answer, not other elements");
}

static void oversized_input_is_refused(void **state)
{
	size_t n = OPENROSA_MAX_XML + 1;
	char *big = xmalloc(n), err[128];

	(void)state;
	memset(big, ' ', n);
	assert_null(openrosa_instance_to_report(big, n, &i18n_english, err, sizeof(err)));
	assert_string_equal(err, "Not stored: the form data is larger than 1048576 bytes.");
	free(big);
}

/* The document is read up to len only: no NUL needed. */
static void input_is_read_only_up_to_len(void **state)
{
	const char *xml = OPEN("supplywatch_trucks") META CLOSE "<garbage";
	char err[128];
	json_t *obj;

	(void)state;
	obj = openrosa_instance_to_report(xml, strlen(xml) - strlen("<garbage"), &i18n_english, err, sizeof(err));
	assert_string_equal(dump(obj), "{'kind':'trucks','report_id':'" ID1 "'}");
	json_decref(obj);
}

/* ---- responses --------------------------------------------------------------------- */

static void response_escapes_the_message(void **state)
{
	struct strbuf b = STRBUF_INIT;

	(void)state;
	openrosa_response(&b, "submit_error", "note: must not contain <b> & \"quotes\" or 'these'");
	assert_string_equal(b.buf,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\">\n"
		"<message nature=\"submit_error\">note: must not contain &lt;b&gt; &amp; "
		"&quot;quotes&quot; or &#39;these&#39;</message>\n</OpenRosaResponse>\n");
	sb_release(&b);
}

static void details_become_one_sentence(void **state)
{
	struct strbuf b = STRBUF_INIT;
	json_t *d = json_array();

	(void)state;
	report_error(d, 0, "trucks", "must be >= 0");
	report_error(d, 0, "date", "is in the future");
	report_error(d, 0, "", "must be a JSON object");
	openrosa_details_message(&b, d, &i18n_english);
	assert_string_equal(b.buf, "trucks: must be >= 0; date: is in the future; must be a JSON object");
	sb_reset(&b);
	openrosa_details_message(&b, json_array_get(d, 5), &i18n_english);
	assert_string_equal(b.buf, "");
	sb_release(&b);
	json_decref(d);
}

/* ---- forms and the form list ----------------------------------------------------------- */

static const char form_text[] =
	"<?xml version=\"1.0\"?>\n"
	"<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\">"
	"<h:head><h:title> Trucks &amp; more </h:title><model>"
	"<instance id=\"lookup\"><root><x/></root></instance>"
	"<instance><data id=\"supplywatch_trucks\" version=\"7\"><trucks/></data></instance>"
	"</model></h:head><h:body/></h:html>\n";

static void form_info_reads_id_title_version_and_hash(void **state)
{
	struct openrosa_form f;
	char err[128], md5[33];

	(void)state;
	assert_int_equal(openrosa_form_info("t.xml", form_text, strlen(form_text), &f, err, sizeof(err)), 0);
	openrosa_md5_hex(form_text, strlen(form_text), md5);
	assert_string_equal(f.file, "t.xml");
	assert_string_equal(f.id, "supplywatch_trucks");
	assert_string_equal(f.name, "Trucks & more");
	assert_string_equal(f.version, "7");
	assert_string_equal(f.md5, md5);
	openrosa_form_free(&f);
}

static void form_info_refuses_what_is_not_a_form(void **state)
{
	struct openrosa_form f;
	char err[128];
	const char *plain = "<data id=\"x\"/>";

	(void)state;
	assert_int_equal(openrosa_form_info("t.xml", plain, strlen(plain), &f, err, sizeof(err)), -1);
	assert_string_equal(err, "not an XForm: no h:head/model/instance with an id");
	assert_int_equal(openrosa_form_info("T.xml", form_text, strlen(form_text), &f, err, sizeof(err)), -1);
	assert_string_equal(err, "file name is not [a-z0-9_]+.xml");
	assert_int_equal(openrosa_form_info("t.xml", "<h:html", 7, &f, err, sizeof(err)), -1);
	assert_string_equal(err, "the form data is not well-formed XML (line 1: "
			    "Couldn't find end of Start Tag html line 1)");
}

static void shipped_forms_list_and_map(void **state)
{
	static const char *const kinds[] = { "trucks", "shortage", "disruption", "access", "movement" };
	static const char *const titles[] = { "Supplywatch: trucks counted", "Supplywatch: shortage seen",
		"Supplywatch: service cut", "Supplywatch: road open or closed",
		"Supplywatch: humanitarian movement" };
	static const char *const versions[] = { "2026120701", "2026120701", "2026120701", "2026120701",
		"2026120701" };

	(void)state;
	for (int i = 0; i < 5; i++) {
		char path[128], file[64], id[64], err[256];
		struct openrosa_form f;
		size_t len;
		char *xml;

		snprintf(file, sizeof(file), "supplywatch_%s.xml", kinds[i]);
		snprintf(path, sizeof(path), "etc/forms/%s", file);
		snprintf(id, sizeof(id), "supplywatch_%s", kinds[i]);
		xml = slurp(path, &len);
		if (openrosa_form_info(file, xml, len, &f, err, sizeof(err)) != 0)
			fail_msg("%s: %s", path, err);
		assert_string_equal(f.id, id);
		assert_string_equal(f.name, titles[i]);
		assert_string_equal(f.version, versions[i]);
		openrosa_form_free(&f);
		free(xml);
	}
}

static void form_list_names_every_form(void **state)
{
	struct openrosa_form f[2] = {
		{ "a.xml", "supplywatch_trucks", "Trucks <&>", "3", "0123456789abcdef0123456789abcdef" },
		{ "b_2.xml", "other", "Other", NULL, "fedcba9876543210fedcba9876543210" },
	};
	struct strbuf b = STRBUF_INIT;

	(void)state;
	openrosa_form_list(&b, "https://sw.example.org", f, 2);
	assert_string_equal(b.buf,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<xforms xmlns=\"http://openrosa.org/xforms/xformsList\">\n"
		"<xform><formID>supplywatch_trucks</formID><name>Trucks &lt;&amp;&gt;</name>"
		"<version>3</version><hash>md5:0123456789abcdef0123456789abcdef</hash>"
		"<downloadUrl>https://sw.example.org/forms/a.xml</downloadUrl></xform>\n"
		"<xform><formID>other</formID><name>Other</name>"
		"<hash>md5:fedcba9876543210fedcba9876543210</hash>"
		"<downloadUrl>https://sw.example.org/forms/b_2.xml</downloadUrl></xform>\n"
		"</xforms>\n");
	sb_reset(&b);
	openrosa_form_list(&b, "http://h", NULL, 0);
	assert_string_equal(b.buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<xforms xmlns=\"http://openrosa.org/xforms/xformsList\">\n</xforms>\n");
	sb_release(&b);
}

static void form_file_names_are_checked(void **state)
{
	(void)state;
	assert_true(openrosa_form_file_ok("supplywatch_trucks.xml"));
	assert_true(openrosa_form_file_ok("a1.xml"));
	assert_false(openrosa_form_file_ok(".xml"));
	assert_false(openrosa_form_file_ok("a.XML"));
	assert_false(openrosa_form_file_ok("A.xml"));
	assert_false(openrosa_form_file_ok("a-b.xml"));
	assert_false(openrosa_form_file_ok("../a.xml"));
	assert_false(openrosa_form_file_ok("a.xml.bak"));
	assert_false(openrosa_form_file_ok("a.xmlx"));
	assert_false(openrosa_form_file_ok(""));
	assert_true(openrosa_form_file_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.xml"));
	assert_false(openrosa_form_file_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.xml"));
}

static void base_url_comes_from_host_and_proxy(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(openrosa_base_url(out, sizeof(out), "127.0.0.1:8080", NULL), 0);
	assert_string_equal(out, "http://127.0.0.1:8080");
	assert_int_equal(openrosa_base_url(out, sizeof(out), "sw.example.org", "https"), 0);
	assert_string_equal(out, "https://sw.example.org");
	assert_int_equal(openrosa_base_url(out, sizeof(out), "[::1]:80", "HTTP"), 0);
	assert_string_equal(out, "http://[::1]:80");
	assert_int_equal(openrosa_base_url(out, sizeof(out), NULL, NULL), -1);
	assert_int_equal(openrosa_base_url(out, sizeof(out), "", NULL), -1);
	assert_int_equal(openrosa_base_url(out, sizeof(out), "evil.org/x", NULL), -1);
	assert_int_equal(openrosa_base_url(out, sizeof(out), "a b", NULL), -1);
	assert_int_equal(openrosa_base_url(out, sizeof(out), "<x>", NULL), -1);
	assert_int_equal(openrosa_base_url(out, 10, "sw.example.org", NULL), -1);
}

static void md5_matches_rfc_1321(void **state)
{
	static const char *const v[][2] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	char out[33];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		openrosa_md5_hex(v[i][0], strlen(v[i][0]), out);
		assert_string_equal(out, v[i][1]);
	}
}

/* Lengths around the 56- and 64-byte padding edges, against a known digest. */
static void md5_handles_padding_edges(void **state)
{
	char buf[130], out[33];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	openrosa_md5_hex(buf, 55, out);
	assert_string_equal(out, "04364420e25c512fd958a70738aa8f72");
	openrosa_md5_hex(buf, 56, out);
	assert_string_equal(out, "668a72d5ba17f08e62dabcafad6db14b");
	openrosa_md5_hex(buf, 64, out);
	assert_string_equal(out, "c1bb4f81d892b2d57947682aeb252456");
	openrosa_md5_hex(buf, 129, out);
	assert_string_equal(out, "3926841d393c00c3f36260e5ace10dc1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trucks_instance_maps_to_the_json_report),
		cmocka_unit_test(shortage_instance_maps_to_the_json_report),
		cmocka_unit_test(disruption_instance_maps_to_the_json_report),
		cmocka_unit_test(access_instance_maps_to_the_json_report),
		cmocka_unit_test(mapped_instance_validates_like_the_same_json),
		cmocka_unit_test(invalid_values_reach_validation_as_json_would_carry_them),
		cmocka_unit_test(empty_and_blank_answers_are_absent_and_text_is_trimmed),
		cmocka_unit_test(numbers_that_parse_become_json_numbers),
		cmocka_unit_test(groups_are_looked_into_and_metadata_is_ignored),
		cmocka_unit_test(fields_of_another_kind_are_kept_for_validation_to_refuse),
		cmocka_unit_test(deprecated_id_becomes_supersedes),
		cmocka_unit_test(instance_id_without_the_uuid_prefix_is_taken_as_it_is),
		cmocka_unit_test(missing_instance_id_is_refused),
		cmocka_unit_test(bad_xml_is_refused_with_the_line),
		cmocka_unit_test(xxe_is_refused_before_the_entity_is_read),
		cmocka_unit_test(billion_laughs_is_refused_at_once),
		cmocka_unit_test(unknown_form_is_refused),
		cmocka_unit_test(a_question_answered_twice_is_refused),
		cmocka_unit_test(oversized_input_is_refused),
		cmocka_unit_test(input_is_read_only_up_to_len),
		cmocka_unit_test(response_escapes_the_message),
		cmocka_unit_test(details_become_one_sentence),
		cmocka_unit_test(form_info_reads_id_title_version_and_hash),
		cmocka_unit_test(form_info_refuses_what_is_not_a_form),
		cmocka_unit_test(shipped_forms_list_and_map),
		cmocka_unit_test(form_list_names_every_form),
		cmocka_unit_test(form_file_names_are_checked),
		cmocka_unit_test(base_url_comes_from_host_and_proxy),
		cmocka_unit_test(md5_matches_rfc_1321),
		cmocka_unit_test(md5_handles_padding_edges),
	};

	return cmocka_run_group_tests(tests, setup_config, teardown_config);
}
