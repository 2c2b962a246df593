/*
 * openrosa: the XML side of the OpenRosa channel (ODK Collect, KoboCollect,
 * Enketo).  Pure: no I/O, no clock.  http_openrosa.c reads the request and
 * the forms directory and hands the bytes over.
 *
 * Security: documents are parsed by libxml2 with network access off and
 * entity substitution off, and a document that carries a DOCTYPE is
 * refused the moment the parser meets it, before any internal subset is
 * read.  Without a DTD there are no entity declarations, so neither an
 * external entity (XXE) nor entity expansion (billion laughs) can happen.
 */
#ifndef SW_OPENROSA_H
#define SW_OPENROSA_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/i18n.h"
#include "util/strbuf.h"

/* The largest instance or form document parsed (bytes). */
#define OPENROSA_MAX_XML (1024 * 1024)

/*
 * Parses a form or an instance as described above: NULL with the reason in
 * err when it is not well-formed, carries a DOCTYPE or passes
 * OPENROSA_MAX_XML.  Free the document with xmlFreeDoc().
 */
xmlDocPtr openrosa_parse(const char *xml, size_t len, char *err, size_t errlen);

/*
 * Maps a submitted instance to the report object a JSON client would send
 * (a new reference): "kind" from the root's id attribute, one member per
 * element named like a report field, report_id from meta/instanceID and
 * supersedes from meta/deprecatedID.  Values are not validated here: the
 * caller runs report_validate() on the result, the one validation path.
 * Returns NULL with the whole message for the field worker, in L ("Not
 * stored: ..."), in err when the document is not well-formed XML, has a
 * DOCTYPE, is not one of our forms, or has no instanceID.
 */
json_t *openrosa_instance_to_report(const char *xml, size_t len, const struct lang *L,
				    char *err, size_t errlen);

/*
 * Appends an OpenRosaResponse document with one message.  nature is
 * "submit_success" or "submit_error"; message is escaped.
 */
void openrosa_response(struct strbuf *out, const char *nature, const char *message);

/*
 * Appends the validation details (as made by report_validate and
 * ingest_reports: [{"index", "field", "reason"}]) as one sentence a field
 * worker can act on: "trucks: must be >= 0; date: is in the future".
 * Field names stay as the form names them; each reason is looked up in L.
 */
void openrosa_details_message(struct strbuf *out, const json_t *details, const struct lang *L);

/* A form file found in the forms directory, as the form list shows it. */
struct openrosa_form {
	char file[64];		/* the file name, see openrosa_form_file_ok() */
	char *id;		/* the instance root's id attribute (owned) */
	char *name;		/* h:title, or the id when the form has none (owned) */
	char *version;		/* the instance root's version attribute, or NULL (owned) */
	char md5[33];		/* lower-case hex MD5 of the file's bytes */
};

/* A file name the forms directory may serve: [a-z0-9_]+\.xml, at most 63 bytes. */
bool openrosa_form_file_ok(const char *file);

/*
 * Reads what the form list needs from a form document.  Returns 0, or -1
 * with a reason in err (the form is then left out of the list).  Release
 * with openrosa_form_free().
 */
int openrosa_form_info(const char *file, const char *xml, size_t len,
		       struct openrosa_form *out, char *err, size_t errlen);
void openrosa_form_free(struct openrosa_form *f);

/*
 * "http://HOST" from the Host header, or "https://HOST" when a TLS proxy
 * says X-Forwarded-Proto: https.  Returns -1 when the host is missing or
 * is not a plain host[:port] (it ends up in URLs the phone follows).
 */
int openrosa_base_url(char *out, size_t n, const char *host, const char *forwarded_proto);

/* Appends the OpenRosa form list (xformsList) naming base/forms/FILE for each form. */
void openrosa_form_list(struct strbuf *out, const char *base, const struct openrosa_form *forms,
			size_t n);

/* MD5 (RFC 1321) as lower-case hex: the form list's hash, not a security measure. */
void openrosa_md5_hex(const void *data, size_t len, char out[33]);

#endif
