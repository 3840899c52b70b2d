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
 *
 * Lifetime of the pointer you get: a shadow is freed only after an RCU
 * grace period.  Code that may race with its freeing (another update's
 * code reading a shadow it did not allocate, which that update's removal
 * frees; anyone reading a shadow that other code may ksplice_shadow_free)
 * must call ksplice_shadow_get() inside rcu_read_lock() and not use the
 * pointer after rcu_read_unlock(), nor sleep in between.  The code of the
 * update that allocated a shadow, and frees it only through its own
 * ksplice_shadow_free() calls, may keep using it as long as it runs: its
 * module is unloaded only after no task is left in its code.
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
/*
 * Free the shadow of (@obj, @key), if any: unlinked now, its memory freed
 * after readers under rcu_read_lock() are done.
 */
void ksplice_shadow_free(const void *obj, unsigned long key);

#endif /* KSPLICE_SHADOW_H */
