/*
 * Unit tests for daemon/core/ledger.c: the entries the public ledger
 * hashes, byte for byte (docs/ledger.md, "What is hashed"), and the
 * signing key file's refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ledger.h"
#include "core/merkle.h"

#define ID "0b3e9a7c-52b1-4d3e-9c51-7d0f2d4a1e11"
#define SUP "5f1d2c3b-0a9e-4b8c-8d7e-6f5a4b3c2d1e"
#define HASH "c3e09e6c8c9b7d80abf4cf0cef201adf9d319193346ab7a0a1f2e3d4c5b6a798"

static void expect_entry(char *got, const char *want)
{
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void report_entry_is_sorted_compact_json(void **state)
{
	(void)state;
	expect_entry(ledger_entry_report("ngo-a", ID, "2026-12-06T15:45:01.583028Z", HASH, NULL),
		     "{\"content_hash\":\"" HASH "\",\"org\":\"ngo-a\",\"received_at\":\"2026-12-06T15:45:01.583028Z\","
		     "\"report_id\":\"" ID "\",\"type\":\"report\"}");
	expect_entry(ledger_entry_report("ngo-a", ID, "2026-12-06T15:45:01.583028Z", HASH, SUP),
		     "{\"content_hash\":\"" HASH "\",\"org\":\"ngo-a\",\"received_at\":\"2026-12-06T15:45:01.583028Z\","
		     "\"report_id\":\"" ID "\",\"supersedes\":\"" SUP "\",\"type\":\"report\"}");
}

static void retraction_and_review_entries(void **state)
{
	(void)state;
	expect_entry(ledger_entry_retraction("ngo-a", ID, HASH, "2026-12-06T16:00:00.000001Z", HASH),
		     "{\"content_hash\":\"" HASH "\",\"org\":\"ngo-a\",\"reason_hash\":\"" HASH "\","
		     "\"report_id\":\"" ID "\",\"retracted_at\":\"2026-12-06T16:00:00.000001Z\",\"type\":\"retraction\"}");
	expect_entry(ledger_entry_review("ngo-a", ID, HASH, "coord", "published", "2026-12-06T17:00:00.000000Z", NULL),
		     "{\"content_hash\":\"" HASH "\",\"org\":\"ngo-a\",\"report_id\":\"" ID "\","
		     "\"reviewed_at\":\"2026-12-06T17:00:00.000000Z\",\"reviewer\":\"coord\",\"state\":\"published\","
		     "\"type\":\"review\"}");
	expect_entry(ledger_entry_review("ngo-a", ID, HASH, "coord", "rejected", "2026-12-06T17:00:00.000000Z", HASH),
		     "{\"comment_hash\":\"" HASH "\",\"content_hash\":\"" HASH "\",\"org\":\"ngo-a\",\"report_id\":\""
		     ID "\",\"reviewed_at\":\"2026-12-06T17:00:00.000000Z\",\"reviewer\":\"coord\",\"state\":\"rejected\","
		     "\"type\":\"review\"}");
}

/* Free text is never in an entry, only its hash: SHA-256 of its UTF-8 bytes. */
static void text_hash_is_sha256_of_utf8(void **state)
{
	char hex[LEDGER_HEX_LEN + 1];

	(void)state;
	ledger_text_hash("counted twice", hex);
	assert_string_equal(hex, "f076df0e617d15375c86a30ba275445e21bda17922de66428657bc357dec1e75");
	ledger_text_hash("", hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ledger_text_hash("\xd5\x8a\xd5\xa1\xd5\xb7", hex);	/* UTF-8 as stored, never normalised */
	assert_string_equal(hex, "d0612c69224981a3fa5fd427de4aba062d9fe712ff5eb6a1e13b422468524cb9");
}

/* The leaf hash is RFC 9162's: SHA-256 of 0x00 then the entry's bytes. */
static void leaf_is_sha256_of_zero_and_entry(void **state)
{
	unsigned char got[32], want[32], buf[4] = { 0, 'a', 'b', 'c' };

	(void)state;
	ledger_leaf("abc", got);
	crypto_hash_sha256(want, buf, sizeof(buf));
	assert_memory_equal(got, want, 32);
}

static void unhex_refuses_other_than_64_hex_digits(void **state)
{
	unsigned char b[32];
	char hex[65];

	(void)state;
	assert_int_equal(ledger_unhex(HASH, b), 0);
	ledger_hex(b, 32, hex);
	assert_string_equal(hex, HASH);
	assert_int_equal(ledger_unhex(HASH "00", b), -1);
	assert_int_equal(ledger_unhex("c3e0", b), -1);
	assert_int_equal(ledger_unhex("zz" "e09e6c8c9b7d80abf4cf0cef201adf9d319193346ab7a0a1f2e3d4c5b6a798", b), -1);
	assert_int_equal(ledger_unhex(NULL, b), -1);
}

static char *write_file(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/test_ledger.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
	return path;
}

static void key_file_refusals(void **state)
{
	char skey[512], vkey[512], again[512];
	struct note_signer s;
	struct strbuf err = STRBUF_INIT;
	char *path;

	(void)state;
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(note_keygen("test.example/log", skey, sizeof(skey), vkey, sizeof(vkey)), 0);
	strcat(skey, "\n");

	path = write_file(skey, 0600);
	assert_int_equal(ledger_key_load(path, &s, &err), 0);
	note_verifier_string(&s, again, sizeof(again));
	assert_string_equal(again, vkey);
	unlink(path);
	free(path);

	path = write_file(skey, 0640);
	assert_int_equal(ledger_key_load(path, &s, &err), -1);
	assert_non_null(strstr(err.buf, "must not be readable by group or others (chmod 600)"));
	unlink(path);
	free(path);

	sb_reset(&err);
	path = write_file("PRIVATE+KEY+x+00000000+AAAA\n", 0600);
	assert_int_equal(ledger_key_load(path, &s, &err), -1);
	assert_non_null(strstr(err.buf, "not a ledger signing key"));
	unlink(path);
	free(path);

	sb_reset(&err);
	assert_int_equal(ledger_key_load("/nonexistent/ledger.key", &s, &err), -1);
	assert_non_null(strstr(err.buf, "supplywatch ledger keygen --out /nonexistent/ledger.key"));

	/* A systemd credential wins over the file. */
	sb_reset(&err);
	{
		char dir[] = "/tmp/test_ledger_creds.XXXXXX", p[256];
		FILE *f;

		assert_non_null(mkdtemp(dir));
		snprintf(p, sizeof(p), "%s/ledger-key", dir);
		f = fopen(p, "w");
		fputs(skey, f);
		fclose(f);
		chmod(p, 0600);
		setenv("CREDENTIALS_DIRECTORY", dir, 1);
		assert_int_equal(ledger_key_load("/nonexistent/ledger.key", &s, &err), 0);
		unsetenv("CREDENTIALS_DIRECTORY");
		unlink(p);
		rmdir(dir);
	}
	sb_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(report_entry_is_sorted_compact_json),
		cmocka_unit_test(retraction_and_review_entries),
		cmocka_unit_test(text_hash_is_sha256_of_utf8),
		cmocka_unit_test(leaf_is_sha256_of_zero_and_entry),
		cmocka_unit_test(unhex_refuses_other_than_64_hex_digits),
		cmocka_unit_test(key_file_refusals),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
