/*
 * iplimit: how many requests of one sort each client address has in
 * flight, so no address can hold more than its share (e.g. of the work
 * the database does for requests without a token).  Thread-safe; an entry
 * lives only while its count is above zero (core/inflight.h).
 */
#ifndef SW_IPLIMIT_H
#define SW_IPLIMIT_H

#include <stdbool.h>
#include <sys/socket.h>

/*
 * The address as 16 bytes: IPv4 (also IPv4-mapped IPv6) as ::ffff:a.b.c.d,
 * so one client counts once whichever way it came; IPv6 by its /64, the
 * block one subscriber gets, so a client cannot be many by changing the
 * low bits of its address.  False
 * for a unix socket or an unknown family: nothing to count by.
 */
bool iplimit_key(const struct sockaddr *addr, unsigned char key[16]);
/* Counts one more request from addr unless it has max already (then false). */
bool iplimit_enter(const struct sockaddr *addr, int max);
/* The request that iplimit_enter counted has ended. */
void iplimit_leave(const struct sockaddr *addr);
/* Requests in flight from addr (tests). */
int iplimit_count(const struct sockaddr *addr);

#endif
