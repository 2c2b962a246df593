/*
 * Signed notes and checkpoints: the published vectors of Go's sumdb/note
 * and of the C2SP specs, byte for byte, then round trips and refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "core/note.h"

/*
 * From golang.org/x/mod, sumdb/note/note_test.go (github.com/golang/mod,
 * TestNewVerifier, TestNewSigner, TestSign, TestOpen).
 */
#define PETER_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define TEXT "If you think cryptography is the answer to your problem,\n" \
	     "then you don't know what your problem is.\n"
#define PETER_SIG "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

/* From github.com/C2SP/C2SP, signed-note.md, "Example". */
#define C2SP_VKEY "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
#define C2SP_NOTE "This is an example message.\n\n— example.com/foo " \
	"Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

/* From C2SP, tlog-checkpoint.md and tlog-cosignature.md: a checkpoint with a witness's cosignature. */
#define C2SP_CHECKPOINT "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
#define C2SP_SIGNED C2SP_CHECKPOINT "\n— example.com/behind-the-sofa " \
	"Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" \
	"— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"

static char err[256];

static struct note_verifier verifier(const char *vkey)
{
	struct note_verifier v;

	if (note_verifier_parse(vkey, &v, err, sizeof(err)) != 0)
		fail_msg("%s: %s", vkey, err);
	return v;
}

static struct note_signer signer(const char *skey)
{
	struct note_signer s;

	if (note_signer_parse(skey, &s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return s;
}

/* note_open on a C string: the signed text's length, or -1 with the reason in err. */
static long open_note(const char *note, const struct note_verifier *v, size_t nv)
{
	size_t text_len = 99;
	int rc;

	err[0] = '\0';
	rc = note_open(note, strlen(note), v, nv, &text_len, err, sizeof(err));
	if (rc != 0) {
		assert_int_equal(text_len, 0);
		assert_true(err[0] != '\0');
		return -1;
	}
	return (long)text_len;
}

/* ---- published vectors ---------------------------------------------------------- */

static void peter_neumann_key(void **state)
{
	struct note_signer s = signer(PETER_SKEY);
	struct note_verifier v = verifier(PETER_VKEY);
	static const unsigned char id[4] = { 0xc7, 0x4f, 0x20, 0xa3 };
	char vkey[NOTE_VKEY_MAX];

	(void)state;
	assert_string_equal(s.name, "PeterNeumann");
	assert_memory_equal(s.key_id, id, 4);
	assert_string_equal(v.name, "PeterNeumann");
	assert_memory_equal(v.key_id, id, 4);
	assert_memory_equal(v.pk, s.pk, 32);
	note_verifier_string(&s, vkey, sizeof(vkey));
	assert_string_equal(vkey, PETER_VKEY);
	/* a key file ends in a newline */
	s = signer(PETER_SKEY "\n");
	assert_memory_equal(s.key_id, id, 4);
	v = verifier(PETER_VKEY "\n");
	assert_memory_equal(v.key_id, id, 4);
}

static void peter_neumann_signature(void **state)
{
	struct note_signer s = signer(PETER_SKEY);
	char *note = note_sign(TEXT, &s, 1);

	(void)state;
	assert_non_null(note);
	assert_string_equal(note, TEXT "\n" PETER_SIG);
	free(note);
}

static void go_open_cases(void **state)
{
	struct note_verifier peter = verifier(PETER_VKEY), enoch = verifier(ENOCH_VKEY);
	struct note_verifier both[2] = { peter, enoch };
	const long tl = (long)strlen(TEXT);
	char *many;

	(void)state;
	assert_int_equal(open_note(TEXT "\n" PETER_SIG ENOCH_SIG, &peter, 1), tl);
	assert_int_equal(open_note(TEXT "\n" PETER_SIG ENOCH_SIG, &enoch, 1), tl);
	assert_int_equal(open_note(TEXT "\n" PETER_SIG ENOCH_SIG, both, 2), tl);
	assert_int_equal(open_note(TEXT "\n" PETER_SIG ENOCH_SIG, NULL, 0), -1);
	assert_string_equal(err, "no signature by a known key");

	/* "ABCD" inside the signature */
	assert_int_equal(open_note(TEXT "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuG"
				   "ABCDUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", &peter, 1), -1);
	assert_string_equal(err, "signature by PeterNeumann does not verify");
	/* duplicated signatures, and an unknown key's bad one, are fine */
	assert_int_equal(open_note(TEXT "\n" PETER_SIG PETER_SIG ENOCH_SIG ENOCH_SIG
				   "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5nABCD2tiOHp"
				   "+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n", &peter, 1), tl);

	/* Go's badMsgs: all malformed */
	assert_int_equal(open_note(TEXT, &peter, 1), -1);
	assert_int_equal(open_note(TEXT "\n", &peter, 1), -1);
	many = strdup(TEXT "\n" PETER_SIG);
	many[strlen(many) - 1] = '\0';
	assert_int_equal(open_note(many, &peter, 1), -1);
	free(many);
	assert_int_equal(open_note("\x01" TEXT "\n" PETER_SIG, &peter, 1), -1);
	assert_int_equal(open_note("\xff" TEXT "\n" PETER_SIG, &peter, 1), -1);
	assert_int_equal(open_note(TEXT "\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgY"
				   "N1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", &peter, 1), -1);
	assert_string_equal(err, "not a signed note: malformed signature line");
	assert_int_equal(open_note(TEXT "\n" PETER_SIG "Unexpected line.\n", &peter, 1), -1);
	assert_string_equal(err, "not a signed note: a line after the blank line is not a signature");

	/* at most 100 signatures, as Go */
	many = calloc(1, strlen(TEXT) + 1 + 101 * strlen(PETER_SIG) + 1);
	strcpy(many, TEXT "\n");
	for (int i = 0; i < 100; i++)
		strcat(many, PETER_SIG);
	assert_int_equal(open_note(many, &peter, 1), tl);
	strcat(many, PETER_SIG);
	assert_int_equal(open_note(many, &peter, 1), -1);
	assert_string_equal(err, "not a signed note: more than 100 signatures");
	free(many);
}

static void go_key_manglings(void **state)
{
	static const char *const keys[2] = { PETER_VKEY, PETER_SKEY };

	(void)state;
	for (int k = 0; k < 2; k++) {
		char b[128];
		size_t n = strlen(keys[k]);
		struct note_signer s;
		struct note_verifier v;

		/* every proper substring (TestNewVerifier, TestNewSigner) */
		for (size_t i = 0; i <= n; i++)
			for (size_t j = i + 1; j <= n; j++) {
				if (i == 0 && j == n)
					continue;
				memcpy(b, keys[k] + i, j - i);
				b[j - i] = '\0';
				if (k ? note_signer_parse(b, &s, err, sizeof(err)) == 0 :
					note_verifier_parse(b, &v, err, sizeof(err)) == 0)
					fail_msg("accepted %s", b);
			}
		/* every byte one higher */
		for (size_t i = 0; i < n; i++) {
			strcpy(b, keys[k]);
			b[i]++;
			if (k ? note_signer_parse(b, &s, err, sizeof(err)) == 0 :
				note_verifier_parse(b, &v, err, sizeof(err)) == 0)
				fail_msg("accepted %s", b);
		}
	}
}

static void key_errors(void **state)
{
	static const struct {
		const char *key, *why;
	} vk[] = {
		/* note_test.go: a key of the wrong length, and an unknown algorithm, with their key IDs adjusted */
		{ "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
		  "the key is not the base64 of 33 bytes" },
		{ "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "unknown signature type 0x65 (only Ed25519, 0x01)" },
		{ "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "the key ID does not match the key" },
		{ "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", NULL },
		{ "PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not <name>+<key ID>+<key>" },
		{ "PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "the key ID is not 8 hex digits" },
		{ "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "bad key name (empty, or a space, a '+' or a control character)" },
		{ "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "bad key name (empty, or a space, a '+' or a control character)" },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T=",
		  "the key is not the base64 of 33 bytes" },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n\n",
		  "the key is not the base64 of 33 bytes" },
		{ "PeterNeumann+c74f20a3+", "the key is not the base64 of 33 bytes" },
		{ "PeterNeumann", "not <name>+<key ID>+<key>" },
		{ "", "not <name>+<key ID>+<key>" },
	}, sk[] = {
		{ "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		  "the key ID does not match the key" },
		{ PETER_VKEY, "not a private key (PRIVATE+KEY+<name>+<key ID>+<key>)" },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		  "unknown signature type 0x02 (only Ed25519, 0x01)" },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
		  "the key is not the base64 of 33 bytes" },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz\r\n",
		  "the key is not the base64 of 33 bytes" },
	};
	char name[200], key[400];
	struct note_verifier v;
	struct note_signer s;

	(void)state;
	for (size_t i = 0; i < sizeof(vk) / sizeof(vk[0]); i++) {
		int rc = note_verifier_parse(vk[i].key, &v, err, sizeof(err));

		if (vk[i].why) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, vk[i].why);
		} else {
			assert_int_equal(rc, 0);
		}
	}
	for (size_t i = 0; i < sizeof(sk) / sizeof(sk[0]); i++) {
		assert_int_equal(note_signer_parse(sk[i].key, &s, err, sizeof(err)), -1);
		assert_string_equal(err, sk[i].why);
		assert_string_equal(s.name, "");
	}
	/* err may be NULL */
	assert_int_equal(note_verifier_parse("x", &v, NULL, 0), -1);
	/* names of NOTE_NAME_MAX bytes do not fit */
	memset(name, 'n', NOTE_NAME_MAX);
	name[NOTE_NAME_MAX] = '\0';
	snprintf(key, sizeof(key), "%s+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", name);
	assert_int_equal(note_verifier_parse(key, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "key name longer than 127 bytes");
}

static void c2sp_vectors(void **state)
{
	struct note_verifier v = verifier(C2SP_VKEY);
	struct checkpoint cp;
	unsigned char root[32];
	size_t len;

	(void)state;
	assert_int_equal(open_note(C2SP_NOTE, &v, 1), strlen("This is an example message.\n"));
	/* the checkpoint: its log's key and the witness's are not ours, but it is well formed */
	assert_int_equal(open_note(C2SP_SIGNED, &v, 1), -1);
	assert_string_equal(err, "no signature by a known key");
	assert_int_equal(checkpoint_parse(C2SP_CHECKPOINT, strlen(C2SP_CHECKPOINT), &cp, err, sizeof(err)), 0);
	assert_string_equal(cp.origin, "example.com/behind-the-sofa");
	assert_int_equal(cp.size, 20852163);
	assert_int_equal(cp.time, -1);
	assert_int_equal(sodium_base642bin(root, sizeof(root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", 44,
					   NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_memory_equal(cp.root, root, 32);
}

/* ---- our own notes -------------------------------------------------------------- */

static void keygen_sign_open(void **state)
{
	char skey[NOTE_SKEY_MAX], vkey[NOTE_VKEY_MAX], again[NOTE_VKEY_MAX];
	struct note_signer s[2];
	struct note_verifier v[2];
	char *note;

	(void)state;
	assert_int_equal(note_keygen("status.example.org/ledger", skey, sizeof(skey), vkey, sizeof(vkey)), 0);
	assert_true(strncmp(skey, "PRIVATE+KEY+status.example.org/ledger+", 38) == 0);
	s[0] = signer(skey);
	v[0] = verifier(vkey);
	note_verifier_string(&s[0], again, sizeof(again));
	assert_string_equal(again, vkey);
	s[1] = signer(PETER_SKEY);
	v[1] = verifier(PETER_VKEY);

	note = note_sign("hello\n", s, 2);
	assert_non_null(note);
	assert_true(strncmp(note, "hello\n\n— status.example.org/ledger ", 37) == 0);
	assert_int_equal(open_note(note, &v[0], 1), 6);
	assert_int_equal(open_note(note, &v[1], 1), 6);
	free(note);
	/* texts may hold blank lines, even at the end: the last blank line is the separator */
	note = note_sign("a\n\nb\n\n", s, 1);
	assert_int_equal(open_note(note, v, 1), 6);
	free(note);
	note = note_sign("\n", s, 1);
	assert_int_equal(open_note(note, v, 1), 1);
	free(note);
	note = note_sign("ünïcödé and \x7f\n", s, 1);
	assert_int_equal(open_note(note, v, 1), (long)strlen("ünïcödé and \x7f\n"));
	free(note);

	/* buffers too small; bad names */
	assert_int_equal(note_keygen("x", skey, 10, vkey, sizeof(vkey)), -1);
	assert_int_equal(note_keygen("x", skey, sizeof(skey), vkey, 10), -1);
	assert_int_equal(note_keygen("a+b", skey, sizeof(skey), vkey, sizeof(vkey)), -1);
	note_verifier_string(&s[0], again, 10);
	assert_string_equal(again, "");
	sodium_memzero(s, sizeof(s));
}

static void refusals(void **state)
{
	struct note_signer s = signer(PETER_SKEY), other;
	struct note_verifier v = verifier(PETER_VKEY), same_name, same_id;
	char skey[NOTE_SKEY_MAX], vkey[NOTE_VKEY_MAX], *note, *big;
	static const char *const not_utf8[] = {
		"\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",	/* overlong '/' */
		"\xed\xa0\x80", "\xed\xbf\xbf",			/* surrogates */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80",		/* above U+10FFFF */
		"\x80", "\xe2\x80", "\xfe", "\xff",
	};
	size_t tl;

	(void)state;
	note = note_sign(TEXT, &s, 1);
	note[3] ^= 1;					/* tampered text */
	assert_int_equal(open_note(note, &v, 1), -1);
	assert_string_equal(err, "signature by PeterNeumann does not verify");
	note[3] ^= 1;
	note[strlen(TEXT) + 1 + 17 + 40] ^= 1;		/* tampered signature ('m' for 'l') */
	assert_int_equal(open_note(note, &v, 1), -1);
	assert_string_equal(err, "signature by PeterNeumann does not verify");
	note[strlen(TEXT) + 1 + 17 + 40] ^= 1;
	assert_int_equal(open_note(note, &v, 1), (long)strlen(TEXT));

	/* a key of the same name with another ID, and the same ID under another name: not ours, ignored */
	assert_int_equal(note_keygen("PeterNeumann", skey, sizeof(skey), vkey, sizeof(vkey)), 0);
	same_name = verifier(vkey);
	other = signer(skey);
	assert_int_equal(open_note(note, &same_name, 1), -1);
	assert_string_equal(err, "no signature by a known key");
	same_id = v;
	strcpy(same_id.name, "PeterNeumanm");
	assert_int_equal(open_note(note, &same_id, 1), -1);
	assert_string_equal(err, "no signature by a known key");
	/* a wrong key under the right name and ID fails the note */
	same_id = v;
	memcpy(same_id.pk, other.pk, 32);
	assert_int_equal(open_note(note, &same_id, 1), -1);
	assert_string_equal(err, "signature by PeterNeumann does not verify");
	{
		struct note_verifier two[2] = { v, same_id };

		assert_int_equal(open_note(note, two, 2), -1);
		assert_string_equal(err, "two keys named PeterNeumann have the same key ID");
	}
	free(note);

	/* no blank line; no final newline; nothing signed */
	assert_int_equal(open_note(TEXT PETER_SIG, &v, 1), -1);
	assert_string_equal(err, "not a signed note: no blank line before the signatures");
	assert_int_equal(open_note(TEXT "\n", &v, 1), -1);
	assert_string_equal(err, "not a signed note: no signature after the blank line");
	assert_null(note_sign("no final newline", &s, 1));
	assert_null(note_sign("", &s, 1));
	assert_null(note_sign("tab\there\n", &s, 1));
	assert_null(note_sign("nul\n", &s, 0));
	assert_null(note_sign("\xc0\xaf\n", &s, 1));
	other = s;
	strcpy(other.name, "two words");
	assert_null(note_sign(TEXT, &other, 1));

	/* bad base64: bad characters, no padding, non-canonical last bits, too short */
	assert_int_equal(open_note(TEXT "\n— PeterNeumann x08go!ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1F"
				   "FYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", &v, 1), -1);
	assert_string_equal(err, "not a signed note: malformed signature line");
	assert_int_equal(open_note(TEXT "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1F"
				   "FYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n", &v, 1), -1);
	assert_int_equal(open_note(TEXT "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1F"
				   "FYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAN=\n", &v, 1), -1);
	assert_int_equal(open_note(TEXT "\n— PeterNeumann x08go/Y=\n", &v, 1), -1);
	assert_string_equal(err, "signature by PeterNeumann does not verify");
	assert_int_equal(open_note(TEXT "\n— PeterNeumann x08gow==\n", &v, 1), -1);	/* the key ID alone */
	assert_string_equal(err, "not a signed note: malformed signature line");
	assert_int_equal(open_note(TEXT "\n— PeterNeumann \n", &v, 1), -1);
	assert_int_equal(open_note(TEXT "\n— PeterNeumann\n", &v, 1), -1);
	assert_int_equal(open_note(TEXT "\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1F"
				   "FYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", &v, 1), -1);

	/* not UTF-8, or a control character: overlong, surrogate, above U+10FFFF, cut short, NUL */
	for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
		char *n = malloc(strlen(not_utf8[i]) + 2 + strlen(PETER_SIG) + 1);

		sprintf(n, "%s\n\n%s", not_utf8[i], PETER_SIG);
		assert_int_equal(open_note(n, &v, 1), -1);
		assert_string_equal(err, "not a signed note: invalid UTF-8 at byte 0");
		assert_null(note_sign(n, &s, 1));
		free(n);
	}
	assert_int_equal(open_note("ab\xe2\x80\n\n" PETER_SIG, &v, 1), -1);
	assert_string_equal(err, "not a signed note: invalid UTF-8 at byte 2");
	big = malloc(4);				/* cut short at the very end: nothing read past it */
	memcpy(big, "ab\xe2\x80", 4);
	assert_int_equal(note_open(big, 4, &v, 1, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "not a signed note: invalid UTF-8 at byte 2");
	free(big);
	assert_int_equal(note_open(TEXT "\0\n" PETER_SIG, strlen(TEXT) + 2 + strlen(PETER_SIG), &v, 1, &tl,
				   err, sizeof(err)), -1);
	assert_string_equal(err, "not a signed note: a control character at byte 99");
	assert_int_equal(open_note(TEXT "\r\n" PETER_SIG, &v, 1), -1);

	/* oversize: refused before anything is read */
	big = malloc(NOTE_MAX_LEN + 1);
	memset(big, 'a', NOTE_MAX_LEN + 1);
	assert_int_equal(note_open(big, NOTE_MAX_LEN + 1, &v, 1, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "note larger than 131072 bytes");
	free(big);
}

/* Signatures by others' keys may be long (post-quantum ones near 5 kB): read, then ignored. */
static void long_unknown_signatures(void **state)
{
	struct note_signer s = signer(PETER_SKEY);
	struct note_verifier v = verifier(PETER_VKEY);
	unsigned char raw[5000];
	char *b64 = malloc(sodium_base64_ENCODED_LEN(sizeof(raw), sodium_base64_VARIANT_ORIGINAL));
	char *signed_text = note_sign(TEXT, &s, 1), *note;
	size_t n = 0;

	(void)state;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(sizeof(raw), sodium_base64_VARIANT_ORIGINAL), raw,
			  sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	note = malloc(strlen(signed_text) + 16 * (strlen(b64) + 64));
	n = (size_t)sprintf(note, "%s", signed_text);
	for (int i = 0; i < 16; i++)
		n += (size_t)sprintf(note + n, "— witness%d.example %s\n", i, b64);
	assert_int_equal(open_note(note, &v, 1), strlen(TEXT));
	/* padding where a 1024-character chunk ends, in the middle: not base64 */
	memcpy(strstr(note, "witness3.example ") + 17 + 1020, "AA==", 4);
	assert_int_equal(open_note(note, &v, 1), -1);
	assert_string_equal(err, "not a signed note: malformed signature line");
	free(note);
	free(b64);
	free(signed_text);
}

static void names(void **state)
{
	char n[NOTE_NAME_MAX + 1];

	(void)state;
	assert_true(note_name_ok("sum.golang.org"));
	assert_true(note_name_ok("status.example.org/ledger"));
	assert_true(note_name_ok("ünïcödé/ok"));
	assert_false(note_name_ok(""));
	assert_false(note_name_ok("a+b"));
	assert_false(note_name_ok("a b"));
	assert_false(note_name_ok("a\tb"));
	assert_false(note_name_ok("a\xc2\xa0" "b"));		/* U+00A0 */
	assert_false(note_name_ok("a\xe2\x80\x83" "b"));	/* U+2003 */
	assert_false(note_name_ok("a\xe3\x80\x80" "b"));	/* U+3000 */
	assert_false(note_name_ok("a\xc2\x85" "b"));		/* U+0085 */
	assert_false(note_name_ok("a\x01" "b"));
	assert_false(note_name_ok("\xff"));
	memset(n, 'n', NOTE_NAME_MAX);
	n[NOTE_NAME_MAX - 1] = '\0';
	assert_true(note_name_ok(n));
	n[NOTE_NAME_MAX - 1] = 'n';
	n[NOTE_NAME_MAX] = '\0';
	assert_false(note_name_ok(n));
}

/* ---- checkpoints ------------------------------------------------------------------ */

static void checkpoint_round_trip(void **state)
{
	struct note_signer s = signer(PETER_SKEY);
	struct note_verifier v = verifier(PETER_VKEY);
	unsigned char root[32];
	struct checkpoint cp;
	char *text, *note;
	size_t tl;

	(void)state;
	for (int i = 0; i < 32; i++)
		root[i] = (unsigned char)(i * 7);
	text = checkpoint_text("status.example.org/ledger", 20852163, root, 1700000000);
	assert_string_equal(text, "status.example.org/ledger\n20852163\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n"
			    "time 1700000000\n");
	note = note_sign(text, &s, 1);
	assert_int_equal(note_open(note, strlen(note), &v, 1, &tl, err, sizeof(err)), 0);
	assert_int_equal(checkpoint_parse(note, tl, &cp, err, sizeof(err)), 0);
	assert_string_equal(cp.origin, "status.example.org/ledger");
	assert_int_equal(cp.size, 20852163);
	assert_memory_equal(cp.root, root, 32);
	assert_int_equal(cp.time, 1700000000);
	free(note);
	free(text);

	text = checkpoint_text("o", 0, root, -1);
	assert_string_equal(text, "o\n0\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n");
	assert_int_equal(checkpoint_parse(text, strlen(text), &cp, err, sizeof(err)), 0);
	assert_int_equal(cp.size, 0);
	assert_int_equal(cp.time, -1);
	free(text);
	text = checkpoint_text("o", UINT64_MAX, root, INT64_MAX);
	assert_int_equal(checkpoint_parse(text, strlen(text), &cp, err, sizeof(err)), 0);
	assert_true(cp.size == UINT64_MAX && cp.time == INT64_MAX);
	free(text);

	assert_null(checkpoint_text("", 1, root, 0));
	assert_null(checkpoint_text("two\nlines", 1, root, 0));
	assert_null(checkpoint_text("\xff", 1, root, 0));
	{
		char o[CHECKPOINT_ORIGIN_MAX + 1];

		memset(o, 'o', sizeof(o));
		o[CHECKPOINT_ORIGIN_MAX - 1] = '\0';
		assert_non_null(text = checkpoint_text(o, 1, root, 0));
		free(text);
		o[CHECKPOINT_ORIGIN_MAX - 1] = 'o';
		o[CHECKPOINT_ORIGIN_MAX] = '\0';
		assert_null(checkpoint_text(o, 1, root, 0));
	}
}

static void checkpoint_refusals(void **state)
{
#define ROOT "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "o\n020852163\n" ROOT "\n", "the size line is not a decimal without leading zeros" },
		{ "o\n00\n" ROOT "\n", "the size line is not a decimal without leading zeros" },
		{ "o\n-1\n" ROOT "\n", "the size line is not a decimal without leading zeros" },
		{ "o\n+1\n" ROOT "\n", "the size line is not a decimal without leading zeros" },
		{ "o\n 1\n" ROOT "\n", "the size line is not a decimal without leading zeros" },
		{ "o\n\n" ROOT "\n", "the size line is not a decimal without leading zeros" },
		{ "o\n18446744073709551616\n" ROOT "\n", "the size line is not a decimal without leading zeros" },
		{ "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n", "the root line is not the base64 of 32 bytes" },
		{ "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2IA\n", "the root line is not the base64 of 32 bytes" },
		{ "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "the root line is not the base64 of 32 bytes" },
		{ "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "the root line is not the base64 of 32 bytes" },
		{ "o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n", "the root line is not the base64 of 32 bytes" },
		{ "o\n1\n\n", "the root line is not the base64 of 32 bytes" },
		{ "\n1\n" ROOT "\n", "the origin line is empty" },
		{ "o\n1\n", "a checkpoint has an origin, a size and a root hash line" },
		{ "o\n1\n" ROOT, "a checkpoint is a text ending in a newline, at most 131072 bytes" },
		{ "", "a checkpoint is a text ending in a newline, at most 131072 bytes" },
		{ "o\n1\n" ROOT "\n\n", "empty extension line" },
		{ "o\n1\n" ROOT "\ntime 01\n", "a malformed time line" },
		{ "o\n1\n" ROOT "\ntime \n", "a malformed time line" },
		{ "o\n1\n" ROOT "\ntime -5\n", "a malformed time line" },
		{ "o\n1\n" ROOT "\ntime 9223372036854775808\n", "a malformed time line" },
		{ "o\n1\n" ROOT "\ntime 1\ntime 1\n", "a second time line" },
		{ "o\n1\n" ROOT "\n\x01\n", "checkpoint: a control character at byte 49" },
	};
	struct checkpoint cp;
	const char *ok = "o\n1\n" ROOT "\nsomeone else's: opaque\ntime 5\ntimeless\n";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(checkpoint_parse(bad[i].text, strlen(bad[i].text), &cp, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].why);
		assert_int_equal(cp.time, -1);
	}
	assert_int_equal(checkpoint_parse(ok, strlen(ok), &cp, err, sizeof(err)), 0);
	assert_int_equal(cp.time, 5);
	assert_int_equal(cp.size, 1);
#undef ROOT
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(peter_neumann_key),
		cmocka_unit_test(peter_neumann_signature),
		cmocka_unit_test(go_open_cases),
		cmocka_unit_test(go_key_manglings),
		cmocka_unit_test(key_errors),
		cmocka_unit_test(c2sp_vectors),
		cmocka_unit_test(keygen_sign_open),
		cmocka_unit_test(refusals),
		cmocka_unit_test(long_unknown_signatures),
		cmocka_unit_test(names),
		cmocka_unit_test(checkpoint_round_trip),
		cmocka_unit_test(checkpoint_refusals),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
