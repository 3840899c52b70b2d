// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_target: the module the kernel-side tests patch.
 *
 * Parameters (/sys/module/ksplice_target/parameters/):
 *   value        read: calls ksplice_target_value() (1 until patched)
 *   value_info   read: "ADDR SIZE HEX" of ksplice_target_value: its
 *                kallsyms address and size and its first 32 bytes
 *   sleepy_info  the same for ksplice_target_sleepy()
 *   keyed        read: calls ksplice_target_keyed() (1)
 *   keyed_info   "ADDR SIZE HEX" of ksplice_target_keyed()
 *   locked       read: calls ksplice_target_locked() (1)
 *   locked_info  "ADDR SIZE HEX" of ksplice_target_locked()
 *   sleep        write 1: the sleeper kthread enters ksplice_target_sleepy()
 *                and stays there, asleep; write 2: the same, but it stays
 *                runnable, calling schedule() in a loop (a preempted task,
 *                TASK_RUNNING while switched out); write 3: the same as 1,
 *                but it sleeps under the cold part of ksplice_target_sleepy()
 *                (ksplice_target_sleepy.cold): the only frame of the
 *                function on its stack is a return address in that piece;
 *                write 0: it leaves
 *   in_sleepy    read: 1 while the kthread is inside ksplice_target_sleepy()
 *   hammer       write 1: one kthread per online CPU calls
 *                ksplice_target_value() in a loop; write 0: they stop
 *   hammer_calls, hammer_errors  read: calls made, results other than 1 or 2
 *   peek         write an address (from /proc/kallsyms), read "ADDR SIZE HEX"
 *                for it: lets a shell test read kernel text without
 *                parsing /proc/kcore
 *   pcpu_sum     read: the sum over possible CPUs of ksplice_target_pcpu,
 *                a static per-CPU variable that is 100 + CPU on each CPU
 *   pcpu_other   read: the same for ksplice_target_pcpu_other (7 each),
 *                the neighbour a wrong address would name
 *   hog          write N: a SCHED_FIFO (priority 1) kthread bound to CPU N
 *                spins there (calling cond_resched(): grace periods still
 *                end), keeping every normal-priority task that may run
 *                only on CPU N from running; ksoftirqd/N is raised above
 *                it meanwhile, so softirqs (RCU's own work) still run;
 *                write -1: it stops.  hogging reads 1 while it spins.  With
 *                rcu_nocbs=N and rcuop/N pinned to CPU N, RCU callbacks
 *                queued on CPU N stay pending exactly that long.
 *   unsafe       read: "N K B X", the results of ksplice_target_noinstr(),
 *                ksplice_target_kprobes() and ksplice_target_nokprobe()
 *                (11 21 31 until patched), functions ksplice must refuse,
 *                and of ksplice_target_kprobes_next() (41)
 *   untraced     read: calls ksplice_target_notrace() (51 until patched)
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>

/* Read by the replaced function and, through a ksplice relocation, by its
 * replacement; static, so only a `sym` resolve line can find it.
 */
static int ksplice_target_base = 1;

noinline int ksplice_target_value(void)
{
	return READ_ONCE(ksplice_target_base);
}

/*
 * Starts with a static branch right after its fentry site, so a jump at
 * offset 5 would cover a jump label site: ksplice must refuse to patch it.
 */
static DEFINE_STATIC_KEY_FALSE(ksplice_target_key);

noinline int ksplice_target_keyed(void)
{
	if (static_branch_unlikely(&ksplice_target_key))
		return 3;
	return 1;
}

/*
 * Starts with a lock-prefixed instruction right after its fentry site
 * (atomic_inc(), listed in .smp_locks): the kernel rewrites that prefix
 * when it switches between UP and SMP code, so a jump at offset 5 would
 * cover a site it may rewrite later; ksplice must refuse to patch it.
 */
static atomic_t ksplice_target_count = ATOMIC_INIT(0);

noinline int ksplice_target_locked(void)
{
	atomic_inc(&ksplice_target_count);
	return 1;
}

/*
 * Three places ksplice must not put a jump (tests/vm/test_refuse_unsafe.sh):
 * code in .noinstr.text (a noinstr function has no fentry site, so the
 * jump would go at offset 0), code in .kprobes.text and a function on the
 * kprobe blacklist.  Such code may run in NMI and exception entry, where
 * a jump into a module or a half-written jump is fatal.
 */
static int ksplice_target_unsafe_base = 1;

noinstr int ksplice_target_noinstr(void)
{
	return READ_ONCE(ksplice_target_unsafe_base) + 10;
}

noinline __kprobes int ksplice_target_kprobes(void)
{
	return READ_ONCE(ksplice_target_unsafe_base) + 20;
}

/*
 * Not to be patched: keeps ksplice_target_kprobes() from being the last
 * symbol of the module's text, whose size kallsyms and /proc/kallsyms
 * readers reckon differently (to the end of the text, to the next symbol).
 */
noinline __kprobes int ksplice_target_kprobes_next(void)
{
	return READ_ONCE(ksplice_target_unsafe_base) + 40;
}

noinline int ksplice_target_nokprobe(void)
{
	return READ_ONCE(ksplice_target_unsafe_base) + 30;
}
NOKPROBE_SYMBOL(ksplice_target_nokprobe);

/*
 * No fentry site, so the jump goes at offset 0, and functions are 16-byte
 * aligned: its five bytes lie in one aligned quadword, where the other
 * functions' (at offset 5) cross into the next (tests/vm/test_poke.sh).
 * It starts with `mov $0x12345678, %rax` (48 c7 c0 78 56 34 12), whose
 * fifth byte (0x56) differs from the top byte of a jump to a nearby
 * module (0): a jump written four bytes first and the fifth later, as
 * the old write did, leads far away in between.  (In
 * ksplice_target_value the fifth byte is 0, so there the torn jump
 * happens to be the whole one.)
 */
noinline notrace int ksplice_target_notrace(void)
{
	asm volatile(".byte 0x48, 0xc7, 0xc0, 0x78, 0x56, 0x34, 0x12"
		     ::: "rax", "memory");
	return READ_ONCE(ksplice_target_unsafe_base) + 50;
}

static DECLARE_WAIT_QUEUE_HEAD(ksplice_target_ctl_wq);
static DECLARE_WAIT_QUEUE_HEAD(ksplice_target_hold_wq);
static bool ksplice_target_sleep_req;
static bool ksplice_target_hold;
static bool ksplice_target_spin;
static bool ksplice_target_cold_req;
static int ksplice_target_in_sleepy;
static struct task_struct *ksplice_target_sleeper;

/*
 * A cold callee: GCC moves the block that calls it out of its caller
 * into the caller's .cold piece (section .text.unlikely.CALLER), so a
 * task asleep in here returns into ksplice_target_sleepy.cold, not into
 * ksplice_target_sleepy (tests/vm/test_busy_cold.sh).
 */
static noinline __cold void ksplice_target_cold_wait(void)
{
	wait_event_idle(ksplice_target_hold_wq,
			!READ_ONCE(ksplice_target_hold) ||
			kthread_should_stop());
}

/* Where the sleeper kthread waits, so that its stack points in here. */
noinline void ksplice_target_sleepy(void)
{
	WRITE_ONCE(ksplice_target_in_sleepy, 1);
	if (READ_ONCE(ksplice_target_cold_req))
		ksplice_target_cold_wait();
	/* Runnable: switched out only inside the schedule() call here. */
	while (READ_ONCE(ksplice_target_spin) &&
	       READ_ONCE(ksplice_target_hold) && !kthread_should_stop())
		schedule();
	wait_event_idle(ksplice_target_hold_wq,
			!READ_ONCE(ksplice_target_hold) ||
			kthread_should_stop());
	WRITE_ONCE(ksplice_target_in_sleepy, 0);
}

static int ksplice_target_sleeper_fn(void *unused)
{
	while (!kthread_should_stop()) {
		wait_event_idle(ksplice_target_ctl_wq,
				READ_ONCE(ksplice_target_sleep_req) ||
				kthread_should_stop());
		if (kthread_should_stop())
			break;
		WRITE_ONCE(ksplice_target_sleep_req, false);
		ksplice_target_sleepy();
	}
	return 0;
}

static struct task_struct **ksplice_target_hammers;
static atomic_long_t ksplice_target_calls;
static atomic_long_t ksplice_target_errors;

static int ksplice_target_hammer_fn(void *unused)
{
	int v;

	set_user_nice(current, 19);
	while (!kthread_should_stop()) {
		v = ksplice_target_value();
		if (v != 1 && v != 2)
			atomic_long_inc(&ksplice_target_errors);
		atomic_long_inc(&ksplice_target_calls);
		cond_resched();
	}
	return 0;
}

static void ksplice_target_hammer_stop(void)
{
	unsigned int cpu;

	if (!ksplice_target_hammers)
		return;
	for_each_possible_cpu(cpu)
		if (ksplice_target_hammers[cpu])
			kthread_stop(ksplice_target_hammers[cpu]);
	kfree(ksplice_target_hammers);
	ksplice_target_hammers = NULL;
}

static int ksplice_target_hammer_start(void)
{
	struct task_struct *t;
	unsigned int cpu;

	if (ksplice_target_hammers)
		return 0;
	ksplice_target_hammers = kcalloc(nr_cpu_ids, sizeof(t), GFP_KERNEL);
	if (!ksplice_target_hammers)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		t = kthread_create(ksplice_target_hammer_fn, NULL,
				   "ksplice_hammer/%u", cpu);
		if (IS_ERR(t)) {
			ksplice_target_hammer_stop();
			return PTR_ERR(t);
		}
		kthread_bind(t, cpu);
		ksplice_target_hammers[cpu] = t;
		wake_up_process(t);
	}
	return 0;
}

static int value_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", ksplice_target_value());
}

/* "ADDR SIZE HEX": kallsyms address and size, then the first 32 bytes. */
static int ksplice_target_info(char *buf, void *fn)
{
	char sym[KSYM_SYMBOL_LEN], *slash;
	unsigned long size = 0;

	sprint_symbol(sym, (unsigned long)fn);
	slash = strchr(sym, '/');
	if (slash)
		sscanf(slash + 1, "%lx", &size);
	return sysfs_emit(buf, "0x%lx %lu %32phN\n", (unsigned long)fn, size,
			  fn);
}

static int value_info_get(char *buf, const struct kernel_param *kp)
{
	return ksplice_target_info(buf, ksplice_target_value);
}

static int keyed_info_get(char *buf, const struct kernel_param *kp)
{
	return ksplice_target_info(buf, ksplice_target_keyed);
}

static int keyed_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", ksplice_target_keyed());
}

static int locked_info_get(char *buf, const struct kernel_param *kp)
{
	return ksplice_target_info(buf, ksplice_target_locked);
}

static int locked_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", ksplice_target_locked());
}

static int sleepy_info_get(char *buf, const struct kernel_param *kp)
{
	return ksplice_target_info(buf, ksplice_target_sleepy);
}

static unsigned long ksplice_target_peek_addr;

static int peek_set(const char *val, const struct kernel_param *kp)
{
	unsigned long addr;
	char sym[KSYM_SYMBOL_LEN];
	int ret = kstrtoul(val, 0, &addr);

	if (ret)
		return ret;
	/* Only the start of a known symbol: never read unmapped memory. */
	sprint_symbol(sym, addr);
	if (!strstr(sym, "+0x0/"))
		return -EINVAL;
	ksplice_target_peek_addr = addr;
	return 0;
}

static int peek_get(char *buf, const struct kernel_param *kp)
{
	if (!ksplice_target_peek_addr)
		return -EINVAL;
	return ksplice_target_info(buf, (void *)ksplice_target_peek_addr);
}

static int sleep_set(const char *val, const struct kernel_param *kp)
{
	unsigned int mode;
	int ret = kstrtouint(val, 0, &mode);

	if (ret)
		return ret;
	if (mode > 3)
		return -EINVAL;
	if (mode) {
		WRITE_ONCE(ksplice_target_spin, mode == 2);
		WRITE_ONCE(ksplice_target_cold_req, mode == 3);
		WRITE_ONCE(ksplice_target_hold, true);
		WRITE_ONCE(ksplice_target_sleep_req, true);
		wake_up(&ksplice_target_ctl_wq);
	} else {
		WRITE_ONCE(ksplice_target_hold, false);
		wake_up(&ksplice_target_hold_wq);
	}
	return 0;
}

static int in_sleepy_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(ksplice_target_in_sleepy));
}

/* A static per-CPU variable: kallsyms gives its per-CPU pointer. */
static DEFINE_PER_CPU(unsigned long, ksplice_target_pcpu);
static DEFINE_PER_CPU(unsigned long, ksplice_target_pcpu_other);

static int pcpu_sum_get(char *buf, const struct kernel_param *kp)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ksplice_target_pcpu, cpu);
	return sysfs_emit(buf, "%lu\n", sum);
}

static int pcpu_other_get(char *buf, const struct kernel_param *kp)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ksplice_target_pcpu_other, cpu);
	return sysfs_emit(buf, "%lu\n", sum);
}

static int unsafe_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d %d %d %d\n", ksplice_target_noinstr(),
			  ksplice_target_kprobes(), ksplice_target_nokprobe(),
			  ksplice_target_kprobes_next());
}

static int untraced_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", ksplice_target_notrace());
}

static DEFINE_MUTEX(ksplice_target_hammer_lock);

static struct task_struct *ksplice_target_hogger;
static struct task_struct *ksplice_target_softirqd;
static int ksplice_target_hogging;

/* ksplice_hog's CPU's ksoftirqd, referenced, or NULL. */
static struct task_struct *ksplice_target_find_softirqd(int cpu)
{
	struct task_struct *g, *t, *found = NULL;
	char comm[TASK_COMM_LEN];

	snprintf(comm, sizeof(comm), "ksoftirqd/%d", cpu);
	rcu_read_lock();
	for_each_process_thread(g, t) {
		if ((t->flags & PF_KTHREAD) && !strcmp(t->comm, comm)) {
			found = get_task_struct(t);
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static int ksplice_target_hog_fn(void *unused)
{
	WRITE_ONCE(ksplice_target_hogging, 1);
	while (!kthread_should_stop())
		cond_resched();
	WRITE_ONCE(ksplice_target_hogging, 0);
	return 0;
}

static void ksplice_target_hog_stop(void)
{
	if (ksplice_target_hogger)
		kthread_stop(ksplice_target_hogger);
	ksplice_target_hogger = NULL;
	if (ksplice_target_softirqd) {
		sched_set_normal(ksplice_target_softirqd, 0);
		put_task_struct(ksplice_target_softirqd);
	}
	ksplice_target_softirqd = NULL;
}

static int hog_set(const char *val, const struct kernel_param *kp)
{
	struct task_struct *t;
	int cpu, ret = kstrtoint(val, 0, &cpu);

	if (ret)
		return ret;
	mutex_lock(&ksplice_target_hammer_lock);
	ksplice_target_hog_stop();
	if (cpu >= 0) {
		ret = -EINVAL;
		if (cpu >= nr_cpu_ids || !cpu_online(cpu))
			goto out;
		t = kthread_create(ksplice_target_hog_fn, NULL,
				   "ksplice_hog/%d", cpu);
		ret = PTR_ERR_OR_ZERO(t);
		if (ret)
			goto out;
		kthread_bind(t, cpu);
		sched_set_fifo_low(t);
		ksplice_target_softirqd = ksplice_target_find_softirqd(cpu);
		if (ksplice_target_softirqd)
			sched_set_fifo(ksplice_target_softirqd);
		ksplice_target_hogger = t;
		wake_up_process(t);
	}
out:
	mutex_unlock(&ksplice_target_hammer_lock);
	return ret;
}

static int hogging_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(ksplice_target_hogging));
}

static int hammer_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	mutex_lock(&ksplice_target_hammer_lock);
	if (on)
		ret = ksplice_target_hammer_start();
	else
		ksplice_target_hammer_stop();
	mutex_unlock(&ksplice_target_hammer_lock);
	return ret;
}

static int hammer_calls_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&ksplice_target_calls));
}

static int hammer_errors_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&ksplice_target_errors));
}

static const struct kernel_param_ops value_ops = { .get = value_get };
static const struct kernel_param_ops value_info_ops = { .get = value_info_get };
static const struct kernel_param_ops sleepy_info_ops = {
	.get = sleepy_info_get,
};
static const struct kernel_param_ops sleep_ops = { .set = sleep_set };
static const struct kernel_param_ops keyed_ops = { .get = keyed_get };
static const struct kernel_param_ops keyed_info_ops = { .get = keyed_info_get };
static const struct kernel_param_ops locked_ops = { .get = locked_get };
static const struct kernel_param_ops locked_info_ops = {
	.get = locked_info_get,
};
static const struct kernel_param_ops peek_ops = {
	.set = peek_set,
	.get = peek_get,
};
static const struct kernel_param_ops in_sleepy_ops = { .get = in_sleepy_get };
static const struct kernel_param_ops hammer_ops = { .set = hammer_set };
static const struct kernel_param_ops hammer_calls_ops = {
	.get = hammer_calls_get,
};
static const struct kernel_param_ops hammer_errors_ops = {
	.get = hammer_errors_get,
};
static const struct kernel_param_ops hog_ops = { .set = hog_set };
static const struct kernel_param_ops hogging_ops = { .get = hogging_get };
static const struct kernel_param_ops unsafe_ops = { .get = unsafe_get };
static const struct kernel_param_ops untraced_ops = { .get = untraced_get };
static const struct kernel_param_ops pcpu_sum_ops = { .get = pcpu_sum_get };
static const struct kernel_param_ops pcpu_other_ops = {
	.get = pcpu_other_get,
};

module_param_cb(value, &value_ops, NULL, 0444);
module_param_cb(value_info, &value_info_ops, NULL, 0444);
module_param_cb(sleepy_info, &sleepy_info_ops, NULL, 0444);
module_param_cb(sleep, &sleep_ops, NULL, 0200);
module_param_cb(keyed, &keyed_ops, NULL, 0444);
module_param_cb(keyed_info, &keyed_info_ops, NULL, 0444);
module_param_cb(locked, &locked_ops, NULL, 0444);
module_param_cb(locked_info, &locked_info_ops, NULL, 0444);
module_param_cb(peek, &peek_ops, NULL, 0600);
module_param_cb(in_sleepy, &in_sleepy_ops, NULL, 0444);
module_param_cb(hammer, &hammer_ops, NULL, 0200);
module_param_cb(hammer_calls, &hammer_calls_ops, NULL, 0444);
module_param_cb(hammer_errors, &hammer_errors_ops, NULL, 0444);
module_param_cb(pcpu_sum, &pcpu_sum_ops, NULL, 0444);
module_param_cb(pcpu_other, &pcpu_other_ops, NULL, 0444);
module_param_cb(hog, &hog_ops, NULL, 0200);
module_param_cb(hogging, &hogging_ops, NULL, 0444);
module_param_cb(unsafe, &unsafe_ops, NULL, 0444);
module_param_cb(untraced, &untraced_ops, NULL, 0444);

static int __init ksplice_target_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		per_cpu(ksplice_target_pcpu, cpu) = 100 + cpu;
		per_cpu(ksplice_target_pcpu_other, cpu) = 7;
	}
	ksplice_target_sleeper = kthread_run(ksplice_target_sleeper_fn, NULL,
					     "ksplice_sleeper");
	return PTR_ERR_OR_ZERO(ksplice_target_sleeper);
}

static void __exit ksplice_target_exit(void)
{
	mutex_lock(&ksplice_target_hammer_lock);
	ksplice_target_hammer_stop();
	ksplice_target_hog_stop();
	mutex_unlock(&ksplice_target_hammer_lock);
	WRITE_ONCE(ksplice_target_hold, false);
	kthread_stop(ksplice_target_sleeper);
}

module_init(ksplice_target_init);
module_exit(ksplice_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Target of the ksplice kernel-side tests");
