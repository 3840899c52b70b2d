// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the two ELF object readers, the object diff's
 * (ks_object_read, elf_object.c: sections, symbols, relocations) and the
 * matcher's (ks_pre_open, pre_object.c: the pre objects a package
 * carries), on arbitrary bytes, then the lookups the tools make.
 */
#include "fuzz_common.h"
#include "diff/elf_object.h"
#include "code/pre_object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("in.o", data, size);
	struct ks_object obj;
	struct ks_pre_code pre;
	char err[512];
	size_t i;

	if (ks_object_read(path, &obj, err, sizeof(err)) == 0) {
		for (i = 0; i < obj.nr_syms; i++)
			(void)ks_sym_section(&obj, &obj.syms[i]);
		(void)ks_find_section(&obj, ".text");
		(void)ks_find_symbol(&obj, "main");
		ks_object_free(&obj);
	}
	if (ks_pre_open(path, &pre, err, sizeof(err)) == 0) {
		(void)ks_pre_find_sym(&pre, "ksplice_target_value");
		for (i = 0; i < pre.nr_secs; i++)
			(void)ks_pre_reloc_at(&pre.secs[i], 5);
		ks_pre_close(&pre);
	}
	return 0;
}
