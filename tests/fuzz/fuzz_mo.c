/* The .mo catalogue reader and its checks: any bytes, no crash, no leak; what loads answers lookups. */
#include <stddef.h>
#include <stdint.h>

#include "util/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, warn = STRBUF_INIT;
	struct lang *L = i18n_load_mo("xx", data, size, &err, &warn);

	if (L) {
		char n[I18N_NUM_LEN], d[I18N_DATE_LEN];

		for (uint64_t k = 0; k < 300; k += 7)
			(void)trn(L, "%s day", "%s days", k);
		(void)trp(L, "status", "open");
		(void)i18n_int(L, -1234567, n);
		(void)i18n_pct1(L, 99.95, n);
		(void)i18n_local(L, 1672718400, -12600, d);
	}
	i18n_free(L);
	sb_release(&err);
	sb_release(&warn);
	return 0;
}
