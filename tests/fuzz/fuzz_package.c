// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: opening an update package (ks_package_open: gzip, tar
 * entries with their path checks, SHA256SUMS, manifest), exactly as
 * ksplice-apply does.  Whatever the input, nothing may be left in or
 * written beside the scratch directory it unpacks into.
 */
#include <dirent.h>
#include "fuzz_common.h"
#include "package/package.h"

static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		abort();
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char unpack[4200];
	struct ks_package pkg;
	const char *in = fuzz_file("in.tar.gz", data, size);
	char err[1024];

	snprintf(unpack, sizeof(unpack), "%s/unpack", fuzz_dir());
	mkdir(unpack, 0700);
	if (ks_package_open(in, unpack, &pkg, err, sizeof(err)) == 0)
		ks_package_close(&pkg);
	else if (!err[0])
		abort();	/* refused without a reason (it closes itself) */
	/* only in.tar.gz and the (empty) unpack directory may remain */
	if (!empty_dir(unpack))
		abort();
	unlink(in);
	if (!empty_dir(fuzz_dir()) && access(unpack, F_OK))
		abort();
	return 0;
}
