// SPDX-License-Identifier: GPL-2.0
/* The core module by name, through libkmod; see core_module.h. */
#include "apply/core_module.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libkmod.h>

int ks_core_module_lookup(const char *release, char *buf, size_t len)
{
	const char *base = getenv("KSPLICE_MODULES_DIR");
	struct kmod_list *list = NULL, *l;
	struct kmod_ctx *ctx;
	char dir[512];
	int e = -ENOENT;

	snprintf(dir, sizeof(dir), "%s/%s", base && *base ? base : "/lib/modules",
		 release);
	ctx = kmod_new(dir, NULL);
	if (!ctx)
		return -ENOMEM;
	kmod_set_log_priority(ctx, 0);	/* a missing index is no message */
	if (kmod_module_new_from_lookup(ctx, "ksplice", &list) < 0)
		list = NULL;
	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		const char *path = kmod_module_get_path(m);

		/* Only a module file: not a built-in, not an alias elsewhere. */
		if (path && *path) {
			if ((size_t)snprintf(buf, len, "%s", path) < len)
				e = 0;
			else
				e = -ENAMETOOLONG;
		}
		kmod_module_unref(m);
		if (e != -ENOENT)
			break;
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return e;
}
