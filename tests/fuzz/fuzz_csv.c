/* The CSV/HXL reader, fed in chunks: any bytes, no crash, no leak, bounded. */
#include <stddef.h>
#include <stdint.h>

#include "core/csvin.h"
#include "core/report.h"
#include "fuzz_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[32] = { 7 };

/* Each row goes through validation, as csv_import does. */
static void on_row(void *arg, json_t *obj, long row)
{
	json_t *errs = json_array();
	json_t *canon = report_validate(obj, (size_t)row, fuzz_cfg, 1700000000, errs);

	(void)arg;
	json_decref(canon);
	json_decref(errs);
	json_decref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte picks the chunk size, so splits land everywhere. */
	size_t chunk = size ? (size_t)data[0] % 17 + 1 : 1;
	struct csvin *r = csvin_new(size > 1 && data[1] & 1 ? "trucks" : NULL, "ngo", key, on_row, NULL);

	for (size_t off = size ? 1 : 0; off < size; off += chunk)
		csvin_feed(r, (const char *)data + off, size - off < chunk ? size - off : chunk);
	csvin_finish(r);
	csvin_free(r);
	return 0;
}
