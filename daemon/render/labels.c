#include "render/labels.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/movement.h"
#include "core/report.h"
#include "core/rules.h"
#include "core/stage.h"

/* Indexed by status + 1, as status_names. */
static const char *const statuses[] = {
	NP_("status", "unknown"), NP_("status", "open"), NP_("status", "restricted"),
	NP_("status", "blocked"),
};
static const char *const badges[] = {
	NP_("status badge", "UNKNOWN"), NP_("status badge", "OPEN"),
	NP_("status badge", "RESTRICTED"), NP_("status badge", "BLOCKED"),
};
/* As report_services. */
static const char *const services[] = {
	NP_("service", "Gas"), NP_("service", "Electricity"), NP_("service", "Water"),
	NP_("service", "Internet"), NP_("service", "Phone"), NP_("service", "Fuel"),
	NP_("service", "Medical care"), NP_("service", "Transport"), NP_("service", "Education"),
	NP_("service", "Other services"),
};
/* As report_cargos. */
static const char *const cargos[] = {
	NP_("cargo", "food"), NP_("cargo", "medical supplies"), NP_("cargo", "fuel"),
	NP_("cargo", "hygiene items"), NP_("cargo", "shelter materials"), NP_("cargo", "mixed goods"),
	NP_("cargo", "nutrition"), NP_("cargo", "water and sanitation"), NP_("cargo", "education"),
	NP_("cargo", "other goods"),
};
/* As enum stage. */
static const char *const stages[] = {
	NP_("counting point", "dispatched"), NP_("counting point", "cleared inspection"),
	NP_("counting point", "counted at the crossing"), NP_("counting point", "collected"),
	NP_("counting point", "delivered"), NP_("counting point", "intercepted"),
	NP_("counting point", "waiting at the crossing"),
};
static const char *const stage_headings[] = {
	NP_("counting point heading", "Dispatched"), NP_("counting point heading", "Cleared inspection"),
	NP_("counting point heading", "Counted at the crossing"), NP_("counting point heading", "Collected"),
	NP_("counting point heading", "Delivered"), NP_("counting point heading", "Intercepted"),
	NP_("counting point heading", "Waiting at the crossing"),
};
static const char *const corroborations[] = {
	NP_("corroboration", "single source"), NP_("corroboration", "corroborated"),
	NP_("corroboration", "sources disagree"),
};
/* As report_severities. */
static const char *const severities[] = {
	NP_("severity badge", "NONE"), NP_("severity badge", "LOW"),
	NP_("severity badge", "MODERATE"), NP_("severity badge", "SEVERE"),
	NP_("severity badge", "CRITICAL"),
};
static const char *const outcomes[] = {
	NP_("movement outcome", "Facilitated"), NP_("movement outcome", "Partially facilitated"),
	NP_("movement outcome", "Impeded"), NP_("movement outcome", "Denied"),
	NP_("movement outcome", "Postponed"),
};
/* As enum report_kind, but movements (never listed with the others). */
static const char *const kinds[] = {
	NP_("report kind", "Truck count"), NP_("report kind", "Shortage"),
	NP_("report kind", "Service disruption"), NP_("report kind", "Access change"),
};
/* A movement's purpose: value, then its words. */
static const char *const purposes[][2] = {
	{ "food", NP_("movement purpose", "food") },
	{ "medical", NP_("movement purpose", "medical supplies") },
	{ "fuel", NP_("movement purpose", "fuel") },
	{ "wash", NP_("movement purpose", "water and sanitation") },
	{ "assessment", NP_("movement purpose", "assessment") },
	{ "staff", NP_("movement purpose", "staff movement") },
	{ "other", NP_("movement purpose", "other purpose") },
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define PICK(ctx, table, i) ((i) >= 0 && (i) < N(table) ? trp(L, ctx, table[i]) : "?")

const char *label_status(const struct lang *L, int status)
{
	return PICK("status", statuses, status + 1);
}

const char *label_status_badge(const struct lang *L, int status)
{
	return PICK("status badge", badges, status + 1);
}

const char *label_service(const struct lang *L, int service)
{
	return PICK("service", services, service);
}

const char *label_service_name(const struct lang *L, const char *name)
{
	for (int i = 0; report_services[i]; i++)
		if (strcmp(report_services[i], name) == 0)
			return label_service(L, i);
	return name;
}

const char *label_cargo(const struct lang *L, int cargo)
{
	return PICK("cargo", cargos, cargo);
}

const char *label_stage(const struct lang *L, int stage)
{
	return PICK("counting point", stages, stage);
}

const char *label_stage_heading(const struct lang *L, int stage)
{
	return PICK("counting point heading", stage_headings, stage);
}

const char *label_corroboration(const struct lang *L, int corr)
{
	return PICK("corroboration", corroborations, corr);
}

const char *label_severity_badge(const struct lang *L, int severity)
{
	return PICK("severity badge", severities, severity);
}

const char *label_outcome(const struct lang *L, int outcome)
{
	return PICK("movement outcome", outcomes, outcome);
}

const char *label_kind(const struct lang *L, int kind)
{
	return PICK("report kind", kinds, kind);
}

const char *label_outbound(const struct lang *L)
{
	/* TRANSLATORS: a truck count of trucks leaving the area (not coming in), after the count. */
	return trp(L, "direction", "outbound");
}

const char *label_purpose(const struct lang *L, const char *purpose)
{
	for (int i = 0; i < N(purposes); i++)
		if (strcmp(purposes[i][0], purpose) == 0)
			return trp(L, "movement purpose", purposes[i][1]);
	return purpose;
}

#define TR_ARGS 9

/* The argument a directive at p takes (0-based), moving p past it; -1 for "%%". */
static int directive(const char **p, int *next)
{
	const char *s = *p + 1;
	int arg;

	if (*s == '%') {
		*p = s + 1;
		return -1;
	}
	if (*s >= '1' && *s <= '9' && s[1] == '$') {
		arg = *s - '1';
		s += 2;
	} else {
		arg = (*next)++;
	}
	*p = *s == 's' ? s + 1 : s;	/* only %s reaches here: the catalogue refused others */
	return arg < TR_ARGS ? arg : TR_ARGS - 1;
}

void tr_add(struct strbuf *out, void (*esc)(struct strbuf *, const char *), const char *fmt, ...)
{
	const char *args[TR_ARGS] = { 0 };
	struct strbuf run = STRBUF_INIT;
	int next = 0, nargs = 0;
	va_list ap;

	for (const char *p = fmt; (p = strchr(p, '%')); ) {
		int a = directive(&p, &next);

		if (a + 1 > nargs)
			nargs = a + 1;
	}
	va_start(ap, fmt);
	for (int i = 0; i < nargs; i++)
		args[i] = va_arg(ap, const char *);
	va_end(ap);
	next = 0;
	for (const char *p = fmt; *p; ) {
		const char *q = strchr(p, '%');
		int a;

		if (!q)
			q = p + strlen(p);
		sb_reset(&run);
		sb_add(&run, p, (size_t)(q - p));
		esc(out, run.buf);
		if (!*q)
			break;
		p = q;
		a = directive(&p, &next);
		if (a < 0)
			esc(out, "%");
		else
			sb_addstr(out, args[a] ? args[a] : "");
	}
	sb_release(&run);
}

const char *esc_arg(const char *s, char buf[ESC_ARG_LEN])
{
	size_t at = 0;

	for (; *s; s++) {
		const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
				  *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
		size_t n = rep ? strlen(rep) : 1;

		/* Catalogue words and dates are far shorter; cut at a character, never inside one. */
		if (at + n >= ESC_ARG_LEN || (!rep && (*s & 0xC0) != 0x80 && at + 5 >= ESC_ARG_LEN))
			break;
		memcpy(buf + at, rep ? rep : s, n);
		at += n;
	}
	buf[at] = '\0';
	return buf;
}

bool lang_in_url(const struct sw_config *cfg, const struct lang *L)
{
	return cfg->nlangs > 1 && L != cfg->langs[0];
}

void add_lang_query(struct strbuf *out, const struct sw_config *cfg, const struct lang *L)
{
	if (lang_in_url(cfg, L)) {
		sb_addstr(out, "?lang=");
		sb_addstr(out, L->code);	/* i18n_code_ok: letters, digits, '-' and '_' */
	}
}
