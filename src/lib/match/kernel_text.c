// SPDX-License-Identifier: GPL-2.0
/* Reading the running kernel's text; see kernel_text.h. */
#include "match/kernel_text.h"
#include "util/error.h"
#include "util/array.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ks_text_open_kcore(struct ks_kernel_text *t, const char *path,
		       char *err, size_t errlen)
{
	size_t phnum;
	Elf *e;

	memset(t, 0, sizeof(*t));
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		ks_set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	/* ELF_C_READ, not mmap: kcore claims a size of the whole address space. */
	e = elf_begin(t->fd, ELF_C_READ, NULL);
	if (!e || elf_getphdrnum(e, &phnum)) {
		ks_set_err(err, errlen, "%s is not an ELF core file: %s", path,
			   elf_errmsg(-1));
		goto fail;
	}
	t->segs = calloc(phnum, sizeof(*t->segs));
	if (!t->segs) {
		ks_set_err(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		t->segs[t->nr_segs].vaddr = ph.p_vaddr;
		t->segs[t->nr_segs].len = ph.p_memsz;
		t->segs[t->nr_segs].file_off = ph.p_offset;
		t->nr_segs++;
	}
	elf_end(e);
	return 0;
fail:
	if (e)
		elf_end(e);
	ks_text_close(t);
	return -1;
}

static int read_file(const char *path, unsigned char **data, uint64_t len)
{
	FILE *f = fopen(path, "rb");
	int ok;

	if (!f)
		return -1;
	*data = malloc(len ? len : 1);
	ok = *data && fread(*data, 1, len, f) == len;
	fclose(f);
	if (!ok) {
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

int ks_text_open_capture(struct ks_kernel_text *t, const char *dir,
			 char *err, size_t errlen)
{
	char path[4096], name[256], file[256];
	unsigned long long start, len;
	FILE *f;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	snprintf(path, sizeof(path), "%s/regions", dir);
	f = fopen(path, "r");
	if (!f) {
		ks_set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while (fscanf(f, "%255s %llx %llu %255s", name, &start, &len, file) == 4) {
		struct ks_text_segment *n = ks_try_grow(t->segs, t->nr_segs, 1,
							sizeof(*n));

		if (!n)
			break;
		t->segs = n;
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (read_file(path, &n[t->nr_segs].data, len)) {
			ks_set_err(err, errlen, "cannot read %llu bytes from %s",
				   len, path);
			fclose(f);
			ks_text_close(t);
			return -1;
		}
		n[t->nr_segs].vaddr = start;
		n[t->nr_segs].len = len;
		t->nr_segs++;
	}
	fclose(f);
	if (!t->nr_segs) {
		ks_set_err(err, errlen, "%s/regions lists no text", dir);
		return -1;
	}
	return 0;
}

int ks_text_read(const struct ks_kernel_text *t, uint64_t addr, void *buf,
		 size_t len)
{
	for (size_t i = 0; i < t->nr_segs; i++) {
		const struct ks_text_segment *s = &t->segs[i];

		if (addr < s->vaddr || addr + len > s->vaddr + s->len ||
		    addr + len < addr)
			continue;
		if (s->data) {
			memcpy(buf, s->data + (addr - s->vaddr), len);
			return 0;
		}
		if (pread(t->fd, buf, len, s->file_off + addr - s->vaddr) ==
		    (ssize_t)len)
			return 0;
	}
	return -1;
}

void ks_text_close(struct ks_kernel_text *t)
{
	for (size_t i = 0; i < t->nr_segs; i++)
		free(t->segs[i].data);
	free(t->segs);
	if (t->fd >= 0)
		close(t->fd);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}
