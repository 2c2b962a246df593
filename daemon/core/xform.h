/*
 * xform: the XForm a phone downloads, made from a template (a shipped form
 * of etc/forms or an operator's) and the configuration.  Pure: no I/O.
 *
 * What a template gains (docs/formats.md, "The five forms"):
 *  - <itext> with a translation per configured language, the default one
 *    first; every label and hint of the body and every bind's
 *    jr:constraintMsg and jr:requiredMsg refers to it.  A text's
 *    translation is the catalogue's entry for its English, taken the way
 *    xgettext's ITS rules take it from the template (po/xforms.its), so a
 *    translator's po/LANG.po covers the forms with nothing more.
 *  - The corridor question (an <input> for ROOT/corridor) becomes a pick
 *    list of the configured corridors, the crossing question (ROOT/crossing)
 *    a pick list over a secondary instance "crossings" filtered by the
 *    chosen corridor: a name typed wrong passes on the phone and is refused
 *    only when sent, where it is hardest to put right.
 *  - The instance root's version gains a hash of the document made, so a
 *    reload that changes languages, corridors or names changes the version
 *    and the form list's hash, and phones fetch the form again.
 *
 * Text IDs follow pyxform's: "/data/trucks:label", "/data/trucks:hint",
 * "/data/cargo/food:label" (a choice), "/data/trucks:jr:constraintMsg",
 * "/data/corridor/lachin:label" and "/data/crossing/lachin/0:label" (the
 * first crossing of lachin).
 */
#ifndef SW_XFORM_H
#define SW_XFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "util/strbuf.h"

enum xform_result {
	XFORM_MADE,		/* out holds the document to serve */
	XFORM_AS_IS,		/* the template has its own <itext>: serve it unchanged */
	XFORM_REFUSED,		/* not an XForm, or too large once made: err says why */
};

/*
 * Makes the form to serve from tmpl[0..len-1] with cfg's languages,
 * corridors and crossings, appending it to out.  The same template and
 * configuration always make the same bytes.
 */
enum xform_result xform_make(const char *tmpl, size_t len, const struct sw_config *cfg,
			     struct strbuf *out, char *err, size_t errlen);

/*
 * Appends text as xgettext's ITS rules make a msgid of it: white space
 * (space, tab, CR, LF) trimmed and each run of it made one space, then
 * "&", "<", ">" written as entities, and '"' too for an attribute's value.
 */
void xform_msgid(struct strbuf *out, const char *text, bool attr);

#endif
