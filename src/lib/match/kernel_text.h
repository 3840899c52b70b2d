/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running kernel's code as it is now (after boot-time rewriting):
 * read live from /proc/kcore, or from a capture directory made by
 * scripts/capture-run-text (for host tests).
 */
#ifndef KS_KERNEL_TEXT_H
#define KS_KERNEL_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct ks_text_segment {
	uint64_t vaddr;
	uint64_t len;
	uint64_t file_off;	/* kcore: where the segment is in the file */
	unsigned char *data;	/* capture: the bytes (owned) */
};

struct ks_kernel_text {
	int fd;			/* /proc/kcore, or -1 for a capture */
	struct ks_text_segment *segs;
	size_t nr_segs;
};

/* Open /proc/kcore (or another ELF core file): its PT_LOAD segments. */
int ks_text_open_kcore(struct ks_kernel_text *t, const char *path,
		       char *err, size_t errlen);

/* Open a capture directory (its `regions` file and text-*.bin). */
int ks_text_open_capture(struct ks_kernel_text *t, const char *dir,
			 char *err, size_t errlen);

/* Read LEN bytes at kernel address ADDR; 0 on success, -1 if not there. */
int ks_text_read(const struct ks_kernel_text *t, uint64_t addr, void *buf,
		 size_t len);

void ks_text_close(struct ks_kernel_text *t);

#endif /* KS_KERNEL_TEXT_H */
