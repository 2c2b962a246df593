#include "core/config.h"

#include <errno.h>
#include <libconfig.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/stage.h"
#include "util/log.h"
#include "util/valid.h"

enum ktype { K_INT, K_FLOAT, K_BOOL, K_STRING, K_LIST };	/* K_LIST: read apart */

/* A string check returns NULL when the value is acceptable, else the reason. */
typedef const char *(*check_fn)(const char *value);

struct key {
	const char *path;	/* "group.name" (main) or "name" (corridor) */
	enum ktype type;
	size_t offset;
	int64_t min, max;	/* K_INT, K_FLOAT bounds; K_STRING max length */
	const char *def;	/* default as text; NULL = required */
	check_fn check;
	bool reload;		/* takes effect on SIGHUP (else needs a restart) */
};

static const char *check_nonempty(const char *v)
{
	return *v ? NULL : "must not be empty";
}

static const char *check_text(const char *v)
{
	return valid_text(v, 200);
}

/* A checkpoint's origin line (C2SP tlog-checkpoint): a schema-less URL, "" for the default. */
static const char *check_origin(const char *v)
{
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p == '+' || *p == 0x7f || (unsigned char)*p >= 0x80)
			return "must be a URL without its scheme (e.g. \"monitor.example.org/lachin\"): "
			       "printable ASCII, no spaces, no '+'";
	return NULL;
}

static const char *check_slug(const char *v)
{
	return valid_slug(v) ? NULL :
	       "must be 1-63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit";
}

static const char *check_timezone(const char *v)
{
	const char *dir = getenv("TZDIR");
	char path[PATH_MAX];
	struct stat st;

	if (!*v || v[0] == '/' || strstr(v, "..") || strspn(v,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") != strlen(v))
		return "is not a time zone name (like \"Asia/Yerevan\" or \"UTC\")";
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/usr/share/zoneinfo", v);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return "is not a known time zone (see /usr/share/zoneinfo; is tzdata installed?)";
	return NULL;
}

static const char *check_directory(const char *v)
{
	struct stat st;

	if (!*v)
		return NULL;
	if (stat(v, &st) != 0)
		return errno == ENOENT ? "no such directory" : "cannot be read";
	return S_ISDIR(st.st_mode) ? NULL : "is not a directory";
}

static const char *check_language(const char *v)
{
	return i18n_code_ok(v) ? NULL : "is not a language code (like \"en\", \"ar\" or \"pt_BR\")";
}

static const char *check_log_level(const char *v)
{
	return log_level_parse(v) >= 0 ? NULL : "must be one of debug, info, warn, error";
}

static const char *check_reconcile(const char *v)
{
	return strcmp(v, "max") == 0 || strcmp(v, "sum") == 0 ? NULL : "must be \"max\" or \"sum\"";
}

static const char *check_publish(const char *v)
{
	return strcmp(v, "on_receipt") == 0 || strcmp(v, "after_review") == 0
		? NULL : "must be \"on_receipt\" or \"after_review\"";
}

static const char *check_headline_stage(const char *v)
{
	int st = stage_parse(v);

	if (st == STAGE_WAITING)
		return "cannot be \"waiting\" (a stock, not a flow)";
	return st >= 0 ? NULL : "must be one of dispatched, inspected, crossed, collected, delivered, intercepted";
}

static const char *check_conninfo(const char *v)
{
	char *errmsg = NULL;
	PQconninfoOption *opts;
	const char *reason = NULL;

	if (!*v)
		return NULL;
	opts = PQconninfoParse(v, &errmsg);
	if (!opts) {
		PQfreemem(errmsg);
		return "is not a valid libpq connection string";
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val)
			reason = "must not contain a password: use ~/.pgpass, PGPASSFILE or a service file";
	PQconninfoFree(opts);
	return reason;
}

#define M(f) offsetof(struct sw_config, f)
#define C(f) offsetof(struct sw_corridor, f)

static const struct key main_keys[] = {
	{ "listen.address", K_STRING, M(listen_address), 0, 255, "127.0.0.1", check_nonempty, false },
	{ "listen.port", K_INT, M(listen_port), 0, 65535, "8080", NULL, false },
	{ "http.max_body_bytes", K_INT, M(max_body_bytes), 1024, 1073741824, "1048576", NULL, true },
	{ "http.connection_timeout", K_INT, M(connection_timeout), 1, 3600, "30", NULL, false },
	{ "http.header_timeout", K_INT, M(header_timeout), 1, 3600, "10", NULL, true },
	{ "http.connection_limit", K_INT, M(connection_limit), 1, 100000, "256", NULL, false },
	{ "http.per_ip_connection_limit", K_INT, M(per_ip_connection_limit), 1, 100000, "64", NULL, true },
	{ "http.min_body_rate", K_INT, M(min_body_rate), 0, 1073741824, "500", NULL, true },
	{ "http.body_grace", K_INT, M(body_grace), 1, 3600, "10", NULL, true },
	{ "http.uploads_per_token", K_INT, M(uploads_per_token), 1, 100000, "16", NULL, true },
	{ "http.connection_memory_limit", K_INT, M(connection_memory_limit), 8192, 16777216, "65536", NULL, false },
	{ "http.rate_limit_per_minute", K_INT, M(rate_limit_per_minute), 0, 6000000, "600", NULL, true },
	{ "http.rate_limit_burst", K_INT, M(rate_limit_burst), 1, 1000000, "120", NULL, true },
	{ "http.anonymous_db_per_ip", K_INT, M(anonymous_db_per_ip), 1, 1000, "2", NULL, true },
	{ "database.conninfo", K_STRING, M(conninfo), 0, 4096, "", check_conninfo, false },
	{ "database.pool_size", K_INT, M(pool_size), 1, 64, "4", NULL, false },
	{ "database.statement_timeout_ms", K_INT, M(statement_timeout_ms), 100, 600000, "5000", NULL, false },
	{ "status.title", K_STRING, M(title), 0, 200, "supplywatch", check_text, true },
	{ "status.timezone", K_STRING, M(timezone), 0, 64, "UTC", check_timezone, true },
	{ "status.public", K_BOOL, M(is_public), 0, 0, "true", NULL, true },
	{ "status.stale_after_hours", K_INT, M(stale_after_hours), 1, 8760, "48", NULL, true },
	{ "status.silent_after_hours", K_INT, M(silent_after_hours), 1, 8760, "24", NULL, true },
	{ "status.default_language", K_STRING, M(default_language), 0, 15, "en", check_language, true },
	{ "status.languages", K_LIST, 0, 0, 0, "[ default_language ]", NULL, true },	/* list: handled apart */
	{ "status.locale_dir", K_STRING, M(locale_dir), 0, 4096, "", check_directory, true },
	{ "auth.pepper_file", K_STRING, M(pepper_file), 0, 4096, SYSCONFDIR "/supplywatch/pepper", check_nonempty, false },
	{ "log.level", K_STRING, M(log_level), 0, 16, "info", check_log_level, true },
	{ "openrosa.forms_dir", K_STRING, M(forms_dir), 0, 4096, "", check_directory, true },
	{ "movements.embargo_hours", K_INT, M(embargo_hours), 0, 8760, "72", NULL, true },
	{ "webhooks.enabled", K_BOOL, M(webhooks_enabled), 0, 0, "true", NULL, false },
	{ "webhooks.allow_private", K_BOOL, M(webhooks_allow_private), 0, 0, "false", NULL, true },
	{ "webhooks.timeout_s", K_INT, M(webhooks_timeout_s), 1, 300, "10", NULL, true },
	{ "webhooks.retry_initial_s", K_INT, M(webhooks_retry_initial_s), 1, 86400, "30", NULL, true },
	{ "webhooks.keep_days", K_INT, M(webhooks_keep_days), 1, 3650, "90", NULL, true },
	{ "ledger.enabled", K_BOOL, M(ledger_enabled), 0, 0, "true", NULL, false },
	{ "ledger.signing_key_file", K_STRING, M(ledger_key_file), 0, 4096, SYSCONFDIR "/supplywatch/ledger.key",
	  check_nonempty, false },
	{ "ledger.origin", K_STRING, M(ledger_origin), 0, 255, "", check_origin, false },
	{ "ledger.sign_every_s", K_INT, M(ledger_sign_every_s), 0, 86400, "60", NULL, true },
};

static const struct key corridor_keys[] = {
	{ "id", K_STRING, C(id), 0, 63, NULL, check_slug, true },
	{ "name", K_STRING, C(name), 0, 200, NULL, check_text, true },
	{ "baseline_trucks_per_day", K_INT, C(baseline_trucks_per_day), 1, 1000000, NULL, NULL, true },
	{ "baseline_tonnes_per_day", K_FLOAT, C(baseline_tonnes_per_day), 0, 100000000, "0", NULL, true },
	{ "population", K_INT, C(population), 0, 2000000000, "0", NULL, true },
	{ "blocked_below_pct", K_INT, C(blocked_below_pct), 0, 100, "10", NULL, true },
	{ "restricted_below_pct", K_INT, C(restricted_below_pct), 0, 100, "50", NULL, true },
	{ "max_gap_days", K_INT, C(max_gap_days), 0, 30, "2", NULL, true },
	{ "reopen_after_days", K_INT, C(reopen_after_days), 1, 90, "7", NULL, true },
	{ "reconcile", K_STRING, C(reconcile), 0, 3, "max", check_reconcile, true },
	{ "headline_stage", K_STRING, C(headline_stage), 0, 16, "crossed", check_headline_stage, true },
	{ "publish", K_STRING, C(publish), 0, 16, "on_receipt", check_publish, true },
	{ "corroboration_pct", K_INT, C(corroboration_pct), 0, 100, "10", NULL, true },
	{ "timezone", K_STRING, C(timezone), 0, 64, "", NULL, true },
	{ "crossings", K_LIST, 0, 0, 0, "", NULL, true },	/* list: handled apart */
	{ "names", K_LIST, 0, 0, 0, "", NULL, true },		/* group: handled apart */
};

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))

static const char *const groups[] = { "listen", "http", "database", "status", "auth", "log", "openrosa",
				       "movements", "webhooks", "ledger", NULL };

struct loader {
	const char *file;
	struct strbuf *err;
	int nerr;
};

__attribute__((format(printf, 4, 5)))
static void fail(struct loader *l, const config_setting_t *s, const char *setting,
		 const char *fmt, ...)
{
	va_list ap;
	unsigned line = s ? (unsigned)config_setting_source_line(s) : 0;

	if (line)
		sb_addf(l->err, "%s:%u: %s: ", l->file, line, setting);
	else
		sb_addf(l->err, "%s: %s: ", l->file, setting);
	va_start(ap, fmt);
	sb_vaddf(l->err, fmt, ap);
	va_end(ap);
	sb_addch(l->err, '\n');
	l->nerr++;
}

/* One setting being loaded: its key, its setting in the file (NULL: the default) and name. */
struct item {
	struct loader *l;
	const struct key *k;
	const config_setting_t *s;
	const char *name;
};

static bool is_int(const config_setting_t *s)
{
	int type = config_setting_type(s);

	return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
}

static void out_of_bounds(const struct item *it)
{
	fail(it->l, it->s, it->name, "must be between %lld and %lld", (long long)it->k->min,
	     (long long)it->k->max);
}

static bool in_bounds(const struct item *it, double v)
{
	if (v >= (double)it->k->min && v <= (double)it->k->max)
		return true;
	out_of_bounds(it);
	return false;
}

static void load_int(const struct item *it, int64_t *dst)
{
	long long v;

	if (it->s && !is_int(it->s)) {
		fail(it->l, it->s, it->name, "must be an integer");
		return;
	}
	v = it->s ? config_setting_get_int64(it->s) : strtoll(it->k->def, NULL, 10);
	/* Compared as integers: a double would round the largest bounds. */
	if (v >= it->k->min && v <= it->k->max)
		*dst = v;
	else
		out_of_bounds(it);
}

static void load_float(const struct item *it, double *dst)
{
	double v;

	if (!it->s) {
		v = strtod(it->k->def, NULL);
	} else if (config_setting_type(it->s) == CONFIG_TYPE_FLOAT) {
		v = config_setting_get_float(it->s);
	} else if (is_int(it->s)) {
		v = (double)config_setting_get_int64(it->s);
	} else {
		fail(it->l, it->s, it->name, "must be a number");
		return;
	}
	if (in_bounds(it, v))
		*dst = v;
}

static void load_bool(const struct item *it, bool *dst)
{
	if (!it->s)
		*dst = strcmp(it->k->def, "true") == 0;
	else if (config_setting_type(it->s) == CONFIG_TYPE_BOOL)
		*dst = config_setting_get_bool(it->s) != 0;
	else
		fail(it->l, it->s, it->name, "must be true or false");
}

static void load_string(const struct item *it, char **dst)
{
	const char *v = it->s ? config_setting_get_string(it->s) : it->k->def;
	const char *why = NULL;

	if (!v)
		fail(it->l, it->s, it->name, "must be a string");
	else if (strlen(v) > (size_t)it->k->max)
		fail(it->l, it->s, it->name, "must be at most %lld bytes", (long long)it->k->max);
	else if (it->k->check && (why = it->k->check(v)))
		fail(it->l, it->s, it->name, "%s", why);
	else
		*dst = xstrdup(v);
}

/* Stores one value (from the file, or the default when s is NULL) at base + k->offset. */
static void load_key(struct loader *l, const struct key *k, const config_setting_t *s,
		     const char *name, void *base)
{
	const struct item it = { l, k, s, name };
	void *dst = (char *)base + k->offset;

	switch (k->type) {
	case K_INT: load_int(&it, dst); break;
	case K_FLOAT: load_float(&it, dst); break;
	case K_BOOL: load_bool(&it, dst); break;
	case K_STRING: load_string(&it, dst); break;
	case K_LIST: break;
	}
}

static const struct key *find_key(const struct key *keys, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].path, path) == 0)
			return &keys[i];
	return NULL;
}

static void load_main(struct loader *l, config_t *cf, struct sw_config *cfg)
{
	config_setting_t *root = config_root_setting(cf);
	char path[128];

	/* Unknown keys first: a typo must not silently fall back to a default. */
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
		const char *gname = config_setting_name(g);

		if (strcmp(gname, "corridors") == 0)
			continue;
		if (enum_index(gname, groups) < 0) {
			fail(l, g, gname, "unknown setting");
			continue;
		}
		if (!config_setting_is_group(g)) {
			fail(l, g, gname, "must be a group { ... }");
			continue;
		}
		for (int j = 0; j < config_setting_length(g); j++) {
			config_setting_t *s = config_setting_get_elem(g, (unsigned)j);

			snprintf(path, sizeof(path), "%s.%s", gname, config_setting_name(s));
			if (!find_key(main_keys, NKEYS(main_keys), path))
				fail(l, s, path, "unknown setting");
		}
	}
	for (size_t i = 0; i < NKEYS(main_keys); i++) {
		const struct key *k = &main_keys[i];
		config_setting_t *s = config_lookup(cf, k->path);

		if (s && config_setting_parent(s) && config_setting_is_group(config_setting_parent(s)))
			load_key(l, k, s, k->path, cfg);
		else
			load_key(l, k, NULL, k->path, cfg);
	}
}

/* names = { ar = "..."; hy = "..."; }: a name per language code. */
static void load_names(struct loader *l, config_setting_t *s, const char *setting,
		       struct sw_names *out)
{
	int n;

	if (!config_setting_is_group(s)) {
		fail(l, s, setting, "must be a group of names by language, like { hy = \"...\"; }");
		return;
	}
	n = config_setting_length(s);
	out->v = xcalloc((size_t)n + 1, sizeof(*out->v));
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *code = config_setting_name(e), *v = config_setting_get_string(e), *why;

		if (!i18n_code_ok(code)) {
			fail(l, e, setting, "\"%s\" is not a language code (like \"hy\" or \"pt_BR\")", code);
			continue;
		}
		if (!v) {
			fail(l, e, setting, "%s must be a string", code);
			continue;
		}
		if ((why = valid_text(v, 200))) {
			fail(l, e, setting, "%s %s", code, why);
			continue;
		}
		snprintf(out->v[out->n].code, sizeof(out->v[out->n].code), "%s", code);
		out->v[out->n++].text = xstrdup(v);
	}
}

static void free_names(struct sw_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].text);
	free(n->v);
}

static void load_crossings(struct loader *l, config_setting_t *s, const char *name,
			   struct sw_corridor *c)
{
	char where[160];
	int n;

	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		fail(l, s, name, "must be a list of names, like ( \"Hakari bridge\" ) or "
		     "( { name = \"Hakari bridge\"; names = { hy = \"...\"; }; } )");
		return;
	}
	n = config_setting_length(s);
	c->crossings = xcalloc((size_t)n + 1, sizeof(char *));
	c->crossing_names = xcalloc((size_t)n + 1, sizeof(*c->crossing_names));
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i), *names = NULL;
		const char *v = config_setting_get_string(e);
		const char *why;

		if (config_setting_is_group(e)) {
			for (int j = 0; j < config_setting_length(e); j++) {
				const char *k = config_setting_name(config_setting_get_elem(e, (unsigned)j));

				if (strcmp(k, "name") != 0 && strcmp(k, "names") != 0)
					fail(l, config_setting_get_elem(e, (unsigned)j), name,
					     "element %d: unknown setting \"%s\" (a crossing has name and names)",
					     i + 1, k);
			}
			if (config_setting_get_member(e, "name"))
				v = config_setting_get_string(config_setting_get_member(e, "name"));
			names = config_setting_get_member(e, "names");
		}
		if (!v) {
			fail(l, e, name, "element %d must be a name, or a group with name = \"...\"", i + 1);
			continue;
		}
		if ((why = valid_text(v, 200))) {
			fail(l, e, name, "element %d %s", i + 1, why);
			continue;
		}
		if (corridor_has_crossing(c, v)) {
			fail(l, e, name, "\"%s\" is listed twice", v);
			continue;
		}
		if (names) {
			snprintf(where, sizeof(where), "%s.[%d].names", name, i);
			load_names(l, names, where, &c->crossing_names[c->ncrossings]);
		}
		c->crossings[c->ncrossings++] = xstrdup(v);
	}
}

static void load_corridor(struct loader *l, config_setting_t *g, int index,
			  struct sw_corridor *c, const struct sw_config *cfg)
{
	int errors_before = l->nerr;
	char name[128];

	for (int j = 0; j < config_setting_length(g); j++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)j);

		if (!find_key(corridor_keys, NKEYS(corridor_keys), config_setting_name(s))) {
			snprintf(name, sizeof(name), "corridors.[%d].%s", index, config_setting_name(s));
			fail(l, s, name, "unknown setting");
		}
	}
	for (size_t i = 0; i < NKEYS(corridor_keys); i++) {
		const struct key *k = &corridor_keys[i];
		config_setting_t *s = config_setting_get_member(g, k->path);

		snprintf(name, sizeof(name), "corridors.[%d].%s", index, k->path);
		if (strcmp(k->path, "crossings") == 0) {
			if (s)
				load_crossings(l, s, name, c);
			continue;
		}
		if (strcmp(k->path, "names") == 0) {
			if (s)
				load_names(l, s, name, &c->names);
			continue;
		}
		if (!s && !k->def) {
			fail(l, g, name, "is required");
			continue;
		}
		if (strcmp(k->path, "reconcile") == 0 || strcmp(k->path, "headline_stage") == 0 ||
		    strcmp(k->path, "publish") == 0) {
			char *v = NULL;
			struct key tmp = *k;

			tmp.offset = 0;
			load_key(l, &tmp, s, name, &v);
			if (k->path[0] == 'r')
				c->reconcile = v && strcmp(v, "sum") == 0 ? RECONCILE_SUM : RECONCILE_MAX;
			else if (k->path[0] == 'p')
				c->publish = v && strcmp(v, "after_review") == 0
					? PUBLISH_AFTER_REVIEW : PUBLISH_ON_RECEIPT;
			else
				c->headline_stage = v && stage_parse(v) >= 0 ? stage_parse(v) : STAGE_DEFAULT;
			free(v);
			continue;
		}
		load_key(l, k, s, name, c);
	}
	if (c->timezone && *c->timezone) {
		const char *why = check_timezone(c->timezone);

		if (why) {
			snprintf(name, sizeof(name), "corridors.[%d].timezone", index);
			fail(l, config_setting_get_member(g, "timezone"), name, "%s", why);
		}
	} else if (cfg->timezone) {
		free(c->timezone);
		c->timezone = xstrdup(cfg->timezone);
	}
	/* Only between values that loaded: a refused value is no basis for comparing. */
	if (l->nerr == errors_before && c->restricted_below_pct < c->blocked_below_pct) {
		config_setting_t *s = config_setting_get_member(g, "restricted_below_pct");

		snprintf(name, sizeof(name), "corridors.[%d].restricted_below_pct", index);
		fail(l, s ? s : g, name, "must be at least blocked_below_pct (%lld)",
		     (long long)c->blocked_below_pct);
	}
}

static bool has_lang(const struct sw_config *cfg, const char *code)
{
	return config_lang(cfg, code) >= 0;
}

static void add_lang(struct loader *l, config_setting_t *s, const char *setting,
		     struct sw_config *cfg, const char *code)
{
	const char *dir = *cfg->locale_dir ? cfg->locale_dir : i18n_default_dir();
	struct strbuf err = STRBUF_INIT, warn = STRBUF_INIT;
	struct lang *L;

	if (!i18n_code_ok(code)) {
		fail(l, s, setting, "\"%s\" is not a language code (like \"en\", \"ar\" or \"pt_BR\")", code);
	} else if (has_lang(cfg, code)) {
		fail(l, s, setting, "\"%s\" is listed twice", code);
	} else if (cfg->nlangs == SW_LANGUAGES_MAX) {
		fail(l, s, setting, "at most %d languages", SW_LANGUAGES_MAX);
	} else if (!(L = i18n_load(dir, code, &err, &warn))) {
		fail(l, s, setting, "%s", err.buf);
	} else {
		for (char *w = warn.buf, *nl; *w; w = nl + 1) {
			nl = strchr(w, '\n');
			*nl = '\0';
			log_warn("%s: catalogue %s: %s", l->file, code, w);
		}
		cfg->langs[cfg->nlangs++] = L;
	}
	sb_release(&err);
	sb_release(&warn);
}

/*
 * status.languages, each with its catalogue; the default language first,
 * so cfg->langs[0] is what a reader gets who asks for nothing we serve.
 */
static void load_languages(struct loader *l, config_t *cf, struct sw_config *cfg)
{
	config_setting_t *s = config_lookup(cf, "status.languages");
	int n = s ? config_setting_length(s) : 0;
	bool listed = false;

	cfg->langs = xcalloc(SW_LANGUAGES_MAX, sizeof(*cfg->langs));
	/* Refused already, and said so; other settings' errors do not stop these checks. */
	if (!cfg->default_language || !i18n_code_ok(cfg->default_language) || !cfg->locale_dir ||
	    check_directory(cfg->locale_dir))
		return;
	if (s && (!config_setting_is_array(s) && !config_setting_is_list(s))) {
		fail(l, s, "status.languages", "must be a list of language codes, like [ \"en\", \"hy\" ]");
		return;
	}
	for (int i = 0; i < n; i++)
		if (config_setting_get_string_elem(s, i) &&
		    strcmp(config_setting_get_string_elem(s, i), cfg->default_language) == 0)
			listed = true;
	if (s && !listed) {
		fail(l, s, "status.languages", "must include status.default_language (\"%s\")",
		     cfg->default_language);
		return;
	}
	add_lang(l, s, "status.default_language", cfg, cfg->default_language);
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *code = config_setting_get_string(e);

		if (!code)
			fail(l, e, "status.languages", "element %d must be a string", i + 1);
		else if (strcmp(code, cfg->default_language) != 0)
			add_lang(l, e, "status.languages", cfg, code);
	}
}

static void load_corridors(struct loader *l, config_t *cf, struct sw_config *cfg)
{
	config_setting_t *list = config_lookup(cf, "corridors");
	int n;

	if (!list) {
		fail(l, NULL, "corridors", "is required: declare at least one corridor");
		return;
	}
	if (!config_setting_is_list(list)) {
		fail(l, list, "corridors", "must be a list of groups: ( { id = ...; ... } )");
		return;
	}
	n = config_setting_length(list);
	if (n == 0)
		fail(l, list, "corridors", "must declare at least one corridor");
	cfg->corridors = xcalloc((size_t)n, sizeof(*cfg->corridors));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct sw_corridor *c = &cfg->corridors[cfg->ncorridors++];
		char name[64];

		snprintf(name, sizeof(name), "corridors.[%d]", i);
		if (!config_setting_is_group(g)) {
			fail(l, g, name, "must be a group { id = ...; ... }");
			continue;
		}
		load_corridor(l, g, i, c, cfg);
		for (int j = 0; j < i && c->id; j++)
			if (cfg->corridors[j].id && strcmp(cfg->corridors[j].id, c->id) == 0) {
				snprintf(name, sizeof(name), "corridors.[%d].id", i);
				fail(l, config_setting_get_member(g, "id"), name,
				     "\"%s\" is already used by corridors.[%d]", c->id, j);
			}
	}
}

struct sw_config *config_load(const char *path, struct strbuf *err)
{
	struct sw_config *cfg = xcalloc(1, sizeof(*cfg));
	struct loader l = { path, err, 0 };
	config_t cf;

	cfg->refs = 1;
	cfg->path = xstrdup(path);
	config_init(&cf);
	if (config_read_file(&cf, path) != CONFIG_TRUE) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			sb_addf(err, "%s: cannot read file\n", path);
		else
			sb_addf(err, "%s:%d: syntax error%s%s\n",
				config_error_file(&cf) ? config_error_file(&cf) : path,
				config_error_line(&cf),
				strcmp(config_error_text(&cf), "syntax error") ? ": " : "",
				strcmp(config_error_text(&cf), "syntax error") ? config_error_text(&cf) : "");
		config_destroy(&cf);
		config_free(cfg);
		return NULL;
	}
	load_main(&l, &cf, cfg);
	load_languages(&l, &cf, cfg);
	load_corridors(&l, &cf, cfg);
	config_destroy(&cf);
	if (l.nerr) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void free_corridor(struct sw_corridor *c)
{
	free(c->id);
	free(c->name);
	free(c->timezone);
	for (size_t i = 0; i < c->ncrossings; i++) {
		free(c->crossings[i]);
		free_names(&c->crossing_names[i]);
	}
	free(c->crossings);
	free(c->crossing_names);
	free_names(&c->names);
}

void config_free(struct sw_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->ncorridors; i++)
		free_corridor(&cfg->corridors[i]);
	free(cfg->corridors);
	for (size_t i = 0; i < cfg->nlangs; i++)
		i18n_free(cfg->langs[i]);
	free(cfg->langs);
	for (size_t i = 0; i < NKEYS(main_keys); i++)
		if (main_keys[i].type == K_STRING)
			free(*(char **)((char *)cfg + main_keys[i].offset));
	free(cfg->path);
	free(cfg);
}

const struct sw_corridor *config_corridor(const struct sw_config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->ncorridors; i++)
		if (strcmp(cfg->corridors[i].id, id) == 0)
			return &cfg->corridors[i];
	return NULL;
}

bool corridor_has_crossing(const struct sw_corridor *c, const char *crossing)
{
	for (size_t i = 0; i < c->ncrossings; i++)
		if (strcmp(c->crossings[i], crossing) == 0)
			return true;
	return false;
}

int config_lang(const struct sw_config *cfg, const char *code)
{
	for (size_t i = 0; i < cfg->nlangs; i++)
		if (strcmp(cfg->langs[i]->code, code) == 0)
			return (int)i;
	return -1;
}

static const char *name_in(const struct sw_names *n, const char *def, const struct lang *L)
{
	for (size_t i = 0; n && L && i < n->n; i++)
		if (strcmp(n->v[i].code, L->code) == 0)
			return n->v[i].text;
	return def;
}

const char *corridor_name(const struct sw_corridor *c, const struct lang *L)
{
	return name_in(&c->names, c->name, L);
}

const char *crossing_name(const struct sw_corridor *c, size_t i, const struct lang *L)
{
	return i < c->ncrossings ? name_in(&c->crossing_names[i], c->crossings[i], L) : "";
}

void config_list_keys(struct strbuf *out)
{
	for (size_t i = 0; i < NKEYS(main_keys); i++)
		sb_addf(out, "%s\t%s\t%s\n", main_keys[i].path,
			    main_keys[i].def ? main_keys[i].def : "(required)",
			    main_keys[i].reload ? "reload" : "restart");
	for (size_t i = 0; i < NKEYS(corridor_keys); i++)
		sb_addf(out, "corridors.%s\t%s\treload\n", corridor_keys[i].path,
			    corridor_keys[i].def ? corridor_keys[i].def : "(required)");
}

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sw_config *current;

void config_publish(struct sw_config *cfg)
{
	struct sw_config *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = cfg;
	pthread_mutex_unlock(&current_lock);
	if (old)
		config_release(old);
}

struct sw_config *config_acquire(void)
{
	struct sw_config *cfg;

	pthread_mutex_lock(&current_lock);
	cfg = current;
	if (cfg)
		cfg->refs++;
	pthread_mutex_unlock(&current_lock);
	return cfg;
}

void config_release(struct sw_config *cfg)
{
	int left;

	if (!cfg)
		return;
	pthread_mutex_lock(&current_lock);
	left = --cfg->refs;
	pthread_mutex_unlock(&current_lock);
	if (left == 0)
		config_free(cfg);
}
