#include "core/openrosa.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/report.h"
#include "core/xmltree.h"
#include "util/escape.h"
#include "util/i18n.h"
#include "util/valid.h"

/* ---- parsing ------------------------------------------------------------- */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 2.9 wants its globals set up once, before threads parse. */
static void xml_init(void)
{
	xmlInitParser();
}

/*
 * SAX hook for "<!DOCTYPE": stops the parser before the internal subset is
 * read, so no entity is ever declared, let alone expanded or fetched.
 */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
			   const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)external_id;
	(void)system_id;
	*(bool *)ctxt->_private = true;
	xmlStopParser(ctxt);
}

/*
 * Copies libxml2's message ("...\n") into err without its newline: for a
 * phone (L) the whole sentence in its language, for a form's template
 * (L NULL) a reason for the log.  libxml2's own words stay English.
 */
static void xml_error(const xmlParserCtxt *ctxt, const struct lang *L, char *err, size_t errlen)
{
	const char *msg = ctxt->lastError.message;
	size_t n = msg ? strcspn(msg, "\n") : 0;
	char what[200];

	if (!msg || !n) {
		snprintf(err, errlen, "%s", L ? tr(L, "Not stored: the form data is not well-formed XML.")
				      : "the form data is not well-formed XML");
		return;
	}
	snprintf(what, sizeof(what), "%.*s", (int)(n < sizeof(what) ? n : sizeof(what) - 1), msg);
	snprintf(err, errlen, L ? tr(L, "Not stored: the form data is not well-formed XML (line %d: %s).")
			      : "the form data is not well-formed XML (line %d: %s)", ctxt->lastError.line, what);
}

/*
 * Parses a document with no network, no entity substitution, no DTD
 * loading and no DOCTYPE at all.  NULL with err set on failure: the
 * sentence a field worker reads in L for a submission, a reason for the
 * log when L is NULL (a form's template).
 */
static xmlDocPtr parse_xml(const char *xml, size_t len, const struct lang *L, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	bool doctype = false;

	pthread_once(&xml_once, xml_init);
	if (len > OPENROSA_MAX_XML) {
		snprintf(err, errlen, L ? tr(L, "Not stored: the form data is larger than %d bytes.")
				      : "the form data is larger than %d bytes", OPENROSA_MAX_XML);
		return NULL;
	}
	ctxt = xmlCreateMemoryParserCtxt(xml, (int)len);
	if (!ctxt) {
		snprintf(err, errlen, "%s", L ? tr(L, "Not stored: the form data is empty or could not be read.")
				      : "the form data is empty or could not be read");
		return NULL;
	}
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->_private = &doctype;
	/* Deliberately without XML_PARSE_NOENT, _DTDLOAD, _DTDATTR, _DTDVALID, _HUGE. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
			  XML_PARSE_NOWARNING);
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (doctype || (doc && (doc->intSubset || doc->extSubset))) {
		snprintf(err, errlen, "%s", L ? tr(L, "Not stored: DOCTYPE not allowed in form data.")
				      : "DOCTYPE not allowed in form data");
		goto fail;
	}
	if (!ctxt->wellFormed || !doc || !xmlDocGetRootElement(doc)) {
		xml_error(ctxt, L, err, errlen);
		goto fail;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
fail:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return NULL;
}

xmlDocPtr openrosa_parse(const char *xml, size_t len, char *err, size_t errlen)
{
	return parse_xml(xml, len, NULL, err, errlen);
}

/* The text of an element without surrounding white space (caller frees), or NULL if empty. */
static char *text_of(const xmlNode *n)
{
	xmlChar *raw = xmlNodeGetContent(n);
	char *s = (char *)raw, *start, *end;

	if (!raw)
		return NULL;
	for (start = s; *start && strchr(" \t\r\n", *start); start++)
		;
	for (end = start + strlen(start); end > start && strchr(" \t\r\n", end[-1]); end--)
		;
	if (end == start) {
		xmlFree(raw);
		return NULL;
	}
	*end = '\0';
	s = xstrdup(start);
	xmlFree(raw);
	return s;
}

/* ---- instances ------------------------------------------------------------ */

/* The form ids we publish, in report_kinds order. */
static const char *const form_ids[] = {
	"supplywatch_trucks", "supplywatch_shortage", "supplywatch_disruption",
	"supplywatch_access", "supplywatch_movement", NULL
};

struct meta {
	char *instance_id;
	char *deprecated_id;
};

static void read_meta(const xmlNode *meta, struct meta *m)
{
	const xmlNode *n;

	if (!m->instance_id && (n = xml_child(meta, "instanceID")))
		m->instance_id = text_of(n);
	if (!m->deprecated_id && (n = xml_child(meta, "deprecatedID")))
		m->deprecated_id = text_of(n);
}

/*
 * Adds the fields under parent to obj; -1 with err on a field given twice.
 * Elements named like report fields (report_field_name) are answers, turned
 * into values as CSV cells are (report_value_of_text); groups are looked
 * into; everything else a form carries is ignored: start, end, today,
 * deviceid, subscriberid, audit, __version__, formhub/uuid, meta/instanceName,
 * meta/timeStart, meta/timeEnd, meta/userID, notes and calculations.
 */
static int collect(const xmlNode *parent, json_t *obj, struct meta *m, const struct lang *L,
		   char *err, size_t errlen)
{
	for (const xmlNode *n = parent->children; n; n = n->next) {
		const char *name = (const char *)n->name, *field;
		char *s;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp(name, "meta") == 0) {
			read_meta(n, m);
			continue;
		}
		field = report_field_name(name);
		/* kind comes from the form, ids from meta: elements of those names are ignored. */
		if (!field || strcmp(field, "kind") == 0 || strcmp(field, "report_id") == 0 ||
		    strcmp(field, "supersedes") == 0) {
			if (collect(n, obj, m, L, err, errlen) < 0)
				return -1;
			continue;
		}
		if (xml_has_element_children(n)) {
			snprintf(err, errlen, tr(L, "Not stored: <%s> must hold an answer, not other elements."),
				 name);
			return -1;
		}
		s = text_of(n);
		if (!s)
			continue;	/* an unanswered question: the field is absent */
		if (json_object_get(obj, name)) {
			free(s);
			snprintf(err, errlen, tr(L, "Not stored: %s is answered more than once in this form."), name);
			return -1;
		}
		json_object_set_new(obj, field, report_value_of_text(field, s));
		free(s);
	}
	return 0;
}

/* ODK writes "uuid:" before the UUID; the report_id is the UUID alone. */
static const char *strip_uuid(const char *id)
{
	return strncasecmp(id, "uuid:", 5) == 0 ? id + 5 : id;
}

static const char *kind_of_form(const xmlNode *root, const struct lang *L, char *err, size_t errlen)
{
	xmlChar *id = xmlGetNoNsProp(root, (const xmlChar *)"id");
	int k = id ? enum_index((const char *)id, form_ids) : -1;

	if (k < 0)
		snprintf(err, errlen, tr(L, "Not stored: this server does not know the form \"%s\"; "
				      "get the blank forms again from this server."), id ? (const char *)id : "");
	xmlFree(id);
	return k < 0 ? NULL : report_kinds[k];
}

json_t *openrosa_instance_to_report(const char *xml, size_t len, const struct lang *L,
				    char *err, size_t errlen)
{
	struct meta m = { NULL, NULL };
	xmlDocPtr doc = parse_xml(xml, len, L, err, errlen);
	const xmlNode *root;
	const char *kind;
	json_t *obj = NULL;

	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	kind = kind_of_form(root, L, err, errlen);
	if (!kind)
		goto done;
	obj = json_pack("{s:s}", "kind", kind);
	if (collect(root, obj, &m, L, err, errlen) < 0)
		goto fail;
	if (!m.instance_id) {
		snprintf(err, errlen, "%s", tr(L, "Not stored: the form data has no meta/instanceID."));
		goto fail;
	}
	json_object_set_new(obj, "report_id", json_string(strip_uuid(m.instance_id)));
	if (m.deprecated_id)
		json_object_set_new(obj, "supersedes", json_string(strip_uuid(m.deprecated_id)));
	goto done;
fail:
	json_decref(obj);
	obj = NULL;
done:
	free(m.instance_id);
	free(m.deprecated_id);
	xmlFreeDoc(doc);
	return obj;
}

/* ---- responses ------------------------------------------------------------ */

void openrosa_response(struct strbuf *out, const char *nature, const char *message)
{
	sb_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\">\n<message nature=\"");
	esc_html(out, nature);
	sb_addstr(out, "\">");
	esc_html(out, message);
	sb_addstr(out, "</message>\n</OpenRosaResponse>\n");
}

void openrosa_details_message(struct strbuf *out, const json_t *details, const struct lang *L)
{
	size_t i;
	const json_t *d;

	json_array_foreach(details, i, d) {
		const char *field = json_string_value(json_object_get(d, "field"));
		const char *reason = json_string_value(json_object_get(d, "reason"));

		/* A reason marked N_() where it is made has a translation; one with a value in it stays English. */
		reason = reason ? tr(L, reason) : tr(L, "is not valid");
		if (i)
			sb_addstr(out, trp(L, "clause separator", "; "));
		if (field && *field)
			/* TRANSLATORS: a field of a form (its name in the form) and what is wrong with it. */
			sb_addf(out, trp(L, "field and reason", "%s: %s"), field, reason);
		else
			sb_addstr(out, reason);
	}
}

/* ---- forms and the form list ------------------------------------------------ */

bool openrosa_form_file_ok(const char *file)
{
	size_t n = strspn(file, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n > 0 && strcmp(file + n, ".xml") == 0 && n + 4 < sizeof(((struct openrosa_form *)0)->file);
}

/* model/instance without an id attribute: the primary instance (secondary ones have ids). */
static const xmlNode *primary_instance(const xmlNode *model)
{
	for (const xmlNode *n = model ? model->children : NULL; n; n = n->next) {
		if (xml_named(n, "instance") && !xmlHasProp(n, (const xmlChar *)"id")) {
			for (const xmlNode *c = n->children; c; c = c->next)
				if (c->type == XML_ELEMENT_NODE)
					return c;
			return NULL;
		}
	}
	return NULL;
}

static char *prop_dup(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *s = v && *v ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

int openrosa_form_info(const char *file, const char *xml, size_t len,
		       struct openrosa_form *out, char *err, size_t errlen)
{
	xmlDocPtr doc;
	const xmlNode *root, *head, *inst, *title;

	memset(out, 0, sizeof(*out));
	if (!openrosa_form_file_ok(file)) {
		snprintf(err, errlen, "file name is not [a-z0-9_]+.xml");
		return -1;
	}
	doc = parse_xml(xml, len, NULL, err, errlen);
	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	head = xml_named(root, "html") ? xml_child(root, "head") : NULL;
	inst = primary_instance(xml_child(head, "model"));
	if (!inst || !(out->id = prop_dup(inst, "id"))) {
		snprintf(err, errlen, "not an XForm: no h:head/model/instance with an id");
		xmlFreeDoc(doc);
		return -1;
	}
	snprintf(out->file, sizeof(out->file), "%s", file);
	out->version = prop_dup(inst, "version");
	title = xml_child(head, "title");
	out->name = title ? text_of(title) : NULL;
	if (!out->name)
		out->name = xstrdup(out->id);
	openrosa_md5_hex(xml, len, out->md5);
	xmlFreeDoc(doc);
	return 0;
}

void openrosa_form_free(struct openrosa_form *f)
{
	free(f->id);
	free(f->name);
	free(f->version);
	f->id = f->name = f->version = NULL;
}

int openrosa_base_url(char *out, size_t n, const char *host, const char *forwarded_proto)
{
	const char *scheme = forwarded_proto && strcasecmp(forwarded_proto, "https") == 0 ? "https" : "http";
	size_t len = host ? strlen(host) : 0;

	if (!len || len > 255 || strspn(host, "abcdefghijklmnopqrstuvwxyz"
					   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != len)
		return -1;
	if ((size_t)snprintf(out, n, "%s://%s", scheme, host) >= n)
		return -1;
	return 0;
}

static void list_element(struct strbuf *out, const char *tag, const char *value)
{
	sb_addf(out, "<%s>", tag);
	esc_html(out, value);
	sb_addf(out, "</%s>", tag);
}

void openrosa_form_list(struct strbuf *out, const char *base, const struct openrosa_form *forms,
			size_t n)
{
	sb_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<xforms xmlns=\"http://openrosa.org/xforms/xformsList\">\n");
	for (size_t i = 0; i < n; i++) {
		const struct openrosa_form *f = &forms[i];

		sb_addstr(out, "<xform>");
		list_element(out, "formID", f->id);
		list_element(out, "name", f->name);
		if (f->version)
			list_element(out, "version", f->version);
		sb_addf(out, "<hash>md5:%s</hash><downloadUrl>", f->md5);
		esc_html(out, base);
		sb_addf(out, "/forms/%s</downloadUrl></xform>\n", f->file);
	}
	sb_addstr(out, "</xforms>\n");
}

/* ---- MD5 ------------------------------------------------------------------- */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static const unsigned char md5_shift[4][4] = {
	{ 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 }
};

static void md5_block(uint32_t h[4], const unsigned char *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3];

	for (unsigned i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		       (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f, t;
		unsigned g, s = md5_shift[i / 16][i % 4];

		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = a + f + md5_k[i] + w[g];
		a = d;
		d = c;
		c = b;
		b += (t << s) | (t >> (32 - s));
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

void openrosa_md5_hex(const void *data, size_t len, char out[33])
{
	uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	const unsigned char *p = data;
	unsigned char tail[128];
	size_t rest = len % 64, full = len - rest, tn = rest < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;

	for (size_t i = 0; i < full; i += 64)
		md5_block(h, p + i);
	if (rest)
		memcpy(tail, p + full, rest);
	tail[rest] = 0x80;
	memset(tail + rest + 1, 0, tn - rest - 1);
	for (unsigned i = 0; i < 8; i++)
		tail[tn - 8 + i] = (unsigned char)(bits >> (8 * i));
	md5_block(h, tail);
	if (tn == 128)
		md5_block(h, tail + 64);
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", (unsigned)(h[i / 4] >> (8 * (i % 4))) & 0xffu);
}
