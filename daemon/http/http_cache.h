/*
 * http_cache: how status surfaces are sent.  Conditional GET (ETag, and
 * Last-Modified where the bytes change only with it), gzip negotiation,
 * short caching (public, or private where a token is needed), and the
 * security headers.  Blobs are sent as they are, without a copy: whoever
 * owns one passes a release callback that libmicrohttpd runs once the
 * response is done with it (a snapshot's reference, say).
 */
#ifndef SW_HTTP_CACHE_H
#define SW_HTTP_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "publish/blob.h"
#include "publish/snapshot.h"

/* The bytes change without a new Last-Modified (/metrics): validate by ETag only. */
#define CACHE_ETAG_ONLY 1u

/* Sends b; release(arg) runs when libmicrohttpd no longer needs it. */
enum MHD_Result cache_reply_blob(struct request *rq, const struct blob *b, unsigned flags,
				 void (*release)(void *), void *arg);

/*
 * Responses made once and sent to every request.  An owner (the current
 * snapshot; the current /metrics exposition) has a generation and blobs in
 * slots 0 .. nslots - 1; the response made for a slot is reused while the
 * owner is current and the blob's Last-Modified and caching mode are those
 * it was made with.  Each response holds the owner (hold(arg)) until
 * libmicrohttpd lets go of it (release(arg)).  A newer generation retires
 * the responses of the older one; a request for an older one gets a
 * response of its own.  The caller's reference (arg) is taken over.
 */
struct reuse {
	int table;			/* CACHE_SURFACES or CACHE_METRICS */
	uint64_t generation;
	size_t nslots;
	void (*hold)(void *);
	void (*release)(void *);
	void *arg;
};
#define CACHE_SURFACES 0
#define CACHE_METRICS 1
enum MHD_Result cache_reply_reused(struct request *rq, const struct reuse *u, const struct blob *b,
				   unsigned flags);
/* Sends one of s's blobs, reusing its response; the response holds s until sent. */
enum MHD_Result cache_reply_snapshot(struct request *rq, struct snapshot *s, const struct blob *b);
/* Snapshot generation is current: lets go of older ones' responses. */
void cache_retire_surfaces(uint64_t generation);
/* At exit, once no request runs: lets go of every reused response. */
void cache_free(void);
/* A surface computed for this request (body is taken over). */
enum MHD_Result cache_reply_body(struct request *rq, const char *type, struct strbuf *body,
				 int64_t last_modified);
/* The same in a language (Content-Language; vary_lang: Vary: Accept-Language); lang outlives the reply. */
enum MHD_Result cache_reply_page(struct request *rq, const char *type, struct strbuf *body,
				 int64_t last_modified, const char *lang, bool vary_lang);
enum MHD_Result cache_reply_json(struct request *rq, json_t *body, int64_t last_modified);

#endif
