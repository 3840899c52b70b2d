// SPDX-License-Identifier: GPL-2.0
/*
 * The switch log: every task a CPU switches to while an update is being
 * applied, recorded from the sched_switch tracepoint.  With it the stack
 * prescan knows, inside the stopped window, exactly which tasks ran (and
 * so may have changed their stacks) since it scanned them, without
 * walking the whole task list again.
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
	struct ksplice_switch_log_cpu *c = log->cpu[smp_processor_id()];

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

/**
 * ksplice_switch_log_alloc() - a log for every possible CPU
 * @log: zeroed
 *
 * Return: 0, -ENOENT (no sched_switch tracepoint) or -ENOMEM.
 */
int ksplice_switch_log_alloc(struct ksplice_switch_log *log)
{
	unsigned int cpu;

	for_each_kernel_tracepoint(ksplice_find_sched_switch, &log->tp);
	if (!log->tp)
		return -ENOENT;
	log->cpu = kcalloc(nr_cpu_ids, sizeof(*log->cpu), GFP_KERNEL);
	if (!log->cpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		log->cpu[cpu] = kvzalloc(sizeof(*log->cpu[cpu]), GFP_KERNEL);
		if (!log->cpu[cpu]) {
			ksplice_switch_log_free(log);
			return -ENOMEM;
		}
	}
	return 0;
}

void ksplice_switch_log_free(struct ksplice_switch_log *log)
{
	unsigned int cpu;

	if (log->cpu)
		for_each_possible_cpu(cpu)
			kvfree(log->cpu[cpu]);
	kfree(log->cpu);
	log->cpu = NULL;
}

/**
 * ksplice_switch_log_start() - record every switch from now on
 * @log: allocated, not started
 *
 * Waits for a grace period after registering: a __schedule() that began
 * before the probe was visible runs with preemption off, so once every
 * CPU has passed a quiescent state, every later switch is recorded.
 * Must not be called with text_mutex or cpus_read_lock held (enabling
 * the tracepoint patches text).
 *
 * Return: 0 or the tracepoint's error.
 */
int ksplice_switch_log_start(struct ksplice_switch_log *log)
{
	int ret;

	ret = tracepoint_probe_register(log->tp, ksplice_switch_probe, log);
	if (ret)
		return ret;
	log->active = true;
	synchronize_rcu();
	return 0;
}

/**
 * ksplice_switch_log_stop() - stop recording, drop every reference
 * @log: started or not
 */
void ksplice_switch_log_stop(struct ksplice_switch_log *log)
{
	struct ksplice_switch_log_cpu *c;
	unsigned int cpu, i;

	if (!log->active)
		return;
	tracepoint_probe_unregister(log->tp, ksplice_switch_probe, log);
	/* No probe may still be running when the entries are dropped. */
	tracepoint_synchronize_unregister();
	log->active = false;
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
bool ksplice_switch_log_complete(const struct ksplice_switch_log *log)
{
	unsigned int cpu;

	if (!log->active)
		return false;
	for_each_possible_cpu(cpu)
		if (READ_ONCE(log->cpu[cpu]->overflow))
			return false;
	return true;
}
