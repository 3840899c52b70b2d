/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One part's new-code module, from its new code to the .ko in the
 * package: the new-code object, descriptor, stub and Kbuild file
 * written in a directory of their own, built against the target's
 * headers, the site tables checked, the module copied into the package.
 * ksplice-create (create_update.c) calls it once a part, in load order.
 *
 * The inputs come in a struct of their own rather than as the run's
 * ks_create_opts and ks_create_result: create_update.c includes this
 * header, so this unit must not include create_update.h (no include
 * circles, tests/host/layers.sh).
 */
#ifndef KSPLICE_MODULE_BUILD_H
#define KSPLICE_MODULE_BUILD_H

#include <stddef.h>

#include "create/kbuild_driver.h"
#include "newcode/newcode.h"
#include "package/package.h"

struct ks_module_build {
	const struct kb_ctx *c;	/* the run's Kbuild context (work dir) */
	const struct nc_object *nc;	/* the part's new code */
	/*
	 * Its manifest entry: name, module_name and module_path are read
	 * (the .ko goes to pkgdir/module_path); syms is written.
	 */
	struct ks_target *mt;
	const char *id, *description;	/* the update's */
	const char *pkgdir;		/* the package's directory */
	const char *stub_dir;		/* holds ksplice_stub.c */
	const char *abi_header;		/* include/ksplice/abi.h */
	const char *core_symvers;	/* core module's Module.symvers, or NULL */
	/* The run's notes for the user: the build appends to them. */
	char ***notes;
	size_t *nr_notes;
};

/*
 * Write, build, check and package the part's module; a kb_status.  The
 * earlier parts' exports are read from, and this one's added to, the
 * work dir's parts.symvers and exports.out.
 */
int ks_build_newcode_module(const struct ks_module_build *b, char *err,
			    size_t errlen);

#endif
