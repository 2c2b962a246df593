#include "publish/blob.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/strbuf.h"

/* body gzipped into a new buffer; NULL when that is no smaller. */
static unsigned char *gzip_of(const char *body, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap;
	unsigned char *out;

	if (len < 256 || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)len);
	out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)body;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

void blob_make(struct blob *b, const char *type, const char *bytes, size_t len,
	       int64_t last_modified, bool gzip)
{
	unsigned char h[16];
	char hex[33];

	memset(b, 0, sizeof(*b));
	b->type = type;
	b->body = xmalloc(len + 1);
	memcpy(b->body, bytes, len);
	b->body[len] = '\0';
	b->len = len;
	b->last_modified = last_modified;
	crypto_generichash(h, sizeof(h), (const unsigned char *)b->body, b->len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(b->etag, sizeof(b->etag), "\"%s\"", hex);
	snprintf(b->etag_gz, sizeof(b->etag_gz), "\"%s-gz\"", hex);
	/* Gzip makes nothing under 256 bytes smaller. */
	if (gzip && len >= 256) {
		pthread_mutex_init(&b->gz_lock, NULL);
		atomic_init(&b->gz_state, BLOB_GZ_LATER);
	} else {
		atomic_init(&b->gz_state, BLOB_GZ_NO);
	}
}

bool blob_gz(const struct blob *cb)
{
	/* The bytes are never changed: only the twin is added, under the blob's own lock. */
	struct blob *b = (struct blob *)(uintptr_t)cb;
	int st = atomic_load_explicit(&b->gz_state, memory_order_acquire);

	if (st == BLOB_GZ_LATER) {
		pthread_mutex_lock(&b->gz_lock);
		if (atomic_load_explicit(&b->gz_state, memory_order_relaxed) == BLOB_GZ_LATER) {
			b->gz = gzip_of(b->body, b->len, &b->gz_len);
			atomic_store_explicit(&b->gz_state, BLOB_GZ_MADE, memory_order_release);
		}
		pthread_mutex_unlock(&b->gz_lock);
		st = BLOB_GZ_MADE;
	}
	return st == BLOB_GZ_MADE && b->gz;
}

void blob_free(struct blob *b)
{
	if (atomic_load_explicit(&b->gz_state, memory_order_relaxed) != BLOB_GZ_NO)
		pthread_mutex_destroy(&b->gz_lock);
	free(b->body);
	free(b->gz);
	memset(b, 0, sizeof(*b));
}
