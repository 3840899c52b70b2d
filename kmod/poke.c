// SPDX-License-Identifier: GPL-2.0
/*
 * Writing the jumps inside the stopped window so that an NMI or #MC
 * handler, which still runs on every CPU there, never executes a jump
 * half written (docs/design.md, "Writing the jump").
 *
 * Every other CPU spins in the window with interrupts off; "sync" here
 * means: each of them has seen the step, run sync_core() and said so
 * from its own spinning loop.  An NMI runs on the CPU it interrupts and
 * returns before that CPU's loop runs again, so once a CPU has answered,
 * no NMI that started there before the step is still running, and none
 * that starts afterwards fetches stale bytes.  No IPI is sent, nothing
 * sleeps or fails.
 *
 * Two store patterns:
 *  - breakpoint first (apply, and a reverse whose bytes cross an 8-byte
 *    boundary): int3 at the first byte, sync, the four others, sync, the
 *    first byte, sync.  A CPU that hits the int3 is sent where the jump
 *    leads (the die notifier below); one already past the first byte
 *    finishes the old bytes, which are intact until the sync shows it
 *    has left them.
 *  - one aligned 8-byte store (a reverse whose five bytes lie in one
 *    aligned quadword): the bytes replaced are ksplice's own jump, one
 *    instruction, so no CPU can be between its bytes; it fetches either
 *    the jump or the original bytes.  Then sync.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kdebug.h>
#include <linux/kprobes.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <asm/sync_core.h>
#include <asm/text-patching.h>
#include "ksplice_internal.h"

/*
 * The update whose sites may hold ksplice's int3, or NULL.  Set by the
 * leader inside the window before the first int3, cleared after the last
 * sync; the update cannot go meanwhile (ksplice_mutex is held).
 */
static struct ksplice_update *ksplice_poke_update;

/* The site (f->addr + patchoff) an int3 at @ip - 1 belongs to, or NULL. */
static struct ksplice_func_site *ksplice_poke_find(struct ksplice_update *u,
						   unsigned long site)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;

	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list)
			if (f->poke == KSPLICE_POKE_BP &&
			    f->addr + f->patchoff == site)
				return f;
	}
	return NULL;
}

/*
 * A CPU hit an int3: if it is one of ours, do what the jump does (on
 * apply and on reverse alike the jump is, or was, going to new code).
 */
static int ksplice_poke_int3(struct notifier_block *nb, unsigned long val,
			     void *data)
{
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;
	struct ksplice_func_site *f;
	struct ksplice_update *u;

	if (val != DIE_INT3 || !regs || user_mode(regs))
		return NOTIFY_DONE;
	/* Pairs with the release before the first int3 is written. */
	u = smp_load_acquire(&ksplice_poke_update);
	if (!u)
		return NOTIFY_DONE;
	f = ksplice_poke_find(u, regs->ip - INT3_INSN_SIZE);
	if (!f)
		return NOTIFY_DONE;
	regs->ip = f->new_addr;
	return NOTIFY_STOP;
}
NOKPROBE_SYMBOL(ksplice_poke_int3);
NOKPROBE_SYMBOL(ksplice_poke_find);

static struct notifier_block ksplice_poke_nb = {
	.notifier_call = ksplice_poke_int3,
	/* Before anyone who would take our int3 for a stray one. */
	.priority = INT_MAX,
};

/**
 * ksplice_poke_init() - register the int3 handler, once, at module init
 *
 * Registered once rather than around each window: unregistering waits
 * for a grace period, and the handler costs one load while no window is
 * open.
 *
 * Return: 0 or a negative errno.
 */
int ksplice_poke_init(void)
{
	return register_die_notifier(&ksplice_poke_nb);
}

/** ksplice_poke_exit() - unregister the int3 handler */
void ksplice_poke_exit(void)
{
	unregister_die_notifier(&ksplice_poke_nb);
}

/**
 * ksplice_poke_follow() - a non-leader CPU's part of a sync
 * @s: the sync state
 * @seen: the last step this CPU answered (starts at 0)
 *
 * Called in the loop where the CPU waits for the leader.
 */
void ksplice_poke_follow(struct ksplice_poke_sync *s, unsigned int *seen)
{
	/* Pairs with the release in ksplice_poke_sync(): see its writes. */
	unsigned int step = smp_load_acquire(&s->step);

	if (step == *seen)
		return;
	/* Drop whatever this CPU fetched before the bytes changed. */
	sync_core();
	*seen = step;
	atomic_inc(&s->answers);
}

/* The leader: publish a step and wait for every other CPU to answer it. */
static void ksplice_poke_sync(struct ksplice_poke_sync *s)
{
	unsigned int step = s->step + 1;

	/* Pairs with the acquire in ksplice_poke_follow(): the new bytes. */
	smp_store_release(&s->step, step);
	sync_core();
	while (atomic_read_acquire(&s->answers) < step * s->nr_others)
		cpu_relax();
}

/*
 * One aligned 8-byte store of @bytes at @alias: the three bytes around
 * them in the quadword are read back unchanged.
 */
static void ksplice_poke_store8(u8 *alias, unsigned long site, const u8 *bytes)
{
	u64 *q = (u64 *)(alias - (site & 7));
	u64 v = READ_ONCE(*q);

	memcpy((u8 *)&v + (site & 7), bytes, KSPLICE_JUMP_LEN);
	WRITE_ONCE(*q, v);
}

/**
 * ksplice_poke_pattern() - how the jump at a site is written or removed
 * @site: the patch site
 * @reverse: removing ksplice's jump (else writing it)
 *
 * Return: KSPLICE_POKE_STORE8 when the five bytes lie in one aligned
 * quadword and the bytes replaced are one instruction (our jump, on
 * reverse), else KSPLICE_POKE_BP.  On apply the old bytes are usually
 * several instructions, and an NMI may be between two of them.
 */
enum ksplice_poke_pattern ksplice_poke_pattern(unsigned long site,
					       bool reverse)
{
	if (reverse && (site & 7) + KSPLICE_JUMP_LEN <= 8)
		return KSPLICE_POKE_STORE8;
	return KSPLICE_POKE_BP;
}

/* The bytes a site gets: the jump, or the bytes saved on apply. */
static const u8 *ksplice_poke_bytes(struct ksplice_func_site *f, bool reverse)
{
	return reverse ? f->saved : f->jump;
}

/**
 * ksplice_poke_sites() - write (or remove) every jump of an update
 * @u: the update; its sites are mapped (f->alias) and verified
 * @reverse: restore the saved bytes instead of writing the jumps
 * @s: the sync state; every other CPU calls ksplice_poke_follow()
 *
 * Runs on the leader inside the stopped window; cannot fail.
 */
void ksplice_poke_sites(struct ksplice_update *u, bool reverse,
			struct ksplice_poke_sync *s)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	unsigned long site;
	bool bp = false;

	ksplice_debug_poke_start();
	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			site = f->addr + f->patchoff;
			if (!reverse)
				memcpy(f->saved, (void *)site,
				       KSPLICE_JUMP_LEN);
			f->poke = ksplice_poke_pattern(site, reverse);
			bp |= f->poke == KSPLICE_POKE_BP;
			ksplice_debug_poke_count(f->poke);
		}
	}
	if (bp) {
		/* The handler must know the sites before it can meet one. */
		smp_store_release(&ksplice_poke_update, u);
		list_for_each_entry(t, &u->targets, list) {
			if (!ksplice_site_live(t))
				continue;
			list_for_each_entry(f, &t->funcs, list)
				if (f->poke == KSPLICE_POKE_BP)
					WRITE_ONCE(f->alias[0],
						   INT3_INSN_OPCODE);
		}
		ksplice_poke_sync(s);
		ksplice_debug_poke_step();
		list_for_each_entry(t, &u->targets, list) {
			if (!ksplice_site_live(t))
				continue;
			list_for_each_entry(f, &t->funcs, list)
				if (f->poke == KSPLICE_POKE_BP)
					memcpy(f->alias + 1,
					       ksplice_poke_bytes(f, reverse) + 1,
					       KSPLICE_JUMP_LEN - 1);
		}
		ksplice_poke_sync(s);
		ksplice_debug_poke_step();
	}
	list_for_each_entry(t, &u->targets, list) {
		if (!ksplice_site_live(t))
			continue;
		list_for_each_entry(f, &t->funcs, list) {
			site = f->addr + f->patchoff;
			if (f->poke == KSPLICE_POKE_BP)
				WRITE_ONCE(f->alias[0],
					   ksplice_poke_bytes(f, reverse)[0]);
			else
				ksplice_poke_store8(f->alias, site,
						    ksplice_poke_bytes(f,
								       reverse));
			f->patched = !reverse;
		}
	}
	ksplice_poke_sync(s);
	/* Every CPU that met an int3 of ours has left the handler. */
	WRITE_ONCE(ksplice_poke_update, NULL);
}
