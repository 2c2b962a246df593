/*
 * token: bearer tokens for organisations.
 *
 * A token is "sw_" + 43 base64url characters (32 random bytes).  It is shown
 * once, when issued; the database keeps only BLAKE2b(pepper, token), keyed
 * with a secret "pepper" read from a file outside the main configuration
 * (systemd's $CREDENTIALS_DIRECTORY/pepper when set, else auth.pepper_file).
 */
#ifndef SW_TOKEN_H
#define SW_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/strbuf.h"

#define TOKEN_PREFIX "sw_"
#define TOKEN_LEN (3 + 43)
#define TOKEN_HASH_LEN 32
#define PEPPER_KEY_LEN 32

/* The key of token hashes, loaded once at start-up. */
extern unsigned char token_pepper[PEPPER_KEY_LEN];

/*
 * Reads a secret file into buf (at most n - 1 bytes, NUL-terminated):
 * $CREDENTIALS_DIRECTORY/credential (systemd's LoadCredential=) when that
 * exists, else path; a regular file that neither group nor others may
 * read.  Returns the bytes read, or -1 with the reason appended to err
 * (what names the secret; hint says how to make one).
 */
ssize_t secret_read(const char *path, const char *credential, const char *what, const char *hint,
		    char *buf, size_t n, struct strbuf *err);
/* Reads the pepper; -1 with a reason in err when missing, short or too open. */
int token_load_pepper(const char *path, unsigned char key[PEPPER_KEY_LEN], struct strbuf *err);
/* Writes a fresh random token and its NUL. */
void token_generate(char out[TOKEN_LEN + 1]);
bool token_well_formed(const char *s, size_t len);
void token_hash(const unsigned char key[PEPPER_KEY_LEN], const char *token, size_t len,
		unsigned char out[TOKEN_HASH_LEN]);
/* Lower-case hex for a bytea parameter ("\x..."): out must hold 2 + 2n + 1. */
void hex_bytea(const unsigned char *in, size_t n, char *out);

#endif
