/*
 * The public ledger's routes (docs/api.md, "The public ledger"):
 * /api/v1/ledger/{key,head,heads,entries,proof/inclusion,proof/consistency}
 * and /api/v1/reports/{org}/{report_id}/receipt.  The key and the latest
 * head come from memory (publish/sequencer.h); the rest read the database,
 * a few short range reads per proof (store/ledger.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "core/merkle.h"
#include "core/note.h"
#include "http/http.h"
#include "publish/sequencer.h"
#include "store/db.h"
#include "store/ledger.h"
#include "util/valid.h"

#define HEADS_PAGE_MAX 100

static enum MHD_Result unavailable(struct request *rq)
{
	return reply_json_retry(rq, 503, json_pack("{s:s}", "error", "database unavailable; retry later"),
				db_retry_after());
}

/*
 * A query argument that must be a whole number in [min, max]; absent gives
 * *out = dflt (or, with dflt < 0, a detail "is required").
 */
static void arg(struct request *rq, const char *name, int64_t min, int64_t max, int64_t dflt,
		int64_t *out, json_t *errs)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
	char why[96];

	if (!v || !*v) {
		*out = dflt;
		if (dflt < 0)
			json_array_append_new(errs, json_pack("{s:s, s:s}", "field", name, "reason", "is required"));
		return;
	}
	if (parse_int64(v, out) && *out >= min && *out <= max)
		return;
	snprintf(why, sizeof(why), "must be a whole number from %" PRId64 " to %" PRId64, min, max);
	json_array_append_new(errs, json_pack("{s:s, s:s}", "field", name, "reason", why));
}

static enum MHD_Result bad_query(struct request *rq, json_t *errs)
{
	return reply_json(rq, 400, json_pack("{s:s, s:o}", "error", "invalid query", "details", errs));
}

/* The stored tree's size; false when the database did not answer. */
static bool tree_size(PGconn *c, uint64_t *size)
{
	struct ledger_head h;
	bool ok = c && ledger_tip(c, size, &h) == DB_OK;

	if (ok)
		ledger_head_free(&h);
	return ok;
}

static json_t *hashes(const unsigned char (*h)[32], size_t n)
{
	json_t *a = json_array();
	char hex[65];

	for (size_t i = 0; i < n; i++) {
		ledger_hex(h[i], 32, hex);
		json_array_append_new(a, json_string(hex));
	}
	return a;
}

enum MHD_Result http_get_ledger_key(struct request *rq)
{
	char *key = sequencer_key();
	struct strbuf b = STRBUF_INIT;

	if (!key || !*key) {
		free(key);
		return reply_error(rq, 404, "this ledger has no signing key yet");
	}
	sb_addf(&b, "%s\n", key);
	free(key);
	return reply_text(rq, 200, "text/plain; charset=utf-8", &b);
}

enum MHD_Result http_get_ledger_head(struct request *rq)
{
	char *note = sequencer_head();
	struct strbuf b = STRBUF_INIT;

	if (!note)
		return reply_error(rq, 404, "no tree head has been signed yet");
	sb_addstr(&b, note);
	free(note);
	return reply_text(rq, 200, "text/plain; charset=utf-8", &b);
}

enum MHD_Result http_get_ledger_heads(struct request *rq)
{
	json_t *errs = json_array(), *body = NULL;
	int64_t before, limit;
	PGconn *c;

	arg(rq, "before", 1, INT64_MAX, INT64_MAX, &before, errs);
	arg(rq, "limit", 1, HEADS_PAGE_MAX, HEADS_PAGE_MAX, &limit, errs);
	if (json_array_size(errs))
		return bad_query(rq, errs);
	json_decref(errs);
	c = db_conn();
	if (!c || ledger_heads(c, (uint64_t)before, (int)limit, &body) != DB_OK)
		return unavailable(rq);
	return reply_json(rq, 200, body);
}

enum MHD_Result http_get_ledger_entries(struct request *rq)
{
	json_t *errs = json_array(), *body = NULL;
	int64_t start, end;
	uint64_t size;
	PGconn *c;

	arg(rq, "start", 0, INT64_MAX - 1, -1, &start, errs);
	arg(rq, "end", 1, INT64_MAX, -1, &end, errs);
	if (!json_array_size(errs) && end <= start)
		json_array_append_new(errs, json_pack("{s:s, s:s}", "field", "end", "reason",
						      "must be greater than start"));
	if (json_array_size(errs))
		return bad_query(rq, errs);
	json_decref(errs);
	c = db_conn();
	if (!tree_size(c, &size))
		return unavailable(rq);
	if ((uint64_t)start >= size)
		return reply_json(rq, 400, json_pack("{s:s, s:[{s:s, s:s}]}", "error", "invalid query",
			"details", "field", "start", "reason", "is beyond the tree's last entry"));
	if (end - start > LEDGER_PAGE_MAX)
		end = start + LEDGER_PAGE_MAX;
	if ((uint64_t)end > size)
		end = (int64_t)size;
	if (ledger_entries(c, (uint64_t)start, (uint64_t)end, &body) != DB_OK)
		return unavailable(rq);
	return reply_json(rq, 200, body);
}

/*
 * The two sizes of a proof: a (from a_min) below b (strict) or not above
 * it, and b at most the stored tree's size.  false: answered already (*ret).
 */
static bool proof_args(struct request *rq, const char *a_name, int64_t a_min, const char *b_name, bool strict,
		       int64_t *a, int64_t *b, PGconn **c, enum MHD_Result *ret)
{
	json_t *errs = json_array();
	uint64_t stored;
	char why[64];

	arg(rq, a_name, a_min, INT64_MAX - 1, -1, a, errs);
	arg(rq, b_name, 1, INT64_MAX, -1, b, errs);
	if (!json_array_size(errs) && (strict ? *a >= *b : *a > *b)) {
		snprintf(why, sizeof(why), strict ? "must be less than %s" : "must not be greater than %s", b_name);
		json_array_append_new(errs, json_pack("{s:s, s:s}", "field", a_name, "reason", why));
	}
	if (json_array_size(errs)) {
		*ret = bad_query(rq, errs);
		return false;
	}
	json_decref(errs);
	*c = db_conn();
	if (!tree_size(*c, &stored)) {
		*ret = unavailable(rq);
		return false;
	}
	if ((uint64_t)*b > stored) {
		*ret = reply_json(rq, 400, json_pack("{s:s, s:[{s:s, s:s}]}", "error", "invalid query",
			"details", "field", b_name, "reason", "is larger than the tree"));
		return false;
	}
	return true;
}

enum MHD_Result http_get_ledger_inclusion(struct request *rq)
{
	int64_t index, size;
	unsigned char proof[MERKLE_MAX_PROOF][32], leaf[32];
	char hex[65];
	size_t n;
	PGconn *c;
	enum MHD_Result ret;

	if (!proof_args(rq, "index", 0, "size", true, &index, &size, &c, &ret))
		return ret;
	if (ledger_subtree(c, 0, (uint64_t)index, leaf) != 0 ||
	    merkle_inclusion_proof((uint64_t)index, (uint64_t)size, ledger_subtree, c, proof, &n) != 0)
		return unavailable(rq);
	ledger_hex(leaf, 32, hex);
	return reply_json(rq, 200, json_pack("{s:I, s:I, s:s, s:o}", "index", (json_int_t)index,
		"size", (json_int_t)size, "leaf_hash", hex,
		"proof", hashes((const unsigned char (*)[32])proof, n)));
}

enum MHD_Result http_get_ledger_consistency(struct request *rq)
{
	int64_t first, second;
	unsigned char proof[MERKLE_MAX_PROOF][32];
	size_t n = 0;
	PGconn *c;
	enum MHD_Result ret;

	if (!proof_args(rq, "first", 1, "second", false, &first, &second, &c, &ret))
		return ret;
	if (first < second &&
	    merkle_consistency_proof((uint64_t)first, (uint64_t)second, ledger_subtree, c, proof, &n) != 0)
		return unavailable(rq);
	return reply_json(rq, 200, json_pack("{s:I, s:I, s:o}", "first", (json_int_t)first,
		"second", (json_int_t)second, "proof", hashes((const unsigned char (*)[32])proof, n)));
}

/*
 * A receipt: the entry, its leaf hash, and its inclusion proof against the
 * latest signed head (that head included, so the receipt stands alone).
 * Not yet in a signed head: 202 with the leaf hash and Retry-After.
 */
enum MHD_Result http_get_receipt(struct request *rq)
{
	char org[64], raw[64], id[SW_UUID_LEN + 1], hex[65];
	const char *slash = strchr(rq->capture, '/');
	struct ledger_place p;
	struct ledger_head h;
	unsigned char proof[MERKLE_MAX_PROOF][32];
	uint64_t size;
	size_t n;
	PGconn *c;
	json_t *body;

	if (!slash || (size_t)(slash - rq->capture) >= sizeof(org) || strlen(slash + 1) >= sizeof(raw))
		return reply_error(rq, 404, "no such report");
	snprintf(org, sizeof(org), "%.*s", (int)(slash - rq->capture), rq->capture);
	snprintf(raw, sizeof(raw), "%s", slash + 1);
	if (!valid_slug(org) || !valid_uuid(raw, id))
		return reply_error(rq, 404, "no such report");
	c = db_conn();
	if (!c || ledger_find(c, org, id, &p) != DB_OK)
		return unavailable(rq);
	if (!p.exists) {
		ledger_place_free(&p);
		return reply_error(rq, 404, "no such report");
	}
	ledger_hex(p.leaf, 32, hex);
	if (ledger_tip(c, &size, &h) != DB_OK) {
		ledger_place_free(&p);
		return unavailable(rq);
	}
	if (!p.sequenced || p.index >= h.size) {
		body = json_pack("{s:s, s:s, s:s}", "status", p.sequenced ? "awaiting a signed head" : "queued",
				 "leaf_hash", hex, "entry", p.entry);
		if (p.sequenced)
			json_object_set_new(body, "index", json_integer((json_int_t)p.index));
		ledger_place_free(&p);
		ledger_head_free(&h);
		return reply_json_retry(rq, 202, body, 5);
	}
	if (merkle_inclusion_proof(p.index, h.size, ledger_subtree, c, proof, &n) != 0) {
		ledger_place_free(&p);
		ledger_head_free(&h);
		return unavailable(rq);
	}
	body = json_pack("{s:I, s:I, s:s, s:o, s:s, s:s}", "index", (json_int_t)p.index,
		"size", (json_int_t)h.size, "leaf_hash", hex,
		"proof", hashes((const unsigned char (*)[32])proof, n), "entry", p.entry, "checkpoint", h.note);
	ledger_place_free(&p);
	ledger_head_free(&h);
	return reply_json(rq, 200, body);
}
