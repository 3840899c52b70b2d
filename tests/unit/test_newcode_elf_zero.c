// SPDX-License-Identifier: GPL-2.0
/*
 * nc_write_elf() on sections that carry a size but no bytes (a
 * PROGBITS section whose contents are all zero): each must be written
 * as zeros, and two of them of different sizes must not share one
 * buffer that libelf still points to when the first is reallocated.
 */
#include "newcode/newcode.h"
#include "check.h"

#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[] = "/tmp/test_newcode_elf_zero.XXXXXX";

/* Every byte of section NAME in the object at PATH is zero, and it has SIZE bytes. */
static int section_is_zero(const char *path, const char *name, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (fd < 0)
		return 0;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		gelf_getshdr(scn, &sh);
		if (strcmp(elf_strptr(e, shstrndx, sh.sh_name), name))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || d->d_size != size || sh.sh_size != size)
			break;
		ok = 1;
		for (size_t i = 0; i < size; i++)
			if (((unsigned char *)d->d_buf)[i]) {
				ok = 0;
				break;
			}
		break;
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return ok;
}

int main(void)
{
	struct nc_sec secs[2] = {
		{ .name = ".data.small", .type = SHT_PROGBITS,
		  .flags = SHF_ALLOC | SHF_WRITE, .align = 8, .size = 64 },
		{ .name = ".data.large", .type = SHT_PROGBITS,
		  .flags = SHF_ALLOC | SHF_WRITE, .align = 8, .size = 1 << 20 },
	};
	struct nc_object nc = { .target = "vmlinux", .secs = secs, .nr_secs = 2 };
	char err[512], path[256];

	elf_version(EV_CURRENT);
	if (!mkdtemp(tmp))
		return 1;
	snprintf(path, sizeof(path), "%s/nc.o", tmp);
	CHECK(nc_write_elf(&nc, path, err, sizeof(err)) == 0);
	CHECK(section_is_zero(path, ".data.small", 64));
	CHECK(section_is_zero(path, ".data.large", 1 << 20));
	unlink(path);
	rmdir(tmp);
	printf("test_newcode_elf_zero: %s\n", failures ? "FAIL" : "ok");
	return failures != 0;
}
