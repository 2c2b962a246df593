/* The JSON report parser and validator: any bytes, no crash, no leak. */
#include <stddef.h>
#include <stdint.h>

#include "core/report.h"
#include "fuzz_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *errs = json_array(), *canon = NULL, *raw = NULL;
	char msg[256];

	if (report_parse_body((const char *)data, size, fuzz_cfg, 1700000000, &canon, &raw, errs,
			      msg, sizeof(msg)) == 0) {
		size_t i;
		json_t *c;

		/* What validation accepts must hash and turn into parameters. */
		json_array_foreach(canon, i, c) {
			unsigned char h[32];
			char buf[64];

			report_hash(c, h);
			report_param(c, "tonnes", buf, sizeof(buf));
		}
	}
	json_decref(canon);
	json_decref(raw);
	json_decref(errs);
	return 0;
}
