#include "render/event_text.h"

#include "render/labels.h"
#include "util/escape.h"

/* Text from a report or the configuration, as an argument of a message; t is the caller's. */
static const char *arg(struct strbuf *t, bool html, const char *s)
{
	sb_reset(t);
	if (html)
		sb_addstr(t, "<bdi>");
	(html ? esc_html : esc_xml)(t, s);
	if (html)
		sb_addstr(t, "</bdi>");
	return t->buf;
}

static const char *crossing_of(const struct corridor_eval *e, const struct tl_event *ev,
			       const struct lang *L)
{
	const struct sw_corridor *c = e->data->c;
	size_t k = (size_t)ev->crossing;

	return k < c->ncrossings ? crossing_name(c, k, L) : ev->crossing_name;
}

static void shortage_title(struct strbuf *out, const struct lang *L, bool html,
			   const struct tl_event *ev, const char *name, struct strbuf *b)
{
	void (*esc)(struct strbuf *, const char *) = html ? esc_html : esc_xml;
	struct strbuf c = STRBUF_INIT;
	const char *item = arg(b, html, ev->item);
	const char *was = ev->from > 0 ? E(label_severity_badge(L, ev->from)) : NULL;

	if (ev->location[0]) {
		const char *place = arg(&c, html, ev->location);

		if (ev->to == 0)
			/* TRANSLATORS: a shortage no longer reported: the item, the place (both in a report's words), the severity it had ("SEVERE"). */
			tr_add(out, esc, tr(L, "Shortage of %s in %s over (was %s)"), item, place,
			       was ? was : E(label_severity_badge(L, 0)));
		else if (was)
			/* TRANSLATORS: a shortage's severity changed: the item, the place (both in a report's words), the new severity and the old ("CRITICAL", "SEVERE"). */
			tr_add(out, esc, tr(L, "Shortage of %s in %s: %s, was %s"), item, place,
			       E(label_severity_badge(L, ev->to)), was);
		else
			/* TRANSLATORS: a shortage reported: the item, the place (both in a report's words), its severity ("CRITICAL"). */
			tr_add(out, esc, tr(L, "Shortage of %s in %s: %s"), item, place,
			       E(label_severity_badge(L, ev->to)));
	} else if (ev->to == 0) {
		/* TRANSLATORS: as "Shortage of %s in %s over (was %s)", with a corridor's name for the place. */
		tr_add(out, esc, tr(L, "Shortage of %s on %s over (was %s)"), item, name,
		       was ? was : E(label_severity_badge(L, 0)));
	} else if (was) {
		/* TRANSLATORS: as "Shortage of %s in %s: %s, was %s", with a corridor's name for the place. */
		tr_add(out, esc, tr(L, "Shortage of %s on %s: %s, was %s"), item, name,
		       E(label_severity_badge(L, ev->to)), was);
	} else {
		/* TRANSLATORS: as "Shortage of %s in %s: %s", with a corridor's name for the place. */
		tr_add(out, esc, tr(L, "Shortage of %s on %s: %s"), item, name,
		       E(label_severity_badge(L, ev->to)));
	}
	sb_release(&c);
}

void event_title(struct strbuf *out, const struct lang *L, bool html, const struct corridor_eval *e,
		 const struct tl_event *ev)
{
	void (*esc)(struct strbuf *, const char *) = html ? esc_html : esc_xml;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	const char *name = arg(&a, html, corridor_name(e->data->c, L));

	switch (ev->kind) {
	case TL_BLOCKADE_BEGAN:
		tr_add(out, esc, tr(L, "Blockade of %s began"), name);
		break;
	case TL_BLOCKADE_ENDED:
		tr_add(out, esc, trn(L, "Blockade of %s ended after %s day", "Blockade of %s ended after %s days",
				     (uint64_t)ev->p->days), name, NUM(ev->p->days));
		break;
	case TL_STATUS:
		/* TRANSLATORS: a corridor's name, then its old and new status ("open", "blocked"...). */
		tr_add(out, esc, tr(L, "%s: status changed from %s to %s"), name,
		       E(label_status(L, ev->from)), E(label_status(L, ev->to)));
		break;
	case TL_DISRUPTION_BEGAN:
	case TL_DISRUPTION_ENDED: {
		const struct disruption *d = ev->d;
		const char *svc = E(label_service_name(L, d->service_name));
		bool began = ev->kind == TL_DISRUPTION_BEGAN;

		if (d->location[0] && began)
			/* TRANSLATORS: a service ("Gas") and a place (in a report's words). */
			tr_add(out, esc, tr(L, "%s disruption in %s began"), svc, arg(&b, html, d->location));
		else if (d->location[0])
			tr_add(out, esc, tr(L, "%s disruption in %s ended"), svc, arg(&b, html, d->location));
		else if (began)
			/* TRANSLATORS: a service ("Gas") and a corridor's name. */
			tr_add(out, esc, tr(L, "%s disruption on %s began"), svc, name);
		else
			tr_add(out, esc, tr(L, "%s disruption on %s ended"), svc, name);
		break;
	}
	case TL_CROSSING: {
		const char *crossing = arg(&b, html, crossing_of(e, ev, L));

		if (ev->to == ST_BLOCKED)
			/* TRANSLATORS: a crossing's name, then its corridor's. */
			tr_add(out, esc, tr(L, "%s (%s): crossing closed"), crossing, name);
		else if (ev->to == ST_OPEN && ev->from == ST_UNKNOWN)
			tr_add(out, esc, tr(L, "%s (%s): crossing open"), crossing, name);
		else if (ev->to == ST_OPEN)
			tr_add(out, esc, tr(L, "%s (%s): crossing reopened"), crossing, name);
		else
			tr_add(out, esc, tr(L, "%s (%s): crossing restricted"), crossing, name);
		break;
	}
	case TL_SHORTAGE:
		shortage_title(out, L, html, ev, name, &b);
		break;
	default:
		break;
	}
	sb_release(&a);
	sb_release(&b);
}

void event_reported_by(struct strbuf *out, const struct lang *L, bool html, const char *names,
		       size_t more)
{
	void (*esc)(struct strbuf *, const char *) = html ? esc_html : esc_xml;

	if (more)
		/* TRANSLATORS: organisations that reported an event ("ICRC, UNHCR"), then how many more did. */
		tr_add(out, esc, trn(L, "Reported by %s and %s other.", "Reported by %s and %s others.", more),
		       names, NUM(more));
	else
		/* TRANSLATORS: the organisations that reported an event ("ICRC, UNHCR"). */
		tr_add(out, esc, tr(L, "Reported by %s."), names);
}
