#include "core/iplimit.h"

#include <netinet/in.h>
#include <string.h>

#include "core/inflight.h"

static struct inflight table = INFLIGHT_INIT;

bool iplimit_key(const struct sockaddr *sa, unsigned char key[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		memcpy(key, mapped, 12);
		memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		/* One subscriber is a /64 (RFC 6177): its other 2^64 addresses are the same client. */
		if (memcmp(key, mapped, 12) != 0)
			memset(key + 8, 0, 8);
		return true;
	}
	return false;
}

bool iplimit_enter(const struct sockaddr *addr, int max)
{
	unsigned char key[16];

	return !iplimit_key(addr, key) || inflight_enter(&table, key, sizeof(key), max);
}

void iplimit_leave(const struct sockaddr *addr)
{
	unsigned char key[16];

	if (iplimit_key(addr, key))
		inflight_leave(&table, key, sizeof(key));
}

int iplimit_count(const struct sockaddr *addr)
{
	unsigned char key[16];

	return iplimit_key(addr, key) ? inflight_count(&table, key, sizeof(key)) : 0;
}
