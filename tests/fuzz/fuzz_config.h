/* A fixed configuration for the fuzz targets that validate reports. */
#ifndef SW_FUZZ_CONFIG_H
#define SW_FUZZ_CONFIG_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/config.h"

static struct sw_config *fuzz_cfg;

static void fuzz_config_init(void)
{
	char path[] = "/tmp/sw-fuzz-XXXXXX";
	struct strbuf err = STRBUF_INIT;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		abort();
	fputs("corridors = (\n"
	      "  { id = \"lachin\"; name = \"Lachin\"; baseline_trucks_per_day = 400;\n"
	      "    crossings = ( \"Hakari bridge\" ); },\n"
	      "  { id = \"rafah\"; name = \"Rafah\"; baseline_trucks_per_day = 500; }\n"
	      ");\n", f);
	fclose(f);
	unsetenv("TZDIR");
	fuzz_cfg = config_load(path, &err);
	unlink(path);
	if (!fuzz_cfg) {
		fputs(err.buf, stderr);
		abort();
	}
	sb_release(&err);
}

/* Targets that validate reports load the configuration once, before fuzzing. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_config_init();
	return 0;
}

#endif
