// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_testupdate: a hand-written new-code module, shaped like the
 * ones ksplice-create makes, for the kernel-side tests.  Update id
 * "ktest", target module ksplice_target:
 *   function 0: ksplice_target_value  -> returns ksplice_target_base + 1
 *   function 1: ksplice_target_sleepy -> waits while parameter `hold` is
 *               set (parameter `waiting` is 1 meanwhile), else returns
 *   symbol 0:   ksplice_target_base (static data of the target)
 *   reloc 0:    PC32 in the new ksplice_target_value
 *   reloc 1:    R_X86_64_64 in target_ptr (readable as a parameter)
 *
 * Code of the new-code module that leaves pointers into itself behind in
 * data, for the tests of what removal must wait for (issue 15, defects 4
 * and 8):
 *   /proc/ksplice_ID_restart  a read waits (parameter restart_waiting is
 *               1 meanwhile) until a signal comes, then sets the task's
 *               restart_block.fn to a function of this module and returns
 *               -ERESTART_RESTARTBLOCK, as nanosleep does: a task stopped
 *               by SIGSTOP then has a restart pending into this module;
 *               after SIGCONT the restart runs it (parameter restarted
 *               counts) and the read returns 0
 *   rcu_queue   write a CPU number: queue one call_rcu() callback of this
 *               module on that CPU (from an IPI there); rcu_pending is 1
 *               until the callback ran, which logs "ID: RCU callback ran"
 *   shadow_set  write a number: allocate the shadow (&init_task,
 *               KTEST_SHADOW_KEY) with this module's code and store it
 *   shadow_hold write 1: a kthread of this module looks the shadow up
 *               under rcu_read_lock() and holds the pointer
 *               (shadow_holding reads 1) until the shadow is unlinked
 *               (another module's removal freed it) or 30 s passed, then
 *               reads it (shadow_seen: the value, in hex) and leaves the
 *               read-side section
 */
#include <linux/completion.h>
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/smp.h>
#include <linux/thread_info.h>
#include <linux/wait.h>
#include <ksplice/abi.h>
#include <ksplice/shadow.h>

#include "testupdate.h"

/* Filled by the core module with &ksplice_target_base. */
static unsigned long target_ptr;
module_param(target_ptr, ulong, 0444);
MODULE_PARM_DESC(target_ptr, "address of ksplice_target_base (R_X86_64_64)");

static DECLARE_WAIT_QUEUE_HEAD(ksplice_testupdate_wq);
static bool hold;
static int waiting;

static int hold_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	wake_up(&ksplice_testupdate_wq);
	return ret;
}

static const struct kernel_param_ops hold_ops = {
	.set = hold_set,
	.get = param_get_bool,
};

module_param_cb(hold, &hold_ops, &hold, 0644);
MODULE_PARM_DESC(hold, "make the new ksplice_target_sleepy wait");
module_param(waiting, int, 0444);
MODULE_PARM_DESC(waiting, "1 while a task waits in the new code");

void ksplice_testupdate_wait(void)
{
	WRITE_ONCE(waiting, 1);
	wait_event_idle(ksplice_testupdate_wq, !READ_ONCE(hold));
	WRITE_ONCE(waiting, 0);
}

/* Update "ktest2" is built from the same files (testupdate2_*). */
#ifndef KTEST_ID
#define KTEST_ID "ktest"
#define KTEST_DESCRIPTION "test update: ksplice_target_value returns 2"
#endif

/* --- a restart pending into this module ------------------------------ */
static DECLARE_WAIT_QUEUE_HEAD(ksplice_testupdate_restart_wq);
static int restart_waiting;
module_param(restart_waiting, int, 0444);
MODULE_PARM_DESC(restart_waiting, "1 while a read of the restart file waits");
static int restarted;
module_param(restarted, int, 0444);
MODULE_PARM_DESC(restarted, "restarts run in this module");

static long ksplice_testupdate_restart_fn(struct restart_block *rb)
{
	WRITE_ONCE(restarted, READ_ONCE(restarted) + 1);
	return 0;
}

static ssize_t ksplice_testupdate_restart_read(struct file *file,
					       char __user *buf, size_t n,
					       loff_t *pos)
{
	WRITE_ONCE(restart_waiting, 1);
	/* Only a signal ends the wait. */
	wait_event_interruptible(ksplice_testupdate_restart_wq, false);
	WRITE_ONCE(restart_waiting, 0);
	return set_restart_fn(&current->restart_block,
			      ksplice_testupdate_restart_fn);
}

static const struct proc_ops ksplice_testupdate_restart_ops = {
	.proc_read = ksplice_testupdate_restart_read,
	.proc_lseek = noop_llseek,
};

#define KTEST_RESTART_FILE "ksplice_" KTEST_ID "_restart"

/* --- an RCU callback of this module ---------------------------------- */
static struct rcu_head ksplice_testupdate_rcu;
static int rcu_pending;
module_param(rcu_pending, int, 0444);
MODULE_PARM_DESC(rcu_pending, "1 while this module's RCU callback is queued");

static void ksplice_testupdate_rcu_cb(struct rcu_head *head)
{
	pr_info(KTEST_ID ": RCU callback ran\n");
	WRITE_ONCE(rcu_pending, 0);
}

static void ksplice_testupdate_rcu_queue(void *unused)
{
	call_rcu(&ksplice_testupdate_rcu, ksplice_testupdate_rcu_cb);
}

static int rcu_queue_set(const char *val, const struct kernel_param *kp)
{
	unsigned int cpu;
	int ret = kstrtouint(val, 0, &cpu);

	if (ret)
		return ret;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu) || READ_ONCE(rcu_pending))
		return -EINVAL;
	WRITE_ONCE(rcu_pending, 1);
	/* call_rcu() queues on the CPU it runs on. */
	return smp_call_function_single(cpu, ksplice_testupdate_rcu_queue,
					NULL, 1);
}

static const struct kernel_param_ops rcu_queue_ops = { .set = rcu_queue_set };
module_param_cb(rcu_queue, &rcu_queue_ops, NULL, 0200);
MODULE_PARM_DESC(rcu_queue, "queue this module's RCU callback on CPU N");

/* --- a shadow held across another module's removal ------------------- */
#define KTEST_SHADOW_KEY 0x6b746573UL

static noinline int shadow_set_set(const char *val,
				   const struct kernel_param *kp)
{
	u64 v, *p;
	int ret = kstrtou64(val, 0, &v);

	if (ret)
		return ret;
	p = ksplice_shadow_alloc(&init_task, KTEST_SHADOW_KEY, sizeof(*p),
				 GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	WRITE_ONCE(*p, v);
	return 0;
}

static const struct kernel_param_ops shadow_set_ops = { .set = shadow_set_set };
module_param_cb(shadow_set, &shadow_set_ops, NULL, 0200);
MODULE_PARM_DESC(shadow_set, "allocate the test shadow and store N in it");

static int shadow_holding;
module_param(shadow_holding, int, 0444);
MODULE_PARM_DESC(shadow_holding, "1 while the reader holds the shadow");
static char shadow_seen[24] = "none";
module_param_string(shadow_seen, shadow_seen, sizeof(shadow_seen), 0444);
MODULE_PARM_DESC(shadow_seen, "what the reader read from the held shadow");
static DECLARE_COMPLETION(ksplice_testupdate_reader_done);
static bool ksplice_testupdate_reader_started;

static int ksplice_testupdate_reader(void *unused)
{
	unsigned long until = jiffies + 30 * HZ;
	u64 *p;

	rcu_read_lock();
	p = ksplice_shadow_get(&init_task, KTEST_SHADOW_KEY);
	if (p) {
		WRITE_ONCE(shadow_holding, 1);
		while (ksplice_shadow_get(&init_task, KTEST_SHADOW_KEY) == p &&
		       time_before(jiffies, until))
			cond_resched();	/* a preemption point: allowed */
		snprintf(shadow_seen, sizeof(shadow_seen), "0x%llx",
			 READ_ONCE(*p));
	} else {
		strscpy(shadow_seen, "no shadow", sizeof(shadow_seen));
	}
	rcu_read_unlock();
	WRITE_ONCE(shadow_holding, 0);
	kthread_complete_and_exit(&ksplice_testupdate_reader_done, 0);
}

static int shadow_hold_set(const char *val, const struct kernel_param *kp)
{
	struct task_struct *t;

	if (ksplice_testupdate_reader_started)
		return -EBUSY;
	t = kthread_run(ksplice_testupdate_reader, NULL, "ktest_reader");
	if (IS_ERR(t))
		return PTR_ERR(t);
	ksplice_testupdate_reader_started = true;
	return 0;
}

static const struct kernel_param_ops shadow_hold_ops = {
	.set = shadow_hold_set,
};
module_param_cb(shadow_hold, &shadow_hold_ops, NULL, 0200);
MODULE_PARM_DESC(shadow_hold, "start the reader that holds the shadow");

#define KT_PTR(p) ((__u64)(unsigned long)(p))

/* ksplice_testupdate_badsym names a symbol beyond the table (1). */
#ifndef KTEST_RELOC1_SYM
#define KTEST_RELOC1_SYM 0
#endif

static struct ksplice_symbol ksplice_testupdate_symbols[] = {
	{ .name = KT_PTR("ksplice_target_base"),
	  .flags = KSPLICE_SYM_LOCAL | KSPLICE_SYM_DATA },
};

static struct ksplice_reloc ksplice_testupdate_relocs[] = {
	{ .site = KT_PTR(ksplice_testupdate_value_field), .sym = 0,
	  .type = R_X86_64_PC32, .addend = -4 },
	{ .site = KT_PTR(&target_ptr), .sym = KTEST_RELOC1_SYM,
	  .type = R_X86_64_64, .addend = 0 },
};

#ifdef KTEST_BAD_HOOK
/* A hook whose address is in this module's data, not its text. */
static struct ksplice_hook ksplice_testupdate_hooks[] = {
	{ .kind = KSPLICE_HOOK_POST_APPLY, .fn = KT_PTR(&target_ptr) },
};
#endif

struct ksplice_update_desc __ksplice_update_desc __used = {
	.abi_version = KSPLICE_ABI_VERSION,
	.nr_funcs = ARRAY_SIZE(ksplice_testupdate_funcs),
	.nr_relocs = ARRAY_SIZE(ksplice_testupdate_relocs),
	.nr_symbols = ARRAY_SIZE(ksplice_testupdate_symbols),
	.id = KT_PTR(KTEST_ID),
	.target = KT_PTR("ksplice_target"),
	.description = KT_PTR(KTEST_DESCRIPTION),
	.funcs = KT_PTR(ksplice_testupdate_funcs),
	.relocs = KT_PTR(ksplice_testupdate_relocs),
	.symbols = KT_PTR(ksplice_testupdate_symbols),
#ifdef KTEST_BAD_HOOK
	.nr_hooks = ARRAY_SIZE(ksplice_testupdate_hooks),
	.hooks = KT_PTR(ksplice_testupdate_hooks),
#endif
};

static int __init ksplice_testupdate_init(void)
{
	int ret = ksplice_new_code_init(THIS_MODULE);

	if (ret)
		return ret;
	if (!proc_create(KTEST_RESTART_FILE, 0444, NULL,
			 &ksplice_testupdate_restart_ops))
		return -ENOMEM;
	return 0;
}

static void __exit ksplice_testupdate_exit(void)
{
	remove_proc_entry(KTEST_RESTART_FILE, NULL);
	if (ksplice_testupdate_reader_started)
		wait_for_completion(&ksplice_testupdate_reader_done);
	ksplice_new_code_exit(THIS_MODULE);
}

module_init(ksplice_testupdate_init);
module_exit(ksplice_testupdate_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hand-written ksplice new-code module for the tests");
