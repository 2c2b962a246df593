#include "core/ledger.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/merkle.h"
#include "util/token.h"

/* Sorted keys, no blanks, ASCII only: the same bytes whoever serialises it. */
static char *canonical(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;

	json_decref(o);
	return s;
}

char *ledger_entry_report(const char *org, const char *report_id, const char *received_at,
			  const char *content_hash, const char *supersedes)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "report", "org", org,
			      "report_id", report_id, "received_at", received_at,
			      "content_hash", content_hash);

	if (o && supersedes)
		json_object_set_new(o, "supersedes", json_string(supersedes));
	return canonical(o);
}

char *ledger_entry_retraction(const char *org, const char *report_id, const char *content_hash,
			      const char *retracted_at, const char *reason_hash)
{
	return canonical(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "retraction", "org", org,
				   "report_id", report_id, "content_hash", content_hash,
				   "retracted_at", retracted_at, "reason_hash", reason_hash));
}

char *ledger_entry_review(const char *org, const char *report_id, const char *content_hash,
			  const char *reviewer, const char *state, const char *reviewed_at,
			  const char *comment_hash)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "review", "org", org,
			      "report_id", report_id, "content_hash", content_hash, "reviewer", reviewer,
			      "state", state, "reviewed_at", reviewed_at);

	if (o && comment_hash)
		json_object_set_new(o, "comment_hash", json_string(comment_hash));
	return canonical(o);
}

void ledger_signed_free(struct ledger_signed *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++)
		free(h[i].checkpoint);
	free(h);
}

void ledger_hex(const unsigned char *b, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

int ledger_unhex(const char *hex, unsigned char out[32])
{
	size_t bin_len;

	if (!hex || strlen(hex) != LEDGER_HEX_LEN ||
	    sodium_hex2bin(out, 32, hex, LEDGER_HEX_LEN, NULL, &bin_len, NULL) != 0 || bin_len != 32)
		return -1;
	return 0;
}

void ledger_text_hash(const char *text, char out[LEDGER_HEX_LEN + 1])
{
	unsigned char h[32];

	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	ledger_hex(h, sizeof(h), out);
}

void ledger_leaf(const char *entry, unsigned char out[32])
{
	merkle_leaf_hash(entry, strlen(entry), out);
}

int ledger_key_load(const char *path, struct note_signer *s, struct strbuf *err)
{
	char buf[1024], why[256], hint[4200];
	ssize_t n;
	int rc;

	snprintf(hint, sizeof(hint), "supplywatch ledger keygen --out %s", path);
	n = secret_read(path, LEDGER_CREDENTIAL, "the ledger signing key", hint, buf, sizeof(buf), err);
	if (n < 0)
		return -1;
	rc = note_signer_parse(buf, s, why, sizeof(why));
	sodium_memzero(buf, sizeof(buf));
	if (rc != 0) {
		sb_addf(err, "%s: not a ledger signing key: %s", path, why);
		return -1;
	}
	return 0;
}
