/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driving the kernel's own build for ksplice-create: a private copy of
 * the source tree (never the user's), pre and post objects built by
 * Kbuild with -ffunction-sections -fdata-sections, and the new-code
 * module built against the target kernel's headers.
 */
#ifndef KSPLICE_KBUILD_DRIVER_H
#define KSPLICE_KBUILD_DRIVER_H

#include <stddef.h>

/* Exit statuses of ksplice-create (documented in its man page). */
enum kb_status {
	KB_OK = 0,
	KB_ERR = 1,
	KB_USAGE = 2,
	KB_NO_CHANGES = 3,
	KB_PATCH_FAILS = 4,
	KB_MISMATCH = 5,
	KB_COMPILER = 6,
	KB_REFUSED = 7,
	/*
	 * Refused: a function the update replaces cannot take the jump
	 * (the update could only fail to apply, with patch_site_overlap).
	 */
	KB_PATCH_SITE = 8,
};

struct kb_ctx {
	const char *source;	/* SOURCE_DIR (read only) */
	const char *headers;	/* target headers tree (Makefile, .config) */
	const char *symvers;	/* target Module.symvers */
	const char *config;	/* target .config */
	const char *cache;	/* KSPLICE_CACHE */
	const char *work;	/* private temp dir of this run */
	int jobs;
	int verbose;		/* progress lines on stderr */
	char *tree;		/* the private build tree (owned) */
};

/* Run argv in dir with output to log (appended); exit status or -1. */
int kb_run(const char *dir, const char *log, char *const argv[]);

/* Find the headers tree of an ABI: /lib/modules/ABI/build, ... */
char *kb_find_headers(const char *abi, const char *cache);

/* Compare the kernel's compiler with ours; KB_OK or KB_COMPILER. */
int kb_check_compiler(struct kb_ctx *c, char **compiler_text,
		      char *err, size_t errlen);
/* SOURCE_DIR's .config against the target's; KB_OK or KB_MISMATCH. */
int kb_check_config(const struct kb_ctx *c, char *err, size_t errlen);
/* SOURCE_DIR's version "6.1.192" (owned), or NULL. */
char *kb_source_version(const char *source);

/* Make (or reuse) the private copy of SOURCE_DIR; restore files a
 * previous run left patched. */
int kb_prepare_tree(struct kb_ctx *c, char *err, size_t errlen);

/* Files (tree-relative) a unified diff touches, strip level 1. */
int kb_patch_files(const char *patch_text, char ***files, size_t *n,
		   char *err, size_t errlen);
/* Apply (or with dry_run, test) the patch files in the tree. */
int kb_apply_patches(const struct kb_ctx *c, char *const patches[],
		     size_t n, int dry_run, char *err, size_t errlen);
/* Put the tree's copies of files back to SOURCE_DIR's content. */
int kb_restore_files(const struct kb_ctx *c, char *const files[], size_t n);

/* Record (n > 0) or clear (n == 0) the list of patched tree files. */
int kb_mark_dirty(const struct kb_ctx *c, char *const files[], size_t n);

/*
 * Build objects (tree-relative .o paths) and copy them to outdir.  With
 * candidates, objects the configuration does not build are skipped (and
 * not copied) instead of failing.
 */
int kb_build_objects(const struct kb_ctx *c, char *const objs[], size_t n,
		     const char *outdir, int candidates, char *err,
		     size_t errlen);
/* Does the built object's .cmd list header (tree-relative) as a dep? */
int kb_object_includes(const struct kb_ctx *c, const char *obj,
		       const char *header);
/* Every built object of the tree whose .cmd lists header (owned). */
char **kb_objects_including(const struct kb_ctx *c, const char *header,
			    size_t *n);
/* Build the whole tree once (--prebuild) and mark it; is it marked? */
int kb_prebuild(const struct kb_ctx *c, char *err, size_t errlen);
int kb_is_prebuilt(const struct kb_ctx *c);
/* The target of a built object from its .cmd file: module name or
 * "vmlinux" (owned). */
char *kb_object_target(const struct kb_ctx *c, const char *obj);

/*
 * Build module `name` in dir (which holds the stub, descriptor source
 * and NAME_newcode.o_shipped) against the target headers; extra_symvers
 * may be NULL.  The .ko lands in dir.
 */
int kb_build_module(const struct kb_ctx *c, const char *dir,
		    const char *extra_symvers, int modpost_warn,
		    char *err, size_t errlen);

#endif
