/*
 * Signed notes, checkpoints and key strings: any bytes, no crash, no leak.
 * A text we sign opens to itself; a checkpoint we parse writes back to one
 * that parses the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* golang.org/x/mod sumdb/note's test key: any fixed key will do. */
#define SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

static void check_checkpoint(const char *text, size_t len)
{
	struct checkpoint cp, again;
	char err[256], *back;

	if (checkpoint_parse(text, len, &cp, err, sizeof(err)) != 0)
		return;
	back = checkpoint_text(cp.origin, cp.size, cp.root, cp.time);
	if (!back || checkpoint_parse(back, strlen(back), &again, err, sizeof(err)) != 0 ||
	    strcmp(cp.origin, again.origin) != 0 || cp.size != again.size ||
	    memcmp(cp.root, again.root, 32) != 0 || cp.time != again.time)
		abort();
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_signer s;
	static struct note_verifier v;
	static int ready;
	const char *in = (const char *)data;
	char err[256], *str, *note;
	size_t text_len;

	if (!ready) {
		if (note_signer_parse(SKEY, &s, err, sizeof(err)) != 0 ||
		    note_verifier_parse(VKEY, &v, err, sizeof(err)) != 0)
			abort();
		ready = 1;
	}
	if (note_open(in, size, &v, 1, &text_len, err, sizeof(err)) == 0)
		check_checkpoint(in, text_len);
	check_checkpoint(in, size);

	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	{
		struct note_signer ks;
		struct note_verifier kv;

		(void)note_signer_parse(str, &ks, err, sizeof(err));
		(void)note_verifier_parse(str, &kv, err, sizeof(err));
		(void)note_name_ok(str);
	}
	/* Whatever we sign must open, to exactly its text. */
	note = strlen(str) == size ? note_sign(str, &s, 1) : NULL;
	if (note && (note_open(note, strlen(note), &v, 1, &text_len, err, sizeof(err)) != 0 ||
		     text_len != size || memcmp(note, data, size) != 0))
		abort();
	free(note);
	free(str);
	return 0;
}
