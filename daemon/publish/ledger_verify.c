#include "publish/ledger_verify.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "core/merkle.h"
#include "core/report.h"
#include "store/db.h"
#include "store/ledger.h"
#include "util/strbuf.h"

#define FETCH_MAX (64 << 20)	/* bytes in one answer */
#define DB_PAGE 5000		/* entries per query against the database */

struct head {
	uint64_t size;
	unsigned char root[32];
	const char *what;	/* "the saved head", "a signed head" */
};

struct checker {
	const struct verify_opts *o;
	struct verify_result *res;
	struct merkle_frontier f;
	struct head *heads;	/* ascending by size */
	size_t nheads, next;
	uint64_t good_until;	/* the size of the last head whose root matched */
	int64_t exact;		/* the first entry found wrong on its own; -1: none */
	int64_t head_lo, head_hi;	/* the first head that did not match: entries [lo, hi) */
	bool collect;			/* keep the complete subtrees at every 8th level (--db) */
	struct node { unsigned level; uint64_t idx; unsigned char hash[32]; } *nodes;
	size_t nnodes;
	char exact_why[384], head_why[384];
};

__attribute__((format(printf, 3, 4)))
static void bad_entry(struct checker *k, uint64_t i, const char *fmt, ...)
{
	va_list ap;

	if (k->exact >= 0 && (uint64_t)k->exact <= i)
		return;
	k->exact = (int64_t)i;
	va_start(ap, fmt);
	vsnprintf(k->exact_why, sizeof(k->exact_why), fmt, ap);
	va_end(ap);
}

static int fail(struct verify_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct verify_result *res, const char *fmt, ...)
{
	va_list ap;

	res->ok = false;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* A signed note by a trusted key, and the checkpoint it carries. */
static int open_head(const struct verify_opts *o, const char *note, const char *what,
		     struct checkpoint *cp, struct verify_result *res)
{
	size_t text_len;
	char why[256];

	if (note_open(note, strlen(note), o->keys, o->nkeys, &text_len, why, sizeof(why)) != 0)
		return fail(res, "%s is refused: %s", what, why);
	if (checkpoint_parse(note, text_len, cp, why, sizeof(why)) != 0)
		return fail(res, "%s is not a checkpoint: %s", what, why);
	return 0;
}

static void add_head(struct checker *k, uint64_t size, const unsigned char root[32], const char *what)
{
	if (size == 0)
		return;
	k->heads = xrealloc(k->heads, (k->nheads + 1) * sizeof(*k->heads));
	k->heads[k->nheads].size = size;
	memcpy(k->heads[k->nheads].root, root, 32);
	k->heads[k->nheads].what = what;
	k->nheads++;
}

static int by_size(const void *a, const void *b)
{
	const struct head *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/* The roots of every head whose size the tree has just reached. */
static void check_heads(struct checker *k)
{
	unsigned char root[32];

	while (k->next < k->nheads && k->heads[k->next].size <= k->f.size) {
		const struct head *h = &k->heads[k->next++];

		k->res->heads++;
		merkle_frontier_root(&k->f, root);
		if (memcmp(root, h->root, 32) == 0) {
			if (k->head_lo < 0)
				k->good_until = h->size;
			continue;
		}
		if (k->head_lo < 0) {
			k->head_lo = (int64_t)k->good_until;
			k->head_hi = (int64_t)h->size;
			snprintf(k->head_why, sizeof(k->head_why),
				 "the entries do not hash to %s of size %" PRIu64 " (entries before %" PRIu64
				 " match the heads signed before it): an entry from here on was changed, removed,"
				 " inserted or moved", h->what, h->size, k->good_until);
		}
	}
}

static void keep_node(void *ctx, unsigned level, uint64_t idx, const unsigned char hash[32])
{
	struct checker *k = ctx;

	if (level % 8)
		return;
	k->nodes = xrealloc(k->nodes, (k->nnodes + 1) * sizeof(*k->nodes));
	k->nodes[k->nnodes].level = level;
	k->nodes[k->nnodes].idx = idx;
	memcpy(k->nodes[k->nnodes].hash, hash, 32);
	k->nnodes++;
}

static bool canonical(const char *entry)
{
	json_t *j = json_loads(entry, JSON_REJECT_DUPLICATES, NULL);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
	bool ok = s && strcmp(s, entry) == 0 && json_is_object(j);

	free(s);
	json_decref(j);
	return ok;
}

/* One entry, in index order; leaf_hex as served or stored (NULL: not given). */
static void entry(struct checker *k, uint64_t i, const char *text, const char *leaf_hex)
{
	unsigned char leaf[32];
	char hex[65];

	if (i != k->f.size) {
		bad_entry(k, k->f.size, "entry %" PRIu64 " is missing (the next one is %" PRIu64 ")", k->f.size, i);
		return;
	}
	ledger_leaf(text, leaf);
	ledger_hex(leaf, 32, hex);
	if (leaf_hex && strcmp(hex, leaf_hex) != 0)
		bad_entry(k, i, "its leaf hash is not SHA-256(0x00 || entry)");
	if (!canonical(text))
		bad_entry(k, i, "its entry is not canonical JSON");
	merkle_frontier_append(&k->f, leaf, k->collect ? keep_node : NULL, k);
	k->res->entries++;
	check_heads(k);
}

/* The first bad index: an entry wrong on its own, unless a head failed before it. */
static int conclude(struct checker *k, uint64_t size)
{
	struct verify_result *res = k->res;

	if (k->f.size < size && k->exact < 0)
		bad_entry(k, k->f.size, "entry %" PRIu64 " is missing: the head covers %" PRIu64, k->f.size, size);
	check_heads(k);
	if (k->exact >= 0 && (k->head_lo < 0 || k->exact < k->head_hi)) {
		res->bad_index = k->exact;
		return fail(res, "%s", k->exact_why);
	}
	if (k->head_lo >= 0) {
		res->bad_index = k->head_lo;
		return fail(res, "%s", k->head_why);
	}
	res->ok = true;
	return 0;
}

static void checker_init(struct checker *k, const struct verify_opts *o, struct verify_result *res)
{
	memset(k, 0, sizeof(*k));
	memset(res, 0, sizeof(*res));
	k->o = o;
	k->res = res;
	k->exact = k->head_lo = k->head_hi = -1;
	res->bad_index = -1;
	merkle_frontier_init(&k->f);
}

/* The latest head and the saved one: signatures, origin, order. */
static int heads_open(struct checker *k, const char *latest, struct checkpoint *cp, struct checkpoint *saved)
{
	if (open_head(k->o, latest, "the latest head", cp, k->res) != 0)
		return -1;
	add_head(k, cp->size, cp->root, "the latest head");
	k->res->size = cp->size;
	if (!k->o->saved_head)
		return 0;
	if (open_head(k->o, k->o->saved_head, "the saved head", saved, k->res) != 0)
		return -1;
	if (strcmp(saved->origin, cp->origin) != 0)
		return fail(k->res, "the saved head is of another log (\"%s\", not \"%s\")", saved->origin, cp->origin);
	if (saved->size > cp->size)
		return fail(k->res, "the log shrank: the saved head has %" PRIu64 " entries, the latest %" PRIu64,
			    saved->size, cp->size);
	add_head(k, saved->size, saved->root, "the saved head");
	return 0;
}

/* ---- over HTTP ---------------------------------------------------------------- */

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	struct strbuf *b = ctx;

	if (b->len + size * n > FETCH_MAX)
		return 0;
	sb_add(b, p, size * n);
	return size * n;
}

/* The daemon's root as given, without a trailing slash. */
static void base_of(const char *url, char *base, size_t n)
{
	size_t len;

	snprintf(base, n, "%s", url);
	len = strlen(base);
	if (len && base[len - 1] == '/')
		base[len - 1] = '\0';
}

/* GET base + path; the body (malloc'd, NUL-terminated) on 200, else NULL with why. */
static char *get(const char *base, const char *path, struct verify_result *res)
{
	CURL *e = curl_easy_init();
	struct strbuf b = STRBUF_INIT, url = STRBUF_INIT;
	long status = 0;
	CURLcode rc;

	if (!e) {
		fail(res, "libcurl failed");
		return NULL;
	}
	sb_addf(&url, "%s%s", base, path);
	curl_easy_setopt(e, CURLOPT_URL, url.buf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	if (rc != CURLE_OK || status != 200) {
		if (rc != CURLE_OK)
			fail(res, "%s: %s", url.buf, curl_easy_strerror(rc));
		else
			fail(res, "%s: HTTP %ld: %.200s", url.buf, status, b.buf);
		sb_release(&b);
		sb_release(&url);
		return NULL;
	}
	sb_release(&url);
	return sb_detach(&b, NULL);
}

static json_t *get_json(const char *base, const char *path, struct verify_result *res)
{
	char *body = get(base, path, res);
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;

	if (body && !j)
		fail(res, "%s%s: not JSON", base, path);
	free(body);
	return j;
}

static int hashes_of(const json_t *a, unsigned char (*out)[32], size_t *n)
{
	size_t i;
	const json_t *v;

	if (!json_is_array(a) || json_array_size(a) > MERKLE_MAX_PROOF)
		return -1;
	json_array_foreach(a, i, v)
		if (ledger_unhex(json_string_value(v), out[i]) != 0)
			return -1;
	*n = json_array_size(a);
	return 0;
}

int verify_fetch_key(const char *base_url, struct note_verifier *key, char *why, size_t n)
{
	struct verify_result res;
	char base[1024], *body;
	int rc;

	base_of(base_url, base, sizeof(base));
	if (!(body = get(base, "/api/v1/ledger/key", &res))) {
		snprintf(why, n, "%s", res.why);
		return -1;
	}
	body[strcspn(body, "\n")] = '\0';
	rc = note_verifier_parse(body, key, why, n);
	free(body);
	return rc;
}

/*
 * Every signed head the daemon lists, each checked, for the roots along the
 * way: newest first, strictly smaller each, of the latest head's log, none
 * larger than the latest (a larger one, signed, means the log was rolled
 * back or forked).
 */
static int http_heads(struct checker *k, const char *base, const struct checkpoint *latest)
{
	uint64_t before = UINT64_MAX;

	for (;;) {
		char path[96];
		json_t *j, *a, *h;
		size_t i, n;

		snprintf(path, sizeof(path), "/api/v1/ledger/heads?limit=100&before=%" PRIu64,
			 before == UINT64_MAX ? (uint64_t)INT64_MAX : before);
		if (!(j = get_json(base, path, k->res)))
			return -1;
		a = json_object_get(j, "heads");
		n = json_array_size(a);
		json_array_foreach(a, i, h) {
			struct checkpoint cp;
			char what[64];

			snprintf(what, sizeof(what), "the head signed at size %" PRId64,
				 (int64_t)json_integer_value(json_object_get(h, "size")));
			if (open_head(k->o, json_string_value(json_object_get(h, "checkpoint")) ?
				      json_string_value(json_object_get(h, "checkpoint")) : "", what, &cp, k->res) != 0) {
				json_decref(j);
				return -1;
			}
			if (strcmp(cp.origin, latest->origin) != 0 || cp.size >= before) {
				json_decref(j);
				return fail(k->res, "%s is of another log or out of order in /api/v1/ledger/heads", what);
			}
			if (cp.size > latest->size) {
				json_decref(j);
				return fail(k->res, "%s, signed, is larger than the latest head (%" PRIu64 " entries):"
					    " the log was rolled back or forked", what, latest->size);
			}
			add_head(k, cp.size, cp.root, "a signed head");
			before = cp.size;
		}
		json_decref(j);
		if (n < 100)
			return 0;
	}
}

static int http_consistency(struct checker *k, const char *base, const struct checkpoint *saved,
			    const struct checkpoint *cp)
{
	char path[128];
	unsigned char proof[MERKLE_MAX_PROOF][32];
	size_t n;
	json_t *j;
	bool ok;

	if (saved->size == cp->size) {
		if (memcmp(saved->root, cp->root, 32) != 0)
			return fail(k->res, "the saved head and the latest have the same size but other roots");
		return 0;
	}
	snprintf(path, sizeof(path), "/api/v1/ledger/proof/consistency?first=%" PRIu64 "&second=%" PRIu64,
		 saved->size, cp->size);
	if (!(j = get_json(base, path, k->res)))
		return -1;
	ok = hashes_of(json_object_get(j, "proof"), proof, &n) == 0 &&
	     merkle_verify_consistency(saved->size, cp->size, saved->root, cp->root,
				       (const unsigned char (*)[32])proof, n);
	json_decref(j);
	if (!ok)
		return fail(k->res, "the latest head is not consistent with the saved head: the log was rewritten");
	printf("consistent with the saved head of size %" PRIu64 "\n", saved->size);
	return 0;
}

int verify_http(const char *base_url, const struct verify_opts *o, struct verify_result *res)
{
	struct checker k;
	struct checkpoint cp, saved;
	char base[1024], *note;
	int rc = -1;

	checker_init(&k, o, res);
	base_of(base_url, base, sizeof(base));
	if (!(note = get(base, "/api/v1/ledger/head", res)))
		return -1;
	if (heads_open(&k, note, &cp, &saved) != 0)
		goto out;
	printf("head: %s, %" PRIu64 " entries, signed by a trusted key\n", cp.origin, cp.size);
	if (o->saved_head && http_consistency(&k, base, &saved, &cp) != 0)
		goto out;
	if (http_heads(&k, base, &cp) != 0)
		goto out;
	qsort(k.heads, k.nheads, sizeof(*k.heads), by_size);
	for (uint64_t start = 0; start < cp.size;) {
		char path[128];
		json_t *j, *a, *e;
		size_t i;

		snprintf(path, sizeof(path), "/api/v1/ledger/entries?start=%" PRIu64 "&end=%" PRIu64, start,
			 cp.size);
		if (!(j = get_json(base, path, res)))
			goto out;
		a = json_object_get(j, "entries");
		if (!json_array_size(a)) {
			json_decref(j);
			break;
		}
		json_array_foreach(a, i, e) {
			const char *text = json_string_value(json_object_get(e, "entry"));

			entry(&k, (uint64_t)json_integer_value(json_object_get(e, "index")), text ? text : "",
			      json_string_value(json_object_get(e, "leaf_hash")));
		}
		start += json_array_size(a);
		json_decref(j);
	}
	rc = conclude(&k, cp.size);
out:
	free(note);
	free(k.heads);
	return rc;
}

/* ---- against the database -------------------------------------------------------- */

/*
 * A report's content hash again, from its stored payload, as ingest made
 * it; and its rows (the figures the indicators read) against the same.
 */
static void check_payload(struct checker *k, PGconn *c, const struct sw_config *cfg, uint64_t i,
			  const PGresult *r, int row, int col)
{
	const char *payload = PQgetvalue(r, row, col), *hash = PQgetvalue(r, row, col + 1);
	int64_t at = strtoll(PQgetvalue(r, row, col + 2), NULL, 10);
	json_t *raw = json_loads(payload, 0, NULL), *errs = json_array(), *canon;
	unsigned char h[32];
	char hex[65];

	canon = raw ? report_validate(raw, 0, cfg, at + 1, errs) : NULL;
	if (!canon) {
		const json_t *d = json_array_get(errs, 0);

		bad_entry(k, i, "the stored payload of report %s does not validate against the current"
			  " configuration (%s: %s): the payload was changed, or a corridor or crossing removed since",
			  PQgetvalue(r, row, col + 3), d ? json_string_value(json_object_get(d, "field")) : "payload",
			  d ? json_string_value(json_object_get(d, "reason")) : "not JSON");
	} else {
		bool match = false;

		report_hash(canon, h);
		ledger_hex(h, 32, hex);
		if (strcmp(hex, hash) != 0)
			bad_entry(k, i, "the stored payload of report %s does not hash to its content hash",
				  PQgetvalue(r, row, col + 3));
		else if (ledger_rows_match(c, PQgetvalue(r, row, 7 + LEDGER_ENTRY_NCOLS - 1), canon, cfg,
					   &match) != DB_OK || !match)
			bad_entry(k, i, "the stored %s row of report %s does not hold what its payload says",
				  json_string_value(json_object_get(canon, "kind")), PQgetvalue(r, row, col + 3));
	}
	json_decref(canon);
	json_decref(raw);
	json_decref(errs);
}

#define DB_ENTRIES \
	"SELECT q.idx, q.entry, encode(q.leaf_hash, 'hex'), r.payload::text, encode(r.content_hash, 'hex')," \
	" floor(extract(epoch FROM r.received_at))::bigint, r.report_id, " LEDGER_ENTRY_COLS \
	" FROM supplywatch.ledger q " LEDGER_ENTRY_JOINS \
	" WHERE q.idx >= $1 AND q.idx < $2 ORDER BY q.idx LIMIT " "5000"

static int by_level(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * The stored hashes of complete subtrees (every 8th level), from which
 * proofs and the sequencer's tree are made, against those of the entries.
 */
static void check_nodes(struct checker *k, PGconn *c, uint64_t size)
{
	const char *sql = "SELECT level, idx, encode(hash, 'hex') FROM supplywatch.ledger_nodes"
			  " WHERE (idx + 1) * (2::numeric ^ level) <= $1::numeric ORDER BY level, idx";
	char n[24], hex[65];
	const char *params[] = { n };
	PGresult *r;
	size_t want = 0;

	snprintf(n, sizeof(n), "%" PRIu64, size);
	if (db_exec(c, false, sql, 1, params, &r) != DB_OK) {
		bad_entry(k, 0, "the stored subtree hashes cannot be read");
		PQclear(r);
		return;
	}
	/* Both lists by level, then index (the entries' own came in the order they completed). */
	if (k->nnodes)
		qsort(k->nodes, k->nnodes, sizeof(*k->nodes), by_level);
	for (int i = 0; i < PQntuples(r) || want < k->nnodes; i++) {
		const struct node *w = want < k->nnodes ? &k->nodes[want] : NULL;
		unsigned level = i < PQntuples(r) ? (unsigned)atoi(PQgetvalue(r, i, 0)) : 0;
		uint64_t idx = i < PQntuples(r) ? strtoull(PQgetvalue(r, i, 1), NULL, 10) : 0;

		if (!w || i >= PQntuples(r) || level != w->level || idx != w->idx) {
			unsigned l = w ? w->level : level;
			uint64_t first = w ? w->idx << w->level : idx << level;

			bad_entry(k, first, "a stored subtree hash is missing or extra (level %u, from entry %" PRIu64 ")",
				  l, first);
			break;
		}
		ledger_hex(w->hash, 32, hex);
		if (strcmp(hex, PQgetvalue(r, i, 2)) != 0)
			bad_entry(k, w->idx << w->level, "the stored hash of entries %" PRIu64 " to %" PRIu64
				  " is not theirs: proofs made from it would not verify", w->idx << w->level,
				  ((w->idx + 1) << w->level) - 1);
		want++;
	}
	PQclear(r);
}

static int db_heads(struct checker *k, PGconn *c)
{
	PGresult *r;
	const char *sql = "SELECT size, note FROM supplywatch.ledger_heads ORDER BY size";

	if (db_exec(c, false, sql, 0, NULL, &r) != DB_OK) {
		PQclear(r);
		return fail(k->res, "cannot read the signed heads");
	}
	for (int i = 0; i < PQntuples(r); i++) {
		struct checkpoint cp;
		char what[64];

		snprintf(what, sizeof(what), "the head stored for size %s", PQgetvalue(r, i, 0));
		if (open_head(k->o, PQgetvalue(r, i, 1), what, &cp, k->res) != 0) {
			PQclear(r);
			return -1;
		}
		add_head(k, cp.size, cp.root, "a signed head");
	}
	PQclear(r);
	return 0;
}

int verify_db(PGconn *c, const struct sw_config *cfg, const struct verify_opts *o,
	      struct verify_result *res)
{
	struct checker k;
	struct checkpoint cp, saved;
	struct ledger_head h;
	uint64_t size, next = 0;
	PGresult *r;
	int rc = -1;

	checker_init(&k, o, res);
	k.collect = true;
	if (db_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != DB_OK)
		return fail(res, "cannot read the database");
	if (ledger_tip(c, &size, &h) != DB_OK) {
		fail(res, "cannot read the ledger (run supplywatch migrate?)");
		goto out;
	}
	if (!h.note) {
		fail(res, "no tree head has been signed yet");
		goto out;
	}
	if (heads_open(&k, h.note, &cp, &saved) != 0 || db_heads(&k, c) != 0)
		goto out;
	printf("head: %s, %" PRIu64 " entries, signed by a trusted key\n", cp.origin, cp.size);
	qsort(k.heads, k.nheads, sizeof(*k.heads), by_size);
	while (next < cp.size) {
		char from[24], to[24];
		const char *params[] = { from, to };
		int n;

		snprintf(from, sizeof(from), "%" PRIu64, next);
		snprintf(to, sizeof(to), "%" PRIu64, cp.size);
		if (db_exec(c, false, DB_ENTRIES, 2, params, &r) != DB_OK) {
			PQclear(r);
			fail(res, "cannot read the ledger's entries");
			goto out;
		}
		n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			uint64_t idx = strtoull(PQgetvalue(r, i, 0), NULL, 10);
			char *rebuilt;

			if (idx >= cp.size)
				break;
			entry(&k, idx, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
			rebuilt = ledger_entry_of_row(r, i, 7);
			if (!rebuilt)
				bad_entry(&k, idx, "the %s it records is not in the database any more",
					  PQgetvalue(r, i, 7));
			else if (strcmp(rebuilt, PQgetvalue(r, i, 1)) != 0)
				bad_entry(&k, idx, "the stored %s does not match its entry", PQgetvalue(r, i, 7));
			else if (strcmp(PQgetvalue(r, i, 7), "report") == 0)
				check_payload(&k, c, cfg, idx, r, i, 3);
			free(rebuilt);
			next = idx + 1;
		}
		PQclear(r);
		if (n < DB_PAGE)
			break;
	}
	check_nodes(&k, c, cp.size);
	rc = conclude(&k, cp.size);
	if (rc == 0) {
#define ORPHANS(table, key, source) \
	"(SELECT count(*) FROM supplywatch." table " x WHERE NOT EXISTS (SELECT 1 FROM supplywatch.ledger l" \
	" WHERE l.source = '" source "' AND l.id = x." key ") AND NOT EXISTS (SELECT 1 FROM" \
	" supplywatch.ledger_queue q WHERE q.source = '" source "' AND q.id = x." key "))"
		const char *orphans = "SELECT " ORPHANS("reports", "id", "report") " + "
			ORPHANS("retractions", "report", "retraction") " + " ORPHANS("reviews", "id", "review");

		if (db_exec(c, false, orphans, 0, NULL, &r) == DB_OK && strcmp(PQgetvalue(r, 0, 0), "0") != 0)
			rc = fail(res, "%s stored reports, retractions or reviews are neither in the ledger nor"
				  " queued for it: they were written around the database's triggers",
				  PQgetvalue(r, 0, 0));
		PQclear(r);
	}
out:
	db_simple(c, "ROLLBACK");
	ledger_head_free(&h);
	free(k.heads);
	free(k.nodes);
	return rc;
}
