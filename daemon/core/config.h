/*
 * config: the configuration file (libconfig), its schema and validation.
 *
 * The schema is the key table in config.c: one row per setting with its
 * type, bounds and default.  Unknown keys are errors.  Every error names
 * "file:line: setting: reason".  A loaded sw_config owns all its strings
 * (copied out of libconfig) and is immutable; the daemon shares it between
 * threads by reference count (config_ref/config_unref).
 */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/i18n.h"
#include "util/strbuf.h"

enum reconcile { RECONCILE_MAX, RECONCILE_SUM };
/* Which reports the public surfaces count: every current one, or those a reviewer published. */
enum publish { PUBLISH_ON_RECEIPT, PUBLISH_AFTER_REVIEW };

/* A name in other languages than the configured one: names = { ar = "..."; } */
struct sw_name {
	char code[I18N_CODE_MAX];
	char *text;
};
struct sw_names {
	struct sw_name *v;
	size_t n;
};

#define SW_LANGUAGES_MAX 16

struct sw_corridor {
	char *id;
	char *name;
	int64_t baseline_trucks_per_day;
	double baseline_tonnes_per_day;	/* 0 = not configured */
	int64_t population;		/* 0 = not configured */
	int64_t blocked_below_pct;
	int64_t restricted_below_pct;
	int64_t max_gap_days;
	int64_t reopen_after_days;
	int reconcile;			/* enum reconcile */
	char *timezone;			/* never NULL: status.timezone if unset */
	char **crossings;
	size_t ncrossings;
	struct sw_names names;		/* the corridor's name per language */
	struct sw_names *crossing_names;	/* per crossing, parallel to crossings */
	int headline_stage;		/* enum stage: the series the indicators rest on */
	int publish;			/* enum publish */
	int64_t corroboration_pct;	/* two sources within this of the larger agree */
};

struct sw_config {
	char *path;
	/* listen */
	char *listen_address;
	int64_t listen_port;
	/* http */
	int64_t max_body_bytes;
	int64_t connection_timeout;
	int64_t header_timeout;		/* seconds to send a request's whole header block */
	int64_t connection_limit;
	int64_t per_ip_connection_limit;	/* counts stalled connections only until someone needs the room */
	int64_t min_body_rate;		/* bytes a second a body must keep up; 0 = any */
	int64_t body_grace;		/* seconds of credit a body starts with (and may bank) */
	int64_t uploads_per_token;	/* bodies arriving at once under one token */
	int64_t connection_memory_limit;
	int64_t rate_limit_per_minute;	/* per token; 0 = off */
	int64_t rate_limit_burst;
	int64_t anonymous_db_per_ip;	/* database-backed requests without a token, per address */
	/* database */
	char *conninfo;
	int64_t pool_size;
	int64_t statement_timeout_ms;
	/* status */
	char *title;
	char *timezone;
	bool is_public;
	int64_t stale_after_hours;
	int64_t silent_after_hours;	/* an organisation quiet this long is "silent" */
	char *default_language;
	char *locale_dir;		/* "" = i18n_default_dir() */
	struct lang **langs;		/* status.languages, catalogues loaded; [0] the default */
	size_t nlangs;
	/* auth */
	char *pepper_file;
	/* log */
	char *log_level;
	/* openrosa */
	char *forms_dir;		/* "" = the forms built into the program */
	/* movements */
	int64_t embargo_hours;		/* a movement's places and date stay off public surfaces */
	/* webhooks */
	bool webhooks_enabled;		/* this daemon may decide and deliver (one at a time does) */
	bool webhooks_allow_private;	/* private, loopback and link-local targets allowed */
	int64_t webhooks_timeout_s;	/* one delivery attempt, whole */
	int64_t webhooks_retry_initial_s;	/* the first retry's delay; doubles, at most a day */
	int64_t webhooks_keep_days;	/* delivered (or abandoned) outbox rows kept this long */
	/* ledger */
	bool ledger_enabled;		/* this daemon may sequence and sign (one at a time does) */
	char *ledger_key_file;
	char *ledger_origin;		/* "" = "<host name>/supplywatch" when the log starts */
	int64_t ledger_sign_every_s;	/* a head at most this often, when the tree grew; 0 = each batch */

	struct sw_corridor *corridors;
	size_t ncorridors;

	int refs;			/* guarded by the owner's lock */
};

#define SW_DEFAULT_CONFIG SYSCONFDIR "/supplywatch/supplywatch.conf"

/*
 * Loads and validates path.  On success returns a config with refs = 1.
 * On failure returns NULL and appends one "file:line: setting: reason"
 * line per problem to err.
 */
struct sw_config *config_load(const char *path, struct strbuf *err);
void config_free(struct sw_config *cfg);

const struct sw_corridor *config_corridor(const struct sw_config *cfg, const char *id);
bool corridor_has_crossing(const struct sw_corridor *c, const char *crossing);
/* The language of code among status.languages, or -1. */
int config_lang(const struct sw_config *cfg, const char *code);
/* A corridor's or crossing's name in L, else the configured name. */
const char *corridor_name(const struct sw_corridor *c, const struct lang *L);
const char *crossing_name(const struct sw_corridor *c, size_t i, const struct lang *L);

/* Writes every key with its default, for docs and the test that checks them. */
void config_list_keys(struct strbuf *out);



/*
 * The daemon's current configuration, shared by reference: a request takes
 * one with config_acquire() and drops it with config_release(), so a
 * reload can swap in a new one while requests finish with the old.
 */
void config_publish(struct sw_config *cfg);	/* takes ownership */
struct sw_config *config_acquire(void);
void config_release(struct sw_config *cfg);
#endif
