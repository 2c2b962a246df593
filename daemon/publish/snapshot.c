#include "publish/snapshot.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "util/clock.h"

#define TYPE_JSON "application/json"
#define TYPE_HTML "text/html; charset=utf-8"
#define TYPE_ATOM "application/atom+xml"

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
static int64_t db_changed_at;		/* guarded by snap_lock */

void (*snapshot_published)(uint64_t seq);

struct snapshot *snapshot_new(struct sw_config *cfg, int64_t generated_at,
			      struct corridor_data **data, size_t n)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));

	atomic_init(&s->refs, 1);
	s->cfg = cfg;
	s->generated_at = generated_at;
	s->data = data;
	s->n = n;
	s->evals = xcalloc(n ? n : 1, sizeof(*s->evals));
	return s;
}

int snapshot_corridor(const struct snapshot *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->data[i]->c->id, id) == 0)
			return (int)i;
	return -1;
}

/*
 * b's Last-Modified against its predecessor old: unchanged bytes keep
 * old's; changed ones never get old's or an earlier one (two builds can
 * fall in the same second).
 */
static void carry_last_modified(struct blob *b, const struct blob *old)
{
	if (!old || !old->body)
		return;
	if (strcmp(b->etag, old->etag) == 0)
		b->last_modified = old->last_modified;
	else if (b->last_modified <= old->last_modified)
		b->last_modified = old->last_modified + 1;
}

const struct blob *snapshot_home(const struct snapshot *s, int down, size_t l)
{
	return &s->home_html[down][l];
}

const struct blob *snapshot_page(const struct snapshot *s, int down, size_t l, size_t corridor)
{
	return &s->corridor_html[down][l * s->n + corridor];
}

const struct blob *snapshot_feed(const struct snapshot *s, int down, size_t l)
{
	return &s->feed[down][l];
}

/* prev's language of code, or -1 (a reload can add or drop languages). */
static int old_lang(const struct snapshot *prev, const char *code)
{
	return prev ? config_lang(prev->cfg, code) : -1;
}

/* The blob of what t holds (t is emptied for the next, its buffer kept). */
static void blob_of(struct blob *b, const char *type, struct strbuf *t, int64_t at)
{
	blob_make(b, type, t->buf, t->len, at, true);
	sb_reset(t);
}

static void json_blob(struct blob *b, json_t *j, struct strbuf *t, int64_t at)
{
	char *text = json_dumps(j, SW_JSON);

	json_decref(j);
	/* json_dumps refuses only invalid UTF-8, which validation keeps out. */
	sb_addstr(t, text ? text : "{}");
	sb_addch(t, '\n');
	free(text);
	blob_of(b, TYPE_JSON, t, at);
}

/* A page or feed in language L: tagged with it, its Last-Modified carried from old. */
static void lang_blob(struct snapshot *s, struct blob *b, const char *type, struct strbuf *t,
		      const struct lang *L, const struct blob *old)
{
	blob_of(b, type, t, s->generated_at);
	b->lang = L->code;
	b->vary_lang = s->cfg->nlangs > 1;
	carry_last_modified(b, old);
}

static void render_language(struct snapshot *s, const struct snapshot *prev, int down, size_t l,
			    struct strbuf *t)
{
	const struct lang *L = s->cfg->langs[l];
	int64_t at = s->generated_at;
	int ol = old_lang(prev, L->code);
	const struct timeline **tl = xcalloc(s->n ? s->n : 1, sizeof(*tl));

	render_html(t, s->cfg, L, s->evals, s->n, at, !down);
	lang_blob(s, &s->home_html[down][l], TYPE_HTML, t, L,
		  ol >= 0 ? snapshot_home(prev, down, (size_t)ol) : NULL);
	for (size_t i = 0; i < s->n; i++) {
		int oi = ol >= 0 ? snapshot_corridor(prev, s->data[i]->c->id) : -1;

		render_corridor_html(t, s->cfg, L, &s->evals[i], &s->timelines[i]->t, NULL, at, !down);
		lang_blob(s, &s->corridor_html[down][l * s->n + i], TYPE_HTML, t, L,
			  oi >= 0 ? snapshot_page(prev, down, (size_t)ol, (size_t)oi) : NULL);
	}
	for (size_t i = 0; i < s->n; i++)
		tl[i] = &s->timelines[i]->t;
	render_feed(t, s->cfg, L, s->evals, tl, s->n, s->heads, s->nheads, at, !down);
	free(tl);
	lang_blob(s, &s->feed[down][l], TYPE_ATOM, t, L,
		  ol >= 0 ? snapshot_feed(prev, down, (size_t)ol) : NULL);
}

static void render_variant(struct snapshot *s, const struct snapshot *prev, int down,
			   struct strbuf *t)
{
	int64_t at = s->generated_at;

	json_blob(&s->status_json[down],
		  render_status_json(s->cfg, s->evals, s->n, -1, at, !down), t, at);
	carry_last_modified(&s->status_json[down], prev ? &prev->status_json[down] : NULL);
	s->home_html[down] = xcalloc(s->nlangs, sizeof(*s->home_html[down]));
	s->feed[down] = xcalloc(s->nlangs, sizeof(*s->feed[down]));
	s->corridor_html[down] = xcalloc(s->nlangs * (s->n ? s->n : 1), sizeof(*s->corridor_html[down]));
	for (size_t l = 0; l < s->nlangs; l++)
		render_language(s, prev, down, l, t);
}

static size_t blob_bytes(const struct blob *b)
{
	return b->len;
}

/* What each language's pages and feeds hold, both variants: the cost of serving it. */
static void count_lang_bytes(struct snapshot *s, struct strbuf *t)
{
	s->lang_bytes = xcalloc(s->nlangs, sizeof(*s->lang_bytes));
	for (int down = 0; down < 2; down++)
		for (size_t l = 0; l < s->nlangs; l++) {
			s->lang_bytes[l] += blob_bytes(&s->home_html[down][l]) +
					    blob_bytes(&s->feed[down][l]);
			for (size_t i = 0; i < s->n; i++)
				s->lang_bytes[l] += blob_bytes(&s->corridor_html[down][l * s->n + i]);
		}
	sb_addstr(t, "# HELP supplywatch_snapshot_language_bytes Bytes of the pre-rendered pages and "
		  "feeds of each served language (status.languages); their gzipped twins, made on "
		  "first request, come on top.\n"
		  "# TYPE supplywatch_snapshot_language_bytes gauge\n");
	for (size_t l = 0; l < s->nlangs; l++)
		sb_addf(t, "supplywatch_snapshot_language_bytes{language=\"%s\"} %zu\n",
			s->cfg->langs[l]->code, s->lang_bytes[l]);
}

static void timeline_release(struct shared_timeline *st)
{
	if (st && atomic_fetch_sub_explicit(&st->refs, 1, memory_order_acq_rel) == 1) {
		timeline_free(&st->t);
		free(st);
	}
}

/*
 * Corridor i's timeline: prev's when it was made from the same data as of
 * the same day (a corridor whose reports did not change), else a new one.
 */
static struct shared_timeline *timeline_for(const struct snapshot *s, const struct snapshot *prev,
					    size_t i)
{
	const struct corridor_eval *e = &s->evals[i];
	int j = prev && prev->timelines ? snapshot_corridor(prev, s->data[i]->c->id) : -1;
	struct shared_timeline *st;

	if (j >= 0 && e->shared && prev->timelines[j]->data == e->data) {
		st = prev->timelines[j];
		atomic_fetch_add_explicit(&st->refs, 1, memory_order_relaxed);
		return st;
	}
	st = xcalloc(1, sizeof(*st));
	atomic_init(&st->refs, 1);
	st->data = e->shared ? e->data : NULL;
	timeline_build(e, &st->t);
	return st;
}

void snapshot_render(struct snapshot *s, const struct snapshot *prev)
{
	struct strbuf t = STRBUF_INIT;
	int64_t t0 = clock_ms();
	unsigned k = 0;

	s->nlangs = s->cfg->nlangs ? s->cfg->nlangs : 1;
	s->timelines = xcalloc(s->n ? s->n : 1, sizeof(*s->timelines));
	for (size_t i = 0; i < s->n; i++)
		s->timelines[i] = timeline_for(s, prev, i);
	for (int down = 0; down < 2; down++)
		render_variant(s, prev, down, &t);
	for (int down = 0; down < 2; down++) {
		s->status_json[down].slot = k++;
		for (size_t l = 0; l < s->nlangs; l++) {
			s->home_html[down][l].slot = k++;
			s->feed[down][l].slot = k++;
			for (size_t i = 0; i < s->n; i++)
				s->corridor_html[down][l * s->n + i].slot = k++;
		}
	}
	s->nblobs = k;
	render_metric_gauges(&t, s->evals, s->n);
	count_lang_bytes(s, &t);
	s->metrics_gauges = xstrdup(t.buf);
	sb_release(&t);
	s->render_ms = clock_ms() - t0;
}

static void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		eval_free(&s->evals[i]);		/* zeroed when never evaluated */
		if (s->timelines)
			timeline_release(s->timelines[i]);
		corridor_data_release(s->data[i]);
	}
	for (int down = 0; down < 2; down++) {
		for (size_t l = 0; s->corridor_html[down] && l < s->nlangs; l++) {
			for (size_t i = 0; i < s->n; i++)
				blob_free(&s->corridor_html[down][l * s->n + i]);
			blob_free(&s->home_html[down][l]);
			blob_free(&s->feed[down][l]);
		}
		free(s->corridor_html[down]);
		free(s->home_html[down]);
		free(s->feed[down]);
		blob_free(&s->status_json[down]);
	}
	free(s->lang_bytes);
	free(s->metrics_gauges);
	free(s->org_last);
	ledger_signed_free(s->heads, s->nheads);
	free(s->evals);
	free(s->timelines);
	free(s->data);
	config_release(s->cfg);
	free(s);
}

static int64_t latest(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The latest Last-Modified among s's blobs. */
static int64_t newest_blob(const struct snapshot *s)
{
	int64_t t = 0;

	for (int down = 0; s && down < 2; down++) {
		t = latest(t, s->status_json[down].last_modified);
		for (size_t l = 0; s->home_html[down] && l < s->nlangs; l++) {
			t = latest(t, s->home_html[down][l].last_modified);
			t = latest(t, s->feed[down][l].last_modified);
			for (size_t i = 0; i < s->n; i++)
				t = latest(t, s->corridor_html[down][l * s->n + i].last_modified);
		}
	}
	return t;
}

void snapshot_db_changed(int64_t now)
{
	pthread_mutex_lock(&snap_lock);
	db_changed_at = latest(now, latest(newest_blob(current), db_changed_at) + 1);
	pthread_mutex_unlock(&snap_lock);
}

int64_t snapshot_db_changed_at(void)
{
	int64_t t;

	pthread_mutex_lock(&snap_lock);
	t = db_changed_at;
	pthread_mutex_unlock(&snap_lock);
	return t;
}

/* The lock guards which snapshot is current; references are atomic. */
struct snapshot *snapshot_acquire(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&snap_lock);
	s = current;
	if (s)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&snap_lock);
	return s;
}

struct snapshot *snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void snapshot_release(struct snapshot *s)
{
	if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		snapshot_free(s);
}

void snapshot_publish(struct snapshot *s)
{
	static uint64_t published;
	struct snapshot *old;
	uint64_t seq;

	pthread_mutex_lock(&snap_lock);
	old = current;
	current = s;
	seq = ++published;
	if (s)
		s->seq = seq;
	pthread_mutex_unlock(&snap_lock);
	if (snapshot_published)
		snapshot_published(seq);
	snapshot_release(old);
}
