/*
 * HEAD and POST /submission, GET /formList and GET /forms/{file}: the
 * OpenRosa channel for ODK Collect, KoboCollect and Enketo.
 *
 * A submission is multipart/form-data.  Its body streams through
 * http_submission_upload() into libmicrohttpd's post processor, which
 * keeps only the part named xml_submission_file (at most
 * OPENROSA_MAX_XML bytes); attachments such as photos are read and
 * dropped, never stored.  The instance then takes the JSON path:
 * openrosa_instance_to_report() -> report_validate() -> ingest_reports().
 *
 * Every answer is an OpenRosaResponse document with X-OpenRosa-Version,
 * and never 200: Collect takes a 200 to a submission for a captive portal
 * or a misconfigured server.  An identical replay is 202, which phones
 * count as sent.
 *
 * What a field worker reads on the phone is in the language of the
 * request's Accept-Language (Collect sends the phone's; it never sends
 * ?lang=), else status.default_language.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/forms.h"
#include "core/metrics.h"
#include "core/openrosa.h"
#include "core/report.h"
#include "http/http.h"
#include "store/db.h"
#include "store/ingest.h"
#include "util/i18n.h"
#include "util/log.h"
#include "util/valid.h"

#define OPENROSA_VERSION "1.0"
#define XML_TYPE "text/xml; charset=utf-8"
#define SUBMISSION_PART "xml_submission_file"
#define PP_BUFFER 16384
#define NATURE_OK "submit_success"
#define NATURE_ERR "submit_error"

/* Per-request state of a POST /submission (rq->ext). */
struct submission {
	struct MHD_PostProcessor *pp;
	struct strbuf xml;		/* the xml_submission_file part */
	bool twice;			/* a second xml_submission_file part came */
	bool too_big;			/* the part passed OPENROSA_MAX_XML */
	bool broken;			/* not a multipart body libmicrohttpd can read */
};

static bool has_version_header(struct request *rq)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-OpenRosa-Version") != NULL;
}

/* The language the phone asked for among status.languages. */
static const struct lang *lang_of(struct request *rq)
{
	const char *accept = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT_LANGUAGE);

	if (!rq->cfg || !rq->cfg->nlangs)
		return &i18n_english;
	return rq->cfg->langs[i18n_choose(rq->cfg->langs, rq->cfg->nlangs, NULL, accept)];
}

/* Queues body (released) with the OpenRosa headers. */
static enum MHD_Result reply_xml(struct request *rq, unsigned status, struct strbuf *body,
				 int retry_after)
{
	struct MHD_Response *resp;
	size_t len;
	char *text = sb_detach(body, &len), num[24];

	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return reply_queue(rq, status, NULL);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, XML_TYPE);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-OpenRosa-Version", OPENROSA_VERSION);
	snprintf(num, sizeof(num), "%zu", OPENROSA_MAX_BODY);
	MHD_add_response_header(resp, "X-OpenRosa-Accept-Content-Length", num);
	if (status == 503) {
		snprintf(num, sizeof(num), "%d", retry_after > 0 ? retry_after : 1);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	return reply_queue(rq, status, resp);
}

static enum MHD_Result reply_message(struct request *rq, unsigned status, const char *msg)
{
	struct strbuf b = STRBUF_INIT;

	openrosa_response(&b, status < 300 ? NATURE_OK : NATURE_ERR, msg);
	return reply_xml(rq, status, &b, 0);
}

/* ---- HEAD /submission --------------------------------------------------------- */

enum MHD_Result http_head_submission(struct request *rq)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	char num[24];

	if (resp) {
		snprintf(num, sizeof(num), "%zu", OPENROSA_MAX_BODY);
		MHD_add_response_header(resp, "X-OpenRosa-Version", OPENROSA_VERSION);
		MHD_add_response_header(resp, "X-OpenRosa-Accept-Content-Length", num);
	}
	return reply_queue(rq, 204, resp);
}

/* ---- POST /submission ----------------------------------------------------------- */

/* Keeps the xml_submission_file part; every other part (attachments) is dropped. */
static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct submission *s = cls;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	if (!key || strcmp(key, SUBMISSION_PART) != 0)
		return MHD_YES;
	/* Each part starts again at offset 0. */
	if (off == 0 && s->xml.len > 0)
		s->twice = true;
	if (s->twice || s->too_big)
		return MHD_YES;
	if (size > OPENROSA_MAX_XML - s->xml.len) {
		s->too_big = true;
		sb_release(&s->xml);
		return MHD_YES;
	}
	sb_add(&s->xml, data, size);
	return MHD_YES;
}

bool http_submission_upload(struct request *rq, const char *data, size_t size)
{
	struct submission *s = rq->ext;

	if (!s) {
		s = xcalloc(1, sizeof(*s));
		sb_init(&s->xml);
		rq->ext = s;
		/* Without the OpenRosa header the handler refuses; read, do not parse. */
		if (has_version_header(rq))
			s->pp = MHD_create_post_processor(rq->conn, PP_BUFFER, on_part, s);
		s->broken = !s->pp;
	}
	if (!s->broken && MHD_post_process(s->pp, data, size) != MHD_YES)
		s->broken = true;
	return true;
}

void http_submission_cleanup(struct request *rq)
{
	struct submission *s = rq->ext;

	if (!s)
		return;
	if (s->pp)
		MHD_destroy_post_processor(s->pp);
	sb_release(&s->xml);
	free(s);
	rq->ext = NULL;
}

/* Ends the body: NULL when the part was read, else why not (a 400 message in L). */
static const char *finish_body(struct submission *s, const struct lang *L)
{
	bool clean;

	if (!s || !s->pp)
		return tr(L, "Not stored: the request is not a multipart/form-data body with a boundary.");
	clean = MHD_destroy_post_processor(s->pp) == MHD_YES;
	s->pp = NULL;
	if (s->broken || !clean)
		return tr(L, "Not stored: the multipart/form-data body is malformed or incomplete.");
	if (s->twice)
		return tr(L, "Not stored: the request has more than one xml_submission_file part.");
	if (!s->too_big && s->xml.len == 0)
		return tr(L, "Not stored: the request has no xml_submission_file part, or it is empty.");
	return NULL;
}

static enum MHD_Result reply_invalid(struct request *rq, const json_t *details)
{
	const struct lang *L = lang_of(rq);
	struct strbuf msg = STRBUF_INIT, list = STRBUF_INIT;
	enum MHD_Result ret;

	openrosa_details_message(&list, details, L);
	/* TRANSLATORS: %s lists each answer and what is wrong with it: "trucks: must be >= 0; date: ...". */
	sb_addf(&msg, tr(L, "Not stored. Please correct the form and send it again: %s"), list.buf);
	ret = reply_message(rq, 400, msg.buf);
	sb_release(&list);
	sb_release(&msg);
	return ret;
}

/* Ingest's outcome as the OpenRosa answer (o is released). */
static enum MHD_Result reply_stored(struct request *rq, struct ingest_outcome *o)
{
	const struct lang *L = lang_of(rq);
	struct strbuf b = STRBUF_INIT, msg = STRBUF_INIT, list = STRBUF_INIT;
	unsigned status;
	enum MHD_Result ret;

	metrics_report_counts(enum_index("openrosa", report_channels), &o->count[0][0]);
	switch (o->result) {
	case INGEST_STORED:
		status = 201;
		sb_addstr(&msg, tr(L, "Thank you: report stored."));
		break;
	case INGEST_REPLAY:
		status = 202;
		sb_addstr(&msg, tr(L, "Already received: this report was stored before; nothing changed."));
		break;
	case INGEST_CONFLICT:
		status = 409;
		openrosa_details_message(&list, o->details, L);
		sb_addf(&msg, tr(L, "Not stored: a different form with the same instanceID was received "
				 "before. Do not send it again; tell your coordinator. (%s)"), list.buf);
		break;
	case INGEST_INVALID:
		metrics_report(-1, enum_index("openrosa", report_channels), RESULT_INVALID,
			       o->invalid_reports);
		ret = reply_invalid(rq, o->details);
		ingest_outcome_free(o);
		return ret;
	case INGEST_UNAVAILABLE:
		status = 503;
		sb_addstr(&msg, o->commit_unknown
			? tr(L, "The connection to the database was lost while storing; send the form again: "
			     "it will not be stored twice.")
			: tr(L, "The server cannot store reports right now; nothing was stored. "
			     "Send the form again later."));
		break;
	default:
		status = 500;
		sb_addstr(&msg, tr(L, "The server failed; nothing was stored. Send the form again later."));
	}
	openrosa_response(&b, status < 300 ? NATURE_OK : NATURE_ERR, msg.buf);
	sb_release(&msg);
	sb_release(&list);
	ret = reply_xml(rq, status, &b, o->retry_after);
	ingest_outcome_free(o);
	return ret;
}

struct store_job {
	struct request *rq;
	json_t *canons, *raws;
};

static struct ingest_outcome run_store(PGconn *c, void *arg)
{
	struct store_job *j = arg;

	return ingest_reports(c, &j->rq->org, "openrosa", j->canons, j->raws, j->rq->cfg);
}

/* Validates obj (released) as the JSON path does and stores it. */
static enum MHD_Result store(struct request *rq, json_t *obj)
{
	json_t *errs = json_array(), *canon;
	struct store_job job = { rq, NULL, NULL };
	struct ingest_outcome o;
	enum MHD_Result ret;

	canon = report_validate(obj, 0, rq->cfg, (int64_t)time(NULL), errs);
	if (!canon) {
		metrics_report(-1, enum_index("openrosa", report_channels), RESULT_INVALID, 1);
		ret = reply_invalid(rq, errs);
		json_decref(errs);
		json_decref(obj);
		return ret;
	}
	json_decref(errs);
	job.canons = json_pack("[o]", canon);
	job.raws = json_pack("[o]", obj);
	o = ingest_run(run_store, &job);
	json_decref(job.canons);
	json_decref(job.raws);
	return reply_stored(rq, &o);
}

enum MHD_Result http_post_submission(struct request *rq)
{
	const struct lang *L = lang_of(rq);
	struct submission *s = rq->ext;
	const char *why;
	char err[512];
	json_t *obj;

	if (!has_version_header(rq))
		return reply_message(rq, 400, tr(L, "Not stored: this is an OpenRosa server; "
					     "send the header X-OpenRosa-Version: 1.0."));
	why = finish_body(s, L);
	if (why)
		return reply_message(rq, 400, why);
	if (s->too_big)
		return reply_message(rq, 413, tr(L, "Not stored: the form data (xml_submission_file) "
					     "is larger than 1 MiB."));
	obj = openrosa_instance_to_report(s->xml.buf, s->xml.len, L, err, sizeof(err));
	if (!obj)
		return reply_message(rq, 400, err);
	return store(rq, obj);
}

/* ---- the blank forms (core/forms.h) --------------------------------------------------------- */

enum MHD_Result http_get_form_list(struct request *rq)
{
	const char *host = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *proto = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
	const char *form_id = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "formID");
	struct openrosa_form listed[FORMS_MAX];
	struct strbuf b = STRBUF_INIT;
	struct formset *fs;
	char base[300];
	size_t n = 0;

	if (openrosa_base_url(base, sizeof(base), host, proto) < 0)
		return reply_message(rq, 400, tr(lang_of(rq), "The request needs a Host header naming this server."));
	fs = forms_acquire();
	for (size_t i = 0; fs && i < fs->n; i++)
		if (!form_id || strcmp(form_id, fs->forms[i].info.id) == 0)
			listed[n++] = fs->forms[i].info;
	openrosa_form_list(&b, base, listed, n);
	forms_release(fs);
	return reply_xml(rq, 200, &b, 0);
}

enum MHD_Result http_get_form(struct request *rq)
{
	struct strbuf b = STRBUF_INIT;
	struct formset *fs = forms_acquire();
	const struct form *f = forms_find(fs, rq->capture);

	if (f)
		sb_add(&b, f->xml, f->len);
	forms_release(fs);
	if (!f)
		return reply_message(rq, 404, tr(lang_of(rq), "No such form."));
	return reply_xml(rq, 200, &b, 0);
}
