/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Links between the parts of one update (one new-code module per target).
 * A fix may add a function or variable to one target and use it from
 * another: ext4's new code calling a helper the same fix adds to
 * vmlinux.  The running kernel has no symbol of that name, so a ksplice
 * relocation by name could never be resolved.  Instead the part that
 * adds it exports it under a private name (nc_link_alias) for the other
 * parts only, the parts that use it import that name as an ordinary
 * undefined symbol, and the module loader links them and records the
 * dependency, as for the exports a fix adds (ks_exports_add).  The parts
 * are then loaded in an order where each comes after what it uses.
 */
#ifndef KSPLICE_NEWCODE_PARTS_H
#define KSPLICE_NEWCODE_PARTS_H

#include "newcode/newcode.h"

/* One part of an update, after nc_add_object and nc_link_added. */
struct nc_part {
	const char *target;		/* "vmlinux", "ext4", ... */
	struct nc_object *nc;
};

/* Every object the update diffed, in a part or not (no new code). */
struct nc_diffed {
	const struct ks_diff *diff;
	const char *object;		/* fs/ext4/mballoc.c */
	const char *target;
};

/* A reference of part `user` linked to what part `definer` adds. */
struct nc_link {
	size_t user, definer;	/* indices into the parts */
	char *name;		/* the function or variable the patch adds */
	char *alias;		/* the definer's private export of it */
	int func;		/* a function (else a variable) */
};

/*
 * The private name under which a part exports what it adds to the other
 * parts: "__ksplice_ID_NAME", or a hash of both when that is too long
 * for modversions (owned).
 */
char *nc_link_alias(const char *id, const char *name);

/*
 * Turn every ksplice relocation of a part to a global that another part
 * adds into an ordinary relocation against that part's private export
 * (added to its nc exports with link set); *links lists what was linked,
 * one entry per user and name.  Returns 0; or 1 with err set when such a
 * reference cannot be linked: two other parts add the name, or one of
 * objs adds it but no part carries it (a __read_mostly variable, say),
 * so nothing in the running kernel or the update could be found for it
 * at apply.
 */
int nc_link_parts(struct nc_part *parts, size_t n,
		  const struct nc_diffed *objs, size_t nr_objs, const char *id,
		  struct nc_link **links, size_t *nr_links, char *err,
		  size_t errlen);
void nc_links_free(struct nc_link *links, size_t n);

/*
 * The order to load the parts in (order[] gets n part indices): each
 * after the parts whose new code it links against, through an export a
 * part adds (ex) or a link; otherwise as given.  Returns 0, or 1 with
 * err naming the parts that need each other (no part can come first).
 */
int nc_part_order(const struct nc_part *parts, size_t n,
		  const struct ks_exports *ex, const struct nc_link *links,
		  size_t nr_links, size_t *order, char *err, size_t errlen);

#endif
