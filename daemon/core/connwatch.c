#include "core/connwatch.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h>		/* struct tcp_info with tcpi_bytes_acked (glibc's lacks it) */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "util/strbuf.h"

#define NS 1000000000LL

struct cw_addr {
	unsigned char key[16];
	unsigned count;
	struct cw_addr *next;
};

/* ---- pure rules ------------------------------------------------------------------- */

bool cw_pressure(const struct cw_limits *l, unsigned open)
{
	return (int64_t)open * CW_PRESSURE_DEN >= l->connection_limit * CW_PRESSURE_NUM;
}

int64_t cw_header_deadline(const struct cw_limits *l, int64_t since_ns, bool pressure)
{
	int64_t s = l->header_timeout_s;

	if (pressure && s > CW_PRESSURE_HEADER_S)
		s = CW_PRESSURE_HEADER_S;
	return since_ns + s * NS;
}

int64_t cw_body_credit(const struct cw_limits *l, int64_t deadline_ns, uint64_t n, int64_t now)
{
	int64_t cap = now + l->body_grace_s * NS;
	double add;

	if (l->min_body_rate <= 0)
		return cap;
	add = (double)n * 1e9 / (double)l->min_body_rate;
	if (add >= (double)(cap - deadline_ns))
		return cap;
	return deadline_ns + (int64_t)add;
}

bool cw_body_late(const struct cw_limits *l, int64_t deadline_ns, int64_t now, bool pressure)
{
	if (l->min_body_rate <= 0)
		return false;
	return deadline_ns < (pressure ? now + l->body_grace_s * NS / 2 : now);
}

/* ---- lists and counts (under w->lock) ---------------------------------------------- */

static void link_tail(struct connwatch *w, struct cw_conn *c, enum cw_phase phase)
{
	struct cw_conn *head = &w->lists[phase];

	c->phase = phase;
	c->next = head;
	c->prev = head->prev;
	head->prev->next = c;
	head->prev = c;
	w->count[phase]++;
}

static void unlink_conn(struct connwatch *w, struct cw_conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	c->prev = c->next = NULL;
	w->count[c->phase]--;
}

static void move(struct connwatch *w, struct cw_conn *c, enum cw_phase phase)
{
	if (c->dropped || c->phase == phase)
		return;
	unlink_conn(w, c);
	link_tail(w, c, phase);
}

static unsigned hash_of(const unsigned char key[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % CW_ADDR_BUCKETS;
}

static struct cw_addr *addr_get(struct connwatch *w, const unsigned char key[16])
{
	struct cw_addr **a = &w->addrs[hash_of(key)];

	for (; *a; a = &(*a)->next)
		if (memcmp((*a)->key, key, 16) == 0)
			return *a;
	*a = xcalloc(1, sizeof(**a));
	memcpy((*a)->key, key, 16);
	return *a;
}

static void addr_put(struct connwatch *w, struct cw_addr *gone)
{
	struct cw_addr **a;

	if (!gone || --gone->count > 0)
		return;
	for (a = &w->addrs[hash_of(gone->key)]; *a != gone; a = &(*a)->next)
		;
	*a = gone->next;
	free(gone);
}

/*
 * Ends a connection libmicrohttpd still holds: a reset when it closes the
 * socket (SO_LINGER 0), so what the kernel still queues for a slow reader is
 * dropped with it rather than trickled out by an orphaned socket (nginx's
 * reset_timedout_connection), and a shutdown now, so libmicrohttpd sees the
 * connection end at its next look.
 */
static void hang_up(int fd)
{
	struct linger now = { 1, 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof(now));
	shutdown(fd, SHUT_RDWR);
}

/* Stops counting c and hangs up; libmicrohttpd closes it next. */
static void drop(struct connwatch *w, struct cw_conn *c, bool shed, struct cw_events *ev)
{
	ev->dropped[c->phase]++;
	if (shed)
		ev->shed++;
	ev->last = c;
	unlink_conn(w, c);
	w->total--;
	addr_put(w, c->addr);
	c->addr = NULL;
	c->dropped = true;
	hang_up(c->fd);
}

/* ---- choosing whom to shed ---------------------------------------------------------- */

/*
 * Has the client sent bytes that no thread has read yet?  Then the server
 * is behind (a thread waiting on the database), not the client: its
 * deadline is not the client's to miss, and it is not the one to shed.
 */
static bool server_behind(const struct cw_conn *c)
{
	int n = 0;

	return c->fd >= 0 && ioctl(c->fd, FIONREAD, &n) == 0 && n > 0;
}

/* Is c not making progress (a NAT neighbour may take its place)? */
static bool stalled(const struct cw_limits *l, const struct cw_conn *c, int64_t now)
{
	switch (c->phase) {
	case CW_OWING:
		return now - c->since_ns >= (int64_t)CW_STALL_MS * 1000000;
	case CW_BODY:
		return cw_body_late(l, c->deadline_ns, now, true);
	case CW_DRAIN:
		return true;
	default:
		return false;
	}
}

/* The body furthest behind its rate, if any is behind (addr: only its own). */
static struct cw_conn *latest_body(struct connwatch *w, const struct cw_addr *addr, int64_t now)
{
	struct cw_conn *head = &w->lists[CW_BODY], *worst = NULL;

	for (struct cw_conn *c = head->next; c != head; c = c->next)
		if ((!addr || c->addr == addr) && cw_body_late(&w->limits, c->deadline_ns, now, true) &&
		    (!worst || c->deadline_ns < worst->deadline_ns) && !server_behind(c))
			worst = c;
	return worst;
}

/* The first of a list (addr: the first of its own) that may go. */
static struct cw_conn *first_of(struct connwatch *w, enum cw_phase phase, const struct cw_addr *addr,
				int64_t now)
{
	struct cw_conn *head = &w->lists[phase];

	for (struct cw_conn *c = head->next; c != head; c = c->next)
		if ((!addr || (c->addr == addr && stalled(&w->limits, c, now))) && !server_behind(c))
			return c;
	return NULL;
}

/* Slowest and idlest first: a body behind, the longest-owed header, a refused body. */
static struct cw_conn *victim(struct connwatch *w, const struct cw_addr *addr, int64_t now)
{
	struct cw_conn *c = latest_body(w, addr, now);

	if (!c)
		c = first_of(w, CW_OWING, addr, now);
	if (!c)
		c = first_of(w, CW_DRAIN, addr, now);
	return c;
}

/* ---- the interface ----------------------------------------------------------------- */

void cw_init(struct connwatch *w, const struct cw_limits *limits)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	w->limits = *limits;
	for (int p = 0; p < CW_NPHASES; p++)
		w->lists[p].prev = w->lists[p].next = &w->lists[p];
}

void cw_free(struct connwatch *w)
{
	for (int i = 0; i < CW_ADDR_BUCKETS; i++)
		while (w->addrs[i]) {
			struct cw_addr *a = w->addrs[i];

			w->addrs[i] = a->next;
			free(a);
		}
	pthread_mutex_destroy(&w->lock);
}

void cw_configure(struct connwatch *w, const struct cw_limits *limits)
{
	pthread_mutex_lock(&w->lock);
	w->limits = *limits;
	pthread_mutex_unlock(&w->lock);
}

bool cw_open(struct connwatch *w, struct cw_conn *c, int fd, const unsigned char *addr,
	     int64_t now, struct cw_events *ev)
{
	struct cw_addr *a = NULL;
	struct cw_conn *v;
	bool ok = true;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->since_ns = now;
	pthread_mutex_lock(&w->lock);
	if (addr) {
		/* Counted at once, so shedding the address's last connection cannot free a. */
		a = addr_get(w, addr);
		if ((int64_t)a->count++ >= w->limits.per_address) {
			if ((v = victim(w, a, now)))
				drop(w, v, true, ev);
			else
				ok = false;
		}
	}
	/* Shedding keeps the table at the mark, so the reaper sees the pressure too. */
	if (ok && cw_pressure(&w->limits, w->total) && (v = victim(w, NULL, now)))
		drop(w, v, true, ev);
	if (ok) {
		c->addr = a;
		link_tail(w, c, CW_OWING);
		w->total++;
	} else {
		ev->refused++;
		c->dropped = true;
		addr_put(w, a);
		hang_up(fd);
	}
	pthread_mutex_unlock(&w->lock);
	return ok;
}

bool cw_request(struct connwatch *w, struct cw_conn *c, bool has_body, int64_t now)
{
	bool live;

	pthread_mutex_lock(&w->lock);
	live = !c->dropped;
	if (live) {
		move(w, c, has_body ? CW_BODY : CW_SERVING);
		c->since_ns = now;
		c->deadline_ns = has_body ? now + w->limits.body_grace_s * NS : 0;
		c->body_bytes = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return live;
}

bool cw_dropped(struct connwatch *w, struct cw_conn *c)
{
	bool dropped;

	pthread_mutex_lock(&w->lock);
	dropped = c->dropped;
	pthread_mutex_unlock(&w->lock);
	return dropped;
}

void cw_body(struct connwatch *w, struct cw_conn *c, uint64_t n, int64_t now)
{
	pthread_mutex_lock(&w->lock);
	if (c->phase == CW_BODY && !c->dropped) {
		c->deadline_ns = cw_body_credit(&w->limits, c->deadline_ns, n, now);
		c->body_bytes += n;
	}
	pthread_mutex_unlock(&w->lock);
}

void cw_body_done(struct connwatch *w, struct cw_conn *c)
{
	pthread_mutex_lock(&w->lock);
	if (c->phase == CW_BODY) {
		move(w, c, CW_SERVING);
		c->deadline_ns = 0;
	}
	pthread_mutex_unlock(&w->lock);
}

void cw_drain(struct connwatch *w, struct cw_conn *c, int64_t after_s, int64_t now)
{
	pthread_mutex_lock(&w->lock);
	if (!c->dropped) {
		move(w, c, CW_DRAIN);
		c->deadline_ns = now + after_s * NS;
	}
	pthread_mutex_unlock(&w->lock);
}

void cw_idle(struct connwatch *w, struct cw_conn *c, int64_t now)
{
	pthread_mutex_lock(&w->lock);
	if (!c->dropped) {
		/* To the tail, so OWING stays in the order its headers became owed. */
		unlink_conn(w, c);
		link_tail(w, c, CW_OWING);
		c->since_ns = now;
	}
	pthread_mutex_unlock(&w->lock);
}

bool cw_close(struct connwatch *w, struct cw_conn *c)
{
	bool dropped;

	pthread_mutex_lock(&w->lock);
	dropped = c->dropped;
	if (!dropped) {
		unlink_conn(w, c);
		w->total--;
		addr_put(w, c->addr);
		c->addr = NULL;
		c->dropped = true;
	}
	pthread_mutex_unlock(&w->lock);
	return dropped;
}

/*
 * Is the kernel holding bytes of c's answer that the client has not taken?
 * Then *acked is what the client has acknowledged of the connection so far.
 */
static bool answer_owed(const struct cw_conn *c, uint64_t *acked)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int queued = 0;

	if (c->fd < 0 || ioctl(c->fd, SIOCOUTQ, &queued) != 0 || queued <= 0)
		return false;
	/* A kernel may fill less of the struct than these headers know; this field it must fill. */
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		return false;
	*acked = ti.tcpi_bytes_acked;
	return true;
}

/* A client taking its answer earns credit by the bytes it acknowledges, as a body by those it sends. */
static bool answer_late(const struct cw_limits *l, struct cw_conn *c, int64_t now, bool pressure)
{
	uint64_t acked;

	if (!answer_owed(c, &acked)) {
		c->deadline_ns = 0;
		return false;
	}
	if (!c->deadline_ns) {
		c->deadline_ns = now + l->body_grace_s * NS;
		c->acked = acked;
		return false;
	}
	c->deadline_ns = cw_body_credit(l, c->deadline_ns, acked - c->acked, now);
	c->acked = acked;
	return cw_body_late(l, c->deadline_ns, now, pressure);
}

/* Drops those of list phase that late() says are past their deadline. */
static void reap_list(struct connwatch *w, enum cw_phase phase, int64_t now, bool pressure,
		      struct cw_events *ev)
{
	struct cw_conn *head = &w->lists[phase], *c, *next;

	for (c = head->next; c != head; c = next) {
		bool late;

		next = c->next;
		if (phase == CW_OWING)
			late = now > cw_header_deadline(&w->limits, c->since_ns, pressure);
		else if (phase == CW_BODY)
			late = cw_body_late(&w->limits, c->deadline_ns, now, pressure);
		else if (phase == CW_SERVING)
			late = answer_late(&w->limits, c, now, pressure);
		else
			late = now > c->deadline_ns;
		if (late && !server_behind(c))
			drop(w, c, false, ev);
	}
}

void cw_reap(struct connwatch *w, int64_t now, struct cw_events *ev)
{
	bool pressure;

	pthread_mutex_lock(&w->lock);
	pressure = cw_pressure(&w->limits, w->total);
	reap_list(w, CW_OWING, now, pressure, ev);
	reap_list(w, CW_BODY, now, pressure, ev);
	reap_list(w, CW_DRAIN, now, pressure, ev);
	reap_list(w, CW_SERVING, now, pressure, ev);
	pthread_mutex_unlock(&w->lock);
}

void cw_gauges(struct connwatch *w, struct cw_gauges *g)
{
	pthread_mutex_lock(&w->lock);
	for (int p = 0; p < CW_NPHASES; p++)
		g->open[p] = w->count[p];
	g->total = w->total;
	g->pressure = cw_pressure(&w->limits, w->total);
	pthread_mutex_unlock(&w->lock);
}

unsigned cw_address_open(struct connwatch *w, const unsigned char *addr)
{
	unsigned n = 0;

	pthread_mutex_lock(&w->lock);
	for (struct cw_addr *a = w->addrs[hash_of(addr)]; a; a = a->next)
		if (memcmp(a->key, addr, 16) == 0)
			n = a->count;
	pthread_mutex_unlock(&w->lock);
	return n;
}
