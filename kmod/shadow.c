// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow data (include/ksplice/shadow.h): a hash table of small
 * allocations keyed by (object address, key), each owned by the module
 * whose code allocated it, freed when that module goes away.
 *
 * Lookups walk the table under RCU and writers take a spinlock; a shadow
 * is unlinked with hash_del_rcu() and freed after a grace period, so a
 * reader that found it under rcu_read_lock() may use it until its
 * rcu_read_unlock(), even while another update's removal frees it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <ksplice/shadow.h>
#include "ksplice_internal.h"

#define KSPLICE_SHADOW_BITS 10

/**
 * struct ksplice_shadow - one shadow variable
 * @node: in ksplice_shadows
 * @rcu: frees it after the readers that may have found it are gone
 * @obj: the object it is attached to
 * @key: the author's key
 * @owner: the module whose code allocated it (NULL: unknown)
 * @data: the shadow's bytes
 */
struct ksplice_shadow {
	struct hlist_node node;
	struct rcu_head rcu;
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

/* Caller holds rcu_read_lock() or ksplice_shadow_lock. */
static struct ksplice_shadow *ksplice_shadow_find(const void *obj,
						  unsigned long key)
{
	struct ksplice_shadow *s;

	hash_for_each_possible_rcu(ksplice_shadows, s, node,
				   ksplice_shadow_hash(obj, key),
				   lockdep_is_held(&ksplice_shadow_lock))
		if (s->obj == obj && s->key == key)
			return s;
	return NULL;
}

/*
 * The pointer stays valid until the caller's rcu_read_unlock() (or, for
 * the owner's own code, until the owner frees it or is unloaded):
 * include/ksplice/shadow.h.
 */
void *ksplice_shadow_get(const void *obj, unsigned long key)
{
	struct ksplice_shadow *s;

	rcu_read_lock();
	s = ksplice_shadow_find(obj, key);
	rcu_read_unlock();
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
		hash_add_rcu(ksplice_shadows, &s->node,
			     ksplice_shadow_hash(obj, key));
	spin_unlock_irqrestore(&ksplice_shadow_lock, flags);
	if (old) {
		/* Never published: no reader can have it. */
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
	if (s) {
		hash_del_rcu(&s->node);
		kfree_rcu(s, rcu);
	}
	spin_unlock_irqrestore(&ksplice_shadow_lock, flags);
}
EXPORT_SYMBOL_GPL(ksplice_shadow_free);

/**
 * ksplice_shadow_free_owned() - free the shadows a module allocated
 * @mod: a module going away (NULL: every shadow, at core module exit)
 *
 * Each is unlinked now and freed after a grace period: code of another
 * update may be reading it under rcu_read_lock().  kfree_rcu() calls no
 * function of ours, so the core module may go before the frees happen.
 *
 * Return: how many were freed.
 */
unsigned int ksplice_shadow_free_owned(struct module *mod)
{
	struct ksplice_shadow *s;
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int bkt, n = 0;

	spin_lock_irqsave(&ksplice_shadow_lock, flags);
	hash_for_each_safe(ksplice_shadows, bkt, tmp, s, node) {
		if (mod && s->owner != mod)
			continue;
		hash_del_rcu(&s->node);
		kfree_rcu(s, rcu);
		n++;
	}
	spin_unlock_irqrestore(&ksplice_shadow_lock, flags);
	return n;
}
