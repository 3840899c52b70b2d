// SPDX-License-Identifier: GPL-2.0
/*
 * ks_core_module_lookup(): ksplice-apply finds the core module by name in
 * the module tree's index (libkmod), wherever it was put: DKMS puts it in
 * updates/dkms/, where the fixed paths of before (/lib/ksplice/ and
 * extra/) never looked.  A private tree under KSPLICE_MODULES_DIR, with a
 * stand-in module (an object with a .modinfo section) indexed by the
 * host's depmod: nothing is loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/core_module.h"
#include "check.h"

#define REL "9.9.9-ksplice-test"

static int run(const char *fmt, const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir);
	return system(cmd);
}

int main(void)
{
	char tmpl[] = "/tmp/ks-core-XXXXXX", mods[256], path[512], want[512];
	const char *dir = mkdtemp(tmpl);
	int e;

	if (!dir)
		return perror("mkdtemp"), 1;
	snprintf(mods, sizeof(mods), "%s/lib/modules", dir);
	setenv("KSPLICE_MODULES_DIR", mods, 1);

	/* No index in the tree: not found, and nothing printed. */
	CHECK(!run("mkdir -p %s/lib/modules/" REL "/updates/dkms", dir));
	e = ks_core_module_lookup(REL, path, sizeof(path));
	CHECK_MSG(e == -ENOENT, "no index: %d, want -ENOENT", e);

	/* A DKMS-built module, indexed by depmod: found by name. */
	CHECK(!run("printf 'static const char m[] __attribute__((section(\".modinfo\"), used)) = "
		   "\"license=GPL\\\\0name=ksplice\";\\n' | cc -c -x c - -o "
		   "%s/lib/modules/" REL "/updates/dkms/ksplice.ko && "
		   "depmod -b %s " REL " 2>/dev/null", dir));
	snprintf(want, sizeof(want), "%s/" REL "/updates/dkms/ksplice.ko", mods);
	e = ks_core_module_lookup(REL, path, sizeof(path));
	CHECK_MSG(e == 0 && !strcmp(path, want), "lookup: %d '%s', want 0 '%s'",
		  e, e ? "" : path, want);

	/* A buffer too small for the path is an error, not a cut path. */
	e = ks_core_module_lookup(REL, path, 8);
	CHECK_MSG(e == -ENAMETOOLONG, "small buffer: %d, want -ENAMETOOLONG", e);

	/* Another release's tree does not answer for this one. */
	e = ks_core_module_lookup("0.0.0-none", path, sizeof(path));
	CHECK_MSG(e == -ENOENT, "other release: %d, want -ENOENT", e);

	run("rm -rf %s", dir);
	return failures ? 1 : 0;
}
