/*
 * unit_config.h: a configuration for unit tests, written to a private temp
 * directory and loaded with config_load (shared by the test programs).
 */
#ifndef SW_UNIT_CONFIG_H
#define SW_UNIT_CONFIG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "util/strbuf.h"

static char unit_config_dir[64];
static char unit_config_path[96];

/* Loads text as a configuration file; NULL (with the errors on stderr) if invalid. */
static struct sw_config *unit_config_load(const char *text)
{
	struct strbuf err = STRBUF_INIT;
	struct sw_config *c;
	FILE *f;

	unsetenv("TZDIR");	/* time zones from /usr/share/zoneinfo */
	snprintf(unit_config_dir, sizeof(unit_config_dir), "/tmp/sw-unit-XXXXXX");
	if (!mkdtemp(unit_config_dir))
		return NULL;
	snprintf(unit_config_path, sizeof(unit_config_path), "%s/sw.conf", unit_config_dir);
	f = fopen(unit_config_path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	c = config_load(unit_config_path, &err);
	if (!c)
		fprintf(stderr, "config_load: %s", err.buf);
	sb_release(&err);
	return c;
}

static void unit_config_free(struct sw_config *c)
{
	config_free(c);
	unlink(unit_config_path);
	rmdir(unit_config_dir);
}

/*
 * cmocka group setup/teardown around one configuration: define
 * `static const char config_text[]` before including this header.
 */
#ifdef UNIT_CONFIG_GROUP
static struct sw_config *cfg;

static int setup_config(void **state)
{
	(void)state;
	cfg = unit_config_load(config_text);
	return cfg ? 0 : -1;
}

static int teardown_config(void **state)
{
	(void)state;
	unit_config_free(cfg);
	return 0;
}
#endif

#endif
