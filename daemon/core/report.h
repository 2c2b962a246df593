/*
 * report: the four report kinds, their fields, and their validation.
 *
 * Validation is pure (no I/O): a JSON object in, a canonical JSON object
 * out, or a list of {"index", "field", "reason"} details.  The canonical
 * object holds the normalised values (UUIDs lower case, timestamps in UTC,
 * defaults applied); its SHA-256 is the content identity that tells an
 * identical replay from a conflicting one, whatever channel it came by.
 */
#ifndef SW_REPORT_H
#define SW_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/stage.h"

/*
 * How JSON leaves the daemon: compact, and numbers with 15 significant digits,
 * so a reported 12.3 tonnes stays 12.3 (not 12.300000000000001) in responses,
 * payloads and the database.  (Content hashes keep jansson's exact default.)
 */
#define SW_JSON (JSON_COMPACT | JSON_REAL_PRECISION(15))

enum report_kind { KIND_TRUCKS, KIND_SHORTAGE, KIND_DISRUPTION, KIND_ACCESS, KIND_MOVEMENT, KIND_COUNT };

extern const char *const report_kinds[];	/* "trucks", ... NULL */
extern const char *const report_channels[];	/* "json", "csv", "openrosa", "cli", NULL */
extern const char *const report_severities[];	/* "none" .. "critical", NULL */
extern const char *const report_services[];	/* "gas", "electricity", ..., NULL */
extern const char *const report_cargos[];	/* "food", ..., "other", NULL */
extern const char *const report_consignors[];	/* "un", "ngo", ..., NULL */
extern const char *const report_outcomes[];	/* movement outcomes, NULL-terminated */
#define NSEVERITIES 5
#define NCARGOS 10
#define NOUTCOMES 5
#define NSERVICES 10

/* The SQL parameter names of a kind, in statement order (after the common ones). */
struct kind_spec {
	const char *name;
	const char *const *params;	/* canonical field names; "@timezone" = corridor tz */
};
extern const struct kind_spec kind_specs[KIND_COUNT];

/*
 * Validates one report object, the index-th of its request.  Appends a
 * detail to errs for every bad field.  Returns the canonical object (a new
 * reference) or NULL when anything was wrong.  now is the current time
 * (seconds since the epoch) for the "not in the future" checks.
 */
json_t *report_validate(const json_t *obj, size_t index, const struct sw_config *cfg,
			int64_t now, json_t *errs);

/*
 * Parses a submission body (one report object or {"reports": [...]}).
 * Returns 0 with *canon (array of canonical objects) and *raw (array of
 * the submitted objects) set; -1 when the body is not JSON or not a
 * report-shaped value (errmsg says why: a 400); -2 when it is invalid
 * (details appended to errs: a 422).
 */
int report_parse_body(const char *body, size_t len, const struct sw_config *cfg,
		      int64_t now, json_t **canon, json_t **raw, json_t *errs,
		      char *errmsg, size_t errlen);

/* How many distinct reports (indexes) the details of errs are about. */
unsigned report_errors_reports(const json_t *errs);
/* Appends {"index": i, "field": f, "reason": r} to errs. */
void report_error(json_t *errs, size_t index, const char *field, const char *reason);

enum report_kind report_kind_of(const json_t *canon);
/*
 * The field called name in some kind (or "kind"), as a string that lives as
 * long as the program; NULL when no kind has it.  For channels that map
 * columns or elements to fields.
 */
const char *report_field_name(const char *name);
/*
 * A text answer (a CSV cell, an XForm element) as the JSON value a client
 * would send: a number for numeric fields when it is one, else the text, so
 * every channel is validated, and fails, the same way.
 */
json_t *report_value_of_text(const char *name, const char *text);
/* Free text (note, item, location...): its spaces are the reporter's. */
bool report_field_is_text(const char *name);
/* A canonical field as SQL text parameter; NULL when absent.  buf holds numbers. */
const char *report_param(const json_t *canon, const char *field, char *buf, size_t n);
/* SHA-256 of the canonical object's sorted compact serialisation. */
void report_hash(const json_t *canon, unsigned char out[32]);

#endif
