/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow data for the author of a Ksplice update: new fields attached to
 * existing kernel objects without changing their layout.  A shadow is
 * found by the object's address and a key the author chooses (one key per
 * new field); the store is exported by the core module (ksplice.ko) and
 * is safe to use from any context (a spinlock protects it; allocate with
 * GFP_ATOMIC where sleeping is not allowed).
 *
 * Every shadow remembers the new-code module that allocated it; when that
 * module is unloaded (the update was removed) its shadows are freed.
 * Free them yourself earlier when the object goes away, or the memory
 * stays until the update is removed.
 */
#ifndef KSPLICE_SHADOW_H
#define KSPLICE_SHADOW_H

#include <linux/gfp.h>
#include <linux/types.h>

/* The shadow of (@obj, @key), or NULL. */
void *ksplice_shadow_get(const void *obj, unsigned long key);
/*
 * The shadow of (@obj, @key), allocated zeroed with @size bytes if there
 * is none yet (an existing one is returned as it is); NULL when out of
 * memory.
 */
void *ksplice_shadow_alloc(const void *obj, unsigned long key, size_t size,
			   gfp_t gfp);
/* Free the shadow of (@obj, @key), if any. */
void ksplice_shadow_free(const void *obj, unsigned long key);

#endif /* KSPLICE_SHADOW_H */
