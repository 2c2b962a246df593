/*
 * event_text: a timeline event (core/timeline.h) in words, the same on
 * the corridor page and in the Atom feed: its title, and who reported it.
 */
#ifndef SW_EVENT_TEXT_H
#define SW_EVENT_TEXT_H

#include <stdbool.h>

#include "core/eval.h"
#include "core/timeline.h"
#include "util/i18n.h"
#include "util/strbuf.h"

/*
 * "Hakari bridge (Lachin corridor): crossing closed".  html: text from
 * reports and the configuration escaped for HTML inside <bdi>; otherwise
 * escaped for XML, without markup.
 */
void event_title(struct strbuf *out, const struct lang *L, bool html, const struct corridor_eval *e,
		 const struct tl_event *ev);

/*
 * "Reported by ICRC, UNHCR." or "Reported by ICRC, UNHCR and 3 others.":
 * names is the list as built and escaped by the caller, more how many
 * organisations it leaves out.
 */
void event_reported_by(struct strbuf *out, const struct lang *L, bool html, const char *names,
		       size_t more);

#endif
