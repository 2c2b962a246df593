/* The configuration loader: any file, a config or file:line errors, no crash, no leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/sw-fuzz-conf-XXXXXX";
	struct strbuf err = STRBUF_INIT;
	struct sw_config *cfg;
	int fd = mkstemp(path);

	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	cfg = config_load(path, &err);
	/* Exactly one of the two: a config, or at least one error line. */
	if (!cfg == !err.len)
		abort();
	config_free(cfg);
	sb_release(&err);
	unlink(path);
	return 0;
}
