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

#include "http/http.h"
#include "publish/blob.h"
#include "publish/snapshot.h"

/* The bytes change without a new Last-Modified (/metrics): validate by ETag only. */
#define CACHE_ETAG_ONLY 1u

/* Sends b; release(arg) runs when libmicrohttpd no longer needs it. */
enum MHD_Result cache_reply_blob(struct request *rq, const struct blob *b, unsigned flags,
				 void (*release)(void *), void *arg);
/* Sends one of s's blobs; the response holds a reference to s until sent. */
enum MHD_Result cache_reply_snapshot(struct request *rq, struct snapshot *s, const struct blob *b);
/* A surface computed for this request (body is taken over). */
enum MHD_Result cache_reply_body(struct request *rq, const char *type, struct strbuf *body,
				 int64_t last_modified);
enum MHD_Result cache_reply_json(struct request *rq, json_t *body, int64_t last_modified);

#endif
