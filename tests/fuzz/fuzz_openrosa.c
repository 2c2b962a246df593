/* The OpenRosa instance mapping (libxml2): any bytes, no crash, no leak, no entity. */
#include <stddef.h>
#include <stdint.h>

#include "core/openrosa.h"
#include "core/report.h"
#include "fuzz_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_t *obj = openrosa_instance_to_report((const char *)data, size, &i18n_english, err, sizeof(err));

	if (obj) {
		json_t *errs = json_array();
		json_t *canon = report_validate(obj, 0, fuzz_cfg, 1700000000, errs);

		json_decref(canon);
		json_decref(errs);
		json_decref(obj);
	}
	return 0;
}
