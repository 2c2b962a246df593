/*
 * org: the organisation a verified token belongs to, as the request
 * paths carry it.  Plain data, copied by value.
 */
#ifndef SW_ORG_H
#define SW_ORG_H

struct org {
	char id[16];		/* decimal, as a statement parameter */
	char slug[64];
};

#endif
