/*
 * ledger: what the public ledger hashes, and its signing key.
 *
 * Every stored report version, retraction and review is one leaf of an
 * RFC 9162 Merkle tree (core/merkle.h).  Its entry is canonical JSON:
 * keys sorted, no blanks, non-ASCII escaped as \uXXXX; timestamps in UTC
 * with microseconds as the database stores them; hashes in lower-case hex.
 * The same functions build an entry when a report is stored (for the
 * leaf hash in the 201 answer), when the sequencer appends it, and when
 * `supplywatch verify` rebuilds it from the stored rows (docs/ledger.md,
 * "What is hashed").
 */
#ifndef SW_LEDGER_H
#define SW_LEDGER_H

#include <stdint.h>

#include "core/note.h"
#include "util/strbuf.h"

#define LEDGER_HEX_LEN 64
/* The systemd credential that, when present, wins over ledger.signing_key_file. */
#define LEDGER_CREDENTIAL "ledger-key"

/*
 * {"content_hash","org","received_at","report_id"[,"supersedes"],"type":"report"}:
 * supersedes is the report_id of the version this one replaces, or NULL.
 */
char *ledger_entry_report(const char *org, const char *report_id, const char *received_at,
			  const char *content_hash, const char *supersedes);
/* {"content_hash","org","reason_hash","report_id","retracted_at","type":"retraction"} */
char *ledger_entry_retraction(const char *org, const char *report_id, const char *content_hash,
			      const char *retracted_at, const char *reason_hash);
/*
 * {["comment_hash",]"content_hash","org","report_id","reviewed_at","reviewer","state","type":"review"}:
 * org and report_id name the reviewed version; comment_hash NULL without a comment.
 */
char *ledger_entry_review(const char *org, const char *report_id, const char *content_hash,
			  const char *reviewer, const char *state, const char *reviewed_at,
			  const char *comment_hash);
/* A signed tree head as the feed shows it. */
struct ledger_signed {
	uint64_t size;
	int64_t signed_at;	/* seconds since the epoch */
	char *checkpoint;	/* the signed note */
};
#define LEDGER_FEED_HEADS 10	/* the latest heads in the Atom feed */
void ledger_signed_free(struct ledger_signed *h, size_t n);

/* SHA-256 of text's UTF-8 bytes, lower-case hex (reasons and comments). */
void ledger_text_hash(const char *text, char out[LEDGER_HEX_LEN + 1]);
/* The entry's leaf hash, SHA-256(0x00 || entry). */
void ledger_leaf(const char *entry, unsigned char out[32]);
void ledger_hex(const unsigned char *b, size_t n, char *out);
/* 64 hex digits into 32 bytes; -1 when it is not that. */
int ledger_unhex(const char *hex, unsigned char out[32]);

/*
 * Reads the signing key (a note private key, `supplywatch ledger keygen`)
 * from $CREDENTIALS_DIRECTORY/ledger-key when that exists, else path.  The
 * file must be a regular file that neither group nor others may read.
 * -1 with the reason (naming the file) appended to err.
 */
int ledger_key_load(const char *path, struct note_signer *s, struct strbuf *err);

#endif
