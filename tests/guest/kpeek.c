/*
 * kpeek ADDR [LEN]: print LEN (default 16) bytes of kernel memory at ADDR
 * (hex) as hex, read from /proc/kcore.  Used by the guest tests and the
 * demo to show the jump a splice wrote at the head of an old function.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long addr, len = 16;
	unsigned char buf[256];
	Elf64_Ehdr eh;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: kpeek ADDR [LEN]\n");
		return 2;
	}
	addr = strtoul(argv[1], NULL, 16);
	if (argc == 3)
		len = strtoul(argv[2], NULL, 0);
	if (len > sizeof(buf))
		len = sizeof(buf);
	fd = open("/proc/kcore", O_RDONLY);
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh)) {
		perror("/proc/kcore");
		return 1;
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr ||
		    addr + len > ph.p_vaddr + ph.p_filesz)
			continue;
		if (pread(fd, buf, len, ph.p_offset + (addr - ph.p_vaddr)) != (ssize_t)len) {
			perror("kpeek: read");
			return 1;
		}
		for (unsigned long j = 0; j < len; j++)
			printf("%02x%s", buf[j], j + 1 < len ? " " : "\n");
		return 0;
	}
	fprintf(stderr, "kpeek: %lx is not in /proc/kcore\n", addr);
	return 1;
}
