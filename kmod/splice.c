// SPDX-License-Identifier: GPL-2.0
/*
 * Applying and reversing an update.  Everything that can fail happens
 * before the machine is stopped: kallsyms checks, module references,
 * text_mutex, and last the writable aliases of every patch site (made
 * for each stop_machine() call and removed as soon as it returns).  Inside one
 * stop_machine() one CPU re-verifies the bytes, all of them check a share
 * of the tasks' stacks, the first one writes (or restores) the jumps, and
 * every CPU serialises its instruction stream before leaving.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/nmi.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <asm/sync_core.h>
#include <asm/text-patching.h>
#include <asm/unaligned.h>
#include "ksplice_internal.h"

static_assert(KSPLICE_JUMP_LEN == JMP32_INSN_SIZE);

/**
 * ksplice_make_jump() - the bytes of a jump from a patch site
 * @jump: where to put the KSPLICE_JUMP_LEN bytes
 * @site: address the jump will be written at
 * @target: address it jumps to
 *
 * Return: 0, or -ERANGE when @target is beyond a 32-bit displacement.
 */
int ksplice_make_jump(u8 *jump, unsigned long site, unsigned long target)
{
	s64 rel = (s64)target - (s64)(site + JMP32_INSN_SIZE);

	if (rel != (s32)rel)
		return -ERANGE;
	jump[0] = JMP32_INSN_OPCODE;
	put_unaligned((s32)rel, (s32 *)&jump[1]);
	return 0;
}

/*
 * What the leader found when it verified the patch sites, published to
 * the other CPUs of the stopped window (they wait while it is
 * KSPLICE_PHASE_VERIFYING).
 */
enum ksplice_stop_phase {
	KSPLICE_PHASE_VERIFYING = 0,	/* the leader is still verifying */
	KSPLICE_PHASE_CHECK_STACKS,	/* sites as expected: check stacks */
	KSPLICE_PHASE_NO_MATCH,		/* bytes changed: stop, no_match */
	KSPLICE_PHASE_IPMODIFY,		/* another ftrace user redirects +0 */
};

/**
 * struct ksplice_stop_ctx - shared by the CPUs inside stop_machine
 * @u: the update
 * @reverse: restore instead of patch
 * @nr_cpus: CPUs that run the callback (all online CPUs)
 * @nr_workers: CPUs that check stacks: all of them, or only the leader
 *	(parameter stack_parallel off)
 * @entered: CPUs that entered the callback; the first one leads
 * @phase: enum ksplice_stop_phase, set by the leader once the patch
 *	sites are verified
 * @checked: CPUs done with their share of the stack check
 * @done: set by the leader when the jumps are written (or not)
 * @cause: result of the work (KSPLICE_ABORT_NONE on success)
 * @pause_ns: time the leader spent inside the window
 * @call_ns: time the whole stop_machine() call took, seen from outside
 *	(includes waking the stopper threads on every CPU)
 * @sc: the stack check state
 * @prescan: the stacks found clean just before stop_machine()
 * @sync: the steps of writing the jumps, which the others answer
 *
 * Every CPU checks a share of the tasks' stacks (they would otherwise
 * spin, waiting); the leader alone verifies and writes the sites.
 */
struct ksplice_stop_ctx {
	struct ksplice_update *u;
	bool reverse;
	unsigned int nr_cpus;
	unsigned int nr_workers;
	atomic_t entered;
	int phase;	/* enum ksplice_stop_phase, read with acquire */
	atomic_t checked;
	int done;
	enum ksplice_abort_cause cause;
	u64 pause_ns;
	u64 call_ns;
	struct ksplice_stack_check sc;
	struct ksplice_prescan prescan;
	struct ksplice_poke_sync sync;
};

/* Are the bytes at every patch site the ones we are about to replace? */
static bool ksplice_verify_sites(struct ksplice_stop_ctx *ctx)
{
	struct ksplice_update *u = ctx->u;
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	const u8 *site, *want;
	unsigned int n;

	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			site = (const u8 *)(f->addr + f->patchoff);
			want = ctx->reverse ? f->jump : f->expected;
			n = ctx->reverse ? KSPLICE_JUMP_LEN : f->nr_expected;
			if (!memcmp(site, want, n))
				continue;
			scnprintf(u->message, KSPLICE_MESSAGE_LEN,
				  "%s %s at 0x%lx+%u: expected %*phN, found %*phN",
				  ctx->reverse ? "ksplice's jump is gone from" :
				  "code changed in", f->name, f->addr,
				  f->patchoff, n, want, n, site);
			return false;
		}
	}
	return true;
}

/* Runs on every online CPU with interrupts off. */
static int ksplice_stop_fn(void *data)
{
	struct ksplice_stop_ctx *ctx = data;
	unsigned int slot = atomic_inc_return(&ctx->entered) - 1;
	unsigned int seen = 0;
	u64 start = 0;
	int phase;

	if (slot == 0) {
		start = ktime_get_ns();
		if (!ksplice_verify_sites(ctx))
			phase = KSPLICE_PHASE_NO_MATCH;
		else if (!ctx->reverse && !ksplice_ipmodify_verify(ctx->u))
			phase = KSPLICE_PHASE_IPMODIFY;
		else
			phase = KSPLICE_PHASE_CHECK_STACKS;
		/* Publish the phase; pairs with the acquire below. */
		smp_store_release(&ctx->phase, phase);
	} else {
		/* Pairs with the release above: see the verified sites. */
		while ((phase = smp_load_acquire(&ctx->phase)) ==
		       KSPLICE_PHASE_VERIFYING) {
			/*
			 * Interrupts are off while we wait: not a hard
			 * lockup (multi_cpu_stop() touches it only between
			 * its states, not inside our callback).
			 */
			touch_nmi_watchdog();
			cpu_relax();
		}
	}
	if (phase == KSPLICE_PHASE_CHECK_STACKS && slot < ctx->nr_workers) {
		ksplice_check_stacks(&ctx->sc, slot, ctx->nr_workers);
		/* Our conflicts and counts before the leader reads them. */
		smp_mb__before_atomic();
		atomic_inc(&ctx->checked);
	}
	if (slot == 0) {
		if (phase == KSPLICE_PHASE_NO_MATCH) {
			ctx->cause = KSPLICE_ABORT_NO_MATCH;
		} else if (phase == KSPLICE_PHASE_IPMODIFY) {
			ctx->cause = KSPLICE_ABORT_FTRACE_IPMODIFY;
		} else {
			while (atomic_read_acquire(&ctx->checked) <
			       ctx->nr_workers) {
				touch_nmi_watchdog();
				cpu_relax();
			}
			if (ctx->sc.nr_conflicts) {
				ctx->cause = KSPLICE_ABORT_CODE_BUSY;
			} else if (ksplice_hooks_check_stopped(ctx->u,
							       ctx->reverse)) {
				ctx->cause = KSPLICE_ABORT_CALL_FAILED;
			} else {
				ksplice_poke_sites(ctx->u, ctx->reverse,
						   &ctx->sync);
				ksplice_hooks_action_stopped(ctx->u,
							     ctx->reverse);
				ctx->cause = KSPLICE_ABORT_NONE;
			}
		}
		ctx->pause_ns = ktime_get_ns() - start;
		/* Publish the writes before letting the other CPUs go. */
		smp_store_release(&ctx->done, 1);
	} else {
		/* Pairs with the release above; answer the leader's steps. */
		while (!smp_load_acquire(&ctx->done)) {
			ksplice_poke_follow(&ctx->sync, &seen);
			touch_nmi_watchdog();
			cpu_relax();
		}
	}
	/* Do not run stale prefetched instructions of a patched site. */
	sync_core();
	return 0;
}

static void ksplice_unmap_sites(struct ksplice_update *u)
{
	struct ksplice_target *t;

	list_for_each_entry(t, &u->targets, list)
		ksplice_alias_unmap_target(t);
}

/* Every patch site in memory mapped writable, or none (out_of_memory). */
static int ksplice_map_sites(struct ksplice_update *u)
{
	struct ksplice_target *t;
	int ret;

	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		ret = ksplice_alias_map_target(u, t);
		if (ret) {
			ksplice_unmap_sites(u);
			return ret;
		}
	}
	return 0;
}

static int ksplice_run_stopped(struct ksplice_stop_ctx *ctx)
{
	int ret;

	atomic_set(&ctx->entered, 0);
	atomic_set(&ctx->checked, 0);
	ctx->phase = KSPLICE_PHASE_VERIFYING;
	ctx->done = 0;
	ctx->cause = KSPLICE_ABORT_UNEXPECTED;
	ctx->sc.len = 0;
	ctx->sc.nr_conflicts = 0;
	ctx->sc.nr_tasks = 0;
	ctx->sc.nr_unreliable = 0;
	ctx->sc.nr_unwound = 0;
	ctx->sc.nr_prescanned = 0;
	ctx->sc.nr_busy = 0;
	ctx->sc.conflicts[0] = '\0';
	ctx->u->message[0] = '\0';
	/* Waits for a grace period: before taking any lock. */
	ksplice_prescan_start(&ctx->prescan);
	/* Same lock order as kprobes and ftrace: hotplug, then text_mutex. */
	cpus_read_lock();
	mutex_lock(ksplice_ksyms.text_mutex);
	/* Last thing before stopping: the fewer tasks run since, the better. */
	ksplice_prescan_run(&ctx->prescan, &ctx->sc);
	ksplice_debug_after_prescan();
	/*
	 * The writable aliases exist only for this one stop_machine() call:
	 * never across the retry sleeps, hooks or prescans (docs/design.md,
	 * "Writable aliases").  Mapping can fail, so it is done here, before
	 * the machine stops.
	 */
	ret = ksplice_map_sites(ctx->u);
	if (ret)
		goto unlock;
	/* The CPUs stop_machine will run the callback on: all online ones. */
	ctx->nr_cpus = num_online_cpus();
	ctx->nr_workers = READ_ONCE(ksplice_stack_parallel) ? ctx->nr_cpus : 1;
	ctx->sync.step = 0;
	atomic_set(&ctx->sync.answers, 0);
	ctx->sync.nr_others = ctx->nr_cpus - 1;
	ctx->call_ns = ktime_get_ns();
	ret = ksplice_ksyms.stop_machine_cpuslocked(ksplice_stop_fn, ctx,
						    cpu_online_mask);
	ctx->call_ns = ktime_get_ns() - ctx->call_ns;
	ksplice_unmap_sites(ctx->u);
unlock:
	mutex_unlock(ksplice_ksyms.text_mutex);
	cpus_read_unlock();
	ksplice_prescan_stop(&ctx->prescan);
	return ret;
}

static void ksplice_put_refs(struct ksplice_update *u)
{
	struct ksplice_target *t;

	list_for_each_entry(t, &u->targets, list) {
		if (!t->refs_held)
			continue;
		if (t->target_mod)
			module_put(t->target_mod);
		t->target_mod = NULL;
		module_put(t->new_mod);
		t->refs_held = false;
	}
}

/**
 * ksplice_target_loaded() - is the module a target names loaded?
 * @t: a module target with at least one func or sym line
 *
 * Return: true if the module holding its first resolved address is the
 * target module (and is not going away).  A per-CPU variable's address is
 * in no module: then the target module must be loaded with that address
 * in its per-CPU region.
 */
bool ksplice_target_loaded(struct ksplice_target *t)
{
	unsigned long addr;
	struct module *mod;
	bool ok;

	if (!list_empty(&t->funcs))
		addr = list_first_entry(&t->funcs, struct ksplice_func_site,
					list)->addr;
	else if (!list_empty(&t->syms))
		addr = list_first_entry(&t->syms, struct ksplice_sym_site,
					list)->addr;
	else
		return true;
	preempt_disable();
	mod = ksplice_ksyms.module_address(addr);
	if (!mod && ksplice_ksyms.find_module) {
		mod = ksplice_ksyms.find_module(t->name);
		if (mod && !ksplice_in_mod_percpu(mod, addr))
			mod = NULL;
	}
	ok = mod && !strcmp(mod->name, t->name) &&
		mod->state != MODULE_STATE_GOING;
	preempt_enable();
	return ok;
}

/* The loaded target module, referenced; NULL if it is not loaded. */
static struct module *ksplice_get_target_module(struct ksplice_target *t)
{
	struct ksplice_func_site *f;
	struct module *mod;

	f = list_first_entry(&t->funcs, struct ksplice_func_site, list);
	preempt_disable();
	mod = ksplice_ksyms.module_address(f->addr);
	if (mod && (strcmp(mod->name, t->name) || !try_module_get(mod)))
		mod = NULL;
	preempt_enable();
	return mod;
}

/*
 * Check one target and, for apply, take references on its new-code
 * module and its target module so neither can go while applied.
 */
static int ksplice_prepare_target(struct ksplice_update *u,
				  struct ksplice_target *t, bool reverse)
{
	const char *why = NULL;

	if (!t->new_mod) {
		ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
				  "no new-code module is loaded for target %s",
				  t->name);
		return -EINVAL;
	}
	if (reverse)
		return 0;
	if (t->pending) {
		/* Spliced when the module comes; it must not be here yet. */
		if (ksplice_pending_present(t)) {
			ksplice_set_abort(u, KSPLICE_ABORT_TARGET_NOT_LOADED,
					  "module %s was loaded after the update was prepared, so its part was not spliced in; remove the update and apply it again",
					  t->name);
			return -ENOENT;
		}
		goto new_code;
	}
	/*
	 * A part with hooks but no replaced function still needs its new
	 * code to stay while applied: its reverse hooks will run.
	 */
	if (list_empty(&t->funcs) && !t->nr_hooks)
		return 0;
	if (list_empty(&t->funcs))
		goto new_code;
	if (t->gone) {
		ksplice_set_abort(u, KSPLICE_ABORT_TARGET_NOT_LOADED,
				  "module %s was unloaded after its resolve lines were written",
				  t->name);
		return -ENOENT;
	}
	if (strcmp(t->name, "vmlinux")) {
		t->target_mod = ksplice_get_target_module(t);
		if (!t->target_mod) {
			ksplice_set_abort(u, KSPLICE_ABORT_TARGET_NOT_LOADED,
					  "module %s is not loaded (or is going away)",
					  t->name);
			return -ENOENT;
		}
	}
new_code:
	/*
	 * try_module_get() succeeds on a COMING module, but a load that
	 * fails after the COMING notification (parameters, sysfs, the
	 * module's own init) frees the module whatever its refcount, and
	 * its jump labels are not set up until then: its code may be run
	 * only once it is LIVE.  State changes to LIVE without our mutex,
	 * so this read may be early, never wrong.
	 */
	if (READ_ONCE(t->new_mod->state) != MODULE_STATE_LIVE)
		why = "is still loading (its init has not returned); apply once it is live";
	else if (!try_module_get(t->new_mod))
		why = "is going away";
	if (why) {
		if (t->target_mod)
			module_put(t->target_mod);
		t->target_mod = NULL;
		ksplice_set_abort(u, KSPLICE_ABORT_MODULE_BUSY,
				  "new-code module %s %s", t->new_mod->name, why);
		return -EBUSY;
	}
	t->refs_held = true;
	return 0;
}

/* The function of another applied update whose jump is at @site. */
static struct ksplice_func_site *
ksplice_applied_at(struct ksplice_update *self, unsigned long site,
		   struct ksplice_update **owner)
{
	struct ksplice_func_site *g;
	struct ksplice_update *v;
	struct ksplice_target *t;

	list_for_each_entry(v, &ksplice_updates, list) {
		if (v == self || v->stage != KSPLICE_STAGE_APPLIED)
			continue;
		list_for_each_entry(t, &v->targets, list)
			list_for_each_entry(g, &t->funcs, list)
				if (g->patched &&
				    g->addr + g->patchoff == site &&
				    !memcmp((void *)site, g->jump,
					    KSPLICE_JUMP_LEN)) {
					*owner = v;
					return g;
				}
	}
	return NULL;
}

/*
 * Updates stack: one applied over another replaces the other's
 * replacement, so its stack check must cover that code too; and the one
 * below can only be reversed after the one on top.
 */
static int ksplice_check_stacking(struct ksplice_update *u,
				  struct ksplice_func_site *f, bool reverse)
{
	unsigned long site = f->addr + f->patchoff;
	struct ksplice_func_site *g;
	struct ksplice_update *v;

	g = ksplice_applied_at(u, site, &v);
	if (!reverse) {
		f->stacked_addr = g ? g->new_addr : 0;
		f->stacked_size = g ? g->new_size : 0;
		return 0;
	}
	if (!g)
		return 0;
	ksplice_set_abort(u, KSPLICE_ABORT_NO_MATCH,
			  "update %s was applied over %s at 0x%lx+%u; reverse it first",
			  v->id, f->name, f->addr, f->patchoff);
	return -EBUSY;
}

/**
 * ksplice_check_site() - may the jump of a function be written at its site?
 * @u: the update (for the abort message)
 * @mod: the module holding the site, NULL for vmlinux
 * @f: the function, at @f->addr
 *
 * The checks of a patch site shared by an apply and by a pending part
 * spliced as its module comes (pending.c), so that both refuse the same
 * sites: the jump reaches the new code (encoded into @f->jump), and no
 * other rewriter of kernel text owns bytes under it.  Caller holds
 * text_mutex or ksplice_mutex; outside the stopped window.
 *
 * Return: 0, or a negative errno with the abort cause set.
 */
int ksplice_check_site(struct ksplice_update *u, struct module *mod,
		       struct ksplice_func_site *f)
{
	unsigned long site = f->addr + f->patchoff;

	if (ksplice_make_jump(f->jump, site, f->new_addr)) {
		ksplice_set_abort(u, KSPLICE_ABORT_UNEXPECTED,
				  "new %s at 0x%lx is out of jump range of 0x%lx",
				  f->name, f->new_addr, site);
		return -ERANGE;
	}
	/* A part applied when its module loads (pending.c) gets it too. */
	return ksplice_check_foreign_sites(u, mod, f) ?:
	       ksplice_check_unsafe_site(u, mod, f);
}

/*
 * Is each cold piece of @f what its `cold` line says: a symbol of @t
 * named NAME.cold or NAME.cold.N (NAME being @f's), starting there?  The stack check trusts these ranges as it trusts the
 * function's own, so a wrong address must not get that far.
 * Return: 0, -ENOENT or -ENOMEM, with the abort set.
 */
static int ksplice_check_cold(struct ksplice_update *u,
			      struct ksplice_target *t,
			      struct ksplice_func_site *f)
{
	size_t len = strlen(f->name);
	unsigned int i;
	char *buf, *end, why[160];
	int ret = 0;

	if (!f->nr_cold)
		return 0;
	buf = ksplice_should_fail() ? NULL :
		kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL);
	if (!buf) {
		ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
				  "no memory to check the cold pieces of %s",
				  f->name);
		return -ENOMEM;
	}
	for (i = 0; i < f->nr_cold && !ret; i++) {
		sprint_symbol(buf, f->cold_addr[i]);
		end = strchr(buf, '+');
		if (end)
			*end = '\0';
		if (!end || strncmp(buf, f->name, len) ||
		    strncmp(buf + len, ".cold", 5) ||
		    (buf[len + 5] && buf[len + 5] != '.')) {
			ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
					  "0x%lx is %s in %s, not a cold piece of %s",
					  f->cold_addr[i], end ? buf : "no symbol",
					  t->name, f->name);
			ret = -ENOENT;
			break;
		}
		/*
		 * Known by name now: its start and module as for @f, not its
		 * size.  A module's last text symbol, as cold pieces often
		 * are, gets a kallsyms size that runs to whatever comes next
		 * (0x33e bytes for the 0x18 of usbtv_audio_init.cold); the
		 * line gives the piece's own size, as matched by user space.
		 */
		if (ksplice_kallsyms_check(t->name, f->cold_addr[i], buf, 0,
					   why, sizeof(why))) {
			ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
					  "%s", why);
			ret = -ENOENT;
		}
	}
	kfree(buf);
	return ret;
}

/* Check and encode one patch site. */
static int ksplice_prepare_site(struct ksplice_update *u,
				struct ksplice_target *t,
				struct ksplice_func_site *f, bool reverse)
{
	char why[160];
	int ret;

	if (!f->name) {
		ksplice_set_abort(u, KSPLICE_ABORT_UNEXPECTED,
				  "function %u of %s has no new code",
				  f->idx, t->name);
		return -EINVAL;
	}
	if (!reverse) {
		if (ksplice_kallsyms_check(t->name, f->addr, f->name, f->size,
					   why, sizeof(why))) {
			ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
					  "%s", why);
			return -ENOENT;
		}
		ret = ksplice_check_cold(u, t, f);
		if (ret)
			return ret;
		if (ksplice_check_site(u, t->target_mod, f))
			return -EBUSY;
	}
	if (ksplice_check_stacking(u, f, reverse))
		return -EBUSY;
	return 0;
}

/**
 * ksplice_check_overlaps() - do two jumps of one update cover the same bytes?
 * @u: the update
 * @only: check only this target's sites among themselves (a pending part
 *	spliced as its module comes); NULL: every site in memory
 *
 * They would save each other's jump as "original" bytes; refuse that.
 * (Another applied update's jump is fine: its bytes are what the matcher
 * saw, and reversing in the opposite order restores them.)
 *
 * Return: 0, or -EINVAL with abort cause invalid_update.
 */
int ksplice_check_overlaps(struct ksplice_update *u,
			   struct ksplice_target *only)
{
	struct ksplice_func_site *f, *g;
	struct ksplice_target *t, *s;
	unsigned long a, b;

	list_for_each_entry(t, &u->targets, list) {
		if (only ? t != only : !ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			a = f->addr + f->patchoff;
			s = t;
			g = f;
			list_for_each_entry_continue(g, &t->funcs, list) {
				b = g->addr + g->patchoff;
				if (a < b + KSPLICE_JUMP_LEN &&
				    b < a + KSPLICE_JUMP_LEN)
					goto overlap;
			}
			/* Other targets' sites are in other modules. */
			if (only)
				continue;
			list_for_each_entry_continue(s, &u->targets, list) {
				if (!ksplice_site_live(s))
					continue;
				list_for_each_entry(g, &s->funcs, list) {
					b = g->addr + g->patchoff;
					if (a < b + KSPLICE_JUMP_LEN &&
					    b < a + KSPLICE_JUMP_LEN)
						goto overlap;
				}
			}
		}
	}
	return 0;

overlap:
	ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
			  "the patch sites of functions %u (0x%lx) and %u (0x%lx) overlap",
			  f->idx, a, g->idx, b);
	return -EINVAL;
}

static int ksplice_prepare(struct ksplice_update *u, bool reverse)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	int ret;

	if (list_empty(&u->targets)) {
		ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
				  "update %s has no targets", u->id);
		return -EINVAL;
	}
	if (!reverse) {
		ret = ksplice_check_overlaps(u, NULL);
		if (ret)
			return ret;
	}
	list_for_each_entry(t, &u->targets, list) {
		ret = ksplice_prepare_target(u, t, reverse);
		if (ret)
			goto fail;
		/* A part waiting for its module has no site in memory. */
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			ret = ksplice_prepare_site(u, t, f, reverse);
			if (ret)
				goto fail;
		}
	}
	/* Once stacking is known; ftrace takes text_mutex itself. */
	if (!reverse) {
		ret = ksplice_ipmodify_hold(u);
		if (ret)
			goto fail;
	}
	return 0;

fail:
	if (!reverse)
		ksplice_put_refs(u);
	return ret;
}

static int ksplice_splice(struct ksplice_update *u, bool reverse)
{
	struct ksplice_stop_ctx ctx = {
		.u = u,
		.reverse = reverse,
		.sc = { .u = u, .new_code = reverse, .conflicts = u->conflicts,
			.caller = current },
	};
	unsigned int try;
	int ret;

	raw_spin_lock_init(&ctx.sc.lock);
	ret = ksplice_prepare(u, reverse);
	if (ret)
		return ret;
	if (ksplice_stack_ranges_build(&ctx.sc)) {
		ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
				  "cannot allocate the stack check's table of %s",
				  u->id);
		return -ENOMEM;
	}
	ksplice_prescan_alloc(&ctx.prescan);
	ctx.sc.prescan = &ctx.prescan;
	for (try = 1; ; try++) {
		u->tries = try;
		ret = ksplice_run_stopped(&ctx);
		if (ret || ctx.cause != KSPLICE_ABORT_CODE_BUSY ||
		    try > ksplice_retries)
			break;
		pr_info("update %s: %s try %u: %u tasks busy, retrying\n",
			u->id, reverse ? "reverse" : "apply", try,
			ctx.sc.nr_conflicts);
		/*
		 * Not with the mutex the module notifier takes for every
		 * module load; the update itself stays ours (update.c).
		 */
		ksplice_op_unlock();
		ksplice_debug_between_tries();
		msleep(ksplice_retry_delay_ms);
		ksplice_op_relock();
	}
	ksplice_prescan_free(&ctx.prescan);
	ksplice_stack_ranges_free(&ctx.sc);
	if (ret) {
		/* A patch site that could not be mapped has said why. */
		if (u->cause == KSPLICE_ABORT_NONE)
			ksplice_set_abort(u, KSPLICE_ABORT_UNEXPECTED,
					  "stop_machine failed (%d)", ret);
	} else if (ctx.cause == KSPLICE_ABORT_CODE_BUSY) {
		ksplice_set_abort(u, KSPLICE_ABORT_CODE_BUSY,
				  "%u tasks still inside functions being changed after %u tries (see conflicts)",
				  ctx.sc.nr_conflicts, u->tries);
	} else if (ctx.cause != KSPLICE_ABORT_NONE) {
		/* The message was written inside the window. */
		u->cause = ctx.cause;
		pr_err("update %s: %s: %s\n", u->id,
		       ksplice_cause_name(ctx.cause), u->message);
	}
	if (u->cause == KSPLICE_ABORT_NONE) {
		if (reverse)
			u->pause_reverse_ns = ctx.pause_ns;
		else
			u->pause_apply_ns = ctx.pause_ns;
		pr_info("update %s %s: %llu ns in the stopped window, %llu ns for the whole stop_machine, %u tries, %u stacks checked, %u clean since the prescan, %u unwound (%u unwinds unreliable)\n",
			u->id, reverse ? "reversed" : "applied", ctx.pause_ns,
			ctx.call_ns, u->tries, ctx.sc.nr_tasks,
			ctx.sc.nr_prescanned, ctx.sc.nr_unwound,
			ctx.sc.nr_unreliable);
	}
	return u->cause == KSPLICE_ABORT_NONE ? 0 : -EIO;
}

/**
 * ksplice_apply() - write the jumps of an update into the running kernel
 * @u: the update; caller holds ksplice_mutex
 *
 * Return: 0, or -EIO with abort_cause and message set.
 */
int ksplice_apply(struct ksplice_update *u)
{
	int ret;

	lockdep_assert_held(&ksplice_mutex);
	if (u->stage == KSPLICE_STAGE_APPLIED) {
		ksplice_set_abort(u, KSPLICE_ABORT_ALREADY_APPLIED,
				  "update %s is already applied", u->id);
		return -EIO;
	}
	ksplice_clear_abort(u);
	u->tries = 0;
	/* The update's hooks: pre may refuse before anything is touched. */
	ret = ksplice_hooks_run_outside(u, KSPLICE_HOOK_PRE_APPLY);
	if (!ret)
		ret = ksplice_splice(u, false);
	if (ret) {
		ksplice_ipmodify_release(u);
		ksplice_put_refs(u);
		u->stage = KSPLICE_STAGE_ABORTED;
		ksplice_hooks_notify(u, KSPLICE_HOOK_FAIL_APPLY);
		return -EIO;
	}
	u->stage = KSPLICE_STAGE_APPLIED;
	ksplice_hooks_notify(u, KSPLICE_HOOK_POST_APPLY);
	return 0;
}

/**
 * ksplice_reverse() - take the jumps of an applied update out again
 * @u: the update; caller holds ksplice_mutex
 *
 * Return: 0, or -EIO with abort_cause and message set (the update then
 * stays applied).
 */
int ksplice_reverse(struct ksplice_update *u)
{
	int ret;

	lockdep_assert_held(&ksplice_mutex);
	if (u->stage != KSPLICE_STAGE_APPLIED) {
		ksplice_set_abort(u, KSPLICE_ABORT_NOT_APPLIED,
				  "update %s is not applied", u->id);
		return -EIO;
	}
	ksplice_clear_abort(u);
	u->tries = 0;
	ret = ksplice_hooks_run_outside(u, KSPLICE_HOOK_PRE_REVERSE);
	if (!ret)
		ret = ksplice_splice(u, true);
	if (ret) {
		ksplice_hooks_notify(u, KSPLICE_HOOK_FAIL_REVERSE);
		return -EIO;
	}
	ksplice_ipmodify_release(u);
	ksplice_put_refs(u);
	ksplice_pending_reversed(u);
	u->stage = KSPLICE_STAGE_REVERSED;
	ksplice_hooks_notify(u, KSPLICE_HOOK_POST_REVERSE);
	return 0;
}
