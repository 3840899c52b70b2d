// SPDX-License-Identifier: GPL-2.0
/*
 * The hooks of an update (include/ksplice/hooks.h): copied from each
 * new-code module's descriptor when the module comes, called by splice.c
 * at the points their kind names.  The check and action hooks run inside
 * the stopped window, so calling them logs nothing and allocates nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "ksplice_internal.h"

#define KSPLICE_HOOK_NAME(sym, str) str,
static const char *const ksplice_hook_names[] = {
	KSPLICE_HOOK_KINDS(KSPLICE_HOOK_NAME)
};

#undef KSPLICE_HOOK_NAME

const char *ksplice_hook_name(enum ksplice_hook_kind kind)
{
	BUILD_BUG_ON(ARRAY_SIZE(ksplice_hook_names) != KSPLICE_HOOK_COUNT);
	return kind < KSPLICE_HOOK_COUNT ? ksplice_hook_names[kind] : "?";
}

/* pre and check hooks return int; the others return nothing. */
static bool ksplice_hook_may_fail(enum ksplice_hook_kind kind)
{
	return kind == KSPLICE_HOOK_PRE_APPLY ||
		kind == KSPLICE_HOOK_CHECK_APPLY ||
		kind == KSPLICE_HOOK_PRE_REVERSE ||
		kind == KSPLICE_HOOK_CHECK_REVERSE;
}

/**
 * ksplice_hooks_copy() - take the hooks of a coming new-code module
 * @u: the update
 * @t: the target the module is for
 * @mod: the module
 * @d: its descriptor (already checked to lie in the module)
 *
 * Every hook must be of a known kind and point into the module's text.
 *
 * Return: 0, -EINVAL (abort cause invalid_update) or -ENOMEM.
 */
int ksplice_hooks_copy(struct ksplice_update *u, struct ksplice_target *t,
		       struct module *mod, const struct ksplice_update_desc *d)
{
	const struct ksplice_hook *h = (void *)(unsigned long)d->hooks;
	u64 text = (unsigned long)mod->core_layout.base;
	u32 i;

	if (!d->nr_hooks)
		return 0;
	if (d->nr_hooks > KSPLICE_MAX_ENTRIES || !h ||
	    !within_module_core((unsigned long)h, mod) ||
	    !within_module_core((unsigned long)(h + d->nr_hooks) - 1, mod)) {
		ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
				  "the hook table of %s is malformed",
				  mod->name);
		return -EINVAL;
	}
	for (i = 0; i < d->nr_hooks; i++) {
		/* Its core also holds data: a hook must be code. */
		if (h[i].kind >= KSPLICE_HOOK_COUNT ||
		    h[i].fn < text ||
		    h[i].fn >= text + mod->core_layout.text_size) {
			ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
					  "hook %u of %s has kind %u or address 0x%llx outside the module's text",
					  i, mod->name, h[i].kind, h[i].fn);
			return -EINVAL;
		}
	}
	t->hooks = kmemdup(h, d->nr_hooks * sizeof(*h), GFP_KERNEL);
	if (!t->hooks) {
		ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
				  "no memory for the hooks of %s", mod->name);
		return -ENOMEM;
	}
	t->nr_hooks = d->nr_hooks;
	return 0;
}

void ksplice_hooks_free(struct ksplice_target *t)
{
	kfree(t->hooks);
	t->hooks = NULL;
	t->nr_hooks = 0;
}

/**
 * ksplice_hooks_run() - call every hook of one kind, in table order
 * @u: the update (every target with new code attached)
 * @kind: which hooks
 * @failed: set to the failing hook's address when one fails
 *
 * Stops at the first pre or check hook that returns nonzero.  Safe inside
 * the stopped window (no locks, no allocation, no logging).
 *
 * Return: 0, or the failing hook's return value.
 */
int ksplice_hooks_run(struct ksplice_update *u, enum ksplice_hook_kind kind,
		      unsigned long *failed)
{
	struct ksplice_target *t;
	unsigned int i;
	int ret;

	list_for_each_entry(t, &u->targets, list) {
		if (!t->new_mod)
			continue;
		for (i = 0; i < t->nr_hooks; i++) {
			unsigned long fn = t->hooks[i].fn;

			if (t->hooks[i].kind != kind)
				continue;
			if (!ksplice_hook_may_fail(kind)) {
				((void (*)(void))fn)();
				continue;
			}
			ret = ((int (*)(void))fn)();
			if (ret) {
				*failed = fn;
				return ret;
			}
		}
	}
	return 0;
}

/**
 * ksplice_hooks_run_outside() - call hooks outside the stopped window
 * @u: the update
 * @kind: a pre, post or fail kind
 *
 * A failing pre hook sets abort cause call_failed with a message naming
 * it.
 *
 * Return: 0 or -EIO.
 */
int ksplice_hooks_run_outside(struct ksplice_update *u,
			      enum ksplice_hook_kind kind)
{
	unsigned long fn = 0;
	int ret;

	/* Hooks may load modules: not with the notifier's mutex held. */
	ksplice_op_unlock();
	ret = ksplice_hooks_run(u, kind, &fn);
	ksplice_op_relock();
	if (!ret)
		return 0;
	ksplice_set_abort(u, KSPLICE_ABORT_CALL_FAILED,
			  "%s hook %ps of update %s failed (%d)",
			  ksplice_hook_name(kind), (void *)fn, u->id, ret);
	return -EIO;
}

/**
 * ksplice_deleted_called() - a function the update deleted was called
 * @mod: the new-code module whose stub replaced it
 * @name: the deleted function's name
 *
 * Return: -EOPNOTSUPP, which the stub passes to its caller.
 */
long ksplice_deleted_called(struct module *mod, const char *name)
{
	pr_err_ratelimited("function %s was deleted by update module %s but was called\n",
			   name, mod->name);
	WARN_ONCE(1, "ksplice: deleted function %s called\n", name);
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(ksplice_deleted_called);

/**
 * ksplice_hooks_check_stopped() - the check hooks, inside the window
 * @u: the update
 * @reverse: the check_reverse hooks instead of check_apply
 *
 * On failure writes u->message (no logging in the window; splice.c logs
 * it afterwards).
 *
 * Return: true if a check hook failed.
 */
bool ksplice_hooks_check_stopped(struct ksplice_update *u, bool reverse)
{
	enum ksplice_hook_kind kind = reverse ? KSPLICE_HOOK_CHECK_REVERSE :
		KSPLICE_HOOK_CHECK_APPLY;
	unsigned long fn = 0;
	int ret = ksplice_hooks_run(u, kind, &fn);

	if (!ret)
		return false;
	scnprintf(u->message, KSPLICE_MESSAGE_LEN,
		  "%s hook %ps of update %s failed (%d)",
		  ksplice_hook_name(kind), (void *)fn, u->id, ret);
	return true;
}

/* The action hooks (apply or reverse), inside the window: cannot fail. */
void ksplice_hooks_action_stopped(struct ksplice_update *u, bool reverse)
{
	unsigned long fn;

	ksplice_hooks_run(u, reverse ? KSPLICE_HOOK_REVERSE :
			  KSPLICE_HOOK_APPLY, &fn);
}

/* post or fail hooks: they cannot fail.  Caller holds ksplice_mutex. */
void ksplice_hooks_notify(struct ksplice_update *u,
			  enum ksplice_hook_kind kind)
{
	unsigned long fn;

	ksplice_op_unlock();
	ksplice_hooks_run(u, kind, &fn);
	ksplice_op_relock();
}
