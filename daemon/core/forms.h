/*
 * forms: the blank XForms the OpenRosa channel offers phones.
 *
 * The shipped forms (etc/forms/) are compiled into the program
 * (daemon/embed-forms.sh), so a daemon serves them wherever it runs, as it
 * carries its migrations.  An operator's own forms come from the directory
 * openrosa.forms_dir instead, read whole at start-up and on every reload:
 * a form set is immutable once loaded and shared by reference, and nothing
 * is read from disk while a phone waits.
 *
 * What is served is made from each file with the configuration
 * (core/xform.h): translations for the configured languages, pick lists of
 * the configured corridors and crossings, a version that changes with
 * them.  A reload makes the forms anew from the new configuration.
 */
#ifndef SW_FORMS_H
#define SW_FORMS_H

#include <stddef.h>

#include "core/config.h"
#include "core/openrosa.h"
#include "util/strbuf.h"

#define FORMS_MAX 64

/* A form compiled into the program. */
struct embedded_form {
	const char *file;
	const char *xml;
	size_t len;
};
extern const struct embedded_form embedded_forms[];
extern const size_t nembedded_forms;

struct form {
	struct openrosa_form info;	/* what the form list shows */
	char *xml;			/* the document as it is served, made from its template (owned) */
	size_t len;
};

struct formset {
	int refs;			/* guarded by the module's lock */
	struct form forms[FORMS_MAX];	/* sorted by file name */
	size_t n;
};

/*
 * The forms made for cfg from the files of cfg->forms_dir, or from the
 * built-in ones when it is "".  A file that is no form is left out with a
 * warning; a directory that cannot be read is an error: NULL, with the
 * reason in err.
 */
struct formset *forms_load(const struct sw_config *cfg, struct strbuf *err);
/* The form served as file, or NULL. */
const struct form *forms_find(const struct formset *fs, const char *file);

/* The form set in use, shared by reference as the configuration is. */
void forms_publish(struct formset *fs);		/* takes the reference */
struct formset *forms_acquire(void);
void forms_release(struct formset *fs);

#endif
