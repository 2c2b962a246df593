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

#include "core/metrics.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

enum deadline_kind { DL_NONE, DL_HEADER, DL_DRAIN };

/*
 * Every connection is tracked from open to close.  An entry is unlinked
 * before libmicrohttpd closes the fd, under the same lock, so a shutdown
 * never reaches a reused descriptor.
 */
struct conn_track {
	int fd;
	enum deadline_kind kind;
	int64_t deadline_ns;
	bool linger;
	struct conn_track *prev, *next;
};

static pthread_mutex_t track_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_track tracked = { -1, DL_NONE, 0, false, &tracked, &tracked };
static atomic_int header_timeout_s = 10;

void http_conn_configure(const struct sw_config *cfg)
{
	atomic_store(&header_timeout_s, (int)cfg->header_timeout);
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void set_deadline(struct MHD_Connection *conn, enum deadline_kind kind, int64_t after_s)
{
	struct conn_track *t = track_of(conn);

	if (!t)
		return;
	pthread_mutex_lock(&track_lock);
	t->kind = kind;
	t->deadline_ns = kind == DL_NONE ? 0 : clock_ns() + after_s * 1000000000;
	pthread_mutex_unlock(&track_lock);
}

void http_conn_busy(struct MHD_Connection *conn)
{
	set_deadline(conn, DL_NONE, 0);
}

void http_conn_idle(struct MHD_Connection *conn)
{
	set_deadline(conn, DL_HEADER, atomic_load(&header_timeout_s));
}

void http_conn_drain(struct MHD_Connection *conn)
{
	set_deadline(conn, DL_DRAIN, HTTP_LINGER_S);
}

void http_conn_linger(struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	if (!t)
		return;
	pthread_mutex_lock(&track_lock);
	t->linger = true;
	t->kind = DL_DRAIN;	/* sending the answer is bounded too */
	t->deadline_ns = clock_ns() + (int64_t)HTTP_LINGER_S * 1000000000;
	pthread_mutex_unlock(&track_lock);
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
}

/* ---- tracking and reaping --------------------------------------------------------- */

void http_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode code)
{
	struct conn_track *t = *socket_context;
	const union MHD_ConnectionInfo *ci;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = xcalloc(1, sizeof(*t));
		t->fd = ci ? ci->connect_fd : -1;
		t->kind = DL_HEADER;
		t->deadline_ns = clock_ns() + (int64_t)atomic_load(&header_timeout_s) * 1000000000;
		pthread_mutex_lock(&track_lock);
		t->next = &tracked;
		t->prev = tracked.prev;
		tracked.prev->next = t;
		tracked.prev = t;
		pthread_mutex_unlock(&track_lock);
		*socket_context = t;
	} else if (t) {
		pthread_mutex_lock(&track_lock);
		t->prev->next = t->next;
		t->next->prev = t->prev;
		pthread_mutex_unlock(&track_lock);
		/* The socket is still open here; libmicrohttpd closes it next. */
		if (t->linger && t->fd >= 0)
			linger_add(t->fd);
		free(t);
		*socket_context = NULL;
	}
}

unsigned http_reap(const struct sw_config *cfg)
{
	int64_t now = clock_ns();
	unsigned headers = 0, drains = 0;

	http_conn_configure(cfg);
	pthread_mutex_lock(&track_lock);
	for (struct conn_track *t = tracked.next; t != &tracked; t = t->next) {
		if (t->kind == DL_NONE || now <= t->deadline_ns || t->fd < 0)
			continue;
		shutdown(t->fd, SHUT_RDWR);
		if (t->kind == DL_HEADER)
			headers++;
		else
			drains++;
		t->kind = DL_NONE;
		t->linger = false;
	}
	pthread_mutex_unlock(&track_lock);
	if (headers) {
		metrics_slow_clients(headers);
		log_info("http: dropped %u connection%s that sent no complete request within %lld s",
			 headers, headers == 1 ? "" : "s", (long long)cfg->header_timeout);
	}
	if (drains)
		log_info("http: dropped %u connection%s still sending a refused body after %d s",
			 drains, drains == 1 ? "" : "s", HTTP_LINGER_S);
	return headers;
}
