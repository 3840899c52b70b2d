// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: how ksplice-apply cuts resolve lines into sysfs
 * writes (ks_sysfs_chunk_len): every write holds whole lines and at most
 * one page, and the writes together are the text.  (The kernel side of
 * the sysfs files is fuzzed in a guest: tests/fuzz/sysfs-fuzz-guest.c.)
 */
#include "fuzz_common.h"
#include "apply/ksplice_sysfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size), *p = text;
	size_t n;

	while (*p) {
		n = ks_sysfs_chunk_len(p);
		if (n == 0) {
			/* only when the first line alone is longer than a page */
			if (strcspn(p, "\n") + 1 <= 4096 && strchr(p, '\n'))
				abort();
			break;
		}
		if (n > 4096 || n > strlen(p))
			abort();
		if (p[n - 1] != '\n' && p[n] != '\0')
			abort();	/* cut inside a line */
		p += n;
	}
	free(text);
	return 0;
}
