/*
 * http_conn: the connections under libmicrohttpd, from open to close.
 *
 * Slow clients (core/connwatch.h, docs/decisions.md "Slow clients").
 * libmicrohttpd's connection_timeout is an idle timeout, so a client
 * trickling a byte a second would hold a connection for ever.  Here every
 * connection is watched: one owing a request's header block (from its
 * opening, or since its last response) has http.header_timeout seconds to
 * send it whole, so a kept-alive connection idle that long is closed too
 * (a proxy must not keep idle connections to us longer: docs/operations.md);
 * a body must keep up http.min_body_rate after http.body_grace seconds, and
 * so must a client taking an answer the kernel cannot hold whole.
 * When the table is three quarters full the slowest and idlest connections
 * are shed to make room and the deadlines tighten; one address's
 * connections over http.per_ip_connection_limit replace its stalled ones.
 * http_reap() enforces the deadlines several times a second.
 *
 * Lingering close.  A request answered before its body was read (413 from
 * Content-Length, 401, 415...) is closed by libmicrohttpd without reading
 * on; closing a socket with unread data sends a reset, and a client still
 * sending (Python's urllib and requests do not wait for 100-continue) gets
 * a broken pipe instead of the answer.  Such a connection's socket is kept
 * after libmicrohttpd lets go of it and drained by a thread of its own, as
 * nginx does, for at most HTTP_LINGER_S seconds and HTTP_LINGER_BYTES bytes.
 * A chunked body over the limit is likewise read on and discarded, within
 * the same bounds, before the 413 goes out.
 */
#ifndef SW_HTTP_CONN_H
#define SW_HTTP_CONN_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

#define HTTP_LINGER_BYTES ((size_t)64 << 20)
#define HTTP_LINGER_S 10
#define HTTP_LINGER_IDLE_S 2
#define HTTP_LINGER_MAX 64		/* sockets lingering at once; more are closed outright */

/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback. */
void http_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode code);
/* Settings read at start and each reap (header_timeout is reloadable). */
void http_conn_configure(const struct sw_config *cfg);
/*
 * A request's header block is in: its body is owed (has_body), or the
 * answer is ours.  False when the connection was dropped already (what was
 * read before must not be acted on: close it).
 */
bool http_conn_busy(struct MHD_Connection *conn, bool has_body);
/* Was the connection dropped (refused, shed, past a deadline)? */
bool http_conn_dropped(struct MHD_Connection *conn);
/* n bytes of the body arrived. */
void http_conn_body(struct MHD_Connection *conn, size_t n);
/* The body is all in: no deadline while the request is served. */
void http_conn_body_done(struct MHD_Connection *conn);
/* The response is done: the next request's header block is owed. */
void http_conn_idle(struct MHD_Connection *conn);
/* An over-limit body is being discarded: at most HTTP_LINGER_S more seconds. */
void http_conn_drain(struct MHD_Connection *conn);
/* Answered before the body was read: drain the socket after libmicrohttpd closes it. */
void http_conn_linger(struct MHD_Connection *conn);

/*
 * Drops connections past their deadline and updates the connection gauges;
 * call several times a second.  Returns how many owed a header block.
 */
unsigned http_reap(const struct sw_config *cfg);
/* Stops the lingering thread and closes what it still holds (after libmicrohttpd stopped). */
void http_conn_shutdown(void);

#endif
