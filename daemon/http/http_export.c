/*
 * GET /api/v1/reports.csv?kind=&corridor=&from=&to=: the CSV export
 * (store/export.h), made off libmicrohttpd's threads.
 *
 * An export can read 100,000 rows; run on a worker thread, it would hold
 * that thread, and every connection the thread serves, ingest included,
 * for as long as the database takes.  So the request is queued for the
 * export thread, which has its own database session, and its connection
 * is suspended meanwhile.  The thread writes the file to an unlinked
 * temporary file as the rows arrive (memory stays flat) and resumes the
 * connection, which then sends the file with sendfile, with its length.
 * At most EXPORT_ACTIVE exports are in hand at once (503 beyond), and
 * without a token one address may have only http.anonymous_db_per_ip
 * (429 beyond).  A HEAD costs no database work.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "store/db.h"
#include "store/export.h"
#include "util/log.h"
#include "util/valid.h"

#define EXPORT_ACTIVE 16	/* exports queued, running or being sent */
#define CSV_TYPE "text/csv; charset=utf-8"

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct job {
	struct export_query q;
	struct MHD_Connection *conn;
	bool suspended;			/* its connection waits for the thread */
	int refs;			/* the request's and the queue's */
	enum job_state state;
	enum export_status status;
	int fd;				/* the file, once made */
	int64_t size;
	struct job *next;		/* in the queue */
};

/* Everything here is guarded by lock. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_t thread;
	bool started, stopping;
	struct job *head, *tail;
	int active;
	PGcancel *running;		/* cancels the export in progress, at shutdown */
} ex = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false, false, NULL, NULL, 0, NULL };

/* ---- the export thread ------------------------------------------------------------ */

/* An unlinked file for the export: in $TMPDIR, else /tmp (private under systemd). */
static int spool(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		log_err("export: cannot make a temporary file in %s: %s", dir && *dir ? dir : "/tmp",
			strerror(errno));
	return fd;
}

static void job_release(struct job *j)
{
	if (--j->refs > 0)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

/* The job is decided: its connection goes on.  Called under the lock. */
static void settle(struct job *j)
{
	j->state = JOB_DONE;
	if (j->suspended) {
		j->suspended = false;
		MHD_resume_connection(j->conn);
	}
	job_release(j);		/* the queue's reference */
}

static void run(struct job *j)
{
	PGconn *c = db_conn();
	int fd = c ? spool() : -1;
	enum export_status st = !c ? EXPORT_UNAVAILABLE : fd < 0 ? EXPORT_FAILED : EXPORT_OK;
	int64_t size = 0;

	if (st == EXPORT_OK) {
		pthread_mutex_lock(&ex.lock);
		ex.running = PQgetCancel(c);
		pthread_mutex_unlock(&ex.lock);
		st = export_run(c, &j->q, EXPORT_MAX_ROWS, fd, &size);
		pthread_mutex_lock(&ex.lock);
		PQfreeCancel(ex.running);
		ex.running = NULL;
		pthread_mutex_unlock(&ex.lock);
	}
	if (st != EXPORT_OK && fd >= 0) {
		close(fd);
		fd = -1;
	}
	pthread_mutex_lock(&ex.lock);
	j->status = st;
	j->fd = fd;
	j->size = size;
	settle(j);
	pthread_mutex_unlock(&ex.lock);
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ex.lock);
	while (!ex.stopping) {
		struct job *j = ex.head;

		if (!j) {
			pthread_cond_wait(&ex.work, &ex.lock);
			continue;
		}
		ex.head = j->next;
		if (!ex.head)
			ex.tail = NULL;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&ex.lock);
		run(j);
		pthread_mutex_lock(&ex.lock);
	}
	pthread_mutex_unlock(&ex.lock);
	db_conn_close();
	return NULL;
}

/* Called under the lock. */
static bool start(void)
{
	if (ex.started)
		return true;
	if (pthread_create(&ex.thread, NULL, worker, NULL) != 0) {
		log_err("export: cannot start the export thread");
		return false;
	}
	ex.started = true;
	return true;
}

void http_export_stop(void)
{
	char err[256];

	pthread_mutex_lock(&ex.lock);
	ex.stopping = true;
	/* The export in progress ends now (its client gets 503), not at its statement timeout. */
	if (ex.running)
		PQcancel(ex.running, err, sizeof(err));
	/* Queued exports will not run: their connections go on to a 503. */
	while (ex.head) {
		struct job *j = ex.head;

		ex.head = j->next;
		j->status = EXPORT_UNAVAILABLE;
		settle(j);
	}
	ex.tail = NULL;
	pthread_cond_broadcast(&ex.work);
	pthread_mutex_unlock(&ex.lock);
	if (ex.started)
		pthread_join(ex.thread, NULL);
	ex.started = false;
}

/* ---- the route --------------------------------------------------------------------- */

static bool date_param(struct request *rq, const char *name, char *out, size_t n, bool *bad)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);

	if (!v)
		return false;
	if (!valid_date(v, NULL))
		*bad = true;
	else
		snprintf(out, n, "%s", v);
	return true;
}

/* The query from the arguments, or the 400/404 queued. */
static bool parse_query(struct request *rq, struct export_query *q, enum MHD_Result *ret)
{
	const char *kind = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "kind");
	const char *corridor = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "corridor");
	int k = kind ? enum_index(kind, report_kinds) : -1;
	bool bad = false;

	memset(q, 0, sizeof(*q));
	if (k < 0) {
		*ret = reply_error(rq, 400, "kind is required: trucks, shortage, disruption, access or movement");
		return false;
	}
	if (corridor && !config_corridor(rq->cfg, corridor)) {
		*ret = reply_error(rq, 404, "no such corridor is configured");
		return false;
	}
	q->kind = (enum report_kind)k;
	q->embargo_hours = rq->cfg->embargo_hours;
	q->now = (int64_t)time(NULL);
	if (corridor)
		snprintf(q->corridor, sizeof(q->corridor), "%s", corridor);
	date_param(rq, "from", q->from, sizeof(q->from), &bad);
	date_param(rq, "to", q->to, sizeof(q->to), &bad);
	if (bad)
		*ret = reply_error(rq, 400, "from and to must be dates as YYYY-MM-DD");
	return !bad;
}

static void csv_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CSV_TYPE);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

/* HEAD: the headers a GET would send, without asking the database anything. */
static enum MHD_Result head(struct request *rq)
{
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, no_body,
								   NULL, NULL);

	if (r)
		csv_headers(r);
	return reply_queue(rq, 200, r);
}

/* Queues the export and suspends the connection until it is decided. */
static enum MHD_Result submit(struct request *rq, const struct export_query *q)
{
	struct job *j;

	pthread_mutex_lock(&ex.lock);
	if (ex.stopping || ex.active >= EXPORT_ACTIVE || !start()) {
		pthread_mutex_unlock(&ex.lock);
		return reply_json_retry(rq, 503, json_pack("{s:s}", "error",
			"too many exports in progress; retry after Retry-After seconds"), 1);
	}
	j = xcalloc(1, sizeof(*j));
	j->q = *q;
	j->conn = rq->conn;
	j->refs = 2;
	j->fd = -1;
	if (ex.tail)
		ex.tail->next = j;
	else
		ex.head = j;
	ex.tail = j;
	ex.active++;
	rq->ext = j;
	/* Under the lock: the thread cannot resume the connection before it is suspended. */
	MHD_suspend_connection(rq->conn);
	j->suspended = true;
	pthread_cond_signal(&ex.work);
	pthread_mutex_unlock(&ex.lock);
	return MHD_YES;
}

/* Back from the export thread: the file, or why not. */
static enum MHD_Result answer(struct request *rq, struct job *j)
{
	struct MHD_Response *r;
	int fd;

	switch (j->status) {
	case EXPORT_OK:
		break;
	case EXPORT_TOO_MANY:
		return reply_error(rq, 413, "more than 100000 reports: narrow the export with corridor, from and to");
	case EXPORT_UNAVAILABLE:
		return reply_json_retry(rq, 503, json_pack("{s:s}", "error",
			"database unavailable; retry later"), db_retry_after());
	default:
		return reply_error(rq, 500, "internal error");
	}
	pthread_mutex_lock(&ex.lock);
	fd = j->fd;
	j->fd = -1;		/* the response closes it */
	pthread_mutex_unlock(&ex.lock);
	r = MHD_create_response_from_fd((uint64_t)j->size, fd);
	if (!r)
		close(fd);
	else
		csv_headers(r);
	return reply_queue(rq, 200, r);
}

enum MHD_Result http_get_reports_csv(struct request *rq)
{
	struct export_query q;
	enum MHD_Result ret = MHD_NO;

	if (rq->ext)
		return answer(rq, rq->ext);
	if (!parse_query(rq, &q, &ret))
		return ret;
	if (rq->head)
		return head(rq);
	return submit(rq, &q);
}

void http_export_cleanup(struct request *rq)
{
	struct job *j = rq->ext;

	if (!j)
		return;
	pthread_mutex_lock(&ex.lock);
	ex.active--;
	job_release(j);
	pthread_mutex_unlock(&ex.lock);
	rq->ext = NULL;
}
