/*
 * org: the organisation a verified token belongs to, and what the token
 * may do, as the request paths carry it.  Plain data, copied by value.
 */
#ifndef SW_ORG_H
#define SW_ORG_H

#include <stdbool.h>

/* What a token may do: submit reports (every token before scopes), review them, or read. */
enum scope { SCOPE_SUBMIT, SCOPE_REVIEW, SCOPE_READ };
extern const char *const scope_names[];	/* indexed by enum scope; NULL-terminated */
/* The scope called s, or -1. */
int scope_parse(const char *s);

struct org {
	char id[16];		/* decimal, as a statement parameter */
	char slug[64];
	int scope;		/* enum scope: the token's, not the organisation's */
	bool reviewer;		/* the organisation may review others' reports */
};

#endif
