/* The HTTP request router: any method and path, a route or none, never out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* "METHOD\0PATH": libmicrohttpd hands both over as C strings. */
	char *buf = malloc(size + 2);
	const char *method, *path;
	char allowed[64];
	char capture[64];
	const struct route *r;

	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	method = buf;
	path = buf + strlen(buf) + 1 <= buf + size ? buf + strlen(buf) + 1 : buf + size + 1;
	r = http_route_find(method, path, capture, sizeof(capture), allowed, sizeof(allowed));
	if ((r && strlen(capture) >= sizeof(capture)) || strlen(allowed) >= sizeof(allowed))
		abort();
	free(buf);
	return 0;
}
