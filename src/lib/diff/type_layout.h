/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layouts of the named structs and unions an object's debug
 * information describes.  A patch that changes one (a member added, moved
 * or retyped) makes new code that reads memory the running kernel already
 * holds in the old layout; ksplice-create refuses it unless the patch
 * author says that no such memory exists (--allow-layout-change).
 */
#ifndef KSPLICE_TYPE_LAYOUT_H
#define KSPLICE_TYPE_LAYOUT_H

#include <stddef.h>

struct ks_member {
	char *name;		/* "" for an anonymous member */
	char *type;		/* "int", "struct list_head", "*", ... */
	unsigned long long bit_offset;
	unsigned long long bit_size;	/* 0 unless a bit field */
};

struct ks_layout {
	char *name;		/* "struct foo", "union bar", "typedef baz_t" */
	unsigned long long size;
	struct ks_member *members;	/* anonymous members flattened */
	size_t nr_members;
};

struct ks_layouts {
	struct ks_layout *v;	/* sorted by name */
	size_t n;
};

/*
 * Read the layouts of object path (libdwfl applies the relocations of a
 * relocatable object's debug sections).  An object without debug
 * information gives an empty set.  0, or -1 with err.
 */
int ks_layouts_read(const char *path, struct ks_layouts *l, char *err,
		    size_t errlen);
void ks_layouts_free(struct ks_layouts *l);

/*
 * The types both sets describe whose layouts differ, except those named
 * in allowed ("struct foo" or "foo"): a text naming each with what
 * changed (owned), or NULL when none did.  *count gets how many.
 */
char *ks_layouts_compare(const struct ks_layouts *pre,
			 const struct ks_layouts *post,
			 char *const allowed[], size_t nr_allowed,
			 size_t *count);

#endif
