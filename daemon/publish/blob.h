/*
 * blob: one representation of a surface as bytes, with what HTTP caching
 * needs: its ETag (a hash of the bytes), its Last-Modified, and a gzipped
 * twin with its own ETag when that is smaller.  The bytes are immutable
 * once made; the HTTP layer sends them without copying them.  The twin is
 * made when a client first asks for it (blob_gz), once, by whichever
 * thread asks first: a snapshot holds each page in every served language,
 * and compressing them all at each rebuild cost more than rendering them.
 */
#ifndef SW_BLOB_H
#define SW_BLOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


#define BLOB_ETAG_LEN 44

struct blob {
	const char *type;		/* Content-Type, a constant */
	char *body;			/* owned */
	size_t len;
	unsigned char *gz;		/* owned; read only once blob_gz says it is there */
	size_t gz_len;
	atomic_int gz_state;		/* BLOB_GZ_NO, BLOB_GZ_LATER (not made yet), BLOB_GZ_MADE */
	pthread_mutex_t gz_lock;	/* who makes the twin; initialised unless BLOB_GZ_NO */
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
/*
 * Whether b has a gzipped twin (gz, gz_len), making it first if it was not
 * made yet; false when gzip was not wanted or would not make it smaller.
 * Safe from any thread; the twin is made once.
 */
bool blob_gz(const struct blob *b);

enum { BLOB_GZ_NO, BLOB_GZ_LATER, BLOB_GZ_MADE };

#endif
