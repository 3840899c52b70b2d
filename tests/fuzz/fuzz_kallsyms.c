// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the /proc/kallsyms reader (ks_kallsyms_load) that
 * ksplice-apply trusts for every address it resolves, then lookups.
 */
#include "fuzz_common.h"
#include "match/kallsyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("kallsyms", data, size);
	struct ks_kallsyms ks;
	char err[512];

	if (ks_kallsyms_load(path, &ks, err, sizeof(err)) == 0) {
		uint64_t off;
		size_t i;

		(void)ks_kallsyms_module_loaded(&ks, "ext4");
		for (i = 0; i < ks.nr && i < 64; i++) {
			(void)ks_kallsyms_lookup(&ks, ks.syms[i].addr + 1, &off);
			(void)ks_kallsyms_has_at(&ks, "printk", ks.syms[i].addr);
		}
		ks_kallsyms_free(&ks);
	}
	return 0;
}
