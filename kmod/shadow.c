// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow data (include/ksplice/shadow.h): a hash table of small
 * allocations keyed by (object address, key), each owned by the module
 * whose code allocated it, freed when that module goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <ksplice/shadow.h>
#include "ksplice_internal.h"

#define KSPLICE_SHADOW_BITS 10

/**
 * struct ksplice_shadow - one shadow variable
 * @node: in ksplice_shadows
 * @obj: the object it is attached to
 * @key: the author's key
 * @owner: the module whose code allocated it (NULL: unknown)
 * @data: the shadow's bytes
 */
struct ksplice_shadow {
	struct hlist_node node;
	const void *obj;
	unsigned long key;
	struct module *owner;
	char data[] __aligned(sizeof(u64));
};

static DEFINE_HASHTABLE(ksplice_shadows, KSPLICE_SHADOW_BITS);
static DEFINE_SPINLOCK(ksplice_shadow_lock);

static unsigned long ksplice_shadow_hash(const void *obj, unsigned long key)
{
	return hash_ptr(obj, 32) ^ hash_long(key, 32);
}

/* Caller holds ksplice_shadow_lock. */
static struct ksplice_shadow *ksplice_shadow_find(const void *obj,
						  unsigned long key)
{
	struct ksplice_shadow *s;

	lockdep_assert_held(&ksplice_shadow_lock);
	hash_for_each_possible(ksplice_shadows, s, node,
			       ksplice_shadow_hash(obj, key))
		if (s->obj == obj && s->key == key)
			return s;
	return NULL;
}

void *ksplice_shadow_get(const void *obj, unsigned long key)
{
	struct ksplice_shadow *s;
	unsigned long flags;

	spin_lock_irqsave(&ksplice_shadow_lock, flags);
	s = ksplice_shadow_find(obj, key);
	spin_unlock_irqrestore(&ksplice_shadow_lock, flags);
	return s ? s->data : NULL;
}
EXPORT_SYMBOL_GPL(ksplice_shadow_get);

void *ksplice_shadow_alloc(const void *obj, unsigned long key, size_t size,
			   gfp_t gfp)
{
	struct ksplice_shadow *s, *old;
	unsigned long flags;
	struct module *owner;

	s = kzalloc(struct_size(s, data, size), gfp);
	if (!s)
		return NULL;
	/* The caller's module: the new code of an update. */
	preempt_disable();
	owner = ksplice_ksyms.module_address(_RET_IP_);
	preempt_enable();
	s->obj = obj;
	s->key = key;
	s->owner = owner;
	spin_lock_irqsave(&ksplice_shadow_lock, flags);
	old = ksplice_shadow_find(obj, key);
	if (!old)
		hash_add(ksplice_shadows, &s->node,
			 ksplice_shadow_hash(obj, key));
	spin_unlock_irqrestore(&ksplice_shadow_lock, flags);
	if (old) {
		kfree(s);
		return old->data;
	}
	return s->data;
}
EXPORT_SYMBOL_GPL(ksplice_shadow_alloc);

void ksplice_shadow_free(const void *obj, unsigned long key)
{
	struct ksplice_shadow *s;
	unsigned long flags;

	spin_lock_irqsave(&ksplice_shadow_lock, flags);
	s = ksplice_shadow_find(obj, key);
	if (s)
		hash_del(&s->node);
	spin_unlock_irqrestore(&ksplice_shadow_lock, flags);
	kfree(s);
}
EXPORT_SYMBOL_GPL(ksplice_shadow_free);

/**
 * ksplice_shadow_free_owned() - free the shadows a module allocated
 * @mod: a module going away (NULL: every shadow, at core module exit)
 *
 * Return: how many were freed.
 */
unsigned int ksplice_shadow_free_owned(struct module *mod)
{
	struct ksplice_shadow *s;
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int bkt, n = 0;
	HLIST_HEAD(dead);

	spin_lock_irqsave(&ksplice_shadow_lock, flags);
	hash_for_each_safe(ksplice_shadows, bkt, tmp, s, node) {
		if (mod && s->owner != mod)
			continue;
		hash_del(&s->node);
		hlist_add_head(&s->node, &dead);
		n++;
	}
	spin_unlock_irqrestore(&ksplice_shadow_lock, flags);
	hlist_for_each_entry_safe(s, tmp, &dead, node)
		kfree(s);
	return n;
}
