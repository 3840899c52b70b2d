// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice core module: initialisation, the module parameters and the
 * lookup of the few kernel symbols that are not exported.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/stop_machine.h>
#include <linux/timekeeping.h>
#include <asm/apic.h>
#include <asm/nmi.h>
#include <linux/sysfs.h>
#include "ksplice_internal.h"

unsigned int ksplice_retries = 5;
module_param_named(retries, ksplice_retries, uint, 0600);
MODULE_PARM_DESC(retries, "extra stop_machine attempts after code_busy");

unsigned int ksplice_retry_delay_ms = 1000;
module_param_named(retry_delay_ms, ksplice_retry_delay_ms, uint, 0600);
MODULE_PARM_DESC(retry_delay_ms, "sleep between code_busy attempts (ms)");

bool ksplice_stack_scan_all;
module_param_named(stack_scan_all, ksplice_stack_scan_all, bool, 0600);
MODULE_PARM_DESC(stack_scan_all,
		 "stack check: treat every live stack word as a return address instead of unwinding with ORC (conservative)");

bool ksplice_stack_filter = true;
module_param_named(stack_filter, ksplice_stack_filter, bool, 0600);
MODULE_PARM_DESC(stack_filter,
		 "stack check: unwind only stacks holding a word inside the code being changed (off: unwind every stack)");

/*
 * Off by default: measured under QEMU TCG (docs/performance.md), the
 * leader waiting for the other vCPUs costs more than sharing saves.
 */
bool ksplice_stack_parallel;
module_param_named(stack_parallel, ksplice_stack_parallel, bool, 0600);
MODULE_PARM_DESC(stack_parallel,
		 "stack check: every CPU inside stop_machine checks a share of the tasks (off: one CPU checks all)");

/*
 * Off by default: it needs a sched_switch probe, and registering one
 * (text_poke of a call site in __schedule) hung QEMU TCG guests now and
 * then (docs/design.md).
 */
bool ksplice_stack_prescan;
module_param_named(stack_prescan, ksplice_stack_prescan, bool, 0600);
MODULE_PARM_DESC(stack_prescan,
		 "experimental: scan the stacks before stopping the machine and log the tasks switched in since; inside the window check only those (off: check every task)");

#ifdef KSPLICE_DEBUG
/*
 * The holds of the debug build: wait while @hold is set, with @waiting
 * reading Y meanwhile, so that a test can act at exactly that point.
 */
static void ksplice_debug_hold(const bool *hold, bool *waiting)
{
	WRITE_ONCE(*waiting, true);
	while (READ_ONCE(*hold))
		msleep(20);
	WRITE_ONCE(*waiting, false);
}

/*
 * Forced allocation failures for the tests: the stock kernel has no
 * fault injection.  Counts down at every allocation point of the
 * prepare/resolve/apply paths; the one that brings it to zero fails.
 * Unlocked: the tests drive one operation at a time.
 */
static unsigned int ksplice_fail_nth;
module_param_named(fail_nth, ksplice_fail_nth, uint, 0600);
MODULE_PARM_DESC(fail_nth,
		 "debug build: make the Nth allocation from now fail (0: none)");

bool ksplice_should_fail(void)
{
	unsigned int n = READ_ONCE(ksplice_fail_nth);

	if (!n)
		return false;
	WRITE_ONCE(ksplice_fail_nth, n - 1);
	if (n == 1)
		pr_info("forced allocation failure (fail_nth)\n");
	return n == 1;
}

/*
 * A pause between the stack prescan and stop_machine(): while
 * prescan_hold is set the operation waits there and prescan_waiting reads
 * Y, so that a test can make a task run (and enter a function being
 * changed) exactly there, after its stack was scanned clean: the switch
 * log must catch it.
 */
static bool ksplice_prescan_hold;
module_param_named(prescan_hold, ksplice_prescan_hold, bool, 0600);
MODULE_PARM_DESC(prescan_hold,
		 "debug build: an apply or reverse waits between the stack prescan and stopping the machine while this is set");
static bool ksplice_prescan_waiting;
module_param_named(prescan_waiting, ksplice_prescan_waiting, bool, 0400);
MODULE_PARM_DESC(prescan_waiting,
		 "debug build: an apply or reverse is waiting on prescan_hold");

void ksplice_debug_after_prescan(void)
{
	ksplice_debug_hold(&ksplice_prescan_hold, &ksplice_prescan_waiting);
}

/*
 * A new-code module that stays COMING: while new_code_init_hold is set,
 * every new-code module's init waits in ksplice_new_code_init() (and
 * new_code_init_waiting reads 1), so that a test can ask for an apply
 * exactly then; new_code_init_fail makes that init fail afterwards, the
 * way a late load failure frees a module whatever its refcount.
 */
static bool ksplice_new_code_init_hold;
module_param_named(new_code_init_hold, ksplice_new_code_init_hold, bool, 0600);
MODULE_PARM_DESC(new_code_init_hold,
		 "debug build: new-code modules' init waits while this is set");
static bool ksplice_new_code_init_waiting;
module_param_named(new_code_init_waiting, ksplice_new_code_init_waiting,
		   bool, 0400);
MODULE_PARM_DESC(new_code_init_waiting,
		 "debug build: a new-code module's init is waiting");
static bool ksplice_new_code_init_fail;
module_param_named(new_code_init_fail, ksplice_new_code_init_fail, bool, 0600);
MODULE_PARM_DESC(new_code_init_fail,
		 "debug build: the next new-code module's init fails");

int ksplice_debug_new_code_init(void)
{
	ksplice_debug_hold(&ksplice_new_code_init_hold, &ksplice_new_code_init_waiting);
	if (!READ_ONCE(ksplice_new_code_init_fail))
		return 0;
	WRITE_ONCE(ksplice_new_code_init_fail, false);
	pr_info("forced new-code init failure (new_code_init_fail)\n");
	return -EINVAL;
}

/*
 * Which store pattern wrote each site (kmod/poke.c), counted, so that a
 * test can tell which one a site got; and a call made from an NMI on
 * another CPU at every intermediate step of the breakpoint-first
 * pattern (poke_nmi_call: a function's address, int (*)(void)), its
 * results in poke_nmi_results, so that a test sees what an NMI handler
 * running the function meets between the stores.
 */
static unsigned int ksplice_poke_bp_count;
module_param_named(poke_bp, ksplice_poke_bp_count, uint, 0400);
MODULE_PARM_DESC(poke_bp,
		 "debug build: sites written int3 first (breakpoint protocol)");
static unsigned int ksplice_poke_store8_count;
module_param_named(poke_store8, ksplice_poke_store8_count, uint, 0400);
MODULE_PARM_DESC(poke_store8,
		 "debug build: sites written with one aligned 8-byte store");
static unsigned long ksplice_poke_nmi_call;
module_param_named(poke_nmi_call, ksplice_poke_nmi_call, ulong, 0600);
MODULE_PARM_DESC(poke_nmi_call,
		 "debug build: int (*)(void) an NMI on another CPU calls at each intermediate step of the int3 protocol (0: none)");
#define KSPLICE_NMI_RESULTS_LEN 64
static char ksplice_poke_nmi_results[KSPLICE_NMI_RESULTS_LEN];
module_param_string(poke_nmi_results, ksplice_poke_nmi_results,
		    KSPLICE_NMI_RESULTS_LEN, 0400);
MODULE_PARM_DESC(poke_nmi_results,
		 "debug build: what poke_nmi_call returned at each step of the last window (-1: the NMI did not come)");

/* The CPU the debug NMI is for (-1: none), and its result. */
static int ksplice_nmi_cpu = -1;
static int ksplice_nmi_result;
static bool ksplice_nmi_done;
static bool ksplice_nmi_registered;

void ksplice_debug_poke_start(void)
{
	ksplice_poke_nmi_results[0] = '\0';
}

void ksplice_debug_poke_count(enum ksplice_poke_pattern pattern)
{
	if (pattern == KSPLICE_POKE_STORE8)
		ksplice_poke_store8_count++;
	else
		ksplice_poke_bp_count++;
}

typedef int (*ksplice_nmi_fn)(void);

static int ksplice_debug_nmi(unsigned int type, struct pt_regs *regs)
{
	ksplice_nmi_fn fn = (ksplice_nmi_fn)READ_ONCE(ksplice_poke_nmi_call);

	if (READ_ONCE(ksplice_nmi_cpu) != smp_processor_id() || !fn)
		return NMI_DONE;
	ksplice_nmi_result = fn();
	WRITE_ONCE(ksplice_nmi_cpu, -1);
	/* Pairs with the acquire in ksplice_debug_poke_step(): the result. */
	smp_store_release(&ksplice_nmi_done, true);
	return NMI_HANDLED;
}

/* Inside the window, on the leader: NMI another CPU, wait for its call. */
void ksplice_debug_poke_step(void)
{
	size_t len = strlen(ksplice_poke_nmi_results);
	unsigned int cpu;
	int result = -1;
	u64 until;

	cpu = cpumask_any_but(cpu_online_mask, smp_processor_id());
	if (!READ_ONCE(ksplice_poke_nmi_call) || !ksplice_nmi_registered ||
	    cpu >= nr_cpu_ids)
		return;
	WRITE_ONCE(ksplice_nmi_done, false);
	WRITE_ONCE(ksplice_nmi_cpu, cpu);
	apic->send_IPI(cpu, NMI_VECTOR);
	/* Bounded: a lost NMI must not hang the stopped machine. */
	until = ktime_get_ns() + NSEC_PER_SEC;
	while (ktime_get_ns() < until) {
		/* Pairs with the release in ksplice_debug_nmi(). */
		if (smp_load_acquire(&ksplice_nmi_done)) {
			result = ksplice_nmi_result;
			break;
		}
		cpu_relax();
	}
	WRITE_ONCE(ksplice_nmi_cpu, -1);
	scnprintf(ksplice_poke_nmi_results + len,
		  KSPLICE_NMI_RESULTS_LEN - len, "%s%d", len ? " " : "",
		  result);
}

int ksplice_debug_init(void)
{
	int ret = register_nmi_handler(NMI_LOCAL, ksplice_debug_nmi, 0,
				       "ksplice_debug");

	ksplice_nmi_registered = !ret;
	return ret;
}

void ksplice_debug_exit(void)
{
	if (ksplice_nmi_registered)
		unregister_nmi_handler(NMI_LOCAL, "ksplice_debug");
}

/*
 * Writable aliases of kernel text alive now (alias.c): the tests read
 * aliases_live between operations, where it must be 0.
 */
static atomic_t ksplice_aliases_live = ATOMIC_INIT(0);

static int ksplice_aliases_live_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&ksplice_aliases_live));
}

static const struct kernel_param_ops ksplice_aliases_live_ops = {
	.get = ksplice_aliases_live_get,
};

module_param_cb(aliases_live, &ksplice_aliases_live_ops, NULL, 0400);
MODULE_PARM_DESC(aliases_live,
		 "debug build: writable aliases of kernel text currently mapped");

void ksplice_debug_alias(int delta)
{
	atomic_add(delta, &ksplice_aliases_live);
}

/*
 * A pause between two stop_machine() attempts of an apply or reverse
 * (after a code_busy try, where the retry sleep is): while retry_hold is
 * set the operation waits there and retry_waiting reads Y, so a test can
 * look at the state between tries.
 */
static bool ksplice_retry_hold;
module_param_named(retry_hold, ksplice_retry_hold, bool, 0600);
MODULE_PARM_DESC(retry_hold,
		 "debug build: an apply or reverse waits between two tries while this is set");
static bool ksplice_retry_waiting;
module_param_named(retry_waiting, ksplice_retry_waiting, bool, 0400);
MODULE_PARM_DESC(retry_waiting,
		 "debug build: an apply or reverse is waiting on retry_hold");

void ksplice_debug_between_tries(void)
{
	ksplice_debug_hold(&ksplice_retry_hold, &ksplice_retry_waiting);
}
#endif

struct ksplice_kernel_syms ksplice_ksyms;

static struct kobject *ksplice_root;

/*
 * kallsyms_lookup_name() is not exported since 5.7, but a kprobe on it
 * tells where it is; the probe is removed again at once.
 */
static int ksplice_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("cannot find kallsyms_lookup_name: register_kprobe failed (%d)\n",
		       ret);
		return ret;
	}
	ksplice_ksyms.kallsyms_lookup_name = (void *)kp.addr;
	unregister_kprobe(&kp);
	if (!ksplice_ksyms.kallsyms_lookup_name) {
		pr_err("cannot find kallsyms_lookup_name: kprobe gave no address\n");
		return -ENOENT;
	}
	return 0;
}

static int ksplice_lookup(const char *name, unsigned long *addr)
{
	*addr = ksplice_ksyms.kallsyms_lookup_name(name);
	if (!*addr) {
		pr_err("cannot find the kernel symbol %s\n", name);
		return -ENOENT;
	}
	return 0;
}

/*
 * Optional: ftrace's record iterator and its lock, to find the records
 * whose IPMODIFY flag the apply reads (ipmodify.c).  Without them only
 * the ftrace_ops of parameter ftrace_hold keeps livepatches off.
 */
static void ksplice_find_ftrace_recs(void)
{
	unsigned long a[4];
	unsigned int i;
	static const char * const names[] = {
		"ftrace_lock", "ftrace_rec_iter_start",
		"ftrace_rec_iter_next", "ftrace_rec_iter_record",
	};

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		a[i] = ksplice_ksyms.kallsyms_lookup_name(names[i]);
		if (!a[i]) {
			pr_warn("%s not found: a livepatch on a replaced function is refused only with ftrace_hold=Y\n",
				names[i]);
			return;
		}
	}
	ksplice_ksyms.ftrace_rec_iter_start = (void *)a[1];
	ksplice_ksyms.ftrace_rec_iter_next = (void *)a[2];
	ksplice_ksyms.ftrace_rec_iter_record = (void *)a[3];
	/* Last: it says the others are there. */
	ksplice_ksyms.ftrace_lock = (struct mutex *)a[0];
}

/* Tables of the other text rewriters, so no jump ever covers their sites. */
static int ksplice_find_site_tables(void)
{
	unsigned long a[4];
	int ret;

	ret = ksplice_lookup("__start___jump_table", &a[0]);
	ret = ret ?: ksplice_lookup("__stop___jump_table", &a[1]);
	ret = ret ?: ksplice_lookup("__start_static_call_sites", &a[2]);
	ret = ret ?: ksplice_lookup("__stop_static_call_sites", &a[3]);
	if (ret)
		return ret;
	ksplice_ksyms.jump_table_start = (void *)a[0];
	ksplice_ksyms.jump_table_stop = (void *)a[1];
	ksplice_ksyms.static_call_start = (void *)a[2];
	ksplice_ksyms.static_call_stop = (void *)a[3];
	ret = ksplice_lookup("ftrace_location_range", &a[0]);
	if (ret)
		return ret;
	ksplice_ksyms.ftrace_location_range = (void *)a[0];
	ksplice_find_ftrace_recs();
	return 0;
}

/* Code that may run in NMI and exception entry: never patched. */
static int ksplice_find_unsafe_text(void)
{
	struct ksplice_kernel_syms *k = &ksplice_ksyms;
	unsigned long a;
	int ret;

	ret = ksplice_lookup("__noinstr_text_start", &k->noinstr_start);
	ret = ret ?: ksplice_lookup("__noinstr_text_end", &k->noinstr_end);
	ret = ret ?: ksplice_lookup("__entry_text_start", &k->entry_start);
	ret = ret ?: ksplice_lookup("__entry_text_end", &k->entry_end);
	ret = ret ?: ksplice_lookup("__kprobes_text_start", &k->kprobes_start);
	ret = ret ?: ksplice_lookup("__kprobes_text_end", &k->kprobes_end);
	ret = ret ?: ksplice_lookup("within_kprobe_blacklist", &a);
	if (ret)
		return ret;
	k->within_kprobe_blacklist = (void *)a;
	return 0;
}

/*
 * Optional: what per-CPU symbols are checked against (resolve.c).  On
 * x86-64 the per-CPU section is linked at 0, so __per_cpu_start is 0 in
 * kallsyms and a lookup answer of 0 is its value; __per_cpu_end, never 0,
 * tells that kallsyms has them at all.
 */
static void ksplice_find_percpu_syms(void)
{
	unsigned long start, end;

	start = ksplice_ksyms.kallsyms_lookup_name("__per_cpu_start");
	end = ksplice_ksyms.kallsyms_lookup_name("__per_cpu_end");
	if (end > start) {
		ksplice_ksyms.percpu_start = start;
		ksplice_ksyms.percpu_end = end;
	} else {
		pr_warn("__per_cpu_end not found: per-CPU variables of vmlinux are refused\n");
	}
	ksplice_ksyms.find_module =
		(void *)ksplice_ksyms.kallsyms_lookup_name("find_module");
	if (!ksplice_ksyms.find_module)
		pr_warn("find_module not found: per-CPU variables of modules are refused\n");
}

static int ksplice_find_kernel_syms(void)
{
	unsigned long a;
	int ret;

	ret = ksplice_find_kallsyms();
	if (ret)
		return ret;
	ret = ksplice_lookup("text_mutex", &a);
	if (ret)
		return ret;
	ksplice_ksyms.text_mutex = (struct mutex *)a;
	ret = ksplice_lookup("__module_address", &a);
	if (ret)
		return ret;
	ksplice_ksyms.module_address = (void *)a;
	ret = ksplice_lookup("stop_machine_cpuslocked", &a);
	if (ret)
		return ret;
	ksplice_ksyms.stop_machine_cpuslocked = (void *)a;
	/* Optional: without it only CPU 0's idle task is stack-checked. */
	a = ksplice_ksyms.kallsyms_lookup_name("idle_threads");
	if (!a)
		pr_warn("idle_threads not found: idle tasks of CPUs other than 0 are not stack-checked\n");
	ksplice_ksyms.idle_threads = (void __percpu *)a;
	/* Optional: without it the stopped window checks every stack. */
	a = ksplice_ksyms.kallsyms_lookup_name("put_task_stack");
	if (!a)
		pr_warn("put_task_stack not found: no stack prescan\n");
	ksplice_ksyms.put_task_stack = (void *)a;
	ksplice_find_percpu_syms();
	/* Optional: see ksplice_symbol_at() in resolve.c. */
	ksplice_ksyms.kallsyms_on_each_symbol = (void *)
		ksplice_ksyms.kallsyms_lookup_name("kallsyms_on_each_symbol");
	if (!ksplice_ksyms.kallsyms_on_each_symbol)
		pr_warn("kallsyms_on_each_symbol not found: local symbols of shared names are found only where kallsyms lists them first\n");
	ret = ksplice_find_site_tables();
	return ret ?: ksplice_find_unsafe_text();
}

static int __init ksplice_init(void)
{
	int ret;

	ret = ksplice_find_kernel_syms();
	if (ret)
		return ret;
	ret = ksplice_poke_init();
	if (ret)
		return ret;
	ret = ksplice_debug_init();
	if (ret)
		goto out_poke;
	ksplice_root = kobject_create_and_add("ksplice", kernel_kobj);
	if (!ksplice_root) {
		pr_err("cannot create /sys/kernel/ksplice\n");
		ret = -ENOMEM;
		goto out_debug;
	}
	ret = ksplice_updates_init(ksplice_root);
	if (ret)
		goto out_root;
	ret = ksplice_notifier_init();
	if (ret)
		goto out_updates;
	pr_info("ready (ABI %d)\n", KSPLICE_ABI_VERSION);
	return 0;

out_updates:
	ksplice_updates_exit();
out_root:
	kobject_put(ksplice_root);
out_debug:
	ksplice_debug_exit();
out_poke:
	ksplice_poke_exit();
	return ret;
}

static void __exit ksplice_exit(void)
{
	ksplice_notifier_exit();
	ksplice_updates_exit();
	ksplice_switch_log_exit();
	ksplice_ipmodify_exit();
	/* New-code modules depend on this one: only strays are left. */
	ksplice_shadow_free_owned(NULL);
	kobject_put(ksplice_root);
	ksplice_debug_exit();
	ksplice_poke_exit();
}

module_init(ksplice_init);
module_exit(ksplice_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Ksplice: rebootless kernel updates, core module");
