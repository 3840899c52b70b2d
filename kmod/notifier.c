// SPDX-License-Identifier: GPL-2.0
/*
 * The module notifier: attaches a coming new-code module to its prepared
 * update (checking its descriptor against the resolve lines and filling
 * its ksplice relocations before any of its code can run), detaches a
 * going one, and notices when a target module goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "ksplice_internal.h"

/*
 * Runs before jump_label (priority 1) and static_call, so a module that
 * will be refused has not been registered with them yet.
 */
#define KSPLICE_NOTIFIER_PRIORITY 10

/* Address of the descriptor symbol in a coming module, or 0. */
static unsigned long ksplice_find_desc(struct module *mod)
{
	struct mod_kallsyms *ks;
	unsigned long addr = 0;
	unsigned int i;

	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; ks && i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];

		if (sym->st_shndx != SHN_UNDEF &&
		    !strcmp(ks->strtab + sym->st_name, KSPLICE_DESC_SYMBOL)) {
			addr = sym->st_value;
			break;
		}
	}
	preempt_enable();
	return addr;
}

static bool ksplice_in_module(struct module *mod, u64 ptr, u64 len)
{
	return ptr && len < SZ_1G && within_module_core(ptr, mod) &&
		(!len || within_module_core(ptr + len - 1, mod));
}

/* A NUL-terminated string inside the module's core, or NULL. */
static const char *ksplice_mod_string(struct module *mod, u64 ptr)
{
	const char *s = (const char *)(unsigned long)ptr;
	size_t n;

	if (!ksplice_in_module(mod, ptr, 1))
		return NULL;
	for (n = 0; n < KSYM_NAME_LEN; n++) {
		if (!within_module_core(ptr + n, mod))
			return NULL;
		if (!s[n])
			return s;
	}
	return NULL;
}

static bool ksplice_desc_valid(struct module *mod,
			       const struct ksplice_update_desc *d)
{
	return d->abi_version == KSPLICE_ABI_VERSION &&
		d->nr_funcs <= KSPLICE_MAX_ENTRIES &&
		d->nr_relocs <= KSPLICE_MAX_ENTRIES &&
		d->nr_symbols <= KSPLICE_MAX_ENTRIES &&
		ksplice_mod_string(mod, d->id) &&
		ksplice_mod_string(mod, d->target) &&
		(!d->description || ksplice_mod_string(mod, d->description)) &&
		(!d->nr_funcs || ksplice_in_module(mod, d->funcs,
				d->nr_funcs * sizeof(struct ksplice_func))) &&
		(!d->nr_relocs || ksplice_in_module(mod, d->relocs,
				d->nr_relocs * sizeof(struct ksplice_reloc))) &&
		(!d->nr_symbols || ksplice_in_module(mod, d->symbols,
				d->nr_symbols * sizeof(struct ksplice_symbol))) &&
		d->nr_deleted <= KSPLICE_MAX_ENTRIES &&
		(!d->nr_deleted || ksplice_in_module(mod, d->deleted,
				d->nr_deleted * sizeof(struct ksplice_func)));
}

/*
 * Size of the function symbol of @mod at @addr (for the stubs of deleted
 * functions, whose size the generated descriptor cannot know), or 0.
 */
static u64 ksplice_mod_func_size(struct module *mod, u64 addr)
{
	struct mod_kallsyms *ks;
	u64 size = 0;
	unsigned int i;

	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; ks && i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];

		if (sym->st_shndx != SHN_UNDEF && sym->st_value == addr &&
		    ELF_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_size) {
			size = sym->st_size;
			break;
		}
	}
	preempt_enable();
	return size;
}

static struct ksplice_sym_site *ksplice_sym_lookup(struct ksplice_target *t,
						   u32 idx)
{
	struct ksplice_sym_site *s;

	list_for_each_entry(s, &t->syms, list)
		if (s->idx == idx)
			return s;
	return NULL;
}

static struct ksplice_func_site *ksplice_func_lookup(struct ksplice_target *t,
						     u32 idx)
{
	struct ksplice_func_site *f;

	list_for_each_entry(f, &t->funcs, list)
		if (f->idx == idx)
			return f;
	return NULL;
}

/*
 * The checks below are those of every new-code module, whether its target
 * is loaded or pending (pending.c): a pending part differs only in what
 * cannot be known before its module comes (the module's own symbols and
 * functions have no address yet), which pending.c checks when it comes.
 */

/*
 * Every symbol of the descriptor resolved and named correctly?  A pending
 * part's lines resolve only vmlinux symbols; the others are its module's
 * own, found by name when the module comes.
 */
static int ksplice_check_syms(struct ksplice_update *u, struct ksplice_target *t,
			      struct module *mod,
			      const struct ksplice_update_desc *d)
{
	const struct ksplice_symbol *syms = (void *)(unsigned long)d->symbols;
	struct ksplice_sym_site *s;
	char why[160];
	const char *name;
	u32 i;

	for (i = 0; i < d->nr_symbols; i++) {
		name = ksplice_mod_string(mod, syms[i].name);
		if (!name) {
			ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
					  "symbol %u of %s has no valid name",
					  i, mod->name);
			return -EINVAL;
		}
		s = ksplice_sym_lookup(t, i);
		if (!s && t->pending)
			continue;
		if (!s) {
			ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
					  "symbol %u (%s) of target %s was not resolved",
					  i, name, t->name);
			return -ENOENT;
		}
		if (ksplice_kallsyms_check(t->pending ? "vmlinux" : t->name,
					   s->addr, name, 0, why,
					   sizeof(why))) {
			ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
					  "symbol %u: %s", i, why);
			return -ENOENT;
		}
	}
	return 0;
}

/*
 * Every function resolved, named and sized correctly; copy its names.  A
 * pending part's functions (`pfunc` lines) have no address yet: they are
 * found by name when the module comes.
 */
static int ksplice_check_funcs(struct ksplice_update *u,
			       struct ksplice_target *t, struct module *mod,
			       const struct ksplice_update_desc *d)
{
	const struct ksplice_func *changed = (void *)(unsigned long)d->funcs;
	const struct ksplice_func *deleted = (void *)(unsigned long)d->deleted;
	const struct ksplice_func *funcs;
	struct ksplice_func_site *f;
	u32 i, nr = d->nr_funcs + d->nr_deleted;
	u64 new_size;
	char why[160];
	const char *name;

	list_for_each_entry(f, &t->funcs, list) {
		if (f->idx >= nr) {
			ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
					  "resolve line for function %u of %s, but %s has only %u",
					  f->idx, t->name, mod->name, nr);
			return -EINVAL;
		}
	}
	for (i = 0; i < nr; i++) {
		/* Deleted functions follow the changed ones (abi.h). */
		funcs = i < d->nr_funcs ? &changed[i] :
			&deleted[i - d->nr_funcs];
		name = ksplice_mod_string(mod, funcs->name);
		new_size = funcs->new_size;
		if (!new_size && i >= d->nr_funcs)
			new_size = ksplice_mod_func_size(mod, funcs->new_addr);
		if (!name || !new_size ||
		    !ksplice_in_module(mod, funcs->new_addr, new_size)) {
			ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
					  "function %u of %s has a bad name or address",
					  i, mod->name);
			return -EINVAL;
		}
		f = ksplice_func_lookup(t, i);
		if (!f && i >= d->nr_funcs) {
			/* Not matched in the running kernel: left alone. */
			continue;
		}
		if (!f) {
			ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
					  "function %u (%s) of target %s was not resolved",
					  i, name, t->name);
			return -ENOENT;
		}
		if (!t->pending &&
		    ksplice_kallsyms_check(t->name, f->addr, name, f->size, why,
					   sizeof(why))) {
			ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
					  "function %u: %s", i, why);
			return -ENOENT;
		}
		f->name = kstrdup(name, GFP_KERNEL);
		if (!f->name) {
			ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
					  "no memory for function names");
			return -ENOMEM;
		}
		f->new_addr = funcs->new_addr;
		f->new_size = new_size;
	}
	return 0;
}

/*
 * Fill the relocations whose symbol is resolved; a pending part's others
 * wait for its module (pending.c).  Every relocation's symbol must be in
 * the descriptor's table: the ones that wait are looked up in it then.
 */
static int ksplice_fill_relocs(struct ksplice_update *u,
			       struct ksplice_target *t, struct module *mod,
			       const struct ksplice_update_desc *d)
{
	const struct ksplice_reloc *relocs = (void *)(unsigned long)d->relocs;
	struct ksplice_sym_site *s;
	u32 i;
	int ret;

	for (i = 0; i < d->nr_relocs; i++) {
		s = relocs[i].sym < d->nr_symbols ?
			ksplice_sym_lookup(t, relocs[i].sym) : NULL;
		if (relocs[i].sym >= d->nr_symbols || (!s && !t->pending)) {
			ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
					  "relocation %u of %s refers to symbol %u, which is not in its table",
					  i, mod->name, relocs[i].sym);
			return -EINVAL;
		}
		if (s)
			ret = ksplice_apply_reloc(u, mod, &relocs[i], s->addr);
		else
			ret = ksplice_pending_reloc_waits(u, t, mod,
							  &relocs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int ksplice_module_coming(struct module *mod)
{
	const struct ksplice_update_desc *d;
	struct ksplice_update *u;
	struct ksplice_target *t;
	unsigned long addr;
	int ret;

	/* Parts of applied updates waiting for this module. */
	ret = ksplice_pending_coming(mod);
	if (ret)
		return ret;
	addr = ksplice_find_desc(mod);
	if (!addr)
		return 0;
	d = (const struct ksplice_update_desc *)addr;
	if (!ksplice_in_module(mod, addr, sizeof(*d)) ||
	    !ksplice_desc_valid(mod, d)) {
		pr_err("refusing %s: its %s is malformed or of another ABI version\n",
		       mod->name, KSPLICE_DESC_SYMBOL);
		return -EINVAL;
	}
	u = ksplice_update_find((const char *)(unsigned long)d->id);
	if (!u) {
		pr_err("refusing %s: no prepared update %s (write `prepare %s` to %s first)\n",
		       mod->name, (const char *)(unsigned long)d->id,
		       (const char *)(unsigned long)d->id,
		       KSPLICE_SYSFS_CONTROL);
		return -ENOENT;
	}
	if (u->stage == KSPLICE_STAGE_APPLIED) {
		ksplice_set_abort(u, KSPLICE_ABORT_ALREADY_APPLIED,
				  "%s cannot join update %s while it is applied",
				  mod->name, u->id);
		return -EBUSY;
	}
	t = ksplice_target_get(u, (const char *)(unsigned long)d->target,
			       !d->nr_funcs && !d->nr_symbols);
	if (!t) {
		ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
				  "no resolve lines for target %s of %s",
				  (const char *)(unsigned long)d->target,
				  mod->name);
		return -ENOENT;
	}
	if (t->new_mod) {
		ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
				  "target %s already has new code %s",
				  t->name, t->new_mod->name);
		return -EBUSY;
	}
	if (t->gone) {
		ksplice_set_abort(u, KSPLICE_ABORT_TARGET_NOT_LOADED,
				  "module %s was unloaded after its resolve lines were written",
				  t->name);
		return -ENOENT;
	}
	if (strcmp(t->name, "vmlinux") && !t->pending &&
	    !ksplice_target_loaded(t)) {
		ksplice_set_abort(u, KSPLICE_ABORT_TARGET_NOT_LOADED,
				  "target module %s is not loaded at the resolved addresses",
				  t->name);
		return -ENOENT;
	}
	ret = t->pending ? ksplice_pending_attach(u, t, d) : 0;
	if (!ret)
		ret = ksplice_check_syms(u, t, mod, d);
	if (!ret)
		ret = ksplice_check_funcs(u, t, mod, d);
	if (!ret)
		ret = ksplice_fill_relocs(u, t, mod, d);
	if (!ret)
		ret = ksplice_hooks_copy(u, t, mod, d);
	if (!ret && !u->description && d->description) {
		u->description = kstrdup((const char *)(unsigned long)
					 d->description, GFP_KERNEL);
		if (!u->description) {
			ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
					  "no memory for the description");
			ret = -ENOMEM;
		}
	}
	if (ret) {
		ksplice_target_detach(t);
		pr_err("refusing %s for update %s\n", mod->name, u->id);
		return ret;
	}
	t->new_mod = mod;
	ksplice_clear_abort(u);
	pr_info("update %s: %s attached for target %s (%u functions, %u deleted, %u relocations, %u hooks)\n",
		u->id, mod->name, t->name, d->nr_funcs, d->nr_deleted,
		d->nr_relocs, d->nr_hooks);
	return 0;
}

/* Return: @mod was the new code of an update (its code may have run). */
static bool ksplice_module_going(struct module *mod)
{
	struct ksplice_func_site *f;
	struct ksplice_update *u;
	struct ksplice_target *t;
	bool new_code = false;
	unsigned int n;

	/* Shadow data the module's code allocated dies with it. */
	n = ksplice_shadow_free_owned(mod);
	if (n)
		pr_info("%s: freed %u shadow variables\n", mod->name, n);

	list_for_each_entry(u, &ksplice_updates, list) {
		list_for_each_entry(t, &u->targets, list) {
			if (t->new_mod == mod) {
				/* Applied updates hold a reference: cannot be. */
				WARN_ON(u->stage == KSPLICE_STAGE_APPLIED);
				ksplice_target_detach(t);
				new_code = true;
				pr_info("update %s: %s detached\n", u->id,
					mod->name);
			}
			if (strcmp(t->name, mod->name))
				continue;
			if (ksplice_pending_going(t, mod))
				continue;
			/*
			 * The target is being freed: its addresses are
			 * stale.  Applied updates hold a reference on it, so
			 * this only happens to a forced unload; its code and
			 * our jumps in it are gone together.
			 */
			t->gone = true;
			list_for_each_entry(f, &t->funcs, list) {
				if (f->patched)
					pr_err("update %s: patched module %s is going away\n",
					       u->id, mod->name);
				f->patched = false;
			}
			if (t->target_mod == mod)
				t->target_mod = NULL;
		}
	}
	return new_code;
}

/*
 * Does @mod concern @u, whose apply or reverse is running: its new code,
 * one of its targets (loaded or pending), or new code of any update?
 * Other modules load and unload while an update applies.
 */
static bool ksplice_concerns(struct ksplice_update *u, struct module *mod)
{
	struct ksplice_target *t;

	list_for_each_entry(t, &u->targets, list)
		if (t->new_mod == mod || !strcmp(t->name, mod->name))
			return true;
	return ksplice_find_desc(mod) != 0;
}

/*
 * An applied update whose new code is @mod, or with a jump in @mod (not a
 * pending part: those are dropped with their module and wait for it
 * again), or NULL.
 */
static struct ksplice_update *ksplice_applied_with(struct module *mod)
{
	struct ksplice_func_site *f;
	struct ksplice_update *u;
	struct ksplice_target *t;

	list_for_each_entry(u, &ksplice_updates, list) {
		if (u->stage != KSPLICE_STAGE_APPLIED)
			continue;
		list_for_each_entry(t, &u->targets, list) {
			if (t->new_mod == mod)
				return u;
			if (t->pending || strcmp(t->name, mod->name))
				continue;
			list_for_each_entry(f, &t->funcs, list)
				if (f->patched)
					return u;
		}
	}
	return NULL;
}

/*
 * @mod is going while an update that needs it is applied: only a forced
 * unload (`rmmod -f`) gets here, the update holding references on both
 * modules, and the kernel frees the module whatever we return.  Reverse
 * every such update first (docs/design.md, "A forced unload reverses
 * first"); while one cannot be reversed (code_busy, or another update
 * applied over it) the unload waits, without our mutex, and tries again.
 * Caller holds ksplice_mutex.
 */
static void ksplice_reverse_for_going(struct module *mod)
{
	struct ksplice_update *u;
	int ret;

	for (;;) {
		ksplice_op_wait();
		u = ksplice_applied_with(mod);
		if (!u)
			return;
		pr_warn("module %s is forced out while update %s needs it: reversing the update first\n",
			mod->name, u->id);
		ksplice_op_begin(u);
		ret = ksplice_reverse(u);
		ksplice_op_end();
		if (!ret)
			continue;
		pr_err("update %s: cannot reverse it (%s: %s); the forced unload of %s waits and tries again\n",
		       u->id, ksplice_cause_name(u->cause), u->message,
		       mod->name);
		mutex_unlock(&ksplice_mutex);
		ssleep(1);
		mutex_lock(&ksplice_mutex);
	}
}

static int ksplice_module_notify(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	struct ksplice_update *busy;
	struct module *mod = data;
	bool new_code = false;
	int ret = 0;

	if (action != MODULE_STATE_COMING && action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&ksplice_mutex);
	/* Its update is ours alone until its apply or reverse ends. */
	while ((busy = ksplice_op_busy()) && ksplice_concerns(busy, mod))
		ksplice_op_wait();
	if (action == MODULE_STATE_COMING) {
		ret = ksplice_module_coming(mod);
	} else {
		ksplice_reverse_for_going(mod);
		new_code = ksplice_module_going(mod);
	}
	mutex_unlock(&ksplice_mutex);
	/*
	 * The kernel frees a going module after synchronize_rcu(), which
	 * waits for readers, not for callbacks: one the new code queued
	 * with call_rcu() could run after the memory it is in is gone.
	 * By now its update is reversed (no task in or due to return into
	 * its code, none with a restart pending into it) and its exit has
	 * run; what the new code itself keeps queueing (a callback that
	 * queues itself again, its timers, its work) is the update
	 * author's to stop in a reverse hook (docs/design.md, "What the
	 * removal of new code waits for").  Outside our mutex: this waits
	 * a grace period or more.
	 */
	if (new_code)
		rcu_barrier();
	return notifier_from_errno(ret);
}

static struct notifier_block ksplice_module_nb = {
	.notifier_call = ksplice_module_notify,
	.priority = KSPLICE_NOTIFIER_PRIORITY,
};

/**
 * ksplice_new_code_init() - called by every new-code module's init
 * @mod: the new-code module (THIS_MODULE)
 *
 * Return: 0 when the module was attached to a prepared update while it was
 * coming, -ENOENT otherwise (its code must then never run).
 */
int ksplice_new_code_init(struct module *mod)
{
	struct ksplice_update *u;
	struct ksplice_target *t;
	int ret = ksplice_debug_new_code_init();

	if (ret)
		return ret;
	ret = -ENOENT;
	mutex_lock(&ksplice_mutex);
	list_for_each_entry(u, &ksplice_updates, list)
		list_for_each_entry(t, &u->targets, list)
			if (t->new_mod == mod)
				ret = 0;
	mutex_unlock(&ksplice_mutex);
	if (ret)
		pr_err("%s is not attached to any prepared update\n",
		       mod->name);
	return ret;
}
EXPORT_SYMBOL_GPL(ksplice_new_code_init);

/**
 * ksplice_new_code_exit() - called by every new-code module's exit
 * @mod: the new-code module
 *
 * Nothing to do: the GOING notification detaches the module.  Kept so
 * that new-code modules depend on the core module and so cannot outlive it.
 */
void ksplice_new_code_exit(struct module *mod)
{
}
EXPORT_SYMBOL_GPL(ksplice_new_code_exit);

int ksplice_notifier_init(void)
{
	int ret = register_module_notifier(&ksplice_module_nb);

	if (ret)
		pr_err("cannot register the module notifier (%d)\n", ret);
	return ret;
}

void ksplice_notifier_exit(void)
{
	unregister_module_notifier(&ksplice_module_nb);
}
