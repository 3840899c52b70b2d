/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the core module is: looked up by name in the kernel's module tree
 * (libkmod, modules.dep), so that a module DKMS put in updates/dkms/ or
 * make install in extra/ is found wherever depmod indexed it.
 */
#ifndef KSPLICE_CORE_MODULE_H
#define KSPLICE_CORE_MODULE_H

#include <stddef.h>

/*
 * ks_core_module_lookup() - the path of the module named "ksplice" in the
 * module tree DIR/RELEASE (DIR: $KSPLICE_MODULES_DIR or /lib/modules),
 * written to BUF.  Returns 0, or -ENOENT when the tree has no index or
 * the index has no such module, or another negative errno.
 */
int ks_core_module_lookup(const char *release, char *buf, size_t len);

#endif
