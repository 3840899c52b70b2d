// SPDX-License-Identifier: GPL-2.0
/*
 * The task stack check, run inside stop_machine: no task may be executing
 * in, or due to return into, a function whose code is being changed.
 * Every task's stack is walked with the ORC unwinder; when the unwind is
 * not reliable, every word of the live stack is treated as a possible
 * return address instead (conservative, never misses one).
 *
 * Most tasks are nowhere near the code being changed, and unwinding costs
 * a table lookup per frame, so each stack is first scanned word by word
 * against the (sorted, merged) address ranges that matter.  That scan is a
 * sound filter: every address the unwinder could report for a task that
 * is switched out is read from its live stack (return addresses and the
 * ip saved in pt_regs alike), so a stack with no word in any range cannot
 * be busy.  Only stacks with such a word are unwound, which keeps a stale
 * word from ever causing a false code_busy.
 *
 * Tracers hide return addresses: a kretprobe or fprobe (rethook) and the
 * function_graph tracer replace a return address on the stack with their
 * trampoline and keep the real one in the task (task->rethooks,
 * task->ret_stack).  The filter scan and the word-by-word scan read those
 * kept addresses as well as the stack, so a task asleep under a traced
 * caller is still seen (ksplice_hijacked_find()).
 *
 * A function's cold piece (foo.cold, code GCC moved out of foo into
 * .text.unlikely; `cold` resolve lines) is checked as part of it: a task
 * asleep under it returns into it and from there jumps back into foo.
 *
 * On reverse, a task's pending syscall restart counts as a frame too
 * (ksplice_restart_hit()): its restart_block.fn is called when the task
 * resumes, so one into the new code would jump into the new-code module
 * after it is unloaded.
 *
 * Nothing here allocates, sleeps or takes a lock other than RCU; the
 * range table is built before the machine is stopped.
 */
#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/rethook.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/unwind.h>
#include "ksplice_internal.h"

/* Deeper than any real kernel stack; stops a corrupt unwind. */
#define KSPLICE_MAX_FRAMES 512

/*
 * More pending kretprobe returns than any task really has: the prescan
 * reads the list of a task that may be running, so a walk that goes on
 * longer is treated as a hit, never as clean.
 */
#define KSPLICE_MAX_RETHOOKS 1024

/* A test on one address: the name of what it hits, or NULL. */
typedef const char *(*ksplice_addr_test_t)(const struct ksplice_stack_check *sc,
					   unsigned long addr);

/* What a task is reported busy in when its tracer list is too long. */
static const char ksplice_rethooks_overflow[] = "(kretprobe return list)";

static bool ksplice_in_new_text(struct module *mod, unsigned long addr)
{
	unsigned long base = (unsigned long)mod->core_layout.base;

	return addr >= base && addr < base + mod->core_layout.text_size;
}

/* The function an address is inside of, if it matters; else NULL. */
static const char *ksplice_busy_func(const struct ksplice_stack_check *sc,
				     unsigned long addr)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	unsigned int i;

	list_for_each_entry(t, &sc->u->targets, list) {
		list_for_each_entry(f, &t->funcs, list) {
			/*
			 * A pending part's function has no address (0) until
			 * its module comes: then it is nowhere, not at
			 * [0, size), where small numbers on stacks would hit.
			 */
			if (f->addr && addr >= f->addr &&
			    addr < f->addr + f->size)
				return f->name;
			/* foo.cold: a task there returns into foo's code */
			for (i = 0; i < f->nr_cold; i++)
				if (addr >= f->cold_addr[i] &&
				    addr < f->cold_addr[i] + f->cold_size[i])
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

/*
 * Is @addr inside the new code of the update (its replacements, or
 * anywhere in the text of one of its new-code modules)?  Its name if so.
 */
static const char *ksplice_new_code_func(const struct ksplice_stack_check *sc,
					 unsigned long addr)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;

	list_for_each_entry(t, &sc->u->targets, list) {
		list_for_each_entry(f, &t->funcs, list)
			if (addr >= f->new_addr &&
			    addr < f->new_addr + f->new_size)
				return f->name;
		if (t->new_mod && ksplice_in_new_text(t->new_mod, addr))
			return t->new_mod->name;
	}
	return NULL;
}

/**
 * ksplice_hijacked_find() - test the return addresses tracers keep for @task
 * @sc: the stack check
 * @task: a task that is not running, or (prescan) one whose result is
 *	checked again in the window if it runs meanwhile
 * @test: the test on each address
 *
 * Each address a tracer took off @task's stack is the real return address
 * its trampoline will jump to, as much a frame as one on the stack.
 * Called inside the window (the lists cannot change), or by the prescan
 * under rcu_read_lock() (the task struct, its ret_stack and freed rethook
 * nodes outlive the read).
 *
 * Return: what the first hit is in, or NULL.
 */
static const char *ksplice_hijacked_find(const struct ksplice_stack_check *sc,
					 struct task_struct *task,
					 ksplice_addr_test_t test)
{
	const char *hit;
#ifdef CONFIG_FUNCTION_GRAPH_TRACER
	struct ftrace_ret_stack *rs = READ_ONCE(task->ret_stack);
	int i, top = READ_ONCE(task->curr_ret_stack);

	if (rs) {
		top = min(top, FTRACE_RETFUNC_DEPTH - 1);
		for (i = 0; i <= top; i++) {
			hit = test(sc, READ_ONCE(rs[i].ret));
			if (hit)
				return hit;
		}
	}
#endif
#ifdef CONFIG_RETHOOK
	{
		struct llist_node *node = READ_ONCE(task->rethooks.first);
		struct rethook_node *rh;
		unsigned int n = 0;

		for (; node; node = READ_ONCE(node->next)) {
			if (++n > KSPLICE_MAX_RETHOOKS)
				return ksplice_rethooks_overflow;
			rh = container_of(node, struct rethook_node, llist);
			hit = test(sc, READ_ONCE(rh->ret_addr));
			if (hit)
				return hit;
		}
	}
#endif
	return NULL;
}

/*
 * Would the unwinder have to ask rethook for this task's return addresses,
 * and be refused?  rethook_find_ret_addr() warns and gives up on a task
 * that is TASK_RUNNING and not current: a preempted one.
 */
static bool ksplice_rethook_unwind_refused(struct task_struct *task)
{
#ifdef CONFIG_RETHOOK
	return READ_ONCE(task->rethooks.first) && task_is_running(task);
#else
	return false;
#endif
}

/*
 * Every word from the saved stack pointer to the top of the stack, and
 * every return address a tracer keeps for the task: together they hold
 * every return address the task has, so this scan can find a stale word
 * (a false code_busy, and a retry) but never miss a frame.
 */
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
	return ksplice_hijacked_find(sc, task, ksplice_busy_func);
}

static int ksplice_range_cmp(const void *a, const void *b)
{
	const struct ksplice_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static void ksplice_range_add(struct ksplice_stack_check *sc,
			      unsigned long start, unsigned long size)
{
	if (!start || !size)
		return;
	sc->ranges[sc->nr_ranges].start = start;
	sc->ranges[sc->nr_ranges].end = start + size;
	sc->nr_ranges++;
}

/**
 * ksplice_stack_ranges_build() - the address ranges the stack check
 *	looks for, sorted and merged, for the filter scan
 * @sc: the stack check; @sc->u and @sc->new_code must be set
 *
 * Called outside the stopped window, after the patch sites are prepared
 * (stacked replacements known).  Free with ksplice_stack_ranges_free().
 *
 * Return: 0 or -ENOMEM.
 */
int ksplice_stack_ranges_build(struct ksplice_stack_check *sc)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	unsigned int i, n = 0, out;

	list_for_each_entry(t, &sc->u->targets, list) {
		list_for_each_entry(f, &t->funcs, list)
			n += 3 + f->nr_cold;
		n++;
	}
	sc->nr_ranges = 0;
	sc->ranges = ksplice_should_fail() ? NULL :
		kmalloc_array(n ?: 1, sizeof(*sc->ranges), GFP_KERNEL);
	if (!sc->ranges)
		return -ENOMEM;
	list_for_each_entry(t, &sc->u->targets, list) {
		list_for_each_entry(f, &t->funcs, list) {
			ksplice_range_add(sc, f->addr, f->size);
			for (i = 0; i < f->nr_cold; i++)
				ksplice_range_add(sc, f->cold_addr[i],
						  f->cold_size[i]);
			ksplice_range_add(sc, f->stacked_addr, f->stacked_size);
			if (sc->new_code)
				ksplice_range_add(sc, f->new_addr, f->new_size);
		}
		if (sc->new_code && t->new_mod)
			ksplice_range_add(sc,
				(unsigned long)t->new_mod->core_layout.base,
				t->new_mod->core_layout.text_size);
	}
	sort(sc->ranges, sc->nr_ranges, sizeof(*sc->ranges),
	     ksplice_range_cmp, NULL);
	for (i = 1, out = 0; i < sc->nr_ranges; i++) {
		if (sc->ranges[i].start <= sc->ranges[out].end) {
			sc->ranges[out].end = max(sc->ranges[out].end,
						  sc->ranges[i].end);
			continue;
		}
		sc->ranges[++out] = sc->ranges[i];
	}
	if (sc->nr_ranges)
		sc->nr_ranges = out + 1;
	return 0;
}

void ksplice_stack_ranges_free(struct ksplice_stack_check *sc)
{
	kfree(sc->ranges);
	sc->ranges = NULL;
	sc->nr_ranges = 0;
}

/* Is @addr inside one of the merged ranges?  Binary search. */
static bool ksplice_in_ranges(const struct ksplice_stack_check *sc,
			      unsigned long addr)
{
	unsigned int lo = 0, hi = sc->nr_ranges, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr < sc->ranges[mid].start)
			hi = mid;
		else if (addr >= sc->ranges[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/**
 * ksplice_restart_hit() - does @task's pending restart go into the new code?
 * @sc: the stack check
 * @task: any task (its task_struct held, by RCU or a reference)
 *
 * A syscall that returns -ERESTART_RESTARTBLOCK leaves restart_block.fn
 * set; the task calls it when it goes back to user space (a task stopped
 * by SIGSTOP there calls it after SIGCONT), or whenever it calls
 * restart_syscall(2) itself.  Only the task writes the field, so for a
 * task that is not running it is as frozen as its stack.  Checked on
 * reverse only: on apply the old code it may point into stays in memory,
 * and a stale pointer (the field is not cleared after a restart) would
 * make an update of a restart function busy for as long as such a task
 * lives.
 *
 * Return: the function or module it points into, or NULL.
 */
const char *ksplice_restart_hit(const struct ksplice_stack_check *sc,
				struct task_struct *task)
{
	unsigned long addr = (unsigned long)READ_ONCE(task->restart_block.fn);

	if (!sc->new_code)
		return NULL;
	/* The sorted ranges first: one binary search for most tasks. */
	if (sc->ranges && !ksplice_in_ranges(sc, addr))
		return NULL;
	return ksplice_new_code_func(sc, addr);
}

/* ksplice_in_ranges() as an address test for ksplice_hijacked_find(). */
static const char *ksplice_range_hit(const struct ksplice_stack_check *sc,
				     unsigned long addr)
{
	return ksplice_in_ranges(sc, addr) ? "" : NULL;
}

/*
 * Could the unwinder find anything on this stack?  (the filter scan)
 * The return addresses tracers keep for the task count as stack words.
 * Also run outside the window, by the prescan, on a stack held with
 * try_get_task_stack(): words read from a task that runs meanwhile may
 * be torn, and such a task is checked again inside the window (it is in
 * the switch log).
 */
bool ksplice_stack_may_hit(const struct ksplice_stack_check *sc,
				  struct task_struct *task)
{
	unsigned long *lo = task_stack_page(task);
	unsigned long *hi = lo + THREAD_SIZE / sizeof(*lo);
	unsigned long *p = (unsigned long *)task->thread.sp;
	unsigned long first, span, w;

	if (!sc->nr_ranges)
		return false;
	first = sc->ranges[0].start;
	span = sc->ranges[sc->nr_ranges - 1].end - first;
	if (p < lo || p >= hi)
		p = lo;
	for (; p < hi; p++) {
		w = READ_ONCE_NOCHECK(*p);
		/* one compare for the common case: outside every range */
		if (w - first < span && ksplice_in_ranges(sc, w))
			return true;
	}
	return ksplice_hijacked_find(sc, task, ksplice_range_hit) != NULL;
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

	/*
	 * The task that asked for this waits in stop_machine(), below the
	 * frames that prepared the sites, whose dead locals still hold the
	 * sites' addresses: a word-by-word scan would always hit them.  It
	 * is always unwound.
	 */
	if (READ_ONCE(ksplice_stack_scan_all) && task != sc->caller)
		return ksplice_scan_stack(sc, task);
	if (sc->ranges && READ_ONCE(ksplice_stack_filter)) {
		if (!ksplice_stack_may_hit(sc, task))
			return NULL;
		sc->nr_unwound++;
	}
	/*
	 * The unwinder cannot recover this task's kretprobe'd return
	 * addresses (and would warn); the scan reads them from the list.
	 */
	if (ksplice_rethook_unwind_refused(task)) {
		sc->nr_unreliable++;
		return ksplice_scan_stack(sc, task);
	}
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

/*
 * Has @task been reported already (it can be met twice when the prescan
 * lists it)?  Remembers it otherwise.  Called with @shared->lock held.
 */
static bool ksplice_reported_busy(struct ksplice_stack_check *shared,
				  struct task_struct *task)
{
	unsigned int i;

	for (i = 0; i < shared->nr_busy; i++)
		if (shared->busy[i] == task)
			return true;
	if (shared->nr_busy < KSPLICE_MAX_BUSY_REPORTED)
		shared->busy[shared->nr_busy++] = task;
	return false;
}

static void ksplice_check_one(struct ksplice_stack_check *sc,
			      struct task_struct *task)
{
	const char *hit, *where = "";

	if (READ_ONCE(task->on_cpu))
		return;
	/* An exited task whose stack is already freed. */
	if (!task_stack_page(task) || !refcount_read(&task->stack_refcount))
		return;
	sc->nr_tasks++;
	hit = ksplice_restart_hit(sc, task);
	if (hit)
		where = "restart_block:";
	else
		hit = ksplice_check_task(sc, task);
	if (!hit)
		return;
	/* The conflicts buffer is shared by the CPUs checking stacks. */
	raw_spin_lock(&sc->shared->lock);
	if (ksplice_reported_busy(sc->shared, task)) {
		raw_spin_unlock(&sc->shared->lock);
		return;
	}
	sc->nr_conflicts++;
	sc->shared->len += scnprintf(sc->shared->conflicts + sc->shared->len,
				     KSPLICE_CONFLICTS_LEN - sc->shared->len,
				     "%d %s %s%s\n", task_pid_nr(task),
				     task->comm, where, hit);
	raw_spin_unlock(&sc->shared->lock);
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
 * @shared: what to look for; conflicts are appended to @shared->conflicts
 *	and the counts added to @shared's
 * @slot: this CPU's share: every @nr-th task from the @slot-th on
 * @nr: how many CPUs share the work
 *
 * Must run inside stop_machine, on each of @nr CPUs with a different
 * @slot: every task (idle tasks included) is then either one of the
 * stopper threads running this (on_cpu, skipped: they run only
 * stop_machine code) or switched out with its stack frozen.
 */
void ksplice_check_stacks(struct ksplice_stack_check *shared,
			  unsigned int slot, unsigned int nr)
{
	struct ksplice_stack_check sc = *shared;
	struct task_struct *g, *task;
	unsigned int i = 0;

	sc.shared = shared;
	sc.nr_conflicts = 0;
	sc.nr_tasks = 0;
	sc.nr_unreliable = 0;
	sc.nr_unwound = 0;
	sc.nr_prescanned = 0;
	if (ksplice_prescan_usable(sc.prescan)) {
		ksplice_prescan_for_each(sc.prescan, &sc, slot, nr,
					 ksplice_check_one);
		if (slot == 0)
			sc.nr_prescanned = sc.prescan->nr_clean;
	} else {
		rcu_read_lock();
		for_each_process_thread(g, task)
			if (i++ % nr == slot)
				ksplice_check_one(&sc, task);
		rcu_read_unlock();
	}
	if (slot == 0)
		ksplice_check_idle(&sc);
	raw_spin_lock(&shared->lock);
	shared->nr_conflicts += sc.nr_conflicts;
	shared->nr_tasks += sc.nr_tasks;
	shared->nr_unreliable += sc.nr_unreliable;
	shared->nr_unwound += sc.nr_unwound;
	shared->nr_prescanned += sc.nr_prescanned;
	raw_spin_unlock(&shared->lock);
}
