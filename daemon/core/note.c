#include "core/note.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

#define SIG_TYPE_ED25519 0x01
#define EM_DASH_SPACE "\xe2\x80\x94 "		/* U+2014, then a space */
#define PRIVATE_PREFIX "PRIVATE+KEY+"
#define KEY_B64_LEN 44				/* base64 of the type byte and 32 key bytes */
#define SIG_LEN (4 + crypto_sign_ed25519_BYTES)

static void say(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- text: UTF-8, control characters, names ------------------------------------- */

/*
 * The length of the well-formed UTF-8 sequence at s (n > 0 bytes left),
 * its code point in *cp; 0 when it is not one (overlong forms, surrogates
 * and code points above U+10FFFF are not), as Go's utf8.DecodeRune judges.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* What makes s[0..n) unfit for a note (NULL: nothing), and where, in *at. */
static const char *text_problem(const char *s, size_t n, size_t *at)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;

	for (size_t i = 0, k; i < n; i += k) {
		*at = i;
		k = utf8_next(u + i, n - i, &c);
		if (k == 0)
			return "invalid UTF-8";
		if (c < 0x20 && c != '\n')
			return "a control character";
	}
	return NULL;
}

/* Unicode's White_Space, which Go's unicode.IsSpace tests. */
static bool is_space(uint32_t c)
{
	switch (c) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202f: case 0x205f: case 0x3000:
		return true;
	default:
		return c >= 0x2000 && c <= 0x200a;
	}
}

/* The spec's rule for key names (any length), and no control characters. */
static bool name_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;

	if (n == 0)
		return false;
	for (size_t i = 0, k; i < n; i += k) {
		k = utf8_next(u + i, n - i, &c);
		if (k == 0 || c < 0x20 || c == '+' || is_space(c))
			return false;
	}
	return true;
}

bool note_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n < NOTE_NAME_MAX && name_valid(name, n);
}

/* ---- keys ---------------------------------------------------------------------------- */

static void key_id(const char *name, size_t n, const unsigned char pk[32], unsigned char id[4])
{
	static const unsigned char sep[2] = { '\n', SIG_TYPE_ED25519 };
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, n);
	crypto_hash_sha256_update(&st, sep, sizeof(sep));
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(id, h, 4);
}

/* prefix name+<hex id>+<base64(0x01 || key)> into out; -1 when n is too small. */
static int key_string(char *out, size_t n, const char *prefix, const char *name,
		      const unsigned char id[4], const unsigned char key[32])
{
	unsigned char typed[33];
	char b64[KEY_B64_LEN + 1];
	int w;

	typed[0] = SIG_TYPE_ED25519;
	memcpy(typed + 1, key, 32);
	sodium_bin2base64(b64, sizeof(b64), typed, sizeof(typed), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(typed, sizeof(typed));
	w = snprintf(out, n, "%s%s+%02x%02x%02x%02x+%s", prefix, name, id[0], id[1], id[2], id[3], b64);
	sodium_memzero(b64, sizeof(b64));
	if (w < 0 || (size_t)w >= n) {
		if (n)
			sodium_memzero(out, n);
		return -1;
	}
	return 0;
}

int note_keygen(const char *name, char *skey, size_t skn, char *vkey, size_t vkn)
{
	unsigned char seed[32], pk[32], sk[64], id[4];
	int rc;

	if (!note_name_ok(name))
		return -1;
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_ed25519_seed_keypair(pk, sk, seed);
	key_id(name, strlen(name), pk, id);
	rc = key_string(skey, skn, PRIVATE_PREFIX, name, id, seed);
	if (rc == 0)
		rc = key_string(vkey, vkn, "", name, id, pk);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

void note_verifier_string(const struct note_signer *s, char *out, size_t n)
{
	if (key_string(out, n, "", s->name, s->key_id, s->pk) != 0 && n)
		out[0] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes padded standard base64 in b64[0..n) (canonical only), keeping
 * its first max bytes in out and its decoded length in *len.  Works in
 * chunks so a long signature by someone else's key needs no large buffer.
 * -1 unless all of it is valid.
 */
static int b64_decode(const char *b64, size_t n, unsigned char *out, size_t max, size_t *len)
{
	unsigned char chunk[768];
	size_t total = 0;
	int rc = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (size_t at = 0; at < n && rc == 0; at += 1024) {
		size_t take = n - at < 1024 ? n - at : 1024, got = 0;

		if (sodium_base642bin(chunk, sizeof(chunk), b64 + at, take, NULL, &got, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    (at + take < n && got != sizeof(chunk))) {	/* padding only at the end */
			rc = -1;
			break;
		}
		if (total < max)
			memcpy(out + total, chunk, got < max - total ? got : max - total);
		total += got;
	}
	sodium_memzero(chunk, sizeof(chunk));
	*len = rc == 0 ? total : 0;
	return rc;
}

/*
 * Splits "name+hexid+base64" (s[0..n)) into the name, the key ID and the
 * 32 key bytes after the type byte.  -1 with the reason in err.
 */
static int key_parts(const char *s, size_t n, char name[NOTE_NAME_MAX], unsigned char id[4],
		     unsigned char key[32], char *err, size_t errlen)
{
	const char *plus = memchr(s, '+', n);
	unsigned char raw[40];
	size_t nl, rawlen = 0;
	int rc = -1;

	if (!plus || (size_t)(s + n - plus) < 1 + 8 + 1 || plus[9] != '+') {
		say(err, errlen, "not <name>+<key ID>+<key>");
		return -1;
	}
	nl = (size_t)(plus - s);
	if (nl >= NOTE_NAME_MAX) {
		say(err, errlen, "key name longer than %d bytes", NOTE_NAME_MAX - 1);
		return -1;
	}
	if (!name_valid(s, nl)) {
		say(err, errlen, "bad key name (empty, or a space, a '+' or a control character)");
		return -1;
	}
	memcpy(name, s, nl);
	name[nl] = '\0';
	for (int i = 0; i < 8; i++) {
		int h = hexval(plus[1 + i]);

		if (h < 0) {
			say(err, errlen, "the key ID is not 8 hex digits");
			return -1;
		}
		id[i / 2] = (unsigned char)(i % 2 ? id[i / 2] | h : h << 4);
	}
	if (b64_decode(plus + 10, (size_t)(s + n - plus - 10), raw, sizeof(raw), &rawlen) != 0 ||
	    rawlen != 33)
		say(err, errlen, "the key is not the base64 of 33 bytes");
	else if (raw[0] != SIG_TYPE_ED25519)
		say(err, errlen, "unknown signature type 0x%02x (only Ed25519, 0x01)", raw[0]);
	else {
		memcpy(key, raw + 1, 32);
		rc = 0;
	}
	sodium_memzero(raw, sizeof(raw));
	return rc;
}

/* One trailing newline is the end of a key file, not part of the key. */
static size_t key_len(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '\n' ? n - 1 : n;
}

int note_signer_parse(const char *skey, struct note_signer *s, char *err, size_t errlen)
{
	size_t n = key_len(skey), pre = strlen(PRIVATE_PREFIX);
	unsigned char seed[32], id[4];

	memset(s, 0, sizeof(*s));
	if (n < pre || memcmp(skey, PRIVATE_PREFIX, pre) != 0) {
		say(err, errlen, "not a private key (PRIVATE+KEY+<name>+<key ID>+<key>)");
		return -1;
	}
	if (key_parts(skey + pre, n - pre, s->name, s->key_id, seed, err, errlen) != 0) {
		sodium_memzero(seed, sizeof(seed));
		memset(s, 0, sizeof(*s));
		return -1;
	}
	crypto_sign_ed25519_seed_keypair(s->pk, s->sk, seed);
	sodium_memzero(seed, sizeof(seed));
	key_id(s->name, strlen(s->name), s->pk, id);
	if (memcmp(id, s->key_id, 4) != 0) {
		say(err, errlen, "the key ID does not match the key");
		sodium_memzero(s, sizeof(*s));
		return -1;
	}
	return 0;
}

int note_verifier_parse(const char *vkey, struct note_verifier *v, char *err, size_t errlen)
{
	unsigned char id[4];

	memset(v, 0, sizeof(*v));
	if (key_parts(vkey, key_len(vkey), v->name, v->key_id, v->pk, err, errlen) != 0) {
		memset(v, 0, sizeof(*v));
		return -1;
	}
	key_id(v->name, strlen(v->name), v->pk, id);
	if (memcmp(id, v->key_id, 4) != 0) {
		say(err, errlen, "the key ID does not match the key");
		memset(v, 0, sizeof(*v));
		return -1;
	}
	return 0;
}

/* ---- signing and opening --------------------------------------------------------- */

char *note_sign(const char *text, const struct note_signer *signers, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(text), at;

	if (n == 0 || n > NOTE_MAX_SIGS || len == 0 || text[len - 1] != '\n' ||
	    text_problem(text, len, &at))
		return NULL;
	sb_add(&sb, text, len);
	sb_addch(&sb, '\n');
	for (size_t i = 0; i < n; i++) {
		unsigned char sig[SIG_LEN];
		char b64[sodium_base64_ENCODED_LEN(SIG_LEN, sodium_base64_VARIANT_ORIGINAL)];

		if (!note_name_ok(signers[i].name)) {
			sb_release(&sb);
			return NULL;
		}
		memcpy(sig, signers[i].key_id, 4);
		crypto_sign_ed25519_detached(sig + 4, NULL, (const unsigned char *)text, len, signers[i].sk);
		sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
		sb_addf(&sb, EM_DASH_SPACE "%s %s\n", signers[i].name, b64);
	}
	if (sb.len > NOTE_MAX_LEN) {
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb, NULL);
}

/* The verifier for (name, id) in v: NULL when none; *ambiguous when two disagree on the key. */
static const struct note_verifier *find_verifier(const struct note_verifier *v, size_t nv, const char *name,
						 size_t nl, const unsigned char id[4], bool *ambiguous)
{
	const struct note_verifier *found = NULL;

	*ambiguous = false;
	for (size_t i = 0; i < nv; i++) {
		if (strlen(v[i].name) != nl || memcmp(v[i].name, name, nl) != 0 || memcmp(v[i].key_id, id, 4) != 0)
			continue;
		if (found && memcmp(found->pk, v[i].pk, 32) != 0)
			*ambiguous = true;
		found = found ? found : &v[i];
	}
	return found;
}

/*
 * One signature line (line[0..n), without its newline) over text[0..tn):
 * 1 when a known key's signature verifies, 0 for an unknown key's, -1 on a
 * malformed line or a known key's signature that fails (reason in err).
 */
static int check_signature(const char *line, size_t n, const char *text, size_t tn,
			   const struct note_verifier *v, size_t nv, char *err, size_t errlen)
{
	const size_t dash = strlen(EM_DASH_SPACE);
	const struct note_verifier *who;
	unsigned char sig[SIG_LEN];
	const char *name, *sp;
	size_t nl, siglen = 0;
	bool ambiguous;

	if (n < dash || memcmp(line, EM_DASH_SPACE, dash) != 0) {
		say(err, errlen, "not a signed note: a line after the blank line is not a signature");
		return -1;
	}
	name = line + dash;
	sp = memchr(name, ' ', n - dash);
	nl = sp ? (size_t)(sp - name) : 0;
	if (!sp || !name_valid(name, nl) ||
	    b64_decode(sp + 1, (size_t)(line + n - sp - 1), sig, sizeof(sig), &siglen) != 0 || siglen < 5) {
		say(err, errlen, "not a signed note: malformed signature line");
		return -1;
	}
	who = find_verifier(v, nv, name, nl, sig, &ambiguous);
	if (!who)
		return 0;
	if (ambiguous) {
		say(err, errlen, "two keys named %s have the same key ID", who->name);
		return -1;
	}
	if (siglen != SIG_LEN ||
	    crypto_sign_ed25519_verify_detached(sig + 4, (const unsigned char *)text, tn, who->pk) != 0) {
		say(err, errlen, "signature by %s does not verify", who->name);
		return -1;
	}
	return 1;
}

int note_open(const char *note, size_t len, const struct note_verifier *v, size_t nv,
	      size_t *text_len, char *err, size_t errlen)
{
	const char *why;
	size_t at, split, nsigs = 0;
	int verified = 0;

	*text_len = 0;
	if (len > NOTE_MAX_LEN) {
		say(err, errlen, "note larger than %d bytes", NOTE_MAX_LEN);
		return -1;
	}
	if ((why = text_problem(note, len, &at))) {
		say(err, errlen, "not a signed note: %s at byte %zu", why, at);
		return -1;
	}
	/* The text ends at the last blank line: signature lines are never empty. */
	for (split = len < 2 ? 0 : len - 1; split > 0 && !(note[split] == '\n' && note[split - 1] == '\n'); split--)
		;
	if (split == 0) {
		say(err, errlen, "not a signed note: no blank line before the signatures");
		return -1;
	}
	if (split + 1 == len || note[len - 1] != '\n') {
		say(err, errlen, "not a signed note: %s", split + 1 == len ? "no signature after the blank line" :
			"the last signature line does not end in a newline");
		return -1;
	}
	for (size_t i = split + 1; i < len; nsigs++) {
		const char *nl = memchr(note + i, '\n', len - i);
		int rc;

		if (nsigs == NOTE_MAX_SIGS) {
			say(err, errlen, "not a signed note: more than %d signatures", NOTE_MAX_SIGS);
			return -1;
		}
		rc = check_signature(note + i, (size_t)(nl - note) - i, note, split, v, nv, err, errlen);
		if (rc < 0)
			return -1;
		verified += rc;
		i = (size_t)(nl - note) + 1;
	}
	if (!verified) {
		say(err, errlen, "no signature by a known key");
		return -1;
	}
	*text_len = split;
	return 0;
}

/* ---- checkpoints ------------------------------------------------------------------- */

char *checkpoint_text(const char *origin, uint64_t size, const unsigned char root[32], int64_t time)
{
	struct strbuf sb = STRBUF_INIT;
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	size_t n = strlen(origin), at;

	if (n == 0 || n >= CHECKPOINT_ORIGIN_MAX || memchr(origin, '\n', n) || text_problem(origin, n, &at))
		return NULL;
	sodium_bin2base64(b64, sizeof(b64), root, 32, sodium_base64_VARIANT_ORIGINAL);
	sb_addf(&sb, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
	if (time >= 0)
		sb_addf(&sb, "time %" PRId64 "\n", time);
	return sb_detach(&sb, NULL);
}

/* A decimal in s[0..n) without leading zeros (but "0") and at most max; -1 if it is not. */
static int parse_decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Line k (0-based) of a checkpoint, s[0..n) without its newline, into cp. */
static int checkpoint_line(struct checkpoint *cp, size_t k, const char *s, size_t n, char *err, size_t errlen)
{
	size_t got = 0;
	uint64_t t;

	switch (k) {
	case 0:
		if (n == 0 || n >= CHECKPOINT_ORIGIN_MAX) {
			say(err, errlen, "the origin line is %s", n ? "too long" : "empty");
			return -1;
		}
		memcpy(cp->origin, s, n);
		cp->origin[n] = '\0';
		return 0;
	case 1:
		if (parse_decimal(s, n, UINT64_MAX, &cp->size) == 0)
			return 0;
		say(err, errlen, "the size line is not a decimal without leading zeros");
		return -1;
	case 2:
		if (n == 44 && b64_decode(s, n, cp->root, 32, &got) == 0 && got == 32)
			return 0;
		say(err, errlen, "the root line is not the base64 of 32 bytes");
		return -1;
	default:
		if (n == 0) {
			say(err, errlen, "empty extension line");
			return -1;
		}
		if (n < 5 || memcmp(s, "time ", 5) != 0)
			return 0;	/* someone else's extension: opaque */
		if (cp->time >= 0 || parse_decimal(s + 5, n - 5, INT64_MAX, &t) != 0) {
			say(err, errlen, "%s time line", cp->time >= 0 ? "a second" : "a malformed");
			return -1;
		}
		cp->time = (int64_t)t;
		return 0;
	}
}

int checkpoint_parse(const char *text, size_t len, struct checkpoint *cp, char *err, size_t errlen)
{
	const char *why;
	size_t k = 0, at;

	memset(cp, 0, sizeof(*cp));
	cp->time = -1;
	if (len > NOTE_MAX_LEN || len == 0 || text[len - 1] != '\n') {
		say(err, errlen, "a checkpoint is a text ending in a newline, at most %d bytes", NOTE_MAX_LEN);
		return -1;
	}
	if ((why = text_problem(text, len, &at))) {
		say(err, errlen, "checkpoint: %s at byte %zu", why, at);
		return -1;
	}
	for (size_t i = 0; i < len; k++) {
		const char *nl = memchr(text + i, '\n', len - i);

		if (checkpoint_line(cp, k, text + i, (size_t)(nl - text) - i, err, errlen) != 0) {
			cp->time = -1;
			return -1;
		}
		i = (size_t)(nl - text) + 1;
	}
	if (k < 3) {
		say(err, errlen, "a checkpoint has an origin, a size and a root hash line");
		cp->time = -1;
		return -1;
	}
	return 0;
}
