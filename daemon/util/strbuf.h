/*
 * strbuf: the one growable byte buffer used for all output.  Its functions
 * are prefixed sb_ because libconfig exports strbuf_* symbols of its own.
 *
 * Rules (after git's strbuf): a strbuf is never NULL and buf is always
 * NUL-terminated, so it can be passed to C string functions at any time.
 * Initialise with STRBUF_INIT; release with sb_release(); hand the
 * memory over with sb_detach(), after which the caller owns it.
 * Allocation failure aborts: the daemon bounds every input, so running
 * out of memory is not a condition it can recover from sensibly.
 */
#ifndef SW_STRBUF_H
#define SW_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char sb_slopbuf[];
#define STRBUF_INIT { 0, 0, sb_slopbuf }

void sb_init(struct strbuf *sb);
void sb_release(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
/* Returns the buffer (caller frees) and leaves sb empty. */
char *sb_detach(struct strbuf *sb, size_t *len);
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t len);
void sb_addstr(struct strbuf *sb, const char *s);
void sb_addch(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Allocation helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
