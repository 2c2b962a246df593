/*
 * note: signed notes and the checkpoints written in them, byte for byte as
 * the transparency-log ecosystem has them (c2sp.org/signed-note,
 * c2sp.org/tlog-checkpoint, golang.org/x/mod/sumdb/note), so Go's note
 * package, witnesses and other verifiers read our heads and key files, and
 * we read theirs.  Pure: no I/O, no globals (libsodium for the crypto).
 *
 * Only Ed25519 keys (signature type 0x01).  A key is named; its key ID is
 * SHA-256(name || 0x0A || 0x01 || public key)[:4], and its two strings are
 *   verifier key  <name>+<8 hex key ID>+<base64(0x01 || public key)>
 *   private key   PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || seed)>
 * the second as Go's note.NewSigner reads it (a private key file holds it,
 * optionally followed by one newline).
 *
 * A signed note is a text ending in a newline, a blank line, and one line
 * per signature, "— <name> <base64(key ID || signature)>\n", the signature
 * being over the text including its final newline.  The whole note is UTF-8
 * with no control character but the newline.  Base64 is the standard
 * alphabet with padding, and we accept only its canonical form.
 *
 * A checkpoint is the text of such a note: origin, tree size in decimal,
 * base64 root hash, then extension lines.  Ours carry one, "time <POSIX
 * seconds>" (spelled like the timestamp line of c2sp.org/tlog-cosignature),
 * when the head was signed.
 */
#ifndef SW_NOTE_H
#define SW_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTE_NAME_MAX 128			/* a key name's bytes, with the NUL */
#define NOTE_VKEY_MAX (NOTE_NAME_MAX + 54)	/* a verifier key string, with the NUL */
#define NOTE_SKEY_MAX (NOTE_VKEY_MAX + 12)	/* a private key string, with the NUL */
#define NOTE_MAX_LEN (128 * 1024)		/* the largest note note_open reads */
#define NOTE_MAX_SIGS 100			/* the most signature lines it reads (as Go) */
#define CHECKPOINT_ORIGIN_MAX 256		/* an origin's bytes, with the NUL */

/* A private key.  sk is libsodium's (seed || public key): wipe it with sodium_memzero. */
struct note_signer {
	char name[NOTE_NAME_MAX];
	unsigned char key_id[4];
	unsigned char sk[64];
	unsigned char pk[32];
};

struct note_verifier {
	char name[NOTE_NAME_MAX];
	unsigned char key_id[4];
	unsigned char pk[32];
};

/*
 * A key name the spec allows (non-empty, valid UTF-8, no Unicode space, no
 * '+'), without control characters (no note could carry them) and shorter
 * than NOTE_NAME_MAX bytes.
 */
bool note_name_ok(const char *name);

/*
 * A fresh key pair for name, as its private key string into skey (skn
 * bytes, NOTE_SKEY_MAX always suffice) and its verifier key string into
 * vkey (vkn bytes, NOTE_VKEY_MAX).  -1 on a bad name or a buffer too small.
 */
int note_keygen(const char *name, char *skey, size_t skn, char *vkey, size_t vkn);

/*
 * Parses a private key string (one trailing newline allowed) into s,
 * checking its key ID against the key it derives.  -1 with the reason in
 * err (errlen bytes; err may be NULL), which never quotes the key.
 */
int note_signer_parse(const char *skey, struct note_signer *s, char *err, size_t errlen);
/* Parses a verifier key string (one trailing newline allowed) into v; -1 with the reason in err. */
int note_verifier_parse(const char *vkey, struct note_verifier *v, char *err, size_t errlen);
/* The verifier key string of s into out (n bytes; NOTE_VKEY_MAX suffice, "" when n is too small). */
void note_verifier_string(const struct note_signer *s, char *out, size_t n);

/*
 * text + "\n" + one signature line per signer, as a malloc'd string the
 * caller frees.  NULL when text is not a note text (empty, not ending in a
 * newline, not UTF-8, a control character but newline), a signer's name is
 * not note_name_ok, n is 0 or above NOTE_MAX_SIGS, or the note would be
 * larger than NOTE_MAX_LEN.
 */
char *note_sign(const char *text, const struct note_signer *signers, size_t n);

/*
 * Checks the signed note in note[0..len) against the nv keys of v.
 * Signatures by unknown keys (another name or another key ID) are ignored,
 * as the spec says; a signature by a known key that does not verify fails
 * the whole note.  Returns 0 when at least one known key's signature
 * verifies, with *text_len the length of the signed text (note[0..*text_len),
 * ending in its newline); -1 otherwise, with the reason in err: "not a
 * signed note: ...", "no signature by a known key", "signature by NAME does
 * not verify", "note larger than ...".
 */
int note_open(const char *note, size_t len, const struct note_verifier *v, size_t nv,
	      size_t *text_len, char *err, size_t errlen);

struct checkpoint {
	char origin[CHECKPOINT_ORIGIN_MAX];
	uint64_t size;
	unsigned char root[32];
	int64_t time;		/* POSIX seconds from the "time" line; -1 when absent */
};

/*
 * The checkpoint's text (what is signed), malloc'd: origin, size, root and,
 * when time >= 0, the line "time <time>".  NULL when origin is empty, has
 * CHECKPOINT_ORIGIN_MAX bytes or more, or holds a newline, a control
 * character or invalid UTF-8.
 */
char *checkpoint_text(const char *origin, uint64_t size, const unsigned char root[32], int64_t time);

/*
 * Parses a checkpoint text (the text note_open returned the length of,
 * ending in its newline) into cp.  Extension lines other than "time ..."
 * are accepted and skipped; a malformed or repeated time line is refused.
 * -1 with the reason in err.
 */
int checkpoint_parse(const char *text, size_t len, struct checkpoint *cp, char *err, size_t errlen);

#endif
