// SPDX-License-Identifier: GPL-2.0
/*
 * The stack prescan: most of the stack check's work, done before the
 * machine is stopped, so that the stopped window only looks again at the
 * few tasks that can have changed their stacks since.
 *
 * A switched-out task's kernel stack cannot change until the task runs
 * again.  So, with the switch log recording every task switched in from
 * before the prescan until the window:
 *  - the prescan walks the task list; a task that is switched out and
 *    whose live stack holds no word inside the code being changed (the
 *    filter scan of stackcheck.c) is clean, and forgotten;
 *  - every other task (running, or with such a word) goes on the dirty
 *    list, with a reference;
 *  - inside the window only the dirty tasks, the tasks in the switch log
 *    and the idle tasks are checked, in full.
 * A task created after the prescan is in the switch log once it has run;
 * one that never ran holds only its fork frame, never a return address
 * into anything.  When the dirty list or a CPU's log overflowed, or the
 * tracepoint is missing, the window checks every task as before.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include "ksplice_internal.h"

/* Room for tasks created between counting and scanning. */
#define KSPLICE_PRESCAN_SLACK 256

/**
 * ksplice_prescan_alloc() - the dirty list and the switch log
 * @ps: the prescan, zeroed
 *
 * Called outside the stopped window.  On failure @ps stays unusable and
 * the stopped window checks every stack: the prescan only saves time.
 */
void ksplice_prescan_alloc(struct ksplice_prescan *ps)
{
	struct task_struct *g, *task;
	unsigned int n = 0;

	if (!READ_ONCE(ksplice_stack_prescan) || !ksplice_ksyms.put_task_stack)
		return;
	ksplice_switch_log_init();
	if (!ksplice_switch_log.registered)
		return;
	rcu_read_lock();
	for_each_process_thread(g, task)
		n++;
	rcu_read_unlock();
	n += n / 8 + KSPLICE_PRESCAN_SLACK;
	ps->dirty = kvmalloc_array(n, sizeof(*ps->dirty), GFP_KERNEL);
	if (!ps->dirty) {
		pr_info("ksplice: no memory for the stack prescan of %u tasks; the stopped window checks every stack\n",
			n);
		return;
	}
	ps->cap = n;
}

void ksplice_prescan_free(struct ksplice_prescan *ps)
{
	ksplice_prescan_stop(ps);
	kvfree(ps->dirty);
	ps->dirty = NULL;
	ps->cap = 0;
}

/* Is this task's stack clean now, and will it stay so until it runs? */
static bool ksplice_prescan_clean_now(const struct ksplice_stack_check *sc,
				      struct task_struct *task)
{
	bool hit;

	/* Acquire: pairs with finish_task()'s release of on_cpu. */
	if (smp_load_acquire(&task->on_cpu))
		return false;
	/* Written only by the task itself, like its stack. */
	if (ksplice_restart_hit(sc, task))
		return false;
	/* No stack left: the task is dead and will never run again. */
	if (!try_get_task_stack(task))
		return true;
	hit = ksplice_stack_may_hit(sc, task);
	ksplice_ksyms.put_task_stack(task);
	/* A task that ran meanwhile is in the switch log anyway. */
	return !hit;
}

/**
 * ksplice_prescan_run() - scan every task's stack now
 * @ps: allocated by ksplice_prescan_alloc() (may be unusable)
 * @sc: the stack check, ranges built
 *
 * Called once per try, after ksplice_prescan_start(), just before
 * stop_machine().  Fills the dirty list; @ps->complete tells whether
 * every task was either found clean or listed.
 */
void ksplice_prescan_run(struct ksplice_prescan *ps,
			 const struct ksplice_stack_check *sc)
{
	struct task_struct *g, *task;

	ps->complete = false;
	if (!ps->logging || !sc->ranges ||
	    !READ_ONCE(ksplice_stack_filter) ||
	    READ_ONCE(ksplice_stack_scan_all))
		return;
	rcu_read_lock();
	for_each_process_thread(g, task) {
		if (ksplice_prescan_clean_now(sc, task)) {
			ps->nr_clean++;
			continue;
		}
		if (ps->nr_dirty == ps->cap) {
			rcu_read_unlock();
			return;
		}
		/* A task whose last reference is gone has exited. */
		if (refcount_inc_not_zero(&task->usage))
			ps->dirty[ps->nr_dirty++] = task;
	}
	rcu_read_unlock();
	ps->complete = true;
}

/**
 * ksplice_prescan_start() - start the switch log for one try
 * @ps: the prescan
 *
 * Before the prescan (it waits for a grace period).
 */
void ksplice_prescan_start(struct ksplice_prescan *ps)
{
	ps->nr_dirty = 0;
	ps->nr_clean = 0;
	ps->complete = false;
	ps->logging = ps->dirty && ksplice_switch_log_start();
}

/**
 * ksplice_prescan_stop() - end of a try: stop the log, drop references
 * @ps: the prescan
 */
void ksplice_prescan_stop(struct ksplice_prescan *ps)
{
	unsigned int i;

	if (ps->logging)
		ksplice_switch_log_stop();
	ps->logging = false;
	for (i = 0; i < ps->nr_dirty; i++)
		put_task_struct(ps->dirty[i]);
	ps->nr_dirty = 0;
	ps->complete = false;
}

/**
 * ksplice_prescan_usable() - may the window check only the listed tasks?
 * @ps: the prescan, or NULL
 *
 * Inside the stopped window.
 */
bool ksplice_prescan_usable(const struct ksplice_prescan *ps)
{
	return ps && ps->logging && ps->complete &&
	       ksplice_switch_log_complete();
}

/**
 * ksplice_prescan_for_each() - call @fn on this CPU's share of the tasks
 *	that may have changed since the prescan
 * @ps: a usable prescan
 * @sc: this CPU's copy of the stack check
 * @slot: this CPU's share: every @nr-th task from the @slot-th on
 * @nr: how many CPUs share the work
 * @fn: the check
 *
 * Inside the stopped window: the dirty tasks, then every CPU's switch
 * log.  A task may come twice; checking it twice is harmless.
 */
void ksplice_prescan_for_each(const struct ksplice_prescan *ps,
			      struct ksplice_stack_check *sc,
			      unsigned int slot, unsigned int nr,
			      void (*fn)(struct ksplice_stack_check *sc,
					 struct task_struct *task))
{
	const struct ksplice_switch_log_cpu *c;
	unsigned int cpu, i, k = 0;

	for (i = 0; i < ps->nr_dirty; i++)
		if (k++ % nr == slot)
			fn(sc, ps->dirty[i]);
	for_each_possible_cpu(cpu) {
		c = ksplice_switch_log.cpu[cpu];
		for (i = 0; i < c->nr; i++)
			if (k++ % nr == slot)
				fn(sc, c->tasks[i]);
	}
}
