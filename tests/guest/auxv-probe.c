/*
 * auxv-probe: shows the behaviour that Debian 6.1.190-1 changed in
 * prctl(PR_SET_MM, PR_SET_MM_AUXV) ("prctl: fix PR_SET_MM_AUXV losing the
 * forced AT_NULL terminator", kernel/sys.c:prctl_set_auxv()).
 *
 * It installs a two-entry auxiliary vector without a terminator and
 * counts the entries /proc/self/auxv then shows.  The old code copied only
 * the bytes given, so the rest of the previous vector stays behind it
 * (prints "auxv entries: 2+stale"); the fixed code copies the whole
 * zero-filled vector, so exactly the two entries remain ("auxv entries: 2").
 * Built statically on the host and run as root in the guest.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void)
{
	unsigned long vec[4] = { AT_PAGESZ, 4096, AT_CLKTCK, 100 };
	unsigned long buf[128];
	ssize_t n;
	int fd, count = 0;

	if (prctl(PR_SET_MM, PR_SET_MM_AUXV, (unsigned long)vec, sizeof(vec), 0)) {
		perror("prctl(PR_SET_MM_AUXV)");
		return 2;
	}
	fd = open("/proc/self/auxv", O_RDONLY);
	if (fd < 0) {
		perror("/proc/self/auxv");
		return 2;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	for (ssize_t i = 0; i + 1 < n / (ssize_t)sizeof(long); i += 2) {
		if (buf[i] == AT_NULL)
			break;
		count++;
	}
	if (count == 2)
		printf("auxv entries: 2\n");
	else
		printf("auxv entries: 2+stale (%d)\n", count);
	return 0;
}
