/*
 * blob: one representation of a surface as bytes, with what HTTP caching
 * needs: its ETag (a hash of the bytes), its Last-Modified, and a gzipped
 * twin with its own ETag when that is smaller.  Immutable once made; the
 * HTTP layer sends the bytes without copying them.
 */
#ifndef SW_BLOB_H
#define SW_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


#define BLOB_ETAG_LEN 44

struct blob {
	const char *type;		/* Content-Type, a constant */
	char *body;			/* owned */
	size_t len;
	unsigned char *gz;		/* owned; NULL when gzip is not smaller or not wanted */
	size_t gz_len;
	char etag[BLOB_ETAG_LEN];	/* "<32 hex digits>" */
	char etag_gz[BLOB_ETAG_LEN];	/* "<32 hex digits>-gz" */
	int64_t last_modified;		/* seconds since the epoch */
	unsigned slot;			/* its place among its owner's blobs (HTTP keeps a response per place) */
	const char *lang;		/* Content-Language; NULL: not in a language (JSON) */
	bool vary_lang;			/* chosen by Accept-Language among others */
};

/*
 * Makes b of a copy of len bytes, allocated to size (a renderer's buffer,
 * grown as it went, is reused for the next blob rather than kept).
 */
void blob_make(struct blob *b, const char *type, const char *bytes, size_t len,
	       int64_t last_modified, bool gzip);
void blob_free(struct blob *b);

#endif
