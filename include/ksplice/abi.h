/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI shared by the ksplice core module (kmod/), the new-code modules
 * that ksplice-create builds, and the user-space tools.
 *
 * Compiled both in the kernel and in user space: it uses only fixed-size
 * types and the preprocessor.
 */
#ifndef KSPLICE_ABI_H
#define KSPLICE_ABI_H

/* The kernel's UAPI types, in the kernel and in user space alike. */
#include <linux/types.h>

/*
 * Bumped whenever a structure below changes layout.
 * 2: the descriptor gained hooks and deleted-function stubs.
 */
#define KSPLICE_ABI_VERSION 2

/*
 * The closed set of abort causes.  The same names appear in
 * /sys/kernel/ksplice/ID/abort_cause, in the tools' messages, --raw-errors
 * and --json output, and (as KSPLICE_EXIT_BASE + value) in the tools' exit
 * status.  Documented in docs/abort-causes.md.  New causes go at the end:
 * a cause's number is its exit status, which scripts rely on.
 */
#define KSPLICE_ABORT_CAUSES(X)						\
	X(NONE, "none")							\
	X(NO_MATCH, "no_match")						\
	X(CODE_BUSY, "code_busy")					\
	X(MODULE_BUSY, "module_busy")					\
	X(FAILED_TO_FIND, "failed_to_find")				\
	X(TARGET_NOT_LOADED, "target_not_loaded")			\
	X(CALL_FAILED, "call_failed")					\
	X(ALREADY_APPLIED, "already_applied")				\
	X(OUT_OF_MEMORY, "out_of_memory")				\
	X(NOT_APPLIED, "not_applied")					\
	X(INVALID_UPDATE, "invalid_update")				\
	X(WRONG_KERNEL, "wrong_kernel")					\
	X(UNEXPECTED, "unexpected")					\
	X(PATCH_SITE_OVERLAP, "patch_site_overlap")			\
	X(UNSAFE_SITE, "unsafe_site")					\
	X(FTRACE_IPMODIFY, "ftrace_ipmodify")

#define KSPLICE_ENUM_ENTRY(sym, str) KSPLICE_ABORT_##sym,
enum ksplice_abort_cause {
	KSPLICE_ABORT_CAUSES(KSPLICE_ENUM_ENTRY)
	KSPLICE_ABORT_COUNT
};
#undef KSPLICE_ENUM_ENTRY

/* Tools exit with KSPLICE_EXIT_BASE + cause; 0 is success, 2 usage. */
#define KSPLICE_EXIT_BASE 10

/*
 * An update id: 1 to KSPLICE_ID_MAX characters of [a-z0-9_].  The id names
 * the update's sysfs directory, its new-code modules (module names, where
 * kbuild would turn a '-' into '_'), its package file and its Uptrack
 * state, so one rule serves them all: the kernel, ksplice-create, the
 * package reader and Uptrack all call this.
 */
#define KSPLICE_ID_MAX 32

static inline int ksplice_id_valid(const char *id)
{
	int n;

	for (n = 0; id[n]; n++) {
		char c = id[n];

		if (n == KSPLICE_ID_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return n > 0;
}

/* sysfs layout, see docs/sysfs-abi.md */
#define KSPLICE_SYSFS_ROOT "/sys/kernel/ksplice"
#define KSPLICE_SYSFS_CONTROL KSPLICE_SYSFS_ROOT "/control"

/*
 * The tables a new-code module carries.  ksplice-create writes them into
 * the module's object as plain data with ordinary relocations against the
 * module's own sections, so the module loader fills in every address that
 * lies inside the module; addresses outside it are listed as ksplice
 * relocations and filled in by the core module from the verified match.
 */

/* One function of the running kernel replaced by one in the new code. */
struct ksplice_func {
	__u64 new_addr;		/* relocated: the replacement's entry */
	__u64 name;		/* relocated: char *, the kallsyms name */
	__u64 new_size;		/* size of the replacement in bytes */
	__u64 old_size;		/* size of the pre function */
};

/*
 * A reference from the new code to something outside the module.  The
 * module loader leaves the field at `site` untouched; the core module
 * writes it (through a writable alias, before the code can run) once it
 * knows the address of symbol number `sym` for this update.
 */
struct ksplice_reloc {
	__u64 site;		/* relocated: address of the field to fill */
	__u32 sym;		/* index into the symbol table */
	__u32 type;		/* R_X86_64_64, _PC64, _PC32, _PLT32, _32, _32S */
	__s64 addend;
};

/* Names of the symbols ksplice relocations refer to, by index. */
struct ksplice_symbol {
	__u64 name;		/* relocated: char * */
	__u64 flags;		/* KSPLICE_SYM_* */
};

#define KSPLICE_SYM_LOCAL	0x1	/* static in the patched file */
#define KSPLICE_SYM_DATA	0x2	/* not a function */

/*
 * Hooks an update's author puts in the patched file (include/ksplice/
 * hooks.h).  pre_* run before the machine is stopped and may fail (the
 * operation then aborts with call_failed and nothing changes); check_*
 * run inside the stopped window and may fail likewise; the action hooks
 * (apply, reverse) run inside the window once the jumps are written and
 * must not fail; post_* run after success, fail_* after a failure.  The
 * int-returning kinds are pre and check; the others return void.
 */
#define KSPLICE_HOOK_KINDS(X)						\
	X(PRE_APPLY, "pre_apply")					\
	X(CHECK_APPLY, "check_apply")					\
	X(APPLY, "apply")						\
	X(POST_APPLY, "post_apply")					\
	X(FAIL_APPLY, "fail_apply")					\
	X(PRE_REVERSE, "pre_reverse")					\
	X(CHECK_REVERSE, "check_reverse")				\
	X(REVERSE, "reverse")						\
	X(POST_REVERSE, "post_reverse")					\
	X(FAIL_REVERSE, "fail_reverse")

#define KSPLICE_HOOK_ENUM_ENTRY(sym, str) KSPLICE_HOOK_##sym,
enum ksplice_hook_kind {
	KSPLICE_HOOK_KINDS(KSPLICE_HOOK_ENUM_ENTRY)
	KSPLICE_HOOK_COUNT
};
#undef KSPLICE_HOOK_ENUM_ENTRY

/* One hook of the new code: a function of the kind's type. */
struct ksplice_hook {
	__u32 kind;		/* enum ksplice_hook_kind */
	__u32 reserved;		/* 0 */
	__u64 fn;		/* relocated: int (*)(void) or void (*)(void) */
};

/*
 * The descriptor; the new-code module defines it under the name
 * KSPLICE_DESC_SYMBOL.  The core module finds it in the module's symbol
 * table when the module is coming, before its code can run.
 */
struct ksplice_update_desc {
	__u32 abi_version;	/* KSPLICE_ABI_VERSION */
	__u32 nr_funcs;
	__u32 nr_relocs;
	__u32 nr_symbols;
	__u64 id;		/* char *: update id */
	__u64 target;		/* char *: "vmlinux" or module name */
	__u64 description;	/* char * */
	__u64 funcs;		/* struct ksplice_func * */
	__u64 relocs;		/* struct ksplice_reloc * */
	__u64 symbols;		/* struct ksplice_symbol * */
	/* ABI 2 */
	__u32 nr_hooks;
	__u32 nr_deleted;
	__u64 hooks;		/* struct ksplice_hook * */
	/*
	 * Functions the patch deletes: new_addr is a stub in the new code
	 * that reports the call loudly (ksplice_deleted_called()); new_size
	 * may be 0 (the core module then takes the stub's size from the
	 * module's symbol table).  Their `func` resolve lines use indices
	 * nr_funcs + i; a deleted function without a resolve line is left
	 * alone.
	 */
	__u64 deleted;		/* struct ksplice_func * */
};

#define KSPLICE_DESC_SYMBOL "__ksplice_update_desc"

/*
 * Exported by the core module and called by every new-code module's init
 * and exit (the stub that ksplice-create compiles in): init fails with
 * -ENOENT unless the core module attached the module to a prepared update
 * while it was coming, so new code never runs unresolved.
 */
#ifdef __KERNEL__
struct module;
int ksplice_new_code_init(struct module *mod);
void ksplice_new_code_exit(struct module *mod);
/*
 * Called by the stub that replaces a deleted function: logs the call
 * (and warns once) and returns -EOPNOTSUPP, which the stub returns.
 */
long ksplice_deleted_called(struct module *mod, const char *name);
#endif

/* Name of a new-code module: ksplice_<id>_<target with '-' as '_'>. */
#define KSPLICE_MODULE_PREFIX "ksplice_"

/* Length of the jump written into a replaced function. */
#define KSPLICE_JUMP_LEN 5

#endif /* KSPLICE_ABI_H */
