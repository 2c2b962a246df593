#include "http/http_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/connwatch.h"
#include "core/iplimit.h"
#include "core/metrics.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

/*
 * Every connection is watched from open to close (core/connwatch.h): an
 * entry is unlinked before libmicrohttpd closes the fd, under connwatch's
 * lock, so a drop never reaches a reused descriptor.
 */
struct conn_track {
	struct cw_conn cw;
	bool linger;		/* drain the socket after the close (this connection's thread only) */
};

static struct connwatch watch;
static bool watching;
/* What connwatch dropped at accept time since the last reap (for its log line). */
static atomic_uint shed_since, refused_since;

static struct cw_limits limits_of(const struct sw_config *cfg)
{
	return (struct cw_limits){
		.header_timeout_s = cfg->header_timeout,
		.body_grace_s = cfg->body_grace,
		.min_body_rate = cfg->min_body_rate,
		.connection_limit = cfg->connection_limit,
		.per_address = cfg->per_ip_connection_limit,
	};
}

void http_conn_configure(const struct sw_config *cfg)
{
	struct cw_limits l = limits_of(cfg);

	if (!watching) {
		cw_init(&watch, &l);
		watching = true;
	} else {
		cw_configure(&watch, &l);
	}
}

static void count_events(const struct cw_events *ev)
{
	metrics_slow_clients(ev->dropped[CW_OWING], ev->dropped[CW_BODY] + ev->dropped[CW_DRAIN],
			     ev->dropped[CW_SERVING]);
	metrics_connections_shed(ev->shed, ev->refused);
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

bool http_conn_busy(struct MHD_Connection *conn, bool has_body)
{
	struct conn_track *t = track_of(conn);

	return !t || cw_request(&watch, &t->cw, has_body, clock_ns());
}

bool http_conn_dropped(struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	return t && cw_dropped(&watch, &t->cw);
}

void http_conn_body(struct MHD_Connection *conn, size_t n)
{
	struct conn_track *t = track_of(conn);

	if (t)
		cw_body(&watch, &t->cw, n, clock_ns());
}

void http_conn_body_done(struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	if (t)
		cw_body_done(&watch, &t->cw);
}

void http_conn_idle(struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	if (t)
		cw_idle(&watch, &t->cw, clock_ns());
}

void http_conn_drain(struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	if (t)
		cw_drain(&watch, &t->cw, HTTP_LINGER_S, clock_ns());
}

void http_conn_linger(struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	if (!t)
		return;
	t->linger = true;
	cw_drain(&watch, &t->cw, HTTP_LINGER_S, clock_ns());	/* sending the answer is bounded too */
}

/* ---- lingering -------------------------------------------------------------------- */

struct lingering {
	int fd;
	int64_t deadline_ns, idle_ns;
	size_t read;
};

static struct {
	pthread_mutex_t lock;
	pthread_t thread;
	bool started, stopping;
	int epfd, count;
} lg = { PTHREAD_MUTEX_INITIALIZER, 0, false, false, -1, 0 };

/* Reads and drops what arrived; false when the socket is done with. */
static bool linger_read(struct lingering *l, int64_t now)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(l->fd, buf, sizeof(buf))) > 0) {
		l->read += (size_t)n;
		l->idle_ns = now + (int64_t)HTTP_LINGER_IDLE_S * 1000000000;
		if (l->read > HTTP_LINGER_BYTES)
			return false;
	}
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
}

/* Each socket lingering (few: HTTP_LINGER_MAX), guarded by lg.lock. */
static struct lingering *all[HTTP_LINGER_MAX];

static void linger_close(struct lingering *l)
{
	epoll_ctl(lg.epfd, EPOLL_CTL_DEL, l->fd, NULL);
	close(l->fd);
	free(l);
}

static void linger_forget(struct lingering *l)
{
	pthread_mutex_lock(&lg.lock);
	for (int i = 0; i < HTTP_LINGER_MAX; i++)
		if (all[i] == l)
			all[i] = NULL;
	lg.count--;
	pthread_mutex_unlock(&lg.lock);
	linger_close(l);
}

/* Closes the sockets past a deadline, or all of them. */
static void linger_expire(int64_t now, bool everything)
{
	struct lingering *gone[HTTP_LINGER_MAX];
	int n = 0;

	pthread_mutex_lock(&lg.lock);
	for (int i = 0; i < HTTP_LINGER_MAX; i++) {
		if (all[i] && (everything || now > all[i]->deadline_ns || now > all[i]->idle_ns)) {
			gone[n++] = all[i];
			all[i] = NULL;
			lg.count--;
		}
	}
	pthread_mutex_unlock(&lg.lock);
	for (int i = 0; i < n; i++)
		linger_close(gone[i]);
}

static void *linger_run(void *arg)
{
	struct epoll_event ev[16];

	(void)arg;
	for (;;) {
		int n = epoll_wait(lg.epfd, ev, 16, 250);
		int64_t now = clock_ns();
		bool stop;

		for (int i = 0; i < n; i++) {
			struct lingering *l = ev[i].data.ptr;

			if (!linger_read(l, now) || (ev[i].events & (EPOLLHUP | EPOLLERR)))
				linger_forget(l);
		}
		linger_expire(now, false);
		pthread_mutex_lock(&lg.lock);
		stop = lg.stopping;
		pthread_mutex_unlock(&lg.lock);
		if (stop)
			break;
	}
	linger_expire(0, true);
	return NULL;
}

static bool linger_ready(void)
{
	if (lg.started)
		return true;
	lg.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lg.epfd < 0 || pthread_create(&lg.thread, NULL, linger_run, NULL) != 0) {
		log_err("http: cannot start the lingering-close thread: %s", strerror(errno));
		if (lg.epfd >= 0)
			close(lg.epfd);
		lg.epfd = -1;
		return false;
	}
	lg.started = true;
	return true;
}

/* Keeps a socket libmicrohttpd is about to close, to drain it. */
static void linger_add(int fd)
{
	struct lingering *l;
	int dupfd, slot = -1;
	int64_t now = clock_ns();

	pthread_mutex_lock(&lg.lock);
	if (lg.stopping || lg.count >= HTTP_LINGER_MAX || !linger_ready()) {
		pthread_mutex_unlock(&lg.lock);
		return;
	}
	for (int i = 0; i < HTTP_LINGER_MAX && slot < 0; i++)
		if (!all[i])
			slot = i;
	dupfd = slot < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0) {
		pthread_mutex_unlock(&lg.lock);
		return;
	}
	fcntl(dupfd, F_SETFL, fcntl(dupfd, F_GETFL) | O_NONBLOCK);
	shutdown(dupfd, SHUT_WR);	/* the answer is out: say so */
	l = xcalloc(1, sizeof(*l));
	l->fd = dupfd;
	l->deadline_ns = now + (int64_t)HTTP_LINGER_S * 1000000000;
	l->idle_ns = now + (int64_t)HTTP_LINGER_IDLE_S * 1000000000;
	all[slot] = l;
	lg.count++;
	{
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = l };

		epoll_ctl(lg.epfd, EPOLL_CTL_ADD, dupfd, &ev);
	}
	pthread_mutex_unlock(&lg.lock);
}

void http_conn_shutdown(void)
{
	pthread_mutex_lock(&lg.lock);
	lg.stopping = true;
	pthread_mutex_unlock(&lg.lock);
	if (lg.started) {
		pthread_join(lg.thread, NULL);
		close(lg.epfd);
		lg.started = false;
	}
	if (watching) {
		cw_free(&watch);
		watching = false;
	}
}

/* ---- tracking and reaping --------------------------------------------------------- */

void http_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode code)
{
	struct conn_track *t = *socket_context;
	const union MHD_ConnectionInfo *ci;
	struct cw_events ev = { { 0 }, 0, 0, NULL };
	unsigned char key[16];
	bool keyed;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		t = xcalloc(1, sizeof(*t));
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		keyed = ci && iplimit_key(ci->client_addr, key);
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		cw_open(&watch, &t->cw, ci ? ci->connect_fd : -1, keyed ? key : NULL, clock_ns(), &ev);
		if (ev.shed)
			atomic_fetch_add(&shed_since, ev.shed);
		if (ev.refused)
			atomic_fetch_add(&refused_since, ev.refused);
		count_events(&ev);
		*socket_context = t;
	} else if (t) {
		/* The socket is still open here; libmicrohttpd closes it next. */
		if (!cw_close(&watch, &t->cw) && t->linger && t->cw.fd >= 0)
			linger_add(t->cw.fd);
		free(t);
		*socket_context = NULL;
	}
}

static void log_drops(const char *what, unsigned n, const char *why)
{
	if (n)
		log_info("http: dropped %u connection%s %s%s", n, n == 1 ? "" : "s", what, why);
}

unsigned http_reap(const struct sw_config *cfg)
{
	struct cw_events ev = { { 0 }, 0, 0, NULL };
	struct cw_gauges g;
	unsigned shed = atomic_exchange(&shed_since, 0), refused = atomic_exchange(&refused_since, 0);
	char why[96];

	http_conn_configure(cfg);
	cw_gauges(&watch, &g);
	cw_reap(&watch, clock_ns(), &ev);
	count_events(&ev);
	snprintf(why, sizeof(why), " within %lld s%s", (long long)(g.pressure && cfg->header_timeout >
		CW_PRESSURE_HEADER_S ? CW_PRESSURE_HEADER_S : cfg->header_timeout),
		g.pressure ? " (under pressure)" : "");
	log_drops("that sent no complete request", ev.dropped[CW_OWING], why);
	snprintf(why, sizeof(why), " %lld bytes/s%s", (long long)cfg->min_body_rate,
		 g.pressure ? " (under pressure: half the credit)" : "");
	log_drops("sending a body slower than", ev.dropped[CW_BODY], why);
	log_drops("taking their answer slower than", ev.dropped[CW_SERVING], why);
	snprintf(why, sizeof(why), " after %d s", HTTP_LINGER_S);
	log_drops("still sending a refused body", ev.dropped[CW_DRAIN], why);
	if (shed || refused)
		log_info("http: %u of %lld connections open: shed %u slow or idle to make room, refused %u "
			 "from addresses at http.per_ip_connection_limit", g.total,
			 (long long)cfg->connection_limit, shed, refused);
	cw_gauges(&watch, &g);
	metrics_connections(g.open[CW_OWING], g.open[CW_BODY] + g.open[CW_DRAIN], g.open[CW_SERVING],
			    g.pressure);
	return ev.dropped[CW_OWING];
}
