/*
 * connwatch: every client connection from open to close, what it owes us,
 * and which one goes first when there is no room (docs/decisions.md,
 * "Slow clients").  Pure policy: the caller passes the time and the
 * connection's socket; connwatch decides, and shuts down (shutdown(2)) the
 * sockets it drops, under its lock, so it never reaches a descriptor that
 * was closed and reused.  libmicrohttpd then closes them as failed reads.
 *
 * A connection is in one phase:
 *   OWING    a request's header block is owed, from the connection's
 *            opening or since its last response: it has header_timeout.
 *   BODY     the header block is in and the body is arriving: it must keep
 *            up min_body_rate.  It starts with body_grace seconds of
 *            credit; each byte adds 1/min_body_rate s, never beyond
 *            body_grace ahead of now; at no credit it is dropped.  So a
 *            body that stops is dropped body_grace seconds later, and one
 *            at half the rate after twice that.
 *   DRAIN    a refused body being read and discarded: a fixed deadline.
 *   SERVING  ours to answer (a handler, group commit, the response going
 *            out).  No deadline while the answer is ours to make; while
 *            the kernel holds bytes of it the client has not taken, the
 *            client must take them at min_body_rate, with the same credit
 *            as a body (the bytes it acknowledges, TCP_INFO): a slow reader
 *            holds a connection no longer than a slow sender.
 *
 * Pressure: three quarters of connection_limit or more open.  Then the
 * header deadline is at most CW_PRESSURE_HEADER_S, a body must keep at
 * least half its full credit, and every new connection sheds one old one:
 * the body furthest behind its rate, if one is behind, else the connection
 * that has owed a header block the longest (an idle keep-alive, or a slow
 * header).  A client that sends its request promptly is never shed.
 *
 * A connection whose client has sent bytes no thread has read yet is never
 * dropped or shed: the server is behind, not the client.
 *
 * Per address at most per_address connections are open.  A new one over
 * that replaces the address's connection that is not making progress (a
 * header owed for CW_STALL_MS or more, or a body behind its rate), so a
 * client behind the same NAT as an attacker is served; only when all of
 * them are making progress is the new one refused.
 */
#ifndef SW_CONNWATCH_H
#define SW_CONNWATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define CW_PRESSURE_NUM 3		/* pressure: NUM/DEN of connection_limit open, or more */
#define CW_PRESSURE_DEN 4
#define CW_PRESSURE_HEADER_S 2		/* header deadline under pressure (at most) */
#define CW_STALL_MS 1000		/* a header owed this long is not making progress */
#define CW_ADDR_BUCKETS 1024

enum cw_phase { CW_OWING, CW_BODY, CW_DRAIN, CW_SERVING, CW_NPHASES };

struct cw_addr;

/* One connection; the caller owns the memory, connwatch the fields. */
struct cw_conn {
	int fd;
	enum cw_phase phase;
	bool dropped;			/* shut down by connwatch, no longer counted */
	int64_t since_ns;		/* OWING: owed since; BODY: body started */
	int64_t deadline_ns;		/* BODY: credit runs out; DRAIN: fixed; SERVING: the answer's credit (0: none owed) */
	uint64_t acked;			/* SERVING: bytes of the answer the client acknowledged, as last seen */
	uint64_t body_bytes;
	struct cw_addr *addr;		/* NULL: no address to count by */
	struct cw_conn *prev, *next;	/* in its phase's list */
};

struct cw_limits {
	int64_t header_timeout_s;
	int64_t body_grace_s;
	int64_t min_body_rate;		/* bytes a second; 0: no rate required */
	int64_t connection_limit;
	int64_t per_address;
};

/* What a call dropped, for the metrics and the log. */
struct cw_events {
	unsigned dropped[CW_NPHASES];	/* by the phase they were in (SERVING: a slow reader) */
	unsigned shed;			/* of those, closed early to make room */
	unsigned refused;		/* new connections refused: address full, all progressing */
	struct cw_conn *last;		/* the last connection dropped (tests) */
};

struct cw_gauges {
	unsigned open[CW_NPHASES];
	unsigned total;
	bool pressure;
};

struct connwatch {
	pthread_mutex_t lock;
	struct cw_limits limits;
	struct cw_conn lists[CW_NPHASES];	/* sentinels; OWING in since order */
	unsigned count[CW_NPHASES];
	unsigned total;
	struct cw_addr *addrs[CW_ADDR_BUCKETS];
};

void cw_init(struct connwatch *w, const struct cw_limits *limits);
/* Drops the address table (every connection must be closed). */
void cw_free(struct connwatch *w);
/* New limits (a reload); they apply from the next decision. */
void cw_configure(struct connwatch *w, const struct cw_limits *limits);

/*
 * A new connection on fd from addr (16 bytes, iplimit_key; NULL: none),
 * owing its header.  False when it is refused (its socket is shut down;
 * c stays valid until cw_close).  May shed another connection (ev).
 */
bool cw_open(struct connwatch *w, struct cw_conn *c, int fd, const unsigned char *addr,
	     int64_t now, struct cw_events *ev);
/*
 * The header block is in: the body is owed (has_body) or the answer is
 * ours.  False when c was dropped already: its socket is shut down, but
 * what the client sent before may still be read, and must not be acted on.
 */
bool cw_request(struct connwatch *w, struct cw_conn *c, bool has_body, int64_t now);
/* Was c dropped (refused, shed, or past a deadline)? */
bool cw_dropped(struct connwatch *w, struct cw_conn *c);
/* n bytes of the body arrived. */
void cw_body(struct connwatch *w, struct cw_conn *c, uint64_t n, int64_t now);
/* The body is all in: the answer is ours. */
void cw_body_done(struct connwatch *w, struct cw_conn *c);
/* A refused body is being discarded: at most after_s more seconds. */
void cw_drain(struct connwatch *w, struct cw_conn *c, int64_t after_s, int64_t now);
/* The response is out: the next request's header block is owed. */
void cw_idle(struct connwatch *w, struct cw_conn *c, int64_t now);
/* libmicrohttpd closes the connection; true when connwatch had dropped it. */
bool cw_close(struct connwatch *w, struct cw_conn *c);
/* Drops every connection past its deadline (call several times a second). */
void cw_reap(struct connwatch *w, int64_t now, struct cw_events *ev);
void cw_gauges(struct connwatch *w, struct cw_gauges *g);
/* Connections counted for the address (16 bytes) now. */
unsigned cw_address_open(struct connwatch *w, const unsigned char *addr);

/* Pure helpers, exposed for the tests. */
bool cw_pressure(const struct cw_limits *l, unsigned open);
int64_t cw_header_deadline(const struct cw_limits *l, int64_t since_ns, bool pressure);
/* A body's new credit deadline after n more bytes at now. */
int64_t cw_body_credit(const struct cw_limits *l, int64_t deadline_ns, uint64_t n, int64_t now);
/* Is a body with this deadline behind its rate (pressure: it must keep half its credit)? */
bool cw_body_late(const struct cw_limits *l, int64_t deadline_ns, int64_t now, bool pressure);

#endif
