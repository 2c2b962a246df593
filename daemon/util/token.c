#include "util/token.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

unsigned char token_pepper[PEPPER_KEY_LEN];

ssize_t secret_read(const char *path, const char *credential, const char *what, const char *hint,
		    char *buf, size_t n, struct strbuf *err)
{
	const char *credsdir = getenv("CREDENTIALS_DIRECTORY");
	char credpath[4096];
	struct stat st;
	ssize_t got;
	int fd;

	if (credsdir && *credsdir) {
		snprintf(credpath, sizeof(credpath), "%s/%s", credsdir, credential);
		if (access(credpath, R_OK) == 0)
			path = credpath;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sb_addf(err, "%s: cannot open %s: %s (create it with: %s)", path, what, strerror(errno), hint);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sb_addf(err, "%s: %s is not a regular file", path, what);
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		sb_addf(err, "%s: %s must not be readable by group or others (chmod 600)", path, what);
		close(fd);
		return -1;
	}
	got = read(fd, buf, n - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	return got < 0 ? 0 : got;
}

int token_load_pepper(const char *path, unsigned char key[PEPPER_KEY_LEN], struct strbuf *err)
{
	char buf[4096 + 1], hint[256];	/* the first 4096 bytes are the key, as ever */
	ssize_t n;

	snprintf(hint, sizeof(hint), "head -c 32 /dev/urandom > %s && chmod 600 %s", path, path);
	n = secret_read(path, "pepper", "pepper file", hint, buf, sizeof(buf), err);
	if (n < 0)
		return -1;
	if (n < 32) {
		sb_addf(err, "%s: pepper file must hold at least 32 bytes", path);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	/* Any length of secret becomes a fixed-size key. */
	crypto_generichash(key, PEPPER_KEY_LEN, (const unsigned char *)buf, (size_t)n, NULL, 0);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

void token_generate(char out[TOKEN_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, TOKEN_PREFIX, 3);
	sodium_bin2base64(out + 3, TOKEN_LEN + 1 - 3, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

bool token_well_formed(const char *s, size_t len)
{
	if (len != TOKEN_LEN || memcmp(s, TOKEN_PREFIX, 3) != 0)
		return false;
	for (size_t i = 3; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

void token_hash(const unsigned char key[PEPPER_KEY_LEN], const char *token, size_t len,
		unsigned char out[TOKEN_HASH_LEN])
{
	crypto_generichash(out, TOKEN_HASH_LEN, (const unsigned char *)token, len,
			   key, PEPPER_KEY_LEN);
}

void hex_bytea(const unsigned char *in, size_t n, char *out)
{
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, 2 * n + 1, in, n);
}
