#include "util/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/valid.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

#define MO_MAGIC 0x950412deU
#define PLURAL_MAX 6		/* Arabic has the most forms of any language */
#define FMT_ARGS 16		/* printf arguments a message may take */

struct entry {
	const char *key;	/* msgctxt "\x04" msgid, NUL-terminated */
	const char *val;	/* the translation; plural forms separated by NUL */
	uint32_t vlen;
};

struct catalog {
	unsigned char *mo;	/* the file's bytes (owned): entries point into it */
	struct entry *e;	/* sorted by key */
	size_t n;
	char plural[256];	/* the Plural-Forms expression */
	unsigned nplurals;
};

const struct lang i18n_english = {
	.code = "en", .name = "English", .rtl = false, .cat = NULL,
	.digit = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" },
	.group = ",", .decimal = ".",
};

bool i18n_code_ok(const char *code)
{
	size_t a = strspn(code, "abcdefghijklmnopqrstuvwxyz"), b;

	if (a < 2 || a > 8)
		return false;
	if (code[a] == '\0')
		return true;
	if (code[a] != '_' && code[a] != '-')
		return false;
	b = strspn(code + a + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	return b >= 2 && b <= 8 && code[a + 1 + b] == '\0';
}

/* ---- the Plural-Forms expression: C's arithmetic on n, as gettext reads it ---- */

struct pexpr {
	const char *p;
	unsigned long n;
	int depth;
	bool bad;
};

static unsigned long p_cond(struct pexpr *x);

static void p_space(struct pexpr *x)
{
	while (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')
		x->p++;
}

static bool p_eat(struct pexpr *x, const char *tok)
{
	size_t len = strlen(tok);

	p_space(x);
	if (strncmp(x->p, tok, len) != 0)
		return false;
	/* "<" must not take the first half of "<=", nor "!" of "!=". */
	if (len == 1 && (tok[0] == '<' || tok[0] == '>' || tok[0] == '!' || tok[0] == '=') &&
	    x->p[1] == '=')
		return false;
	x->p += len;
	return true;
}

static unsigned long p_primary(struct pexpr *x)
{
	unsigned long v = 0;

	p_space(x);
	if (++x->depth > 64) {
		x->bad = true;
		return 0;
	}
	if (p_eat(x, "!")) {
		v = !p_primary(x);
	} else if (p_eat(x, "(")) {
		v = p_cond(x);
		if (!p_eat(x, ")"))
			x->bad = true;
	} else if (*x->p == 'n') {
		x->p++;
		v = x->n;
	} else if (*x->p >= '0' && *x->p <= '9') {
		while (*x->p >= '0' && *x->p <= '9') {
			if (v > (ULONG_MAX - 9) / 10)
				x->bad = true;
			v = v * 10 + (unsigned long)(*x->p++ - '0');
		}
	} else {
		x->bad = true;
	}
	x->depth--;
	return v;
}

static unsigned long p_mul(struct pexpr *x)
{
	unsigned long v = p_primary(x), r;

	for (;;) {
		if (p_eat(x, "*")) {
			v *= p_primary(x);
		} else if (p_eat(x, "/")) {
			r = p_primary(x);
			v = r ? v / r : 0;
		} else if (p_eat(x, "%")) {
			r = p_primary(x);
			v = r ? v % r : 0;
		} else {
			return v;
		}
	}
}

static unsigned long p_add(struct pexpr *x)
{
	unsigned long v = p_mul(x);

	for (;;) {
		if (p_eat(x, "+"))
			v += p_mul(x);
		else if (p_eat(x, "-"))
			v -= p_mul(x);
		else
			return v;
	}
}

static unsigned long p_rel(struct pexpr *x)
{
	unsigned long v = p_add(x);

	for (;;) {
		if (p_eat(x, "<="))
			v = v <= p_add(x);
		else if (p_eat(x, ">="))
			v = v >= p_add(x);
		else if (p_eat(x, "<"))
			v = v < p_add(x);
		else if (p_eat(x, ">"))
			v = v > p_add(x);
		else
			return v;
	}
}

static unsigned long p_eq(struct pexpr *x)
{
	unsigned long v = p_rel(x);

	for (;;) {
		if (p_eat(x, "=="))
			v = v == p_rel(x);
		else if (p_eat(x, "!="))
			v = v != p_rel(x);
		else
			return v;
	}
}

static unsigned long p_and(struct pexpr *x)
{
	unsigned long v = p_eq(x);

	while (p_eat(x, "&&")) {
		unsigned long r = p_eq(x);	/* both sides parsed; n has no side effects */

		v = v && r;
	}
	return v;
}

static unsigned long p_or(struct pexpr *x)
{
	unsigned long v = p_and(x);

	while (p_eat(x, "||")) {
		unsigned long r = p_and(x);

		v = v || r;
	}
	return v;
}

static unsigned long p_cond(struct pexpr *x)
{
	unsigned long c = p_or(x), a, b;

	if (!p_eat(x, "?"))
		return c;
	if (++x->depth > 64) {
		x->bad = true;
		return 0;
	}
	a = p_cond(x);
	if (!p_eat(x, ":"))
		x->bad = true;
	b = p_cond(x);
	x->depth--;
	return c ? a : b;
}

/* The plural form of n by expr; -1 when expr is not a valid expression. */
static long plural_eval(const char *expr, unsigned long n)
{
	struct pexpr x = { expr, n, 0, false };
	unsigned long v = p_cond(&x);

	p_space(&x);
	if (x.bad || (*x.p != '\0' && *x.p != ';'))
		return -1;
	return v > LONG_MAX ? LONG_MAX : (long)v;
}

/* Reads "nplurals=N; plural=EXPR;" from a catalogue header. */
static int parse_plural_forms(struct catalog *c, const char *header, struct strbuf *err)
{
	const char *h = strstr(header, "Plural-Forms:"), *np, *pl, *end;
	size_t len;

	c->nplurals = 2;
	snprintf(c->plural, sizeof(c->plural), "n != 1");
	if (!h)
		return 0;				/* gettext's own default: English rules */
	end = strchr(h, '\n');
	if (!end)
		end = h + strlen(h);
	np = strstr(h, "nplurals=");
	pl = strstr(h, "plural=");
	while (pl && pl > h && pl[-1] == 'n')		/* "nplurals=" also holds "plurals=" */
		pl = strstr(pl + 1, "plural=");
	if (!np || !pl || np > end || pl > end) {
		sb_addstr(err, "Plural-Forms: needs nplurals= and plural=");
		return -1;
	}
	c->nplurals = (unsigned)strtoul(np + 9, NULL, 10);
	if (c->nplurals < 1 || c->nplurals > PLURAL_MAX) {
		sb_addf(err, "Plural-Forms: nplurals must be 1 to %d", PLURAL_MAX);
		return -1;
	}
	pl += 7;
	len = (size_t)(end - pl);
	if (len >= sizeof(c->plural)) {
		sb_addstr(err, "Plural-Forms: the plural expression is too long");
		return -1;
	}
	memcpy(c->plural, pl, len);
	c->plural[len] = '\0';
	/* Every n must pick a form the catalogue has: checked over a range that covers every rule. */
	for (unsigned long n = 0; n <= 1000; n++) {
		long k = plural_eval(c->plural, n);

		if (k < 0 || (unsigned long)k >= c->nplurals) {
			sb_addf(err, k < 0 ? "Plural-Forms: \"%s\" is not a valid expression"
				: "Plural-Forms: \"%s\" picks a form past nplurals", c->plural);
			return -1;
		}
	}
	return 0;
}

/* ---- printf directives: a translation must take exactly the msgid's arguments ---- */

/*
 * The type of each argument fmt's directives take, in types[0..*nargs-1]
 * (a conversion letter, after a length letter or two).  -1 when fmt has a
 * directive a message may not have (%n, *, or mixed positional and not).
 */
static int fmt_args(const char *fmt, char types[FMT_ARGS][4], int *nargs)
{
	int next = 0, positional = -1;

	*nargs = 0;
	memset(types, 0, FMT_ARGS * 4);
	for (const char *p = fmt; (p = strchr(p, '%')); ) {
		char t[4] = "";
		size_t tl = 0;
		int arg;

		p++;
		if (*p == '%') {
			p++;
			continue;
		}
		if (*p >= '1' && *p <= '9' && p[strspn(p, "0123456789")] == '$') {
			arg = atoi(p) - 1;
			p += strspn(p, "0123456789") + 1;
			if (positional == 0)
				return -1;
			positional = 1;
		} else {
			arg = next++;
			if (positional == 1)
				return -1;
			positional = 0;
		}
		p += strspn(p, "-+ #0'I");
		p += strspn(p, "0123456789");
		if (*p == '.') {
			p++;
			p += strspn(p, "0123456789");
		}
		while (strchr("hlLqjzt", *p) && *p && tl < 2)
			t[tl++] = *p++;
		if (!*p || !strchr("diouxXeEfFgGaAcsp", *p) || arg < 0 || arg >= FMT_ARGS)
			return -1;
		t[tl++] = strchr("iouxX", *p) ? 'd' : strchr("eEfFgGaA", *p) ? 'f' : *p;
		p++;
		if (types[arg][0] && strcmp(types[arg], t) != 0)
			return -1;
		memcpy(types[arg], t, sizeof(t));
		if (arg + 1 > *nargs)
			*nargs = arg + 1;
	}
	for (int i = 0; i < *nargs; i++)
		if (!types[i][0])
			return -1;		/* an argument skipped: printf cannot know its type */
	return 0;
}

static bool same_args(const char *msgid, const char *msgstr)
{
	char a[FMT_ARGS][4], b[FMT_ARGS][4];
	int na, nb;

	if (fmt_args(msgid, a, &na) != 0)
		return !strchr(msgstr, '%');	/* no format: none may appear */
	if (fmt_args(msgstr, b, &nb) != 0 || na != nb)
		return false;
	return memcmp(a, b, sizeof(a)) == 0;
}

/* ---- the .mo file ---- */

static uint32_t get32(const unsigned char *p, bool swap)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

	return swap ? __builtin_bswap32(v) : v;
}

/* The string at table entry i, checked to lie in the file and end in NUL. */
static const char *mo_string(const unsigned char *mo, size_t len, uint32_t table, uint32_t i,
			     bool swap, uint32_t *slen)
{
	size_t at = (size_t)table + (size_t)i * 8;
	uint32_t l, off;

	if (at + 8 > len)
		return NULL;
	l = get32(mo + at, swap);
	off = get32(mo + at + 4, swap);
	if ((size_t)off + l >= len || mo[off + l] != '\0')
		return NULL;
	*slen = l;
	return (const char *)mo + off;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

/* Checks one translation against its msgid; false leaves it out. */
static bool entry_ok(const struct catalog *c, const char *key, uint32_t klen, const char *val,
		     uint32_t vlen, struct strbuf *warn)
{
	const char *id = strchr(key, '\x04') ? strchr(key, '\x04') + 1 : key;
	const char *plural = strlen(key) < klen ? key + strlen(key) + 1 : NULL;
	unsigned forms = 0;
	const char *why = NULL;

	if (!valid_utf8(key, strlen(key)) || (plural && !valid_utf8(plural, strlen(plural))))
		why = "is not valid UTF-8";
	(void)klen;
	for (const char *f = val; !why && f <= val + vlen; f += strlen(f) + 1) {
		forms++;
		if (!valid_utf8(f, strlen(f)))
			why = "is not valid UTF-8";
		else if (!*f && !plural)
			why = "is empty";
		else if (!same_args(id, f) || (plural && !same_args(plural, f)))
			why = "takes other printf arguments than its msgid";
	}
	if (!why && plural && forms != c->nplurals)
		why = "has another number of plural forms than nplurals";
	if (!why)
		return true;
	sb_addf(warn, "translation of \"%.60s\" %s: the English is used\n", id, why);
	return false;
}

static int mo_parse(struct catalog *c, size_t len, struct strbuf *err, struct strbuf *warn)
{
	const unsigned char *mo = c->mo;
	uint32_t magic, n, orig, trans;
	bool swap;

	if (len < 28) {
		sb_addstr(err, "is not a .mo file (too short)");
		return -1;
	}
	magic = get32(mo, false);
	if (magic != MO_MAGIC && magic != __builtin_bswap32(MO_MAGIC)) {
		sb_addstr(err, "is not a .mo file (bad magic number)");
		return -1;
	}
	swap = magic != MO_MAGIC;
	if (get32(mo + 4, swap) >> 16 > 1) {
		sb_addstr(err, "is a .mo file of an unknown major revision");
		return -1;
	}
	n = get32(mo + 8, swap);
	orig = get32(mo + 12, swap);
	trans = get32(mo + 16, swap);
	if (n > len / 16 || (size_t)orig + (size_t)n * 8 > len || (size_t)trans + (size_t)n * 8 > len) {
		sb_addstr(err, "is a damaged .mo file (tables past its end)");
		return -1;
	}
	c->e = xcalloc(n ? n : 1, sizeof(*c->e));
	/* The header first: Plural-Forms decides how many forms a plural must have. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t kl, vl;
		const char *k = mo_string(mo, len, orig, i, swap, &kl);
		const char *v = mo_string(mo, len, trans, i, swap, &vl);

		if (!k || !v) {
			sb_addf(err, "is a damaged .mo file (string %u past its end)", i);
			return -1;
		}
		if (kl == 0 && parse_plural_forms(c, v, err) != 0)
			return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t kl, vl;
		const char *k = mo_string(mo, len, orig, i, swap, &kl);
		const char *v = mo_string(mo, len, trans, i, swap, &vl);

		if (kl == 0 || !entry_ok(c, k, kl, v, vl, warn))
			continue;
		c->e[c->n++] = (struct entry){ k, v, vl };
	}
	qsort(c->e, c->n, sizeof(*c->e), by_key);
	return 0;
}

/* ---- lookup ---- */

/* key against ctx "\x04" id (ctx NULL: id alone). */
static int key_cmp(const char *ctx, const char *id, const char *key)
{
	if (ctx) {
		size_t cl = strlen(ctx);
		int r = strncmp(ctx, key, cl);

		if (r)
			return r;
		if (key[cl] != '\x04')
			return key[cl] < '\x04' ? 1 : -1;
		key += cl + 1;
	}
	return strcmp(id, key);
}

static const struct entry *find(const struct lang *L, const char *ctx, const char *id)
{
	const struct catalog *c = L ? L->cat : NULL;
	size_t lo = 0, hi = c ? c->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = key_cmp(ctx, id, c->e[mid].key);

		if (r == 0)
			return &c->e[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *tr(const struct lang *L, const char *msgid)
{
	const struct entry *e = find(L, NULL, msgid);

	return e ? e->val : msgid;
}

const char *trp(const struct lang *L, const char *ctx, const char *msgid)
{
	const struct entry *e = find(L, ctx, msgid);

	return e ? e->val : msgid;
}

const char *trn(const struct lang *L, const char *msgid, const char *plural, uint64_t n)
{
	const struct entry *e = find(L, NULL, msgid);
	unsigned long k;
	const char *f;

	if (!e)
		return n == 1 ? msgid : plural;
	k = (unsigned long)plural_eval(L->cat->plural, (unsigned long)n);	/* checked at load */
	f = e->val;
	for (unsigned long i = 0; i < k && i + 1 < L->cat->nplurals; i++)
		f += strlen(f) + 1;
	return f;
}

size_t i18n_count(const struct lang *L)
{
	return L && L->cat ? L->cat->n : 0;
}

/* ---- loading ---- */

/* Splits s into exactly ten UTF-8 characters; false when it is not ten. */
static bool split_digits(const char *s, char digit[10][8])
{
	int k = 0;

	while (*s && k < 10) {
		size_t l = 1;

		while ((s[l] & 0xC0) == 0x80)
			l++;
		if (l >= 8)
			return false;
		memcpy(digit[k], s, l);
		digit[k][l] = '\0';
		s += l;
		k++;
	}
	return k == 10 && !*s;
}

static void copy_symbol(char *dst, const char *src, const char *def)
{
	size_t l = strlen(src);

	if (l == 0 || l >= 8)
		src = def, l = strlen(def);
	memcpy(dst, src, l + 1);
}

static void lang_meta(struct lang *L)
{
	/* TRANSLATORS: your language's name for itself, as the language switcher shows it. */
	L->name = trp(L, "language name", "English");
	/* TRANSLATORS: "rtl" if your language is written right to left, else "ltr". */
	L->rtl = strcmp(trp(L, "text direction", "ltr"), "rtl") == 0;
	/* TRANSLATORS: the ten digits 0 to 9 as your language writes numbers. */
	if (!split_digits(trp(L, "digits", "0123456789"), L->digit))
		memcpy(L->digit, i18n_english.digit, sizeof(L->digit));
	/* TRANSLATORS: the thousands separator: "120,000" in English. */
	copy_symbol(L->group, trp(L, "thousands separator", ","), ",");
	/* TRANSLATORS: the decimal separator: "37.5" in English. */
	copy_symbol(L->decimal, trp(L, "decimal separator", "."), ".");
}

struct lang *i18n_load_mo(const char *code, const unsigned char *mo, size_t len,
			  struct strbuf *err, struct strbuf *warn)
{
	struct lang *L = xcalloc(1, sizeof(*L));

	*L = i18n_english;
	snprintf(L->code, sizeof(L->code), "%s", code);
	if (mo) {
		L->cat = xcalloc(1, sizeof(*L->cat));
		L->cat->mo = xmalloc(len + 1);
		memcpy(L->cat->mo, mo, len);
		L->cat->mo[len] = '\0';
		if (mo_parse(L->cat, len, err, warn) != 0) {
			i18n_free(L);
			return NULL;
		}
	}
	lang_meta(L);
	return L;
}

struct lang *i18n_load(const char *dir, const char *code, struct strbuf *err, struct strbuf *warn)
{
	char path[PATH_MAX];
	struct stat st;
	unsigned char *buf;
	struct lang *L;
	ssize_t got;
	size_t len = 0;
	int fd;

	if (!i18n_code_ok(code)) {
		sb_addf(err, "\"%s\" is not a language code (like \"ar\" or \"pt_BR\")", code);
		return NULL;
	}
	if (strcmp(code, "en") == 0)
		return i18n_load_mo(code, NULL, 0, err, warn);
	snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/" I18N_DOMAIN ".mo", dir, code);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > I18N_MO_MAX) {
		sb_addf(err, "no catalogue for \"%s\": %s: %s", code, path,
			fd < 0 ? strerror(errno) : "not a regular file of at most 8 MiB");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size && (got = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)got;
	close(fd);
	if (len != (size_t)st.st_size) {
		sb_addf(err, "cannot read %s", path);
		free(buf);
		return NULL;
	}
	L = i18n_load_mo(code, buf, len, err, warn);
	if (!L)
		sb_addf(err, ": %s", path);
	free(buf);
	return L;
}

void i18n_free(struct lang *L)
{
	if (!L)
		return;
	if (L->cat) {
		free(L->cat->e);
		free(L->cat->mo);
		free(L->cat);
	}
	free(L);
}

static char default_dir[PATH_MAX] = LOCALEDIR;
static pthread_once_t default_dir_once = PTHREAD_ONCE_INIT;

static void find_default_dir(void)
{
	char exe[PATH_MAX], dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	struct stat st;

	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	/* A build directory holds its compiled catalogues in locale/. */
	if ((size_t)snprintf(dir, sizeof(dir), "%s/locale", exe) < sizeof(dir) &&
	    stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		memcpy(default_dir, dir, sizeof(dir));
}

const char *i18n_default_dir(void)
{
	pthread_once(&default_dir_once, find_default_dir);
	return default_dir;
}

/* ---- choosing a language ---- */

/* Whether tag (len bytes, any case, "-" or "_") is code or a more specific form of it. */
static bool tag_matches(const char *tag, size_t len, const char *code, bool exact)
{
	size_t cl = strlen(code), i;

	if (len < cl)
		return false;
	for (i = 0; i < cl; i++) {
		char a = (char)(tag[i] >= 'A' && tag[i] <= 'Z' ? tag[i] + 32 : tag[i]);
		char b = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);

		if (a == '_')
			a = '-';
		if (b == '_')
			b = '-';
		if (a != b)
			return false;
	}
	return len == cl || (!exact && tag[cl] == '-');
}

/* The language tag names, or -1: an exact match first, then by primary subtag. */
static int lookup_tag(struct lang *const *langs, size_t n, const char *tag, size_t len)
{
	/* "iw" is Hebrew's withdrawn code, still sent by older Android phones. */
	if (len >= 2 && (tag[0] == 'i' || tag[0] == 'I') && (tag[1] == 'w' || tag[1] == 'W') &&
	    (len == 2 || tag[2] == '-' || tag[2] == '_'))
		return lookup_tag(langs, n, "he", 2);
	for (size_t i = 0; i < n; i++)
		if (tag_matches(tag, len, langs[i]->code, true))
			return (int)i;
	for (size_t i = 0; i < n; i++)
		if (tag_matches(tag, len, langs[i]->code, false))
			return (int)i;
	/* "pt-PT" asked, only "pt_BR" served: the same language still reads better than the default. */
	for (size_t i = 0; i < n; i++) {
		size_t p = strcspn(langs[i]->code, "_-");

		if (langs[i]->code[p] && p <= len && (p == len || tag[p] == '-' || tag[p] == '_') &&
		    strncasecmp(tag, langs[i]->code, p) == 0)
			return (int)i;
	}
	return -1;
}

/* A q-value ("1", "0.8", "0.000"), in thousandths; -1 when malformed. */
static int qvalue(const char *s, size_t len)
{
	int q = 0, digits = 0;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (s[1] != '.' || len > 5)
		return -1;
	for (size_t i = 2; i < len; i++, digits++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * (digits == 0 ? 100 : digits == 1 ? 10 : 1);
	}
	return q > 1000 ? -1 : q;
}

size_t i18n_choose(struct lang *const *langs, size_t n, const char *query, const char *accept)
{
	int best = -1, best_q = 0;

	if (n == 0)
		return 0;
	if (query && *query) {
		int k = lookup_tag(langs, n, query, strlen(query));

		if (k >= 0)
			return (size_t)k;
	}
	/* Accept-Language: tag [;q=x], ...: the highest q wins, the first among equals. */
	for (const char *p = accept; p && *p; ) {
		const char *end = p + strcspn(p, ","), *semi;
		const char *tag = p;
		size_t tlen;
		int q = 1000, k;

		while (tag < end && (*tag == ' ' || *tag == '\t'))
			tag++;
		semi = memchr(tag, ';', (size_t)(end - tag));
		tlen = (size_t)((semi ? semi : end) - tag);
		while (tlen && (tag[tlen - 1] == ' ' || tag[tlen - 1] == '\t'))
			tlen--;
		if (semi) {
			const char *v = semi + 1;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (end - v >= 2 && (v[0] == 'q' || v[0] == 'Q') && v[1] == '=') {
				size_t vl = (size_t)(end - v - 2);

				while (vl && (v[2 + vl - 1] == ' ' || v[2 + vl - 1] == '\t'))
					vl--;
				q = qvalue(v + 2, vl);
			} else {
				q = -1;
			}
		}
		k = tlen == 1 && *tag == '*' ? 0 : lookup_tag(langs, n, tag, tlen);
		if (q > best_q && k >= 0) {
			best = k;
			best_q = q;
		}
		p = *end ? end + 1 : end;
	}
	return best >= 0 ? (size_t)best : 0;
}

/* ---- numbers and dates ---- */

void i18n_add_digits(struct strbuf *out, const struct lang *L, const char *s)
{
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			sb_addstr(out, L->digit[*s - '0']);
		else
			sb_addch(out, *s);
	}
}

/* Appends the digits of u with the language's group separator every three. */
static size_t put_grouped(const struct lang *L, uint64_t u, char *out, size_t at, size_t cap)
{
	char d[24];
	int len = snprintf(d, sizeof(d), "%llu", (unsigned long long)u);

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			at += (size_t)snprintf(out + at, cap - at, "%s", L->group);
		at += (size_t)snprintf(out + at, cap - at, "%s", L->digit[d[i] - '0']);
	}
	return at;
}

/*
 * A minus sign at the start of out; returns its length.  In a right-to-left
 * language a left-to-right mark keeps it on the number's left ("-50", not
 * "50-"), as CLDR writes Hebrew's.
 */
static size_t minus(const struct lang *L, char *out)
{
	if (!L->rtl) {
		out[0] = '-';
		return 1;
	}
	memcpy(out, "\xe2\x80\x8e-", 4);
	return 4;
}

const char *i18n_int(const struct lang *L, int64_t n, char out[I18N_NUM_LEN])
{
	size_t at = 0;
	uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;

	if (n < 0)
		at = minus(L, out);
	out[at] = '\0';
	put_grouped(L, u, out, at, I18N_NUM_LEN);
	return out;
}

static const char *decimal(const struct lang *L, double x, int places, char out[I18N_NUM_LEN])
{
	double scale = places == 1 ? 10.0 : 100.0;
	double r = round(fabs(x) * scale);		/* halves away from zero */
	uint64_t whole, frac;
	size_t at = 0;

	if (!isfinite(x) || r > 9e17) {
		snprintf(out, I18N_NUM_LEN, "?");
		return out;
	}
	whole = (uint64_t)r / (uint64_t)scale;
	frac = (uint64_t)r % (uint64_t)scale;
	if (x < 0 && r > 0)
		at = minus(L, out);
	out[at] = '\0';
	at = put_grouped(L, whole, out, at, I18N_NUM_LEN);
	at += (size_t)snprintf(out + at, I18N_NUM_LEN - at, "%s", L->decimal);
	if (places == 2)
		at += (size_t)snprintf(out + at, I18N_NUM_LEN - at, "%s", L->digit[frac / 10]);
	snprintf(out + at, I18N_NUM_LEN - at, "%s", L->digit[frac % 10]);
	return out;
}

const char *i18n_dec1(const struct lang *L, double x, char out[I18N_NUM_LEN])
{
	return decimal(L, x, 1, out);
}

const char *i18n_dec2(const struct lang *L, double x, char out[I18N_NUM_LEN])
{
	return decimal(L, x, 2, out);
}

const char *i18n_pct1(const struct lang *L, double x, char out[I18N_NUM_LEN])
{
	char n[I18N_NUM_LEN];

	decimal(L, x, 1, n);
	/* TRANSLATORS: a percentage; %s is the number, already written your way. */
	snprintf(out, I18N_NUM_LEN, trp(L, "percent", "%s%%"), n);
	return out;
}

static const char *const months[12] = {
	NP_("month in a date", "January"), NP_("month in a date", "February"),
	NP_("month in a date", "March"), NP_("month in a date", "April"),
	NP_("month in a date", "May"), NP_("month in a date", "June"),
	NP_("month in a date", "July"), NP_("month in a date", "August"),
	NP_("month in a date", "September"), NP_("month in a date", "October"),
	NP_("month in a date", "November"), NP_("month in a date", "December"),
};

/* ASCII s with its digits written the language's way, into out (cap bytes). */
static const char *digits_of(const struct lang *L, const char *s, char *out, size_t cap)
{
	size_t at = 0;

	out[0] = '\0';
	for (; *s && at < cap; s++) {
		if (*s >= '0' && *s <= '9')
			at += (size_t)snprintf(out + at, cap - at, "%s", L->digit[*s - '0']);
		else
			at += (size_t)snprintf(out + at, cap - at, "%c", *s);
	}
	return out;
}

const char *i18n_date(const struct lang *L, int64_t days, char out[I18N_DATE_LEN])
{
	struct sw_date d = date_from_days(days);
	char day[I18N_NUM_LEN], year[I18N_NUM_LEN], a[16];

	snprintf(a, sizeof(a), "%d", d.day);
	digits_of(L, a, day, sizeof(day));
	snprintf(a, sizeof(a), "%d", d.year);
	digits_of(L, a, year, sizeof(year));
	/*
	 * TRANSLATORS: a date: %1$s the day of the month, %2$s the month's name
	 * (context "month in a date"), %3$s the year, all already written your
	 * way.  Reorder them with %N$s, add words ("г.", "թ."), keep all three.
	 */
	snprintf(out, I18N_DATE_LEN, trp(L, "date", "%s %s %s"), day,
		 trp(L, "month in a date", months[d.month - 1]), year);
	return out;
}

/* t + offset split into its day and "HH:MM" written the language's way. */
static int64_t split_instant(const struct lang *L, int64_t t, char hm[I18N_NUM_LEN])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	unsigned secs = (unsigned)(t - days * 86400) % 86400;
	char clock[16];

	snprintf(clock, sizeof(clock), "%02u:%02u", secs / 3600 % 24, secs / 60 % 60);
	digits_of(L, clock, hm, I18N_NUM_LEN);
	return days;
}

const char *i18n_utc(const struct lang *L, int64_t t, char out[I18N_DATE_LEN])
{
	char date[I18N_DATE_LEN], hm[I18N_NUM_LEN];

	i18n_date(L, split_instant(L, t, hm), date);
	/* TRANSLATORS: an instant: %1$s a date as written above, %2$s the time (13:21) in UTC. */
	snprintf(out, I18N_DATE_LEN, trp(L, "date and time", "%s, %s UTC"), date, hm);
	return out;
}

const char *i18n_local(const struct lang *L, int64_t t, int offset, char out[I18N_DATE_LEN])
{
	char date[I18N_DATE_LEN], hm[I18N_NUM_LEN], off[I18N_NUM_LEN], a[24];
	int abs_off = offset < 0 ? -offset : offset;
	size_t at = 0;

	i18n_date(L, split_instant(L, t + offset, hm), date);
	snprintf(a, sizeof(a), "UTC%c%02d:%02d", offset < 0 ? '-' : '+', abs_off / 3600 % 100,
		 abs_off / 60 % 60);
	/* Isolated left to right, "UTC+04:00" keeps its order inside a right-to-left sentence. */
	if (L->rtl)
		at = (size_t)snprintf(off, sizeof(off), "\xe2\x81\xa6");
	digits_of(L, a, off + at, sizeof(off) - at - 4);
	if (L->rtl)
		strcat(off, "\xe2\x81\xa9");
	/*
	 * TRANSLATORS: a local instant: %1$s a date, %2$s the local time (08:00),
	 * %3$s its offset from UTC ("UTC+04:00").
	 */
	snprintf(out, I18N_DATE_LEN, trp(L, "local date and time", "%s, %s (%s)"), date, hm, off);
	return out;
}
