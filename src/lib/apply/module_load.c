// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading modules with the raw system calls (there is no
 * libc wrapper).  Kept apart from ksplice_sysfs.c because the kernel
 * headers the syscall numbers bring in clash with include/ksplice/abi.h's
 * user-space types.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apply/ksplice_sysfs.h"

int ks_module_load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		e = -errno;
	close(fd);
	return e;
}

int ks_module_unload(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return -errno;
	return 0;
}

int ks_module_loaded(const char *name)
{
	char p[512], *q;

	snprintf(p, sizeof(p), "/sys/module/%s", name);
	for (q = p + strlen("/sys/module/"); *q; q++)
		if (*q == '-')
			*q = '_';
	return access(p, F_OK) == 0;
}

int ks_module_has_holders(const char *name)
{
	char p[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(p, sizeof(p), "/sys/module/%s/holders", name);
	d = opendir(p);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n > 0;
}
