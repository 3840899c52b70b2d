/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to the core module through /sys/kernel/ksplice
 * (docs/sysfs-abi.md), and loading and unloading modules.  The root can be
 * moved with $KSPLICE_SYSFS (for tests with a fake tree).
 */
#ifndef KS_KSPLICE_SYSFS_H
#define KS_KSPLICE_SYSFS_H

#include <stddef.h>

/* The sysfs root in use. */
const char *ks_sysfs_root(void);

/* Is the core module loaded (the root exists)? */
int ks_sysfs_present(void);

/* Does /sys/kernel/ksplice/ID exist? */
int ks_sysfs_update_exists(const char *id);

/*
 * Write TEXT to a file under the root (REL, e.g. "control" or "ID/stage").
 * Returns 0, or -errno.
 */
int ks_sysfs_write(const char *rel, const char *text);

/* Write a control line ("prepare ID", "drop ID").  0 or -errno. */
int ks_sysfs_control(const char *verb, const char *id);

/*
 * Write resolve lines (each ending in '\n') in writes of whole lines of
 * at most one page.  0 or -errno.
 */
int ks_sysfs_write_resolve(const char *id, const char *lines);

/* Length of the next write of resolve text P: whole lines, <= 4096 bytes
 * (0 if the first line alone is longer). */
size_t ks_sysfs_chunk_len(const char *p);

/* Read an attribute of an update (trailing newline removed); caller frees.
 * NULL if it cannot be read. */
char *ks_sysfs_read(const char *id, const char *attr);

/* The update ids present (caller frees each and the array). */
char **ks_sysfs_list(size_t *n);
void ks_sysfs_free_list(char **ids, size_t n);

/* Load a module file (finit_module).  0 or -errno. */
int ks_module_load(const char *path, const char *params);

/* Unload a module (delete_module, O_NONBLOCK).  0 or -errno. */
int ks_module_unload(const char *name);

/* Is a module loaded (/sys/module/NAME exists; '-' read as '_')? */
int ks_module_loaded(const char *name);
/* Whether other modules use module name (its holders in sysfs). */
int ks_module_has_holders(const char *name);

#endif /* KS_KSPLICE_SYSFS_H */
