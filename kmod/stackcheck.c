// SPDX-License-Identifier: GPL-2.0
/*
 * The task stack check, run inside stop_machine: no task may be executing
 * in, or due to return into, a function whose code is being changed.
 * Every task's stack is walked with the ORC unwinder; when the unwind is
 * not reliable, every word of the live stack is treated as a possible
 * return address instead (conservative, never misses one).
 *
 * Nothing here allocates, sleeps or takes a lock other than RCU.
 */
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <asm/unwind.h>
#include "ksplice_internal.h"

/* Deeper than any real kernel stack; stops a corrupt unwind. */
#define KSPLICE_MAX_FRAMES 512

static bool ksplice_in_new_text(struct module *mod, unsigned long addr)
{
	unsigned long base = (unsigned long)mod->core_layout.base;

	return addr >= base && addr < base + mod->core_layout.text_size;
}

/* The function an address is inside of, if it matters; else NULL. */
static const char *ksplice_busy_func(struct ksplice_stack_check *sc,
				     unsigned long addr)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;

	list_for_each_entry(t, &sc->u->targets, list) {
		list_for_each_entry(f, &t->funcs, list) {
			if (addr >= f->addr && addr < f->addr + f->size)
				return f->name;
			/* the replacement of an update applied below us */
			if (f->stacked_addr && addr >= f->stacked_addr &&
			    addr < f->stacked_addr + f->stacked_size)
				return f->name;
			if (sc->new_code && addr >= f->new_addr &&
			    addr < f->new_addr + f->new_size)
				return f->name;
		}
		if (sc->new_code && t->new_mod &&
		    ksplice_in_new_text(t->new_mod, addr))
			return t->new_mod->name;
	}
	return NULL;
}

/* Every word from the saved stack pointer to the top of the stack. */
static const char *ksplice_scan_stack(struct ksplice_stack_check *sc,
				      struct task_struct *task)
{
	unsigned long *lo = task_stack_page(task);
	unsigned long *hi = lo + THREAD_SIZE / sizeof(*lo);
	unsigned long *p = (unsigned long *)task->thread.sp;
	const char *hit;

	if (p < lo || p >= hi)
		p = lo;
	for (; p < hi; p++) {
		hit = ksplice_busy_func(sc, READ_ONCE_NOCHECK(*p));
		if (hit)
			return hit;
	}
	return NULL;
}

static const char *ksplice_check_task(struct ksplice_stack_check *sc,
				      struct task_struct *task)
{
	struct unwind_state state;
	struct pt_regs *regs;
	unsigned long addr;
	const char *hit;
	int frames = 0;
	bool reliable = true;

	if (READ_ONCE(ksplice_stack_scan_all))
		return ksplice_scan_stack(sc, task);
	for (unwind_start(&state, task, NULL, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		if (++frames > KSPLICE_MAX_FRAMES) {
			reliable = false;
			break;
		}
		regs = unwind_get_entry_regs(&state, NULL);
		/* The user-mode registers at the top: a complete unwind. */
		if (regs && user_mode(regs))
			break;
		addr = unwind_get_return_address(&state);
		if (!addr) {
			reliable = false;
			break;
		}
		hit = ksplice_busy_func(sc, addr);
		if (hit)
			return hit;
	}
	if (!reliable || unwind_error(&state)) {
		sc->nr_unreliable++;
		return ksplice_scan_stack(sc, task);
	}
	return NULL;
}

static void ksplice_check_one(struct ksplice_stack_check *sc,
			      struct task_struct *task)
{
	const char *hit;

	if (READ_ONCE(task->on_cpu))
		return;
	/* An exited task whose stack is already freed. */
	if (!task_stack_page(task) || !refcount_read(&task->stack_refcount))
		return;
	sc->nr_tasks++;
	hit = ksplice_check_task(sc, task);
	if (!hit)
		return;
	sc->nr_conflicts++;
	sc->len += scnprintf(sc->conflicts + sc->len,
			     KSPLICE_CONFLICTS_LEN - sc->len, "%d %s %s\n",
			     task_pid_nr(task), task->comm, hit);
}

/*
 * Idle tasks are not on the task list; each was switched out for its
 * CPU's stopper thread like any other task.
 */
static void ksplice_check_idle(struct ksplice_stack_check *sc)
{
	struct task_struct *idle;
	unsigned int cpu;

	if (!ksplice_ksyms.idle_threads) {
		ksplice_check_one(sc, &init_task);
		return;
	}
	for_each_online_cpu(cpu) {
		idle = *per_cpu_ptr(ksplice_ksyms.idle_threads, cpu);
		if (idle)
			ksplice_check_one(sc, idle);
	}
}

/**
 * ksplice_check_stacks() - find tasks inside the functions being changed
 * @sc: what to look for; conflicts are appended to @sc->conflicts
 *
 * Must run inside stop_machine: every task (idle tasks included) is then
 * either one of the stopper threads running this (on_cpu, skipped: they
 * run only stop_machine code) or switched out with its stack frozen.
 */
void ksplice_check_stacks(struct ksplice_stack_check *sc)
{
	struct task_struct *g, *task;

	rcu_read_lock();
	for_each_process_thread(g, task)
		ksplice_check_one(sc, task);
	rcu_read_unlock();
	ksplice_check_idle(sc);
}
