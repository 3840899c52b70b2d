// SPDX-License-Identifier: GPL-2.0
/*
 * The switch log: every task a CPU switches to while an update is being
 * applied or reversed, recorded from the sched_switch tracepoint.  With
 * it the stack prescan knows, inside the stopped window, exactly which
 * tasks ran (and so may have changed their stacks) since it scanned
 * them, without walking the whole task list again.
 *
 * The probe is registered at the first operation that asks for the
 * prescan (parameter stack_prescan, off by default), stays registered
 * until the module unloads, and records only while an operation asks it
 * to.  Registering it for each operation
 * instead patched kernel text four times per apply (the tracepoint's
 * static call and static key, on and off): under QEMU TCG the guest hung
 * twice within about fifty apply/remove cycles under load, once with
 * CPU 0 waiting in tracepoint_probe_unregister() for the other CPU to
 * answer text_poke's IPI; registered once, 250 cycles ran clean, but a
 * later guest hung right after registering it once, which is why the
 * prescan is off by default.  The cause is QEMU 7.2's multi-threaded TCG,
 * which hangs the stock kernel the same way when a tracepoint is only
 * switched on and off (docs/design.md, "Harness").  Outside an
 * operation the probe costs one call and one load per context switch.
 *
 * Each entry holds a reference on its task, so that a task that exits
 * before the window is still safe to look at.  A CPU whose log is full
 * marks it overflowed; the stopped window then checks every task as if
 * there were no prescan.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include "ksplice_internal.h"

struct ksplice_switch_log ksplice_switch_log;

static void ksplice_find_sched_switch(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "sched_switch"))
		*found = tp;
}

/* Runs in __schedule(), rq lock held: no allocation, nothing that waits. */
static void ksplice_switch_probe(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next, unsigned int prev_state)
{
	struct ksplice_switch_log *log = data;
	struct ksplice_switch_log_cpu *c;

	if (!READ_ONCE(log->recording))
		return;
	c = log->cpu[smp_processor_id()];
	/* Idle tasks are always checked; a task seen last is already in. */
	if (is_idle_task(next) || next == c->last)
		return;
	if (c->nr == KSPLICE_SWITCH_LOG_LEN ||
	    !refcount_inc_not_zero(&next->usage)) {
		c->overflow = true;
		return;
	}
	c->tasks[c->nr++] = next;
	c->last = next;
}

static void ksplice_switch_log_free(struct ksplice_switch_log *log)
{
	unsigned int cpu;

	if (log->cpu)
		for_each_possible_cpu(cpu)
			kvfree(log->cpu[cpu]);
	kfree(log->cpu);
	log->cpu = NULL;
}

/**
 * ksplice_switch_log_init() - a log for every possible CPU, and the probe
 *
 * At the first operation with the prescan on (caller holds
 * ksplice_mutex); tried once.  On failure there is no switch log, and so
 * no stack prescan: the stopped window checks every task.
 */
void ksplice_switch_log_init(void)
{
	struct ksplice_switch_log *log = &ksplice_switch_log;
	unsigned int cpu;
	int ret = -ENOMEM;

	lockdep_assert_held(&ksplice_mutex);
	if (log->tried)
		return;
	log->tried = true;

	for_each_kernel_tracepoint(ksplice_find_sched_switch, &log->tp);
	if (!log->tp) {
		pr_warn("ksplice: no sched_switch tracepoint: no stack prescan\n");
		return;
	}
	log->cpu = kcalloc(nr_cpu_ids, sizeof(*log->cpu), GFP_KERNEL);
	if (!log->cpu)
		goto fail;
	for_each_possible_cpu(cpu) {
		log->cpu[cpu] = kvzalloc(sizeof(*log->cpu[cpu]), GFP_KERNEL);
		if (!log->cpu[cpu])
			goto fail;
	}
	ret = tracepoint_probe_register(log->tp, ksplice_switch_probe, log);
	if (ret)
		goto fail;
	log->registered = true;
	return;
fail:
	pr_warn("ksplice: cannot set up the switch log (%d): no stack prescan\n",
		ret);
	ksplice_switch_log_free(log);
}

void ksplice_switch_log_exit(void)
{
	struct ksplice_switch_log *log = &ksplice_switch_log;

	if (log->registered) {
		tracepoint_probe_unregister(log->tp, ksplice_switch_probe, log);
		/* No probe may still be running when the logs are freed. */
		tracepoint_synchronize_unregister();
		log->registered = false;
	}
	ksplice_switch_log_free(log);
}

/**
 * ksplice_switch_log_start() - record every switch from now on
 *
 * Caller holds ksplice_mutex (one operation at a time).  Waits for a
 * grace period: a __schedule() that began before recording was switched
 * on runs with preemption off, so once every CPU has passed a quiescent
 * state, every later switch is recorded.
 *
 * Return: true if the log records.
 */
bool ksplice_switch_log_start(void)
{
	struct ksplice_switch_log *log = &ksplice_switch_log;

	lockdep_assert_held(&ksplice_mutex);
	if (!log->registered)
		return false;
	/* Release: the logs' reset (by the last stop) comes before. */
	smp_store_release(&log->recording, true);
	synchronize_rcu();
	return true;
}

/**
 * ksplice_switch_log_stop() - stop recording, drop every reference
 */
void ksplice_switch_log_stop(void)
{
	struct ksplice_switch_log *log = &ksplice_switch_log;
	struct ksplice_switch_log_cpu *c;
	unsigned int cpu, i;

	if (!log->registered || !READ_ONCE(log->recording))
		return;
	WRITE_ONCE(log->recording, false);
	/* A probe that saw recording on may still be adding an entry. */
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		c = log->cpu[cpu];
		for (i = 0; i < c->nr; i++)
			put_task_struct(c->tasks[i]);
		c->nr = 0;
		c->overflow = false;
		c->last = NULL;
	}
}

/* Inside the window: did every CPU record every switch since the start? */
bool ksplice_switch_log_complete(void)
{
	struct ksplice_switch_log *log = &ksplice_switch_log;
	unsigned int cpu;

	if (!READ_ONCE(log->recording))
		return false;
	for_each_possible_cpu(cpu)
		if (READ_ONCE(log->cpu[cpu]->overflow))
			return false;
	return true;
}
