#include "core/xform.h"

#include <jansson.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/openrosa.h"
#include "core/xmltree.h"
#include "util/i18n.h"

#define JR_NS "http://openrosa.org/javarosa"
#define WHITE " \t\r\n"
#define ID_MAX 256
#define CROSSINGS "crossings"

/* Where a translation comes from. */
enum text_kind { T_MSG, T_CORRIDOR, T_CROSSING };

struct text {
	char *id;
	enum text_kind kind;
	char *msgid;			/* T_MSG: looked up in each catalogue */
	const struct sw_corridor *c;	/* T_CORRIDOR, T_CROSSING */
	size_t i;			/* T_CROSSING: which of c's crossings */
};

/* One template being made into a form. */
struct gen {
	const struct sw_config *cfg;
	xmlDocPtr doc;
	xmlNodePtr model, instance, data, body;
	char root[128];			/* "/data": the primary instance root's path */
	struct text *v;
	size_t n, cap;
	json_t *ids;			/* the IDs given so far, to keep them unique */
};

static bool prop_is(xmlNodePtr n, const char *name, const char *value)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	bool same = v && strcmp((const char *)v, value) == 0;

	xmlFree(v);
	return same;
}

/* ---- texts ------------------------------------------------------------------ */

void xform_msgid(struct strbuf *out, const char *text, bool attr)
{
	const char *p = text + strspn(text, WHITE);

	while (*p) {
		size_t word = strcspn(p, WHITE);

		for (size_t i = 0; i < word; i++) {
			if (p[i] == '&')
				sb_addstr(out, "&amp;");
			else if (p[i] == '<')
				sb_addstr(out, "&lt;");
			else if (p[i] == '>')
				sb_addstr(out, "&gt;");
			else if (p[i] == '"' && attr)
				sb_addstr(out, "&quot;");
			else
				sb_addch(out, p[i]);
		}
		p += word;
		p += strspn(p, WHITE);
		if (*p)
			sb_addch(out, ' ');
	}
}

/* A catalogue's text as plain text: msgids and their translations keep xgettext's entities. */
static void unescape(struct strbuf *out, const char *s)
{
	static const char *const ents[][2] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&apos;", "'" },
	};

	while (*s) {
		size_t k = 0, n = sizeof(ents) / sizeof(ents[0]);

		while (k < n && strncmp(s, ents[k][0], strlen(ents[k][0])) != 0)
			k++;
		if (k < n) {
			sb_addstr(out, ents[k][1]);
			s += strlen(ents[k][0]);
		} else {
			sb_addch(out, *s++);
		}
	}
}

/* An ID that fits in jr:itext('...'): no quote, no control character, not too long. */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= ID_MAX - 8)
		return false;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p < 0x20 || *p == '\'' || *p == 0x7f)
			return false;
	return true;
}

/*
 * Records a text under id (made unique with "~2", "~3"... when a form
 * names the same thing twice) and returns the ID given, owned by g.
 */
static const char *add_text(struct gen *g, const char *id, enum text_kind kind, const char *msgid,
			    const struct sw_corridor *c, size_t i)
{
	char unique[ID_MAX];
	struct text *t;

	snprintf(unique, sizeof(unique), "%s", id);
	for (int k = 2; json_object_get(g->ids, unique); k++)
		snprintf(unique, sizeof(unique), "%s~%d", id, k);
	json_object_set_new(g->ids, unique, json_true());
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
	}
	t = &g->v[g->n++];
	*t = (struct text){ xstrdup(unique), kind, msgid ? xstrdup(msgid) : NULL, c, i };
	return t->id;
}

static void texts_free(struct gen *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].id);
		free(g->v[i].msgid);
	}
	free(g->v);
	json_decref(g->ids);
}

/* The text of t in L, as it goes into the form (plain text; libxml2 escapes it). */
static void text_in(struct strbuf *out, const struct text *t, const struct lang *L)
{
	switch (t->kind) {
	case T_MSG:
		unescape(out, tr(L, t->msgid));
		break;
	case T_CORRIDOR:
		sb_addstr(out, corridor_name(t->c, L));
		break;
	case T_CROSSING:
		sb_addstr(out, crossing_name(t->c, t->i, L));
		break;
	}
}

/* "jr:itext('ID')" */
static void set_itext_ref(xmlNodePtr n, const char *attr, xmlNsPtr ns, const char *id)
{
	char ref[ID_MAX + 16];

	snprintf(ref, sizeof(ref), "jr:itext('%s')", id);
	if (ns)
		xmlSetNsProp(n, ns, (const xmlChar *)attr, (const xmlChar *)ref);
	else
		xmlSetProp(n, (const xmlChar *)attr, (const xmlChar *)ref);
}

/* ---- labels and hints ------------------------------------------------------------ */

/* What a control is about: its ref, nodeset or bind attribute (caller frees), or NULL. */
static char *control_key(xmlNodePtr control)
{
	static const char *const attrs[] = { "ref", "nodeset", "bind" };

	for (size_t i = 0; control && i < 3; i++) {
		xmlChar *v = xmlGetNoNsProp(control, (const xmlChar *)attrs[i]);

		if (v && *v) {
			char *s = xstrdup((const char *)v);

			xmlFree(v);
			return s;
		}
		xmlFree(v);
	}
	return NULL;
}

/*
 * The ID of a label or hint: "REF:label" for a question, "REF/VALUE:label"
 * for a choice; "text-N:label" for one that names nothing.
 */
static void label_id(struct gen *g, xmlNodePtr label, char *id, size_t n)
{
	xmlNodePtr parent = label->parent, value;
	char *key;

	if (xml_named(parent, "item") && (key = control_key(parent->parent)) &&
	    (value = xml_child(parent, "value"))) {
		xmlChar *v = xmlNodeGetContent(value);
		struct strbuf w = STRBUF_INIT;

		xform_msgid(&w, v ? (const char *)v : "", false);
		snprintf(id, n, "%s/%s:%s", key, w.buf, (const char *)label->name);
		sb_release(&w);
		xmlFree(v);
		free(key);
	} else if (!xml_named(parent, "item") && (key = control_key(parent))) {
		snprintf(id, n, "%s:%s", key, (const char *)label->name);
		free(key);
	} else {
		snprintf(id, n, "text-%zu:%s", g->n + 1, (const char *)label->name);
	}
}

/*
 * A label or hint with plain text becomes a reference to itext.  One that
 * already refers to something, or holds markup (<output/>, which xgettext
 * does not extract either), stays as it is: it reads the same in every
 * language.
 */
static void convert_label(struct gen *g, xmlNodePtr label)
{
	struct strbuf msgid = STRBUF_INIT;
	char id[ID_MAX];
	xmlChar *text;

	if (xmlHasProp(label, (const xmlChar *)"ref") || xml_has_element_children(label))
		return;
	text = xmlNodeGetContent(label);
	xform_msgid(&msgid, text ? (const char *)text : "", false);
	xmlFree(text);
	label_id(g, label, id, sizeof(id));
	if (msgid.len && id_ok(id)) {
		const char *given = add_text(g, id, T_MSG, msgid.buf, NULL, 0);

		xmlNodeSetContent(label, NULL);
		set_itext_ref(label, "ref", NULL, given);
	}
	sb_release(&msgid);
}

static void convert_body(struct gen *g, xmlNodePtr parent)
{
	for (xmlNodePtr n = parent->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xml_named(n, "label") || xml_named(n, "hint"))
			convert_label(g, n);
		else
			convert_body(g, n);
	}
}

/* ---- bind messages ------------------------------------------------------------------ */

static void convert_message(struct gen *g, xmlNodePtr bind, xmlNsPtr jr, const char *attr)
{
	xmlChar *msg = xmlGetNsProp(bind, (const xmlChar *)attr, (const xmlChar *)JR_NS);
	xmlChar *nodeset = xmlGetNoNsProp(bind, (const xmlChar *)"nodeset");
	struct strbuf msgid = STRBUF_INIT;
	char id[ID_MAX];

	if (msg && nodeset && strncmp((const char *)msg, "jr:itext(", 9) != 0) {
		xform_msgid(&msgid, (const char *)msg, true);
		snprintf(id, sizeof(id), "%s:jr:%s", (const char *)nodeset, attr);
		if (msgid.len && id_ok(id))
			set_itext_ref(bind, attr, jr, add_text(g, id, T_MSG, msgid.buf, NULL, 0));
	}
	sb_release(&msgid);
	xmlFree(msg);
	xmlFree(nodeset);
}

static void convert_binds(struct gen *g)
{
	for (xmlNodePtr n = g->model->children; n; n = n->next) {
		xmlNsPtr jr = xml_named(n, "bind") ? xmlSearchNsByHref(g->doc, n, (const xmlChar *)JR_NS) : NULL;

		if (jr) {
			convert_message(g, n, jr, "constraintMsg");
			convert_message(g, n, jr, "requiredMsg");
		}
	}
}

/* ---- pick lists from the configuration ---------------------------------------------------------- */

/* The body's <input ref="ref">, or NULL. */
static xmlNodePtr find_input(xmlNodePtr parent, const char *ref)
{
	for (xmlNodePtr n = parent->children; n; n = n->next) {
		xmlNodePtr found;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xml_named(n, "input") && prop_is(n, "ref", ref))
			return n;
		if ((found = find_input(n, ref)))
			return found;
	}
	return NULL;
}

static xmlNodePtr find_bind(struct gen *g, const char *nodeset)
{
	for (xmlNodePtr n = g->model->children; n; n = n->next)
		if (xml_named(n, "bind") && prop_is(n, "nodeset", nodeset))
			return n;
	return NULL;
}

static bool has_secondary(struct gen *g, const char *id)
{
	for (xmlNodePtr n = g->model->children; n; n = n->next)
		if (xml_named(n, "instance") && prop_is(n, "id", id))
			return true;
	return false;
}

/*
 * <input ref="ROOT/corridor"> becomes a <select1> of the configured
 * corridors, and its bind loses the pattern a typed name needed.  Returns
 * whether the form has the pick list.
 */
static bool corridor_list(struct gen *g)
{
	char ref[160], id[ID_MAX];
	xmlNodePtr q, bind;

	snprintf(ref, sizeof(ref), "%s/corridor", g->root);
	if (!(q = find_input(g->body, ref)))
		return false;
	xmlNodeSetName(q, (const xmlChar *)"select1");
	xmlUnsetProp(q, (const xmlChar *)"appearance");
	for (size_t i = 0; i < g->cfg->ncorridors; i++) {
		const struct sw_corridor *c = &g->cfg->corridors[i];
		xmlNodePtr item = xmlNewChild(q, q->ns, (const xmlChar *)"item", NULL);
		xmlNodePtr label = xmlNewChild(item, q->ns, (const xmlChar *)"label", NULL);

		snprintf(id, sizeof(id), "%s/%s:label", ref, c->id);
		set_itext_ref(label, "ref", NULL, add_text(g, id, T_CORRIDOR, NULL, c, 0));
		xmlNewTextChild(item, q->ns, (const xmlChar *)"value", (const xmlChar *)c->id);
	}
	if ((bind = find_bind(g, ref))) {
		xmlNsPtr jr = xmlSearchNsByHref(g->doc, bind, (const xmlChar *)JR_NS);

		xmlUnsetProp(bind, (const xmlChar *)"constraint");
		if (jr)
			xmlUnsetNsProp(bind, jr, (const xmlChar *)"constraintMsg");
	}
	return true;
}

/* <instance id="crossings"><root><item>: every configured crossing with its corridor. */
static void crossings_instance(struct gen *g, const char *ref)
{
	xmlNodePtr inst = xmlNewNode(g->model->ns, (const xmlChar *)"instance");
	xmlNodePtr root = xmlNewChild(inst, g->model->ns, (const xmlChar *)"root", NULL);
	char id[ID_MAX];

	xmlSetProp(inst, (const xmlChar *)"id", (const xmlChar *)CROSSINGS);
	for (size_t i = 0; i < g->cfg->ncorridors; i++) {
		const struct sw_corridor *c = &g->cfg->corridors[i];

		for (size_t j = 0; j < c->ncrossings; j++) {
			xmlNodePtr item = xmlNewChild(root, g->model->ns, (const xmlChar *)"item", NULL);

			snprintf(id, sizeof(id), "%s/%s/%zu:label", ref, c->id, j);
			xmlNewTextChild(item, g->model->ns, (const xmlChar *)"itextId",
					(const xmlChar *)add_text(g, id, T_CROSSING, NULL, c, j));
			xmlNewTextChild(item, g->model->ns, (const xmlChar *)"name", (const xmlChar *)c->crossings[j]);
			xmlNewTextChild(item, g->model->ns, (const xmlChar *)"corridor", (const xmlChar *)c->id);
		}
	}
	xmlAddNextSibling(g->instance, inst);
}

/*
 * <input ref="ROOT/crossing"> becomes a <select1> over the crossings of the
 * chosen corridor (pyxform's choice_filter), shown only when that corridor
 * has any: the answer stays optional.
 */
static void crossing_list(struct gen *g)
{
	char ref[160], expr[400];
	xmlNodePtr q, set, n, bind;

	snprintf(ref, sizeof(ref), "%s/crossing", g->root);
	if (!(q = find_input(g->body, ref)) || has_secondary(g, CROSSINGS))
		return;
	xmlNodeSetName(q, (const xmlChar *)"select1");
	xmlUnsetProp(q, (const xmlChar *)"appearance");
	set = xmlNewChild(q, q->ns, (const xmlChar *)"itemset", NULL);
	snprintf(expr, sizeof(expr), "instance('" CROSSINGS "')/root/item[corridor = %s/corridor]", g->root);
	xmlSetProp(set, (const xmlChar *)"nodeset", (const xmlChar *)expr);
	n = xmlNewChild(set, q->ns, (const xmlChar *)"value", NULL);
	xmlSetProp(n, (const xmlChar *)"ref", (const xmlChar *)"name");
	n = xmlNewChild(set, q->ns, (const xmlChar *)"label", NULL);
	xmlSetProp(n, (const xmlChar *)"ref", (const xmlChar *)"jr:itext(itextId)");
	crossings_instance(g, ref);
	if ((bind = find_bind(g, ref)) && !xmlHasProp(bind, (const xmlChar *)"relevant")) {
		snprintf(expr, sizeof(expr), "count(instance('" CROSSINGS "')/root/item[corridor = %s/corridor]) > 0",
			 g->root);
		xmlSetProp(bind, (const xmlChar *)"relevant", (const xmlChar *)expr);
	}
}

/* ---- itext, title, version ---------------------------------------------------------------- */

static const struct lang *lang_at(const struct sw_config *cfg, size_t i)
{
	return cfg->nlangs ? cfg->langs[i] : &i18n_english;
}

/* <itext> as the model's first child: a <translation> per language, the default first. */
static void add_itext(struct gen *g)
{
	xmlNsPtr ns = g->model->ns;
	xmlNodePtr itext = xmlNewNode(ns, (const xmlChar *)"itext");
	struct strbuf s = STRBUF_INIT;

	for (size_t l = 0; l < (g->cfg->nlangs ? g->cfg->nlangs : 1); l++) {
		const struct lang *L = lang_at(g->cfg, l);
		xmlNodePtr tr = xmlNewChild(itext, ns, (const xmlChar *)"translation", NULL);

		sb_reset(&s);
		/* What Collect and Enketo show in their language menu. */
		sb_addf(&s, "%s (%s)", L->name, L->code);
		xmlSetProp(tr, (const xmlChar *)"lang", (const xmlChar *)s.buf);
		if (l == 0)
			xmlSetProp(tr, (const xmlChar *)"default", (const xmlChar *)"true()");
		for (size_t i = 0; i < g->n; i++) {
			xmlNodePtr t = xmlNewChild(tr, ns, (const xmlChar *)"text", NULL);

			xmlSetProp(t, (const xmlChar *)"id", (const xmlChar *)g->v[i].id);
			sb_reset(&s);
			text_in(&s, &g->v[i], L);
			xmlNewTextChild(t, ns, (const xmlChar *)"value", (const xmlChar *)s.buf);
		}
	}
	sb_release(&s);
	if (g->model->children)
		xmlAddPrevSibling(g->model->children, itext);
	else
		xmlAddChild(g->model, itext);
}

/* h:title in the default language: the form list's name. */
static void translate_title(struct gen *g, xmlNodePtr head)
{
	xmlNodePtr title = xml_child(head, "title");
	struct strbuf msgid = STRBUF_INIT, text = STRBUF_INIT;
	xmlChar *raw;

	if (!title || xml_has_element_children(title))
		return;
	raw = xmlNodeGetContent(title);
	xform_msgid(&msgid, raw ? (const char *)raw : "", false);
	xmlFree(raw);
	if (msgid.len) {
		unescape(&text, tr(lang_at(g->cfg, 0), msgid.buf));
		xmlNodeSetContent(title, NULL);
		xmlNodeAddContent(title, (const xmlChar *)text.buf);
	}
	sb_release(&msgid);
	sb_release(&text);
}

/* The template's blank text between elements goes: the form is written out indented anew. */
static void drop_blanks(xmlNodePtr parent)
{
	bool elements = xml_has_element_children(parent);
	xmlNodePtr n = parent->children, next;

	for (; n; n = next) {
		next = n->next;
		if (n->type == XML_TEXT_NODE && elements && xmlIsBlankNode(n)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		} else if (n->type == XML_ELEMENT_NODE) {
			drop_blanks(n);
		}
	}
}

static int dump(xmlDocPtr doc, struct strbuf *out, char *err, size_t errlen)
{
	xmlChar *mem = NULL;
	int size = 0;

	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (!mem || size <= 0 || (size_t)size > OPENROSA_MAX_XML) {
		snprintf(err, errlen, "the form made from it is larger than %d bytes", OPENROSA_MAX_XML);
		xmlFree(mem);
		return -1;
	}
	sb_add(out, mem, (size_t)size);
	xmlFree(mem);
	return 0;
}

/*
 * The template's version, "-" and eight hex digits of the MD5 of the form
 * made with the template's version in place: it changes with any byte of
 * the form, and the template's own version still leads.
 */
static int write_versioned(struct gen *g, struct strbuf *out, char *err, size_t errlen)
{
	struct strbuf first = STRBUF_INIT;
	xmlChar *v = xmlGetNoNsProp(g->data, (const xmlChar *)"version");
	char md5[33], version[160];
	int ret;

	ret = dump(g->doc, &first, err, errlen);
	if (ret == 0) {
		openrosa_md5_hex(first.buf, first.len, md5);
		snprintf(version, sizeof(version), "%.140s%s%.8s", v && *v ? (const char *)v : "",
			 v && *v ? "-" : "", md5);
		xmlSetProp(g->data, (const xmlChar *)"version", (const xmlChar *)version);
		ret = dump(g->doc, out, err, errlen);
	}
	xmlFree(v);
	sb_release(&first);
	return ret;
}

/* ---- the whole ------------------------------------------------------------------------ */

/* Finds h:head/model, its primary instance and h:body; -1 when the document is no XForm. */
static int find_parts(struct gen *g, xmlNodePtr *head, char *err, size_t errlen)
{
	xmlNodePtr root = xmlDocGetRootElement(g->doc), n;

	*head = xml_named(root, "html") ? xml_child(root, "head") : NULL;
	g->model = xml_child(*head, "model");
	g->body = xml_named(root, "html") ? xml_child(root, "body") : NULL;
	for (n = g->model ? g->model->children : NULL; n; n = n->next)
		if (xml_named(n, "instance") && !xmlHasProp(n, (const xmlChar *)"id"))
			break;
	g->instance = n;
	for (n = g->instance ? g->instance->children : NULL; n && n->type != XML_ELEMENT_NODE; n = n->next)
		;
	g->data = n;
	if (!g->data || !g->body || !xmlHasProp(g->data, (const xmlChar *)"id")) {
		snprintf(err, errlen, "not an XForm: no h:head/model/instance with an id and h:body");
		return -1;
	}
	snprintf(g->root, sizeof(g->root), "/%.120s", (const char *)g->data->name);
	return 0;
}

enum xform_result xform_make(const char *tmpl, size_t len, const struct sw_config *cfg,
			     struct strbuf *out, char *err, size_t errlen)
{
	struct gen g = { .cfg = cfg };
	enum xform_result r = XFORM_REFUSED;
	xmlNodePtr head;

	if (!(g.doc = openrosa_parse(tmpl, len, err, errlen)))
		return XFORM_REFUSED;
	g.ids = json_object();
	if (find_parts(&g, &head, err, errlen) < 0)
		goto done;
	if (xml_child(g.model, "itext")) {
		r = XFORM_AS_IS;
		goto done;
	}
	drop_blanks(xmlDocGetRootElement(g.doc));
	convert_body(&g, g.body);
	if (corridor_list(&g))
		crossing_list(&g);
	convert_binds(&g);
	translate_title(&g, head);
	add_itext(&g);
	if (write_versioned(&g, out, err, errlen) == 0)
		r = XFORM_MADE;
done:
	texts_free(&g);
	xmlFreeDoc(g.doc);
	return r;
}
