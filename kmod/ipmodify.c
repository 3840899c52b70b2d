// SPDX-License-Identifier: GPL-2.0
/*
 * Livepatch and the other ftrace users that redirect a function at its
 * ftrace site.  Such a user registers an ftrace_ops with
 * FTRACE_OPS_FL_IPMODIFY; its handler runs from the call at +0 and sets
 * the saved instruction pointer to its own function, so the jump ksplice
 * writes at +5 is never reached and the fix never runs.  ftrace allows one
 * IPMODIFY ops per function and refuses a second with -EBUSY.  ksplice
 * uses that rule (docs/design.md, "Livepatch and other IPMODIFY ftrace
 * users"):
 *  - before the window it reads the FTRACE_FL_IPMODIFY flag of each
 *    replaced function's ftrace record: set, the apply ends
 *    ftrace_ipmodify;
 *  - with parameter ftrace_hold, it also adds the ftrace site of every
 *    function it replaces to the filter of its own IPMODIFY ops, whose
 *    handler changes nothing: ftrace refuses that if another IPMODIFY
 *    user is there, and while the site is in the filter, ftrace refuses
 *    any later livepatch on the function, until the update is reversed
 *    and the site taken out again;
 *  - inside the window it reads the FTRACE_FL_IPMODIFY flag of each
 *    function's ftrace record (found before the window): set for a site
 *    ksplice does not hold, the apply ends ftrace_ipmodify.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/nops.h>
#include <asm/text-patching.h>
#include "ksplice_internal.h"

/*
 * Off by default: holding a site rewrites the function's ftrace call at
 * +0 (text_poke_bp) at every apply and reverse, and under QEMU TCG a
 * guest whose CPUs were calling the function then hung now and then
 * (test_kmod_splice's hammer: a CPU stuck at +0, the other in
 * stop_machine), the hazard that keeps the stack prescan off
 * (docs/design.md).  Without it an
 * IPMODIFY user already there is still refused, from its record.
 */
static bool ksplice_ftrace_hold;
module_param_named(ftrace_hold, ksplice_ftrace_hold, bool, 0600);
MODULE_PARM_DESC(ftrace_hold,
		 "hold the replaced functions' ftrace sites with an IPMODIFY ftrace_ops while applied, so that a later livepatch on them is refused (off: only one already there is refused)");

#ifdef KSPLICE_DEBUG
/*
 * Skip the checks before the window (the record's flag and the ops of
 * ksplice), so that a test reaches the check inside the window with
 * another IPMODIFY user on the function.
 */
static bool ksplice_ipmodify_window_only;
module_param_named(ipmodify_window_only, ksplice_ipmodify_window_only, bool,
		   0600);
MODULE_PARM_DESC(ipmodify_window_only,
		 "debug build: take no ftrace hold before the window; only the check inside it refuses an IPMODIFY ftrace user");
#define ksplice_ipmodify_skip_hold() READ_ONCE(ksplice_ipmodify_window_only)
#else
#define ksplice_ipmodify_skip_hold() false
#endif

/* Called from the ftrace site of every held function: nothing to do. */
static void notrace ksplice_ipmodify_handler(unsigned long ip,
					     unsigned long parent_ip,
					     struct ftrace_ops *ops,
					     struct ftrace_regs *fregs)
{
}

/*
 * One ops for every update, registered at the first hold and kept until
 * the module unloads: unregistering an ops of a module waits for an
 * RCU-tasks grace period, which a kernel thread that never sleeps (one
 * calling the replaced function in a loop) holds off for ever; changing
 * the filter of a registered ops does not wait.  IPMODIFY goes with
 * SAVE_REGS (include/linux/ftrace.h).
 */
static struct ftrace_ops ksplice_ipmodify_ops = {
	.func = ksplice_ipmodify_handler,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};
static bool ksplice_ipmodify_registered;

/*
 * Never called.  Always in the ops' filter, so that the filter is never
 * empty: ftrace takes an empty filter for "every function" and refuses
 * that for an IPMODIFY ops.
 */
noinline void ksplice_ipmodify_anchor(void)
{
	barrier();
}

/* Does @f have an ftrace site at its entry (the jump is then at +5)? */
static bool ksplice_has_ftrace_site(struct ksplice_func_site *f)
{
	return f->patchoff &&
		ksplice_ksyms.ftrace_location_range(f->addr, f->addr) ==
		f->addr;
}

/*
 * Find the ftrace record of each function with an ftrace site.  Records
 * of vmlinux are never freed, and those of a target module live as long
 * as the module, which the apply holds a reference on: the pointers stay
 * good through the window.  The record iterator is ftrace's own, under
 * ftrace_lock as its callers use it.
 */
static void ksplice_ipmodify_find_recs(struct ksplice_update *u)
{
	const struct ksplice_kernel_syms *k = &ksplice_ksyms;
	unsigned long lo = ULONG_MAX, hi = 0;
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	struct ftrace_rec_iter *iter;
	struct dyn_ftrace *rec;

	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			f->ftrace_rec = NULL;
			if (!f->patchoff)
				continue;
			lo = min(lo, f->addr);
			hi = max(hi, f->addr);
		}
	}
	if (lo > hi || !k->ftrace_lock)
		return;
	mutex_lock(k->ftrace_lock);
	for (iter = k->ftrace_rec_iter_start(); iter;
	     iter = k->ftrace_rec_iter_next(iter)) {
		rec = k->ftrace_rec_iter_record(iter);
		if (rec->ip < lo || rec->ip > hi)
			continue;
		list_for_each_entry(t, &u->targets, list) {
			if (!ksplice_site_live(t))
				continue;
			list_for_each_entry(f, &t->funcs, list)
				if (f->patchoff && f->addr == rec->ip)
					f->ftrace_rec = rec;
		}
	}
	mutex_unlock(k->ftrace_lock);
}

/*
 * The sites this update holds: functions with an ftrace site at their
 * entry that no update below already holds.  Fills @ips unless NULL,
 * marks the sites held if @held.  Return: how many there are.
 */
static unsigned int ksplice_ipmodify_sites(struct ksplice_update *u,
					   unsigned long *ips, bool held)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	unsigned int n = 0;

	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			if (f->stacked_addr || !ksplice_has_ftrace_site(f))
				continue;
			if (ips)
				ips[n] = f->addr;
			f->ftrace_held = held;
			n++;
		}
	}
	return n;
}

/*
 * A site ksplice is to hold whose record says another IPMODIFY user is
 * there: refuse, naming it.  @any: name the first site if none says so
 * (ftrace refused, the record was read before).
 */
static int ksplice_ipmodify_refuse(struct ksplice_update *u, bool any)
{
	struct ksplice_func_site *f, *first = NULL;
	struct ksplice_target *t;

	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			if (f->stacked_addr || !ksplice_has_ftrace_site(f))
				continue;
			if (!first)
				first = f;
			if (f->ftrace_rec &&
			    (READ_ONCE(f->ftrace_rec->flags) &
			     FTRACE_FL_IPMODIFY))
				goto refuse;
		}
	}
	if (!any || !first)
		return 0;
	f = first;
refuse:
	ksplice_set_abort(u, KSPLICE_ABORT_FTRACE_IPMODIFY,
			  "%s at 0x%lx: an IPMODIFY ftrace user (a livepatch, or a kprobe with a post handler) owns its ftrace site and would run instead of the jump at +%u",
			  f->name, f->addr, f->patchoff);
	return -EBUSY;
}

/**
 * ksplice_ipmodify_hold() - refuse and keep off IPMODIFY ftrace users
 * @u: the update being applied; its sites are prepared (stacking known)
 *
 * Adds the ftrace sites of @u's functions that no update below holds to
 * the filter of ksplice's IPMODIFY ops, and finds each function's ftrace
 * record for ksplice_ipmodify_verify().  Caller holds ksplice_mutex, not
 * text_mutex (ftrace takes it).
 *
 * Return: 0; or -EBUSY with abort cause ftrace_ipmodify when another
 * IPMODIFY user is on one of them; or another error with the cause set.
 */
int ksplice_ipmodify_hold(struct ksplice_update *u)
{
	unsigned long *ips;
	unsigned int n;
	int ret;

	ksplice_ipmodify_find_recs(u);
	n = ksplice_ipmodify_sites(u, NULL, false);
	if (!n || ksplice_ipmodify_skip_hold())
		return 0;
	/* The records name the function; ftrace's answer is what counts. */
	ret = ksplice_ipmodify_refuse(u, false);
	if (ret || !READ_ONCE(ksplice_ftrace_hold))
		return ret;
	/* Kept for the release, which must not fail; one more for the anchor. */
	ips = kcalloc(n + 1, sizeof(*ips), GFP_KERNEL);
	if (!ips || ksplice_should_fail()) {
		kfree(ips);
		ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
				  "cannot allocate the ftrace hold of %s",
				  u->id);
		return -ENOMEM;
	}
	ksplice_ipmodify_sites(u, ips, false);
	if (ksplice_ipmodify_registered) {
		/* Unchanged if ftrace refuses. */
		ret = ftrace_set_filter_ips(&ksplice_ipmodify_ops, ips, n, 0, 0);
	} else {
		/* The filter first: without one the ops would trace all. */
		ips[n] = (unsigned long)ksplice_ipmodify_anchor;
		ret = ftrace_set_filter_ips(&ksplice_ipmodify_ops, ips, n + 1,
					    0, 1);
		if (!ret)
			ret = register_ftrace_function(&ksplice_ipmodify_ops);
		if (ret)
			ftrace_free_filter(&ksplice_ipmodify_ops);
		else
			ksplice_ipmodify_registered = true;
	}
	if (!ret) {
		u->ipmodify_ips = ips;
		u->nr_ipmodify = n;
		ksplice_ipmodify_sites(u, NULL, true);
		return 0;
	}
	kfree(ips);
	if (ret == -EBUSY)
		return ksplice_ipmodify_refuse(u, true);
	if (ret == -ENOMEM)
		ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
				  "cannot allocate the ftrace hold of %s",
				  u->id);
	else
		ksplice_set_abort(u, KSPLICE_ABORT_UNEXPECTED,
				  "cannot register the ftrace hold of %s (%d)",
				  u->id, ret);
	return ret;
}

/**
 * ksplice_ipmodify_release() - let IPMODIFY ftrace users in again
 * @u: an update whose apply failed or that was reversed
 *
 * Takes @u's sites out of the ops' filter.  Caller holds ksplice_mutex,
 * not text_mutex.
 */
void ksplice_ipmodify_release(struct ksplice_update *u)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	int ret;

	list_for_each_entry(t, &u->targets, list)
		list_for_each_entry(f, &t->funcs, list) {
			f->ftrace_held = false;
			f->ftrace_rec = NULL;
		}
	if (!u->ipmodify_ips)
		return;
	ret = ftrace_set_filter_ips(&ksplice_ipmodify_ops, u->ipmodify_ips,
				    u->nr_ipmodify, 1, 0);
	/* Then a livepatch on them stays refused; nothing else is wrong. */
	if (ret)
		pr_warn("update %s: its functions stay held in ftrace (%d)\n",
			u->id, ret);
	kfree(u->ipmodify_ips);
	u->ipmodify_ips = NULL;
	u->nr_ipmodify = 0;
}

/**
 * ksplice_ipmodify_exit() - unregister the ops at module unload
 *
 * No update is applied any more (their new-code modules hold this one).
 */
void ksplice_ipmodify_exit(void)
{
	if (!ksplice_ipmodify_registered)
		return;
	unregister_ftrace_function(&ksplice_ipmodify_ops);
	ftrace_free_filter(&ksplice_ipmodify_ops);
	ksplice_ipmodify_registered = false;
}

/**
 * ksplice_ipmodify_verify() - no foreign IPMODIFY user at any +0 (window)
 * @u: the update being applied
 *
 * Inside the stopped window, so only reads: the record of each function
 * found before it, and the bytes at +0 (ftrace's NOP, or its call).
 * A function's site is held by ksplice when this update's ops holds it or
 * the update it is stacked on does (ftrace then lets no other IPMODIFY
 * user in); any other site with the flag set belongs to someone else.
 *
 * Return: true if every site is fine; else false with @u->message set.
 */
bool ksplice_ipmodify_verify(struct ksplice_update *u)
{
	static const u8 nop[MCOUNT_INSN_SIZE] = { BYTES_NOP5 };
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	const u8 *entry;
	bool held;

	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			if (!f->ftrace_rec)
				continue;
			held = f->ftrace_held || f->stacked_addr;
			if (!held &&
			    (READ_ONCE(f->ftrace_rec->flags) & FTRACE_FL_IPMODIFY)) {
				scnprintf(u->message, KSPLICE_MESSAGE_LEN,
					  "%s at 0x%lx: an IPMODIFY ftrace user (a livepatch, or a kprobe with a post handler) owns its ftrace site (found in the stopped window) and would run instead of the jump at +%u",
					  f->name, f->addr, f->patchoff);
				return false;
			}
			/* ftrace writes its NOP or a call there, nothing else. */
			entry = (const u8 *)f->addr;
			if (entry[0] != CALL_INSN_OPCODE &&
			    memcmp(entry, nop, MCOUNT_INSN_SIZE)) {
				scnprintf(u->message, KSPLICE_MESSAGE_LEN,
					  "%s at 0x%lx: its ftrace site holds %*phN, neither ftrace's NOP nor a call, so something else redirects it before the jump at +%u",
					  f->name, f->addr, MCOUNT_INSN_SIZE, entry,
					  f->patchoff);
				return false;
			}
		}
	}
	return true;
}
