/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksplice-create's work, as a library call: from patches and a source
 * tree to an update package.  Returns a kb_status (kbuild_driver.h).
 */
#ifndef KSPLICE_CREATE_UPDATE_H
#define KSPLICE_CREATE_UPDATE_H

#include <stddef.h>

#include "package/package.h"

struct ks_create_opts {
	char **patches;		/* patch files */
	size_t nr_patches;
	/*
	 * --stacked-on: patches of updates already applied, which this one
	 * goes on top of: applied to the tree before the pre build, so the
	 * pre code is what those updates' new code runs.
	 */
	char **base_patches;
	size_t nr_base_patches;
	const char *source;	/* SOURCE_DIR */
	const char *id;		/* NULL: 8 random [a-z0-9] */
	const char *description;	/* NULL: first line of the patch */
	const char *kernel;	/* --kernel=ABI, or NULL */
	const char *config_dir;	/* --config=DIR, or NULL */
	const char *kernel_version;	/* --kernel-version (uname -v), or NULL */
	const char *core_symvers;	/* core module's Module.symvers, or NULL */
	const char *cache;	/* KSPLICE_CACHE */
	const char *outdir;	/* where ksplice-ID.tar.gz goes */
	const char *stub_dir;	/* holds ksplice_stub.c */
	const char *abi_header;	/* include/ksplice/abi.h */
	int jobs;
	int prebuild;		/* build the whole tree once (for headers) */
	/*
	 * --allow-layout-change: structs or unions whose layout the patch
	 * may change (the author knows no memory of the old layout is live).
	 */
	char **allow_layout;
	size_t nr_allow_layout;
	int verbose;		/* 1 progress, 2 more */
};

struct ks_create_result {
	char *tarball;		/* path written (owned) */
	struct ks_manifest manifest;	/* what it holds */
	char **notes;		/* things the user should know */
	size_t nr_notes;
	double seconds_pre, seconds_post, seconds_module;
	int pre_cached;
};

int ks_create_update(const struct ks_create_opts *o,
		     struct ks_create_result *r, char *err, size_t errlen);
void ks_create_result_free(struct ks_create_result *r);

#endif
