/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The update package: what ksplice-create writes and ksplice-apply reads.
 * Format: docs/update-format.md.
 */
#ifndef KSPLICE_PACKAGE_H
#define KSPLICE_PACKAGE_H

#include <stddef.h>

/*
 * The kinds of function an update lists, and their names in the manifest,
 * ksplice-view and ksplice-create (one list; the enum and the names are
 * made from it):
 *   changed  replaced: pre code matched, jump written
 *   new      only in the new code
 *   deleted  gone in post; noted, left in place
 */
#define KS_FUNC_KINDS(X)	\
	X(CHANGED, "changed")	\
	X(NEW, "new")		\
	X(DELETED, "deleted")

#define KS_FUNC_ENUM_ENTRY(sym, str) KS_FUNC_##sym,
enum ks_func_kind {
	KS_FUNC_KINDS(KS_FUNC_ENUM_ENTRY)
	KS_FUNC_KIND_COUNT
};
#undef KS_FUNC_ENUM_ENTRY

/* "changed", "new" or "deleted"; "?" for a value out of range. */
const char *ks_func_kind_name(enum ks_func_kind k);

/* The kind named NAME, or -1. */
int ks_func_kind_from_name(const char *name);

struct ks_func_entry {
	char *name;		/* symbol name in the pre object / kallsyms */
	enum ks_func_kind kind;
	char *object;		/* source object it belongs to, e.g. fs/ext4/mballoc.o */
	int desc_index;		/* index in the new-code module's ksplice_func
				 * table (CHANGED only), else -1 */
};

/*
 * A symbol the new code refers to outside itself: entry i of this list is
 * symbol i of the new-code module's descriptor (struct ksplice_symbol), so
 * ksplice-apply can resolve it without parsing the module.
 */
struct ks_symref {
	char *name;		/* symbol name, as in the pre object */
	unsigned int flags;	/* KSPLICE_SYM_* from include/ksplice/abi.h */
	char *object;		/* for KSPLICE_SYM_LOCAL: the pre object whose
				 * matching resolves it; else NULL */
};

/* One pre object carried for run-pre matching. */
struct ks_pre_object {
	char *object;		/* e.g. fs/ext4/mballoc.o */
	char *path;		/* path inside the package, e.g. pre/fs/ext4/mballoc.o */
};

/* Everything the update does to one target: vmlinux or one module. */
struct ks_target {
	char *name;		/* "vmlinux" or a module name such as "ext4" */
	char *module_path;	/* package path of the new-code .ko */
	char *module_name;	/* its module name, e.g. ksplice_8c4d2f_ext4 */
	struct ks_pre_object *objects;
	size_t nr_objects;
	struct ks_func_entry *funcs;
	size_t nr_funcs;
	struct ks_symref *syms;
	size_t nr_syms;
};

struct ks_manifest {
	int format;		/* KS_PACKAGE_FORMAT */
	char *id;
	char *description;
	char *kernel_release;	/* uname -r of the target kernel */
	char *kernel_version;	/* uname -v of the target kernel */
	char *compiler;		/* compiler string from /proc/version */
	struct ks_target *targets;
	size_t nr_targets;
};

#define KS_PACKAGE_FORMAT 1

/* A package unpacked into a directory (all hashes verified). */
struct ks_package {
	char *dir;		/* unpacked top directory, owned */
	struct ks_manifest manifest;
	char *patch;		/* the patch text, NUL-terminated */
	char *root;		/* the temporary directory holding dir, owned;
				 * removed by ks_package_close() */
};

/*
 * Unpack UPDATE.tar.gz into a fresh directory under tmpdir, check every
 * file against SHA256SUMS and parse the manifest.  Returns 0, or -1 with a
 * one-sentence reason in err (size errlen).
 */
int ks_package_open(const char *tarball, const char *tmpdir,
		    struct ks_package *pkg, char *err, size_t errlen);

/* Remove the unpacked directory and free everything. */
void ks_package_close(struct ks_package *pkg);

/* Absolute path of a package file (caller frees). */
char *ks_package_path(const struct ks_package *pkg, const char *rel);

/*
 * Write a package: dir holds the files (manifest, patch, pre/, new/);
 * SHA256SUMS is computed and added, then everything is archived to
 * out_tarball via a temporary file renamed into place.
 */
int ks_package_write(const char *dir, const char *out_tarball,
		     char *err, size_t errlen);

/* Manifest text I/O (the file `manifest` in the package). */
int ks_manifest_parse(const char *text, struct ks_manifest *m,
		      char *err, size_t errlen);
char *ks_manifest_format(const struct ks_manifest *m);
void ks_manifest_free(struct ks_manifest *m);

#endif /* KSPLICE_PACKAGE_H */
