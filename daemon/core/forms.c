#include "core/forms.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xform.h"
#include "util/log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct formset *current;

/* Reads a regular file of at most max bytes (caller frees); NULL with errno set. */
static char *read_file(const char *dir, const char *name, size_t max, size_t *len)
{
	char path[4096];
	struct stat st;
	char *buf = NULL;
	ssize_t got;
	int fd, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EISDIR;
		goto fail;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	*len = 0;
	while (*len < (size_t)st.st_size && (got = read(fd, buf + *len, (size_t)st.st_size - *len)) > 0)
		*len += (size_t)got;
	if (*len != (size_t)st.st_size) {
		errno = EIO;
		goto fail;
	}
	buf[*len] = '\0';
	close(fd);
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

static int by_file(const void *a, const void *b)
{
	return strcmp(((const struct form *)a)->info.file, ((const struct form *)b)->info.file);
}

/*
 * Makes the form to serve from a template (xform_make) and adds it to fs;
 * a template that is no form is left out with a warning.
 */
static void add(struct formset *fs, const struct sw_config *cfg, const char *where, const char *file,
		const char *tmpl, size_t len)
{
	struct strbuf made = STRBUF_INIT;
	struct form *f = &fs->forms[fs->n];
	char err[256];

	if (fs->n == FORMS_MAX) {
		log_warn("openrosa: more than %d forms in %s; %s and others left out", FORMS_MAX, where, file);
		return;
	}
	switch (xform_make(tmpl, len, cfg, &made, err, sizeof(err))) {
	case XFORM_REFUSED:
		log_warn("openrosa: form %s/%s left out: %s", where, file, err);
		sb_release(&made);
		return;
	case XFORM_AS_IS:
		sb_add(&made, tmpl, len);
		break;
	case XFORM_MADE:
		break;
	}
	if (openrosa_form_info(file, made.buf, made.len, &f->info, err, sizeof(err)) < 0) {
		log_warn("openrosa: form %s/%s left out: %s", where, file, err);
		sb_release(&made);
		return;
	}
	f->xml = sb_detach(&made, &f->len);
	fs->n++;
}

static void load_embedded(struct formset *fs, const struct sw_config *cfg)
{
	for (size_t i = 0; i < nembedded_forms; i++)
		add(fs, cfg, "(built in)", embedded_forms[i].file, embedded_forms[i].xml, embedded_forms[i].len);
}

static int load_dir(struct formset *fs, const struct sw_config *cfg, const char *dir, struct strbuf *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		sb_addf(err, "openrosa.forms_dir: cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len;
		char *xml;

		if (!openrosa_form_file_ok(e->d_name))
			continue;
		if (!(xml = read_file(dir, e->d_name, OPENROSA_MAX_XML, &len)))
			log_warn("openrosa: form %s/%s left out: %s", dir, e->d_name, strerror(errno));
		else
			add(fs, cfg, dir, e->d_name, xml, len);
		free(xml);
	}
	closedir(d);
	return 0;
}

static void formset_free(struct formset *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		openrosa_form_free(&fs->forms[i].info);
		free(fs->forms[i].xml);
	}
	free(fs);
}

struct formset *forms_load(const struct sw_config *cfg, struct strbuf *err)
{
	struct formset *fs = xcalloc(1, sizeof(*fs));
	const char *dir = cfg->forms_dir;

	fs->refs = 1;
	if (!dir || !*dir)
		load_embedded(fs, cfg);
	else if (load_dir(fs, cfg, dir, err) != 0) {
		formset_free(fs);
		return NULL;
	}
	qsort(fs->forms, fs->n, sizeof(fs->forms[0]), by_file);
	return fs;
}

const struct form *forms_find(const struct formset *fs, const char *file)
{
	for (size_t i = 0; fs && i < fs->n; i++)
		if (strcmp(fs->forms[i].info.file, file) == 0)
			return &fs->forms[i];
	return NULL;
}

void forms_publish(struct formset *fs)
{
	struct formset *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = fs;
	pthread_mutex_unlock(&lock);
	forms_release(old);
}

struct formset *forms_acquire(void)
{
	struct formset *fs;

	pthread_mutex_lock(&lock);
	fs = current;
	if (fs)
		fs->refs++;
	pthread_mutex_unlock(&lock);
	return fs;
}

void forms_release(struct formset *fs)
{
	int left;

	if (!fs)
		return;
	pthread_mutex_lock(&lock);
	left = --fs->refs;
	pthread_mutex_unlock(&lock);
	if (left == 0)
		formset_free(fs);
}
