#include "core/csvin.h"

#include <csv.h>
#include <ctype.h>
#include <math.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "util/strbuf.h"
#include "util/valid.h"

#define HEADER_SCAN_ROWS 25	/* the HXL convention: the hashtag row is among the first 25 */
#define MAX_COLUMNS 256
#define MAX_CELL 65536
#define MAX_RECORD (1024 * 1024)

/*
 * HXL hashtags to fields.  A column matches a rule when its tag is the rule's
 * and it carries all the rule's attributes; the rule with most attributes
 * wins.  kind restricts a rule to one report kind (#date is "at" for access).
 */
static const struct hxl_rule {
	const char *tag;
	const char *attrs[3];
	const char *field;
	const char *kind;
} hxl_rules[] = {
	{ "meta", { "id" }, "report_id", NULL },
	{ "meta", { "supersedes" }, "supersedes", NULL },
	{ "meta", { "url" }, "source_url", NULL },
	{ "meta", { "kind" }, "kind", NULL },
	{ "meta", { "note" }, "note", NULL },
	{ "description", { NULL }, "note", NULL },
	{ "meta", { "direction" }, "direction", NULL },
	{ "meta", { "disruption" }, "disruption_id", NULL },
	{ "loc", { "corridor" }, "corridor", NULL },
	{ "loc", { "crossing" }, "crossing", NULL },
	{ "loc", { "name" }, "location", NULL },
	{ "loc", { NULL }, "location", NULL },
	{ "date", { NULL }, "date", NULL },
	{ "date", { NULL }, "at", "access" },
	{ "date", { "observed" }, "observed_at", NULL },
	{ "date", { "start" }, "started_at", NULL },
	{ "date", { "end" }, "ended_at", NULL },
	{ "indicator", { "trucks" }, "trucks", NULL },
	{ "value", { NULL }, "trucks", "trucks" },
	{ "indicator", { "tonnes" }, "tonnes", NULL },
	{ "indicator", { "turned_back" }, "turned_back", NULL },
	{ "item", { NULL }, "item", NULL },
	{ "item", { "name" }, "item", NULL },
	{ "item", { "type" }, "category", NULL },
	{ "item", { "category" }, "category", NULL },
	{ "item", { "cargo" }, "cargo", NULL },
	{ "cargo", { NULL }, "cargo", NULL },
	{ "severity", { NULL }, "severity", NULL },
	{ "service", { NULL }, "service", NULL },
	{ "service", { "name" }, "service", NULL },
	{ "affected", { NULL }, "people_affected", NULL },
	{ "population", { "affected" }, "people_affected", NULL },
	{ "status", { NULL }, "status", NULL },
	{ "status", { "access" }, "status", NULL },
	/* Stage two: counting points, consignors, movements (docs/formats.md). */
	{ "meta", { "stage" }, "stage", NULL },
	{ "org", { "type" }, "consignor", NULL },
	{ "status", { NULL }, "outcome", "movement" },
	{ "status", { "outcome" }, "outcome", NULL },
	{ "date", { NULL }, "planned_for", "movement" },
	{ "date", { "planned" }, "planned_for", NULL },
	{ "activity", { "purpose" }, "purpose", NULL },
	{ "activity", { NULL }, "purpose", "movement" },
	{ "loc", { "origin" }, "from", NULL },
	{ "loc", { "dest" }, "to", NULL },
	{ "indicator", { "delay_hours" }, "delay_hours", NULL },
	{ "indicator", { "delay" }, "delay_hours", NULL },
};

/* Per column: its label (header text or hashtag) and its field for each kind. */
struct column {
	char *label;
	const char *field[KIND_COUNT + 1];	/* [KIND_COUNT]: kind not known yet */
};

struct csvin {
	struct csv_parser p;
	char *kind, *org;
	char *corridor;			/* ?corridor= / --corridor: rows without one get it */
	unsigned char key[32];		/* keys derived report ids */
	csvin_row_fn fn;
	void *arg;
	/* the record being read */
	char **cells;
	size_t ncells;
	long row;			/* spreadsheet row number of the last record */
	bool header_found, failed, bom_checked;
	int last_end;			/* the character that ended the last record */
	size_t record_bytes;		/* bytes fed since the last record ended */
	size_t nbom;			/* bytes of a byte order mark seen so far */
	json_t *pending;		/* rows read before the header is known: [[row, [cells]]] */
	struct column *cols;
	size_t ncols;
	bool hxl;
	json_t *errors, *ignored;
	long nerrors, datarows;
};

/* ---- errors ---------------------------------------------------------------- */

static const char *label_of(const struct csvin *r, const char *field)
{
	for (size_t i = 0; i < r->ncols; i++)
		for (int k = 0; k <= KIND_COUNT; k++)
			if (r->cols[i].field[k] && strcmp(r->cols[i].field[k], field) == 0)
				return r->cols[i].label;
	return field;
}

void csvin_error(struct csvin *r, long row, const char *field, const char *reason)
{
	if (r->nerrors++ < CSVIN_MAX_ERRORS)
		json_array_append_new(r->errors, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)row,
			"column", label_of(r, field), "reason", reason));
}

json_t *csvin_errors(struct csvin *r) { return r->errors; }
long csvin_error_count(const struct csvin *r) { return r->nerrors; }
json_t *csvin_ignored(struct csvin *r) { return r->ignored; }
long csvin_rows(const struct csvin *r) { return r->datarows; }

/* ---- the header ------------------------------------------------------------ */

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

/* "#Tag +Attr+attr" -> tag and attributes, lower case; false when not a hashtag. */
static bool parse_hashtag(const char *cell, char *tag, size_t n, json_t *attrs)
{
	char buf[256];
	char *save = NULL, *part;
	bool first = true;

	size_t len = strlen(cell);

	/* "#tag+attr": no space after '#', no empty attribute ("#date+", "#a++b"). */
	if (cell[0] != '#' || !isalpha((unsigned char)cell[1]) || len >= sizeof(buf) ||
	    cell[len - 1] == '+' || strstr(cell, "++"))
		return false;
	snprintf(buf, sizeof(buf), "%s", cell + 1);
	for (part = strtok_r(buf, "+", &save); part; part = strtok_r(NULL, "+", &save), first = false) {
		trim(part);
		if (!isalpha((unsigned char)part[0]))
			return false;
		for (char *c = part; *c; c++) {
			if (!isalnum((unsigned char)*c) && *c != '_')
				return false;
			*c = (char)tolower((unsigned char)*c);
		}
		if (first)
			snprintf(tag, n, "%s", part);
		else
			json_array_append_new(attrs, json_string(part));
	}
	return !first;
}

static const char *hxl_field(const char *tag, const json_t *attrs, const char *kind);

/*
 * The HXL rule (at least half the non-empty cells are hashtags), and one of
 * them must name a field: a data row like ",,,#closed" is not a header.
 */
static bool is_hashtag_row(char **cells, size_t n)
{
	size_t nonempty = 0, tags = 0;
	bool names_field = false;
	char tag[64];

	for (size_t i = 0; i < n; i++) {
		json_t *attrs;

		if (!cells[i][0])
			continue;
		nonempty++;
		attrs = json_array();
		if (parse_hashtag(cells[i], tag, sizeof(tag), attrs)) {
			tags++;
			for (int k = 0; k < KIND_COUNT && !names_field; k++)
				names_field = hxl_field(tag, attrs, report_kinds[k]) != NULL;
		}
		json_decref(attrs);
	}
	return names_field && tags * 2 >= nonempty;
}

static bool has_attrs(const json_t *attrs, const char *const *want)
{
	for (int i = 0; i < 3 && want[i]; i++) {
		bool found = false;
		size_t j;
		json_t *a;

		json_array_foreach(attrs, j, a)
			found = found || strcmp(json_string_value(a), want[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* The field a hashtag names for one kind (kind NULL: rules for any kind only). */
static const char *hxl_field(const char *tag, const json_t *attrs, const char *kind)
{
	const char *best = NULL;
	int best_n = -1;

	for (size_t i = 0; i < sizeof(hxl_rules) / sizeof(hxl_rules[0]); i++) {
		const struct hxl_rule *h = &hxl_rules[i];
		int n = 0;

		if (strcmp(h->tag, tag) != 0 || !has_attrs(attrs, h->attrs))
			continue;
		if (h->kind && (!kind || strcmp(h->kind, kind) != 0))
			continue;
		while (n < 3 && h->attrs[n])
			n++;
		/* More attributes matched, or a rule for this very kind, is more specific. */
		if (n > best_n || (n == best_n && h->kind)) {
			best = h->field;
			best_n = n;
		}
	}
	return best;
}

static void add_column(struct csvin *r, const char *label, const char *cell)
{
	struct column *c = &r->cols[r->ncols++];
	char tag[64];
	json_t *attrs = json_array();
	bool known = false;

	c->label = xstrdup(label[0] ? label : cell);
	trim(c->label);
	if (r->hxl) {
		if (parse_hashtag(cell, tag, sizeof(tag), attrs))
			for (int k = 0; k <= KIND_COUNT; k++)
				c->field[k] = hxl_field(tag, attrs, k < KIND_COUNT ? report_kinds[k] : NULL);
	} else {
		char lower[128];

		snprintf(lower, sizeof(lower), "%s", cell);
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		trim(lower);
		for (int k = 0; k <= KIND_COUNT; k++)
			c->field[k] = report_field_name(lower);
	}
	for (int k = 0; k <= KIND_COUNT; k++)
		known = known || c->field[k];
	if (!known && (cell[0] || label[0]))
		json_array_append_new(r->ignored, json_string(c->label));
	json_decref(attrs);
}

/* An earlier column naming the same field as column i (for some kind), or -1. */
static long same_field_as(const struct csvin *r, size_t i, const char **field)
{
	for (size_t j = 0; j < i; j++)
		for (int k = 0; k <= KIND_COUNT; k++) {
			const char *a = r->cols[i].field[k], *b = r->cols[j].field[k];

			if (a && b && strcmp(a, b) == 0) {
				*field = a;
				return (long)j;
			}
		}
	return -1;
}

/*
 * Bytes of s to show when at most max fit, ending on a character boundary:
 * a label cut inside a character is not UTF-8, and jansson refuses it.
 */
static int utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		for (n = max; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
			;
	return (int)n;
}

/* Two columns for one field would make one of them silently lose. */
static void check_duplicates(struct csvin *r, long row)
{
	char reason[320];

	for (size_t i = 0; i < r->ncols; i++) {
		const char *field;
		long j = same_field_as(r, i, &field);

		if (j < 0)
			continue;
		snprintf(reason, sizeof(reason),
			 "names the same field (%s) as column \"%.*s\"; keep one of them",
			 field, utf8_prefix(r->cols[j].label, 100), r->cols[j].label);
		if (r->nerrors++ < CSVIN_MAX_ERRORS)
			json_array_append_new(r->errors, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)row,
				"column", r->cols[i].label, "reason", reason));
		r->failed = true;
	}
}

static void set_columns(struct csvin *r, json_t *labels, json_t *cells, long row)
{
	size_t n = json_array_size(cells);

	r->cols = xcalloc(n ? n : 1, sizeof(*r->cols));
	for (size_t i = 0; i < n; i++) {
		const char *label = json_string_value(json_array_get(labels, i));

		add_column(r, label ? label : "", json_string_value(json_array_get(cells, i)));
	}
	r->header_found = true;
	check_duplicates(r, row);
}

/* ---- rows ---------------------------------------------------------------------- */

/*
 * Keyed with the server's secret: a public export holds these ids, and an
 * unkeyed hash of slug and content would let anyone test which organisation
 * sent a row.
 */
static void uuid_from_content(const struct csvin *r, const json_t *obj, char out[SW_UUID_LEN + 1])
{
	unsigned char h[32];
	char hex[65];
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "supplywatch-csv\n%s\n%s", r->org, text);
	crypto_generichash(h, sizeof(h), (const unsigned char *)sb.buf, sb.len, r->key, sizeof(r->key));
	free(text);
	sb_release(&sb);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x80);	/* version 8: custom, RFC 9562 */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);	/* variant */
	sodium_bin2hex(hex, sizeof(hex), h, 16);
	snprintf(out, SW_UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
		 hex + 16, hex + 20);
}

/*
 * A cell as a JSON value.  Free text keeps its spaces (they are the
 * reporter's); other fields lose surrounding ones.  The export's formula
 * guard (a ' before = + - @ TAB CR or ') is undone, exactly once.
 */
static json_t *cell_value(const char *field, const char *cell)
{
	char buf[MAX_CELL + 1];

	if (cell[0] == '\'' && cell[1] && strchr("=+-@\t\r'", cell[1]))
		cell++;
	if (report_field_is_text(field))
		return report_value_of_text(field, cell);
	snprintf(buf, sizeof(buf), "%s", cell);
	trim(buf);
	return report_value_of_text(field, buf);
}

static void emit(struct csvin *r, long row, json_t *cells)
{
	json_t *obj = json_object();
	const char *kind = r->kind;
	int k;
	size_t i;
	json_t *cell;

	/* The kind first: it decides what the other hashtags mean. */
	json_array_foreach(cells, i, cell)
		if (i < r->ncols && r->cols[i].field[KIND_COUNT] &&
		    strcmp(r->cols[i].field[KIND_COUNT], "kind") == 0 && json_string_value(cell)[0])
			kind = json_string_value(cell);
	k = kind ? enum_index(kind, report_kinds) : -1;
	if (kind)
		json_object_set_new(obj, "kind", json_string(kind));
	json_array_foreach(cells, i, cell) {
		const char *v = json_string_value(cell), *field;

		if (i >= r->ncols && v[0]) {
			/* An unquoted comma in a note, usually: never drop what was written. */
			json_decref(obj);
			csvin_error(r, row, "", "has more cells than the header has columns "
				    "(put text with commas in double quotes)");
			return;
		}
		if (!v[0])
			continue;
		field = r->cols[i].field[k < 0 ? KIND_COUNT : k];
		if (field && strcmp(field, "kind") != 0)
			json_object_set_new(obj, field, cell_value(field, v));
	}
	if (!kind) {
		json_decref(obj);
		csvin_error(r, row, "kind", "is required: add a kind column or ?kind= (--kind)");
		return;
	}
	if (r->corridor && !json_object_get(obj, "corridor"))
		json_object_set_new(obj, "corridor", json_string(r->corridor));
	if (!json_object_get(obj, "report_id")) {
		char id[SW_UUID_LEN + 1];

		uuid_from_content(r, obj, id);
		json_object_set_new(obj, "report_id", json_string(id));
	}
	r->datarows++;
	r->fn(r->arg, obj, row);
}

static json_t *cells_json(struct csvin *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->ncells; i++)
		json_array_append_new(a, json_string(r->cells[i]));
	return a;
}

static void flush_pending(struct csvin *r)
{
	size_t i;
	json_t *p;

	if (!r->header_found) {
		/* No hashtag row: the first row names the fields. */
		json_t *first = json_array_get(r->pending, 0);

		if (!first)
			return;
		set_columns(r, NULL, json_array_get(first, 1),
			    (long)json_integer_value(json_array_get(first, 0)));
		json_array_remove(r->pending, 0);
	}
	json_array_foreach(r->pending, i, p)
		emit(r, (long)json_integer_value(json_array_get(p, 0)), json_array_get(p, 1));
	json_array_clear(r->pending);
}

static void on_record(struct csvin *r)
{
	bool blank = true;
	json_t *cells;

	r->row++;
	/* Cells of spaces only are empty; other cells keep their spaces here. */
	for (size_t i = 0; i < r->ncells; i++) {
		if (strspn(r->cells[i], " \t") == strlen(r->cells[i]))
			r->cells[i][0] = '\0';
		blank = blank && !r->cells[i][0];
	}
	if (blank || r->failed)
		return;
	cells = cells_json(r);
	if (r->header_found) {
		emit(r, r->row, cells);
	} else if (is_hashtag_row(r->cells, r->ncells)) {
		/* Rows above the hashtag row are titles; the one right above labels columns. */
		json_t *last = json_array_get(r->pending, json_array_size(r->pending) - 1);
		bool labels = last && json_integer_value(json_array_get(last, 0)) == r->row - 1;

		r->hxl = true;
		set_columns(r, labels ? json_array_get(last, 1) : NULL, cells, r->row);
		json_array_clear(r->pending);
	} else {
		json_array_append_new(r->pending, json_pack("[I, O]", (json_int_t)r->row, cells));
		if (json_array_size(r->pending) >= HEADER_SCAN_ROWS)
			flush_pending(r);
	}
	json_decref(cells);
}

/* ---- libcsv callbacks ---------------------------------------------------------- */

static void cb_field(void *data, size_t len, void *arg)
{
	struct csvin *r = arg;
	char *cell;

	if (r->ncells == MAX_COLUMNS || len > MAX_CELL) {
		if (!r->failed)
			csvin_error(r, r->row + 1, "", r->ncells == MAX_COLUMNS
				    ? "too many columns (at most 256)" : "a cell is longer than 65536 bytes");
		r->failed = true;
		return;
	}
	if (len && !valid_utf8(data, len)) {
		if (!r->failed)
			csvin_error(r, r->row + 1, "", "is not UTF-8 text: save the file as \"CSV UTF-8\"");
		r->failed = true;
		return;
	}
	cell = xmalloc(len + 1);
	memcpy(cell, data ? data : "", len);
	cell[len] = '\0';
	r->cells[r->ncells++] = cell;
}

static void clear_cells(struct csvin *r)
{
	for (size_t i = 0; i < r->ncells; i++)
		free(r->cells[i]);
	r->ncells = 0;
}

static void cb_row(int c, void *arg)
{
	struct csvin *r = arg;
	bool crlf_tail = c == '\n' && r->last_end == '\r' && r->ncells == 0;

	/*
	 * Every line ending is reported (CSV_REPALL_NL), so blank lines count as
	 * the rows a spreadsheet numbers; the LF of a CRLF is not a row of its own.
	 */
	r->last_end = c;
	r->record_bytes = 0;
	if (!crlf_tail)
		on_record(r);
	clear_cells(r);
}

struct csvin *csvin_new(const char *kind, const char *org_slug, const unsigned char key[32],
			csvin_row_fn fn, void *arg)
{
	struct csvin *r = xcalloc(1, sizeof(*r));

	memcpy(r->key, key, sizeof(r->key));
	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL | CSV_REPALL_NL) != 0)
		abort();
	r->kind = kind ? xstrdup(kind) : NULL;
	r->org = xstrdup(org_slug);
	r->fn = fn;
	r->arg = arg;
	r->cells = xcalloc(MAX_COLUMNS, sizeof(*r->cells));
	r->pending = json_array();
	r->errors = json_array();
	r->ignored = json_array();
	return r;
}

void csvin_set_corridor(struct csvin *r, const char *corridor)
{
	free(r->corridor);
	r->corridor = corridor ? xstrdup(corridor) : NULL;
}

void csvin_free(struct csvin *r)
{
	if (!r)
		return;
	csv_free(&r->p);
	clear_cells(r);
	free(r->cells);
	for (size_t i = 0; i < r->ncols; i++)
		free(r->cols[i].label);
	free(r->cols);
	free(r->kind);
	free(r->corridor);
	free(r->org);
	json_decref(r->pending);
	json_decref(r->errors);
	json_decref(r->ignored);
	free(r);
}

static int parse_error(struct csvin *r)
{
	if (!r->failed)
		csvin_error(r, r->row + 1, "",
			    "malformed CSV: a quote inside an unquoted cell, or a quoted cell that never ends");
	r->failed = true;
	return -1;
}

int csvin_feed(struct csvin *r, const char *data, size_t len)
{
	if (r->failed)
		return -1;
	/* A UTF-8 byte order mark, as spreadsheets write it, is not data (even split). */
	while (!r->bom_checked && len) {
		static const char bom[] = "\xef\xbb\xbf";

		if (*data != bom[r->nbom]) {
			r->bom_checked = true;
			if (r->nbom && csv_parse(&r->p, bom, r->nbom, cb_field, cb_row, r) != r->nbom)
				return parse_error(r);
			break;
		}
		data++;
		len--;
		r->bom_checked = ++r->nbom == 3;
	}
	/*
	 * libcsv buffers a record whole: an unclosed quote would buffer the
	 * file.  Fed in slices, so the count (reset at each row's end) is off by
	 * at most a slice, however large the caller's buffer (an HTTP body).
	 */
	while (len && !r->failed) {
		size_t n = len < 65536 ? len : 65536;

		if (csv_parse(&r->p, data, n, cb_field, cb_row, r) != n)
			return parse_error(r);
		r->record_bytes += n;
		if (r->record_bytes > MAX_RECORD && !r->failed) {
			csvin_error(r, r->row + 1, "", "a row is longer than 1 MiB: is a quote left open?");
			r->failed = true;
		}
		data += n;
		len -= n;
	}
	return r->failed ? -1 : 0;
}

int csvin_finish(struct csvin *r)
{
	/* A file that was only the start of a byte order mark: those bytes are data. */
	if (!r->bom_checked && r->nbom && !r->failed) {
		r->bom_checked = true;
		if (csv_parse(&r->p, "\xef\xbb\xbf", r->nbom, cb_field, cb_row, r) != r->nbom)
			return parse_error(r);
	}
	if (!r->failed && csv_fini(&r->p, cb_field, cb_row, r) != 0)
		return parse_error(r);
	if (!r->failed)
		flush_pending(r);
	if (!r->header_found && !r->failed)
		csvin_error(r, 1, "", "the file is empty: it needs a header row and at least one row");
	else if (!r->datarows && !r->nerrors)
		csvin_error(r, r->row, "", "the file has a header but no rows of data");
	return r->failed ? -1 : 0;
}
