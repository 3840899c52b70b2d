/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal structures of the ksplice core module, shared by its files.
 * One global mutex (ksplice_mutex) protects every field below unless a
 * comment says otherwise.
 *
 * The files, one job each:
 *   ksplice_main.c  init/exit, parameters, non-exported kernel symbols
 *   update.c        update objects, /sys/kernel/ksplice/control, aborts
 *   sysfs.c         the files of /sys/kernel/ksplice/ID/
 *   resolve.c       `resolve` lines and the kallsyms check
 *   notifier.c      new-code modules coming and going, target modules going
 *   reloc.c         filling in ksplice relocations
 *   alias.c         writable aliases of read-only text (vmap)
 *   textsites.c     jump label / static call / ftrace sites to stay off
 *   splice.c        apply and reverse: preparation and the stopped window
 *   hooks.c         the update's hooks; the deleted-function report
 *   shadow.c        shadow data for new code (include/ksplice/shadow.h)
 *   pending.c       parts for modules not loaded yet, spliced as they come
 *   stackcheck.c    the task stack check inside the window
 *   poke.c          writing the jumps safely against NMIs (int3 handler)
 *   ipmodify.c      livepatch and other IPMODIFY ftrace users kept off
 * The sysfs ABI is docs/sysfs-abi.md; the shared ABI include/ksplice/abi.h.
 */
#ifndef KSPLICE_INTERNAL_H
#define KSPLICE_INTERNAL_H

#include <linux/ftrace.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/kobject.h>
#include <linux/kprobes.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/task_stack.h>
#include <linux/static_call_types.h>
#include <linux/spinlock.h>
#include <linux/stop_machine.h>
#include <linux/types.h>
#include <ksplice/abi.h>

/* Most bytes a `func` line may carry for re-verification. */
#define KSPLICE_MAX_EXPECTED	64
#define KSPLICE_MESSAGE_LEN	512
#define KSPLICE_CONFLICTS_LEN	PAGE_SIZE
/* Sanity limit on the tables of one descriptor. */
#define KSPLICE_MAX_ENTRIES	65536
/*
 * Most `cold` pieces one function may have: GCC splits a function into
 * at most one hot and one cold part (foo and foo.cold); a few more leave
 * room without an allocation.
 */
#define KSPLICE_MAX_COLD	4

/**
 * enum ksplice_stage - where an update is in its life
 * @KSPLICE_STAGE_PREPARED: created, resolve lines and new code may come
 * @KSPLICE_STAGE_APPLIED: jumps written into the running code
 * @KSPLICE_STAGE_REVERSED: jumps taken out again
 * @KSPLICE_STAGE_ABORTED: the last apply failed; nothing was changed
 */
enum ksplice_stage {
	KSPLICE_STAGE_PREPARED,
	KSPLICE_STAGE_APPLIED,
	KSPLICE_STAGE_REVERSED,
	KSPLICE_STAGE_ABORTED,
};

/**
 * struct ksplice_func_site - one replaced function (a `func` resolve line)
 * @list: in &ksplice_target.funcs
 * @idx: index into the descriptor's ksplice_func table
 * @addr: start of the running function
 * @size: its size as kallsyms knows it
 * @patchoff: offset of the jump from @addr
 * @expected: bytes the matcher saw at @addr + @patchoff
 * @nr_expected: how many of @expected are valid
 * @name: kallsyms name, copied from the descriptor when the new code comes
 * @new_addr: entry of the replacement (in the new-code module)
 * @new_size: size of the replacement
 * @jump: the `jmp rel32` written at the patch site
 * @saved: the original bytes the jump overwrote (valid while @patched)
 * @alias: writable alias of the patch site, only while its jump is
 *	written or restored (text_mutex held)
 * @patched: the jump is in the running code
 * @stacked_addr: when another applied update's jump is at the same site,
 *	its replacement (the code this update really replaces); else 0
 * @stacked_size: size of that replacement
 * @pcode: pending targets: the pre code to find when the module loads
 * @pmask: per byte of @pcode, 0xff to compare, 0 to ignore
 * @plen: bytes in @pcode (the function's size)
 * @poke: enum ksplice_poke_pattern of the last write at the site
 * @ftrace_rec: the ftrace record of the site at @addr, found before the
 *	window (ipmodify.c); NULL: none, or not looked up
 * @ftrace_held: this update holds the site at @addr in the filter of
 *	ksplice's IPMODIFY ftrace_ops
 * @cold_addr: starts of the function's cold pieces (`cold` resolve lines):
 *	code GCC moved out of it (foo.cold), still part of it for the stack
 *	check
 * @cold_size: their sizes
 * @nr_cold: how many of @cold_addr are valid
 */
struct ksplice_func_site {
	struct list_head list;
	u32 idx;
	unsigned long addr;
	unsigned long size;
	unsigned int patchoff;
	u8 expected[KSPLICE_MAX_EXPECTED];
	unsigned int nr_expected;
	char *name;
	unsigned long new_addr;
	unsigned long new_size;
	u8 jump[KSPLICE_JUMP_LEN];
	u8 saved[KSPLICE_JUMP_LEN];
	u8 *alias;
	bool patched;
	unsigned long stacked_addr;
	unsigned long stacked_size;
	u8 *pcode;
	u8 *pmask;
	unsigned int plen;
	u8 poke;
	struct dyn_ftrace *ftrace_rec;
	bool ftrace_held;
	unsigned long cold_addr[KSPLICE_MAX_COLD];
	unsigned long cold_size[KSPLICE_MAX_COLD];
	unsigned int nr_cold;
};

/**
 * struct ksplice_sym_site - one resolved symbol (a `sym` resolve line)
 * @list: in &ksplice_target.syms
 * @idx: index into the descriptor's ksplice_symbol table
 * @addr: where the symbol lives in the running kernel
 */
struct ksplice_sym_site {
	struct list_head list;
	u32 idx;
	unsigned long addr;
};

/**
 * struct ksplice_target - the part of an update for one target
 * @list: in &ksplice_update.targets
 * @name: "vmlinux" or a module name
 * @funcs: &struct ksplice_func_site list
 * @syms: &struct ksplice_sym_site list
 * @new_mod: the attached new-code module, NULL until it comes
 * @target_mod: the target module, referenced while applied (NULL: vmlinux)
 * @gone: the target module was unloaded after resolve lines were written,
 *	so the addresses are stale
 * @refs_held: references on @new_mod and @target_mod are held (applied)
 * @hooks: the hooks of @new_mod (copied when it comes), or NULL
 * @nr_hooks: entries in @hooks
 * @pending: the target module was not loaded when the update was
 *	prepared: its functions are matched and spliced when it comes
 *	(pending.c)
 * @loaded: (pending) the module came after the `pending` line
 * @live: (pending) the module instance the part is spliced into, or NULL
 * @desc: (pending) the descriptor of @new_mod, for the relocations filled
 *	in when the module comes
 */
struct ksplice_target {
	struct list_head list;
	char name[MODULE_NAME_LEN];
	struct list_head funcs;
	struct list_head syms;
	struct module *new_mod;
	struct module *target_mod;
	bool gone;
	bool refs_held;
	struct ksplice_hook *hooks;
	unsigned int nr_hooks;
	bool pending;
	bool loaded;
	struct module *live;
	const struct ksplice_update_desc *desc;
};

/*
 * Is @addr, as kallsyms gives a module's per-CPU symbol (a per-CPU
 * pointer), in @mod's per-CPU region?  Under preempt_disable().
 */
static inline bool ksplice_in_mod_percpu(const struct module *mod,
					 unsigned long addr)
{
	return addr - (unsigned long)mod->percpu < mod->percpu_size;
}

/* Is this function's patch site in memory (not a pending part waiting)? */
static inline bool ksplice_site_live(const struct ksplice_target *t)
{
	return !t->pending || t->live;
}

/**
 * struct ksplice_update - one update, /sys/kernel/ksplice/ID
 * @kobj: the sysfs directory; its release frees the update
 * @list: in ksplice_updates
 * @id: the update id
 * @stage: see &enum ksplice_stage
 * @cause: abort cause of the last failure
 * @message: one sentence explaining the last failure
 * @conflicts: `PID COMM FUNCTION` lines of the last code_busy
 * @description: copied from the first new-code module that came
 * @pause_apply_ns: time in the stopped window of the last apply
 * @pause_reverse_ns: same for the last reverse
 * @tries: stop_machine attempts of the last apply or reverse
 * @targets: &struct ksplice_target list
 * @dropped: removed from ksplice_updates; its files refuse writes until
 *	sysfs removal completes
 * @ipmodify_ips: the ftrace sites of the replaced functions that this
 *	update holds in the filter of ksplice's IPMODIFY ftrace_ops while
 *	applied (ipmodify.c), or NULL
 * @nr_ipmodify: entries of @ipmodify_ips
 */
struct ksplice_update {
	struct kobject kobj;
	struct list_head list;
	char id[KSPLICE_ID_MAX + 1];
	enum ksplice_stage stage;
	enum ksplice_abort_cause cause;
	char *message;
	char *conflicts;
	char *description;
	u64 pause_apply_ns;
	u64 pause_reverse_ns;
	unsigned int tries;
	struct list_head targets;
	bool dropped;
	unsigned long *ipmodify_ips;
	unsigned int nr_ipmodify;
};

/**
 * struct ksplice_kernel_syms - kernel symbols that are not exported
 * @kallsyms_lookup_name: found with a kprobe; finds all the others
 * @text_mutex: serialises every writer of kernel text
 * @module_address: __module_address(), the module holding an address
 * @stop_machine_cpuslocked: stop_machine() for callers holding
 *	cpus_read_lock (needed to take text_mutex in the right order)
 * @idle_threads: per-CPU idle tasks (kernel/smpboot.c); NULL: only
 *	init_task is checked
 * @jump_table_start: vmlinux __jump_table
 * @jump_table_stop: its end
 * @static_call_start: vmlinux .static_call_sites
 * @static_call_stop: its end
 * @ftrace_location_range: first ftrace site in a range, or 0
 * @put_task_stack: drops a reference try_get_task_stack() took; NULL:
 *	no stack prescan
 * @percpu_start: vmlinux __per_cpu_start as kallsyms gives it (0 on x86-64)
 * @percpu_end: vmlinux __per_cpu_end; 0: no vmlinux per-CPU symbol is taken
 * @find_module: the loaded module of a name, under preempt_disable(); NULL:
 *	no module per-CPU symbol is taken
 * @kallsyms_on_each_symbol: walks every vmlinux symbol; NULL: a local
 *	symbol whose name several files share (__key.0) is only taken where
 *	kallsyms names it first
 * @noinstr_start: vmlinux __noinstr_text_start
 * @noinstr_end: __noinstr_text_end
 * @entry_start: vmlinux __entry_text_start
 * @entry_end: __entry_text_end
 * @kprobes_start: vmlinux __kprobes_text_start
 * @kprobes_end: __kprobes_text_end
 * @within_kprobe_blacklist: is an address on the kprobe blacklist
 *	(NOKPROBE_SYMBOL of vmlinux and of every loaded module)
 * @ftrace_lock: serialises ftrace's users of its record iterator; NULL:
 *	no ftrace record is read inside the window (ipmodify.c)
 * @ftrace_rec_iter_start: ftrace's record iterator
 * @ftrace_rec_iter_next: its next step
 * @ftrace_rec_iter_record: the record it is at
 *
 * Found once at module init (ksplice_main.c).  Each function pointer has
 * the type of the kernel's own declaration (typeof(&fn)): a kernel whose
 * signature differs fails to build, not to call.
 */
struct ksplice_kernel_syms {
	typeof(&kallsyms_lookup_name) kallsyms_lookup_name;
	struct mutex *text_mutex;
	typeof(&__module_address) module_address;
	typeof(&stop_machine_cpuslocked) stop_machine_cpuslocked;
	struct task_struct * __percpu *idle_threads;
	struct jump_entry *jump_table_start;
	struct jump_entry *jump_table_stop;
	struct static_call_site *static_call_start;
	struct static_call_site *static_call_stop;
	typeof(&ftrace_location_range) ftrace_location_range;
	typeof(&put_task_stack) put_task_stack;
	unsigned long percpu_start;
	unsigned long percpu_end;
	typeof(&find_module) find_module;
	typeof(&kallsyms_on_each_symbol) kallsyms_on_each_symbol;
	unsigned long noinstr_start;
	unsigned long noinstr_end;
	unsigned long entry_start;
	unsigned long entry_end;
	unsigned long kprobes_start;
	unsigned long kprobes_end;
	typeof(&within_kprobe_blacklist) within_kprobe_blacklist;
	struct mutex *ftrace_lock;
	typeof(&ftrace_rec_iter_start) ftrace_rec_iter_start;
	typeof(&ftrace_rec_iter_next) ftrace_rec_iter_next;
	typeof(&ftrace_rec_iter_record) ftrace_rec_iter_record;
};

extern struct ksplice_kernel_syms ksplice_ksyms;
extern struct mutex ksplice_mutex;
extern struct list_head ksplice_updates;
extern unsigned int ksplice_retries;
extern unsigned int ksplice_retry_delay_ms;
extern bool ksplice_stack_scan_all;
extern bool ksplice_stack_filter;
extern bool ksplice_stack_parallel;
extern bool ksplice_stack_prescan;

/**
 * enum ksplice_poke_pattern - how a jump is written (kmod/poke.c)
 * @KSPLICE_POKE_BP: int3 first, then the tail, then the first byte
 * @KSPLICE_POKE_STORE8: one aligned 8-byte store
 */
enum ksplice_poke_pattern {
	KSPLICE_POKE_BP = 1,
	KSPLICE_POKE_STORE8,
};

#ifdef KSPLICE_DEBUG
void ksplice_debug_poke_start(void);
void ksplice_debug_poke_count(enum ksplice_poke_pattern pattern);
void ksplice_debug_poke_step(void);
int ksplice_debug_init(void);
void ksplice_debug_exit(void);
bool ksplice_should_fail(void);
void ksplice_debug_after_prescan(void);
int ksplice_debug_new_code_init(void);
void ksplice_debug_alias(int delta);
void ksplice_debug_between_tries(void);
#else
/* The forced-failure switch exists only in the debug build. */
static inline bool ksplice_should_fail(void)
{
	return false;
}

static inline void ksplice_debug_after_prescan(void)
{
}

static inline int ksplice_debug_new_code_init(void)
{
	return 0;
}

static inline void ksplice_debug_poke_start(void)
{
}

static inline void
ksplice_debug_poke_count(enum ksplice_poke_pattern pattern)
{
}

static inline void ksplice_debug_poke_step(void)
{
}

static inline int ksplice_debug_init(void)
{
	return 0;
}

static inline void ksplice_debug_exit(void)
{
}

static inline void ksplice_debug_alias(int delta)
{
}

static inline void ksplice_debug_between_tries(void)
{
}
#endif

/* update.c */
int ksplice_updates_init(struct kobject *root);
void ksplice_updates_exit(void);
struct ksplice_update *ksplice_update_find(const char *id);
struct ksplice_target *ksplice_target_get(struct ksplice_update *u,
					  const char *name, bool create);
void ksplice_set_abort(struct ksplice_update *u,
		       enum ksplice_abort_cause cause, const char *fmt, ...)
	__printf(3, 4);
void ksplice_clear_abort(struct ksplice_update *u);
const char *ksplice_stage_name(enum ksplice_stage stage);
const char *ksplice_cause_name(enum ksplice_abort_cause cause);
void ksplice_target_detach(struct ksplice_target *t);

bool ksplice_target_loaded(struct ksplice_target *t);

/* sysfs.c */
extern const struct attribute_group *ksplice_update_groups[];

/* resolve.c */
int ksplice_resolve_write(struct ksplice_update *u, const char *buf,
			  size_t len);
int ksplice_kallsyms_check(const char *target, unsigned long addr,
			   const char *name, unsigned long size,
			   char *why, size_t why_len);

/* notifier.c */
int ksplice_notifier_init(void);
void ksplice_notifier_exit(void);

/* reloc.c */
int ksplice_apply_reloc(struct ksplice_update *u, struct module *mod,
			const struct ksplice_reloc *r, unsigned long sym_addr);

/* alias.c */
u8 *ksplice_alias_map(unsigned long addr, size_t len);
void ksplice_alias_unmap(u8 *alias);
int ksplice_alias_map_target(struct ksplice_update *u,
			     struct ksplice_target *t);
void ksplice_alias_unmap_target(struct ksplice_target *t);

/* textsites.c */
int ksplice_check_foreign_sites(struct ksplice_update *u, struct module *m,
				struct ksplice_func_site *f);
int ksplice_check_unsafe_site(struct ksplice_update *u, struct module *m,
			      struct ksplice_func_site *f);

/* poke.c */
/**
 * struct ksplice_poke_sync - the leader's steps, answered by the others
 * @step: the last step published (from 1)
 * @answers: answers given, all steps together
 * @nr_others: CPUs other than the leader in the window
 */
struct ksplice_poke_sync {
	unsigned int step;
	atomic_t answers;
	unsigned int nr_others;
};
int ksplice_poke_init(void);
void ksplice_poke_exit(void);
enum ksplice_poke_pattern ksplice_poke_pattern(unsigned long site,
					       bool reverse);
void ksplice_poke_follow(struct ksplice_poke_sync *s, unsigned int *seen);
void ksplice_poke_sites(struct ksplice_update *u, bool reverse,
			struct ksplice_poke_sync *s);

/* hooks.c */
const char *ksplice_hook_name(enum ksplice_hook_kind kind);
int ksplice_hooks_copy(struct ksplice_update *u, struct ksplice_target *t,
		       struct module *mod, const struct ksplice_update_desc *d);
void ksplice_hooks_free(struct ksplice_target *t);
int ksplice_hooks_run(struct ksplice_update *u, enum ksplice_hook_kind kind,
		      unsigned long *failed);
int ksplice_hooks_run_outside(struct ksplice_update *u,
			      enum ksplice_hook_kind kind);
bool ksplice_hooks_check_stopped(struct ksplice_update *u, bool reverse);
void ksplice_hooks_action_stopped(struct ksplice_update *u, bool reverse);
void ksplice_hooks_notify(struct ksplice_update *u,
			  enum ksplice_hook_kind kind);

/* pending.c */
int ksplice_pending_parse(struct ksplice_update *u, char **tok, int n);
int ksplice_pending_attach(struct ksplice_update *u, struct ksplice_target *t,
			   const struct ksplice_update_desc *d);
int ksplice_pending_reloc_waits(struct ksplice_update *u,
				struct ksplice_target *t, struct module *mod,
				const struct ksplice_reloc *r);
int ksplice_pending_coming(struct module *mod);
bool ksplice_pending_going(struct ksplice_target *t, struct module *mod);
void ksplice_pending_reversed(struct ksplice_update *u);
bool ksplice_pending_present(struct ksplice_target *t);

/* shadow.c */
unsigned int ksplice_shadow_free_owned(struct module *mod);

/* splice.c */
int ksplice_apply(struct ksplice_update *u);
struct ksplice_update *ksplice_op_busy(void);
void ksplice_op_wait(void);
void ksplice_op_begin(struct ksplice_update *u);
void ksplice_op_end(void);
void ksplice_op_unlock(void);
void ksplice_op_relock(void);
int ksplice_reverse(struct ksplice_update *u);
int ksplice_make_jump(u8 *jump, unsigned long site, unsigned long target);
int ksplice_check_site(struct ksplice_update *u, struct module *mod,
		       struct ksplice_func_site *f);
int ksplice_check_overlaps(struct ksplice_update *u,
			   struct ksplice_target *only);

/* stackcheck.c */
/**
 * struct ksplice_range - addresses [@start, @end) the stack check looks for
 * @start: first address
 * @end: one past the last
 */
struct ksplice_range {
	unsigned long start;
	unsigned long end;
};

/* Busy tasks remembered to report each once; more are reported as met. */
#define KSPLICE_MAX_BUSY_REPORTED 32

/**
 * struct ksplice_stack_check - what the task stack check looks for
 * @u: the update whose functions are checked
 * @new_code: also treat the new-code modules' text as busy (reverse)
 * @conflicts: buffer for `PID COMM FUNCTION` lines (preallocated)
 * @len: bytes used in @conflicts
 * @nr_conflicts: tasks found busy
 * @nr_tasks: tasks checked
 * @nr_unreliable: tasks whose unwind was unreliable (scanned instead)
 * @ranges: sorted, merged ranges for the filter scan (NULL: no filter)
 * @nr_ranges: entries in @ranges
 * @nr_unwound: tasks the filter let through to the unwinder
 * @lock: serialises the CPUs' appends to @conflicts and their counts
 * @shared: in a CPU's private copy, the shared state it reports to
 * @caller: the task that runs the apply or reverse (blocked in
 *	stop_machine meanwhile)
 * @prescan: what the prescan left to check (may be NULL)
 * @nr_prescanned: tasks not checked in the window: clean at the
 *	prescan and not run since (0 when the prescan was not usable)
 * @busy: the tasks reported busy so far, so none is reported twice
 * @nr_busy: entries of @busy used
 */
struct ksplice_stack_check {
	struct ksplice_update *u;
	bool new_code;
	char *conflicts;
	size_t len;
	unsigned int nr_conflicts;
	unsigned int nr_tasks;
	unsigned int nr_unreliable;
	struct ksplice_range *ranges;
	unsigned int nr_ranges;
	unsigned int nr_unwound;
	raw_spinlock_t lock;
	struct ksplice_stack_check *shared;
	struct task_struct *caller;
	const struct ksplice_prescan *prescan;
	unsigned int nr_prescanned;
	struct task_struct *busy[KSPLICE_MAX_BUSY_REPORTED];
	unsigned int nr_busy;
};
void ksplice_check_stacks(struct ksplice_stack_check *shared,
			  unsigned int slot, unsigned int nr);
int ksplice_stack_ranges_build(struct ksplice_stack_check *sc);
void ksplice_stack_ranges_free(struct ksplice_stack_check *sc);
bool ksplice_stack_may_hit(const struct ksplice_stack_check *sc,
			   struct task_struct *task);
const char *ksplice_restart_hit(const struct ksplice_stack_check *sc,
				struct task_struct *task);

/* switch_log.c */
#define KSPLICE_SWITCH_LOG_LEN 2048

/**
 * struct ksplice_switch_log_cpu - the tasks one CPU switched to
 * @nr: entries used
 * @overflow: a switch could not be recorded
 * @last: the last task recorded (not recorded twice in a row)
 * @tasks: the tasks, each with a reference
 */
struct ksplice_switch_log_cpu {
	unsigned int nr;
	bool overflow;
	struct task_struct *last;
	struct task_struct *tasks[KSPLICE_SWITCH_LOG_LEN];
};

/**
 * struct ksplice_switch_log - the tasks switched in while recording
 * @tp: the sched_switch tracepoint
 * @cpu: a log per possible CPU, indexed by CPU number
 * @tried: ksplice_switch_log_init() ran
 * @registered: the probe is registered (until the module unloads)
 * @recording: an operation is being prepared: the probe records
 */
struct ksplice_switch_log {
	struct tracepoint *tp;
	struct ksplice_switch_log_cpu **cpu;
	bool tried;
	bool registered;
	bool recording;
};
extern struct ksplice_switch_log ksplice_switch_log;
void ksplice_switch_log_init(void);
void ksplice_switch_log_exit(void);
bool ksplice_switch_log_start(void);
void ksplice_switch_log_stop(void);
bool ksplice_switch_log_complete(void);

/* stack_prescan.c */
/**
 * struct ksplice_prescan - what the stopped window must still check
 * @dirty: tasks running or holding a word in the ranges at the prescan,
 *	each with a reference
 * @nr_dirty: entries used
 * @cap: entries allocated
 * @nr_clean: tasks found clean (reported only)
 * @complete: every task was found clean or listed
 * @logging: the switch log records for this try
 */
struct ksplice_prescan {
	struct task_struct **dirty;
	unsigned int nr_dirty;
	unsigned int cap;
	unsigned int nr_clean;
	bool complete;
	bool logging;
};
void ksplice_prescan_alloc(struct ksplice_prescan *ps);
void ksplice_prescan_free(struct ksplice_prescan *ps);
void ksplice_prescan_start(struct ksplice_prescan *ps);
void ksplice_prescan_run(struct ksplice_prescan *ps,
			 const struct ksplice_stack_check *sc);
void ksplice_prescan_stop(struct ksplice_prescan *ps);
bool ksplice_prescan_usable(const struct ksplice_prescan *ps);
void ksplice_prescan_for_each(const struct ksplice_prescan *ps,
			      struct ksplice_stack_check *sc,
			      unsigned int slot, unsigned int nr,
			      void (*fn)(struct ksplice_stack_check *sc,
					 struct task_struct *task));

/* ipmodify.c */
int ksplice_ipmodify_hold(struct ksplice_update *u);
void ksplice_ipmodify_release(struct ksplice_update *u);
bool ksplice_ipmodify_verify(struct ksplice_update *u);
void ksplice_ipmodify_exit(void);
void ksplice_ipmodify_anchor(void);

#endif /* KSPLICE_INTERNAL_H */
