/*
 * Unit tests for daemon/core/xform.c: a template made into the form a
 * phone downloads.  itext per language (one language read from a
 * throwaway catalogue compiled here with msgfmt), texts whose IDs every
 * translation resolves, the corridor and crossing pick lists from the
 * configuration, the version that follows the document, and the
 * templates that are served as they are or refused.  Results are read back
 * with XPath, so each check names the one thing it is about.
 * Run from the source tree's root (the shipped forms are read from
 * etc/forms), as tests/run.sh does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/openrosa.h"
#include "core/xform.h"
#include "unit_config.h"

static char locale_dir[64];
static struct sw_config *cfg;		/* English only, one corridor */

/* A Russian catalogue with a few of the forms' texts, compiled by msgfmt. */
static const char ru_po[] =
	"msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
	"msgctxt \"language name\"\nmsgid \"English\"\nmsgstr \"Русский\"\n\n"
	"msgid \"How many trucks passed?\"\nmsgstr \"Сколько грузовиков прошло?\"\n\n"
	"msgid \"Food\"\nmsgstr \"Еда\"\n\n"
	"msgid \"Fish &amp; chips\"\nmsgstr \"Рыба &amp; картошка\"\n\n"
	"msgid \"Supplywatch: trucks counted\"\nmsgstr \"Supplywatch: грузовики\"\n\n"
	"msgid \"Write a whole number from 0 to 100,000.\"\nmsgstr \"Целое число от 0 до 100 000.\"\n";

static const char corridors[] =
	"corridors = (\n"
	"  { id = \"lachin\"; name = \"Lachin corridor\"; baseline_trucks_per_day = 400;\n"
	"    names = { ru = \"Лачинский коридор\"; };\n"
	"    crossings = ( { name = \"Hakari bridge\"; names = { ru = \"Мост Акари\"; }; },\n"
	"                  \"Lachin checkpoint\" ); },\n"
	"  { id = \"rafah\"; name = \"Rafah crossing\"; baseline_trucks_per_day = 500; }\n"
	");\n";

/* A small template: a typed corridor and crossing, a choice, a text with markup. */
static const char tmpl[] =
	"<?xml version=\"1.0\"?>\n"
	"<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\"\n"
	"        xmlns:jr=\"http://openrosa.org/javarosa\">\n"
	"  <h:head><h:title>Supplywatch: trucks counted</h:title>\n"
	"    <model><instance><data id=\"supplywatch_trucks\" version=\"7\"><corridor/><crossing/>"
	"<trucks/><cargo/><meta><instanceID/></meta></data></instance>\n"
	"      <bind nodeset=\"/data/corridor\" type=\"string\" required=\"true()\" "
	"jr:requiredMsg=\"Please answer this question.\" constraint=\"regex(., '^[a-z]+$')\" "
	"jr:constraintMsg=\"Small letters\"/>\n"
	"      <bind nodeset=\"/data/crossing\" type=\"string\"/>\n"
	"      <bind nodeset=\"/data/trucks\" type=\"int\" constraint=\". &lt;= 100000\" "
	"jr:constraintMsg=\"Write a whole number from 0 to 100,000.\"/>\n"
	"    </model></h:head>\n"
	"  <h:body>\n"
	"    <input ref=\"/data/corridor\"><label>Which corridor (road) is this about?</label></input>\n"
	"    <input ref=\"/data/crossing\"><label>At which crossing point? (optional)</label></input>\n"
	"    <input ref=\"/data/trucks\"><label>  How many\n      trucks passed?  </label>"
	"<hint>Seen <output value=\"/data/corridor\"/></hint></input>\n"
	"    <select1 ref=\"/data/cargo\"><label>Cargo</label>\n"
	"      <item><label>Food</label><value>food</value></item>\n"
	"      <item><label>Fish &amp; chips</label><value>fish</value></item>\n"
	"    </select1>\n"
	"  </h:body>\n"
	"</h:html>\n";

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The configuration with languages en and ru, the catalogue in a private directory. */
static struct sw_config *load(const char *corridor_text)
{
	char path[160], cmd[400], text[2048];

	snprintf(locale_dir, sizeof(locale_dir), "/tmp/sw-xform-XXXXXX");
	if (!mkdtemp(locale_dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/ru.po", locale_dir);
	write_file(path, ru_po);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/ru/LC_MESSAGES && msgfmt --check-format -o %s/ru/LC_MESSAGES/"
		 "supplywatch.mo %s", locale_dir, locale_dir, path);
	if (system(cmd) != 0)
		return NULL;
	snprintf(text, sizeof(text), "status = { languages = [ \"en\", \"ru\" ]; locale_dir = \"%s\"; };\n%s",
		 locale_dir, corridor_text);
	return unit_config_load(text);
}

static void unload(struct sw_config *c)
{
	char cmd[160];

	unit_config_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", locale_dir);
	if (system(cmd) != 0)
		fail_msg("cannot remove %s", locale_dir);
}

/* ---- reading the result ------------------------------------------------------- */

struct made {
	struct strbuf xml;
	xmlDocPtr doc;
	xmlXPathContextPtr xp;
};

static void make(struct made *m, const char *t, size_t len, const struct sw_config *c)
{
	char err[256] = "";

	sb_init(&m->xml);
	if (xform_make(t, len, c, &m->xml, err, sizeof(err)) != XFORM_MADE)
		fail_msg("not made: %s", err);
	m->doc = xmlReadMemory(m->xml.buf, (int)m->xml.len, "made.xml", NULL, XML_PARSE_NONET);
	assert_non_null(m->doc);
	m->xp = xmlXPathNewContext(m->doc);
	xmlXPathRegisterNs(m->xp, (const xmlChar *)"x", (const xmlChar *)"http://www.w3.org/2002/xforms");
	xmlXPathRegisterNs(m->xp, (const xmlChar *)"h", (const xmlChar *)"http://www.w3.org/1999/xhtml");
	xmlXPathRegisterNs(m->xp, (const xmlChar *)"jr", (const xmlChar *)"http://openrosa.org/javarosa");
}

static void unmake(struct made *m)
{
	xmlXPathFreeContext(m->xp);
	xmlFreeDoc(m->doc);
	sb_release(&m->xml);
}

/* The XPath expression's value as a string, in one of two static buffers. */
static const char *xp(struct made *m, const char *expr)
{
	static char bufs[2][4096];
	static int which;
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, m->xp);
	xmlChar *s = o ? xmlXPathCastToString(o) : NULL;
	char *out = bufs[which ^= 1];

	snprintf(out, sizeof(bufs[0]), "%s", s ? (const char *)s : "(error)");
	xmlFree(s);
	xmlXPathFreeObject(o);
	return out;
}

/* Every node of expr joined by "|", each as string(). */
static const char *xp_all(struct made *m, const char *expr)
{
	static char buf[4096];
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, m->xp);
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
		xmlChar *s = xmlXPathCastNodeToString(o->nodesetval->nodeTab[i]);

		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? "|" : "", (const char *)s);
		xmlFree(s);
	}
	xmlXPathFreeObject(o);
	return buf;
}

/* The text id has in the translation of lang. */
static const char *text_of(struct made *m, const char *lang, const char *id)
{
	char expr[512];

	snprintf(expr, sizeof(expr), "string(//x:itext/x:translation[@lang='%s']/x:text[@id='%s']/x:value)",
		 lang, id);
	return xp(m, expr);
}

/*
 * What ODK Validate would refuse about texts: a jr:itext('ID') reference,
 * or an itemset's itextId, that some translation lacks; two texts of one
 * ID; an item without a value.  Returns how many problems it printed.
 */
static int unresolved(struct made *m)
{
	xmlXPathObjectPtr refs = xmlXPathEvalExpression((const xmlChar *)
		"//@ref[starts-with(., \"jr:itext('\")] | //@jr:constraintMsg | //@jr:requiredMsg | //x:itextId",
		m->xp);
	int bad = 0, ntr = atoi(xp(m, "count(//x:itext/x:translation)"));

	for (int i = 0; refs && refs->nodesetval && i < refs->nodesetval->nodeNr; i++) {
		xmlChar *v = xmlXPathCastNodeToString(refs->nodesetval->nodeTab[i]);
		char id[512], expr[700];
		const char *s = (const char *)v;

		if (strncmp(s, "jr:itext('", 10) == 0)
			snprintf(id, sizeof(id), "%.*s", (int)(strlen(s) - 12), s + 10);
		else
			snprintf(id, sizeof(id), "%s", s);
		snprintf(expr, sizeof(expr), "count(//x:itext/x:translation/x:text[@id='%s'])", id);
		if (atoi(xp(m, expr)) != ntr) {
			fprintf(stderr, "text %s: in %s of %d translations\n", id, xp(m, expr), ntr);
			bad++;
		}
		xmlFree(v);
	}
	xmlXPathFreeObject(refs);
	if (strcmp(xp(m, "count(//h:body//x:item[not(x:value) or x:value = ''])"), "0") != 0) {
		fprintf(stderr, "an item without a value\n");
		bad++;
	}
	return bad;
}

/* ---- tests ---------------------------------------------------------------------- */

static void msgids_are_what_xgettext_extracts(void **state)
{
	struct strbuf b = STRBUF_INIT;

	(void)state;
	xform_msgid(&b, "  How many\n\t trucks\r\npassed?  ", false);
	assert_string_equal(b.buf, "How many trucks passed?");
	sb_reset(&b);
	xform_msgid(&b, "a & b <c> \"d\" 'e'\xc2\xa0" "f", false);
	assert_string_equal(b.buf, "a &amp; b &lt;c&gt; \"d\" 'e'\xc2\xa0" "f");
	sb_reset(&b);
	xform_msgid(&b, "say \"yes\" & go", true);
	assert_string_equal(b.buf, "say &quot;yes&quot; &amp; go");
	sb_reset(&b);
	xform_msgid(&b, " \n\t ", false);
	assert_string_equal(b.buf, "");
	sb_release(&b);
}

static void itext_has_a_translation_per_language_default_first(void **state)
{
	struct sw_config *c = load(corridors);
	struct made m;

	(void)state;
	assert_non_null(c);
	make(&m, tmpl, strlen(tmpl), c);
	assert_string_equal(xp_all(&m, "//x:model/x:itext/x:translation/@lang"), "English (en)|Русский (ru)");
	assert_string_equal(xp_all(&m, "//x:translation/@default"), "true()");
	assert_string_equal(xp(&m, "name(//x:model/*[1])"), "itext");
	assert_int_equal(unresolved(&m), 0);
	unmake(&m);
	unload(c);
}

static void labels_hints_and_messages_refer_to_itext(void **state)
{
	struct sw_config *c = load(corridors);
	struct made m;

	(void)state;
	assert_non_null(c);
	make(&m, tmpl, strlen(tmpl), c);
	assert_string_equal(xp(&m, "string(//x:input[@ref='/data/trucks']/x:label/@ref)"),
			    "jr:itext('/data/trucks:label')");
	assert_string_equal(xp(&m, "string(//x:input[@ref='/data/trucks']/x:label)"), "");
	assert_string_equal(text_of(&m, "English (en)", "/data/trucks:label"), "How many trucks passed?");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/trucks:label"), "Сколько грузовиков прошло?");
	/* Choices: "REF/VALUE:label"; a text without a translation stays English. */
	assert_string_equal(xp_all(&m, "//x:select1[@ref='/data/cargo']/x:item/x:label/@ref"),
			    "jr:itext('/data/cargo/food:label')|jr:itext('/data/cargo/fish:label')");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/cargo/food:label"), "Еда");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/cargo:label"), "Cargo");
	/* Entities are xgettext's in the catalogue, plain characters in the form. */
	assert_string_equal(text_of(&m, "English (en)", "/data/cargo/fish:label"), "Fish & chips");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/cargo/fish:label"), "Рыба & картошка");
	assert_non_null(strstr(m.xml.buf, "<value>Рыба &amp; картошка</value>"));
	/* Bind messages, with pyxform's IDs. */
	assert_string_equal(xp(&m, "string(//x:bind[@nodeset='/data/trucks']/@jr:constraintMsg)"),
			    "jr:itext('/data/trucks:jr:constraintMsg')");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/trucks:jr:constraintMsg"),
			    "Целое число от 0 до 100 000.");
	assert_string_equal(xp(&m, "string(//x:bind[@nodeset='/data/corridor']/@jr:requiredMsg)"),
			    "jr:itext('/data/corridor:jr:requiredMsg')");
	/* A hint with markup (<output/>) is not extracted by xgettext either: it stays inline. */
	assert_string_equal(xp(&m, "count(//x:input[@ref='/data/trucks']/x:hint/x:output)"), "1");
	assert_string_equal(xp(&m, "count(//x:input[@ref='/data/trucks']/x:hint/@ref)"), "0");
	/* The title is the default language's: the form list's name. */
	assert_string_equal(xp(&m, "string(//h:title)"), "Supplywatch: trucks counted");
	unmake(&m);
	unload(c);
}

static void corridor_becomes_a_pick_list_of_the_configured_corridors(void **state)
{
	struct sw_config *c = load(corridors);
	struct made m;

	(void)state;
	assert_non_null(c);
	make(&m, tmpl, strlen(tmpl), c);
	assert_string_equal(xp(&m, "count(//x:input[@ref='/data/corridor'])"), "0");
	assert_string_equal(xp_all(&m, "//x:select1[@ref='/data/corridor']/x:item/x:value"), "lachin|rafah");
	assert_string_equal(xp_all(&m, "//x:select1[@ref='/data/corridor']/x:item/x:label/@ref"),
			    "jr:itext('/data/corridor/lachin:label')|jr:itext('/data/corridor/rafah:label')");
	assert_string_equal(text_of(&m, "English (en)", "/data/corridor/lachin:label"), "Lachin corridor");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/corridor/lachin:label"), "Лачинский коридор");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/corridor/rafah:label"), "Rafah crossing");
	/* The question's own label is kept; the typed name's pattern and its message go. */
	assert_string_equal(xp(&m, "string(//x:select1[@ref='/data/corridor']/x:label/@ref)"),
			    "jr:itext('/data/corridor:label')");
	assert_string_equal(xp(&m, "count(//x:bind[@nodeset='/data/corridor']/@constraint)"), "0");
	assert_string_equal(xp(&m, "count(//x:bind[@nodeset='/data/corridor']/@jr:constraintMsg)"), "0");
	assert_string_equal(xp(&m, "string(//x:bind[@nodeset='/data/corridor']/@required)"), "true()");
	assert_null(strstr(m.xml.buf, "Small letters"));
	unmake(&m);
	unload(c);
}

static void crossing_becomes_a_pick_list_filtered_by_corridor(void **state)
{
	struct sw_config *c = load(corridors);
	struct made m;

	(void)state;
	assert_non_null(c);
	make(&m, tmpl, strlen(tmpl), c);
	assert_string_equal(xp(&m, "string(//x:select1[@ref='/data/crossing']/x:itemset/@nodeset)"),
			    "instance('crossings')/root/item[corridor = /data/corridor]");
	assert_string_equal(xp(&m, "string(//x:itemset/x:value/@ref)"), "name");
	assert_string_equal(xp(&m, "string(//x:itemset/x:label/@ref)"), "jr:itext(itextId)");
	/* Every configured crossing with its corridor; rafah has none. */
	assert_string_equal(xp_all(&m, "//x:instance[@id='crossings']/x:root/x:item/x:name"),
			    "Hakari bridge|Lachin checkpoint");
	assert_string_equal(xp_all(&m, "//x:instance[@id='crossings']/x:root/x:item/x:corridor"),
			    "lachin|lachin");
	assert_string_equal(xp_all(&m, "//x:instance[@id='crossings']/x:root/x:item/x:itextId"),
			    "/data/crossing/lachin/0:label|/data/crossing/lachin/1:label");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/crossing/lachin/0:label"), "Мост Акари");
	assert_string_equal(text_of(&m, "Русский (ru)", "/data/crossing/lachin/1:label"), "Lachin checkpoint");
	assert_string_equal(text_of(&m, "English (en)", "/data/crossing/lachin/0:label"), "Hakari bridge");
	/* Optional, and asked only where the corridor has crossings. */
	assert_string_equal(xp(&m, "string(//x:bind[@nodeset='/data/crossing']/@relevant)"),
			    "count(instance('crossings')/root/item[corridor = /data/corridor]) > 0");
	assert_string_equal(xp(&m, "count(//x:bind[@nodeset='/data/crossing']/@required)"), "0");
	/* The secondary instance follows the primary one, which stays first. */
	assert_string_equal(xp(&m, "string(//x:model/x:instance[1]/x:data/@id)"), "supplywatch_trucks");
	assert_string_equal(xp(&m, "string(//x:model/x:instance[2]/@id)"), "crossings");
	unmake(&m);
	unload(c);
}

static void version_follows_the_document(void **state)
{
	static const char renamed[] =
		"corridors = (\n"
		"  { id = \"lachin\"; name = \"Lachin corridor\"; baseline_trucks_per_day = 400;\n"
		"    names = { ru = \"Лачинский коридор\"; };\n"
		"    crossings = ( { name = \"Hakari bridge\"; names = { ru = \"Акари\"; }; },\n"
		"                  \"Lachin checkpoint\" ); },\n"
		"  { id = \"rafah\"; name = \"Rafah crossing\"; baseline_trucks_per_day = 500; }\n"
		");\n";
	struct sw_config *c = load(corridors);
	struct made a, b, d;
	char v1[64], md5[33];

	(void)state;
	assert_non_null(c);
	make(&a, tmpl, strlen(tmpl), c);
	make(&b, tmpl, strlen(tmpl), c);
	/* The same template and configuration: the same bytes. */
	assert_int_equal(a.xml.len, b.xml.len);
	assert_memory_equal(a.xml.buf, b.xml.buf, a.xml.len);
	snprintf(v1, sizeof(v1), "%s", xp(&a, "string(//x:data/@version)"));
	/* "7-" and the first 8 hex digits of the MD5 of the form with version="7". */
	{
		struct strbuf plain = STRBUF_INIT;
		char attr[80];
		const char *at;

		snprintf(attr, sizeof(attr), "version=\"%s\"", v1);
		at = strstr(a.xml.buf, attr);
		assert_non_null(at);
		sb_add(&plain, a.xml.buf, (size_t)(at - a.xml.buf));
		sb_addstr(&plain, "version=\"7\"");
		sb_addstr(&plain, at + strlen(attr));
		openrosa_md5_hex(plain.buf, plain.len, md5);
		sb_release(&plain);
	}
	md5[8] = '\0';
	assert_int_equal(strlen(v1), 10);
	assert_memory_equal(v1, "7-", 2);
	assert_string_equal(v1 + 2, md5);
	unmake(&b);
	unload(c);
	/* A crossing's name in one language changes the version. */
	c = load(renamed);
	assert_non_null(c);
	make(&d, tmpl, strlen(tmpl), c);
	assert_string_not_equal(xp(&d, "string(//x:data/@version)"), v1);
	assert_memory_equal(xp(&d, "string(//x:data/@version)"), "7-", 2);
	unmake(&d);
	unmake(&a);
	unload(c);
}

static void a_form_with_its_own_itext_is_served_as_it_is(void **state)
{
	static const char own[] =
		"<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\">"
		"<h:head><h:title>T</h:title><model><itext><translation lang=\"fr\"><text id=\"q\">"
		"<value>Q</value></text></translation></itext><instance><data id=\"x\"><corridor/></data>"
		"</instance></model></h:head><h:body><input ref=\"/data/corridor\"><label ref=\"jr:itext('q')\"/>"
		"</input></h:body></h:html>";
	struct strbuf out = STRBUF_INIT;
	char err[256] = "";

	(void)state;
	assert_int_equal(xform_make(own, strlen(own), cfg, &out, err, sizeof(err)), XFORM_AS_IS);
	assert_int_equal(out.len, 0);
	sb_release(&out);
}

static void what_is_no_form_is_refused(void **state)
{
	static const char plain[] = "<data id=\"x\"><a/></data>";
	static const char doctype[] = "<!DOCTYPE h [<!ENTITY e \"x\">]><h:html xmlns:h=\"h\"/>";
	struct strbuf out = STRBUF_INIT;
	char err[256] = "";

	(void)state;
	assert_int_equal(xform_make(plain, strlen(plain), cfg, &out, err, sizeof(err)), XFORM_REFUSED);
	assert_string_equal(err, "not an XForm: no h:head/model/instance with an id and h:body");
	assert_int_equal(xform_make(doctype, strlen(doctype), cfg, &out, err, sizeof(err)), XFORM_REFUSED);
	assert_string_equal(err, "DOCTYPE not allowed in form data");
	assert_int_equal(xform_make("<h:html", 7, cfg, &out, err, sizeof(err)), XFORM_REFUSED);
	assert_int_equal(out.len, 0);
	sb_release(&out);
}

static void ids_stay_unique_and_quotes_stay_out(void **state)
{
	static const char twice[] =
		"<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\">"
		"<h:head><model><instance><data id=\"x\"><q/></data></instance></model></h:head><h:body>"
		"<input ref=\"/data/q\"><label>One</label></input><input ref=\"/data/q\"><label>Two</label></input>"
		"<input ref=\"/data/q[.='a']\"><label>Three</label></input><trigger><label>Four</label></trigger>"
		"</h:body></h:html>";
	struct made m;

	(void)state;
	make(&m, twice, strlen(twice), cfg);
	assert_string_equal(xp_all(&m, "//h:body//x:label/@ref"),
			    "jr:itext('/data/q:label')|jr:itext('/data/q:label~2')|jr:itext('text-3:label')");
	/* A ref with a quote cannot be an ID: that label stays as it is. */
	assert_string_equal(xp(&m, "string(//x:input[3]/x:label)"), "Three");
	assert_string_equal(xp_all(&m, "//x:translation/@lang"), "English (en)");
	assert_int_equal(unresolved(&m), 0);
	unmake(&m);
}

static void shipped_forms_are_made_whole(void **state)
{
	static const char *const kinds[] = { "trucks", "shortage", "disruption", "access", "movement" };
	static const int has_crossing[] = { 1, 0, 0, 1, 1 };
	struct sw_config *c = load(corridors);

	(void)state;
	assert_non_null(c);
	for (int i = 0; i < 5; i++) {
		char path[128], file[64], err[256];
		struct openrosa_form f;
		struct made m;
		size_t len = 0;
		char *xml;
		FILE *fp;

		snprintf(file, sizeof(file), "supplywatch_%s.xml", kinds[i]);
		snprintf(path, sizeof(path), "etc/forms/%s", file);
		fp = fopen(path, "r");
		assert_non_null(fp);
		xml = xmalloc(OPENROSA_MAX_XML);
		len = fread(xml, 1, OPENROSA_MAX_XML, fp);
		fclose(fp);
		make(&m, xml, len, c);
		assert_int_equal(unresolved(&m), 0);
		assert_string_equal(xp_all(&m, "//x:select1[@ref='/data/corridor']/x:item/x:value"), "lachin|rafah");
		assert_string_equal(xp(&m, "count(//x:instance[@id='crossings'])"), has_crossing[i] ? "1" : "0");
		/* No label or hint is left inline, and no message. */
		assert_string_equal(xp(&m, "count(//h:body//x:label[not(@ref)] | //h:body//x:hint[not(@ref)])"), "0");
		assert_string_equal(xp(&m, "count(//x:bind/@jr:constraintMsg[not(starts-with(., 'jr:itext('))])"), "0");
		assert_string_equal(xp(&m, "count(//x:itext/x:translation)"), "2");
		if (openrosa_form_info(file, m.xml.buf, m.xml.len, &f, err, sizeof(err)) != 0)
			fail_msg("%s: %s", path, err);
		assert_memory_equal(f.version, "2026120701-", 11);
		openrosa_form_free(&f);
		unmake(&m);
		free(xml);
	}
	unload(c);
}

static const char config_text[] =
	"corridors = (\n"
	"  { id = \"lachin\"; name = \"Lachin\"; baseline_trucks_per_day = 400; }\n"
	");\n";
static int setup(void **state)
{
	(void)state;
	cfg = unit_config_load(config_text);
	return cfg ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unit_config_free(cfg);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(msgids_are_what_xgettext_extracts),
		cmocka_unit_test_setup_teardown(a_form_with_its_own_itext_is_served_as_it_is, setup, teardown),
		cmocka_unit_test_setup_teardown(what_is_no_form_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(ids_stay_unique_and_quotes_stay_out, setup, teardown),
		cmocka_unit_test(itext_has_a_translation_per_language_default_first),
		cmocka_unit_test(labels_hints_and_messages_refer_to_itext),
		cmocka_unit_test(corridor_becomes_a_pick_list_of_the_configured_corridors),
		cmocka_unit_test(crossing_becomes_a_pick_list_filtered_by_corridor),
		cmocka_unit_test(version_follows_the_document),
		cmocka_unit_test(shipped_forms_are_made_whole),
	};

	return cmocka_run_group_tests_name("xform", tests, NULL, NULL);
}
