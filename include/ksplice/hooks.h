/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hooks and annotations for the author of a Ksplice update: put
 * `#include <ksplice/hooks.h>`-equivalent lines (see
 * docs/patch-authors-guide.md) into the patched .c file and name the
 * functions to run.  ksplice-create finds them in the post object (each
 * macro leaves a pointer in a section .ksplice_hook.KIND) and carries
 * them into the new-code module; the core module calls them:
 *
 *   ksplice_pre_apply(fn)      int fn(void)  before the machine stops;
 *                                            nonzero aborts (call_failed)
 *   ksplice_check_apply(fn)    int fn(void)  inside the stopped window,
 *                                            before the jumps; nonzero
 *                                            aborts (call_failed)
 *   ksplice_apply(fn)          void fn(void) inside the window, after the
 *                                            jumps are written; no failing
 *   ksplice_post_apply(fn)     void fn(void) after a successful apply
 *   ksplice_fail_apply(fn)     void fn(void) after a failed apply (once
 *                                            the pre hooks have run)
 * and the same five with _reverse for removal.
 *
 * check and action hooks run with interrupts off on one CPU while every
 * other CPU spins: they must not sleep, allocate with GFP_KERNEL, take
 * mutexes or print much.  Allocate in pre hooks, free in post/fail hooks.
 *
 * ksplice_data_changed(var): the patch changes the initial value of the
 * writable variable var on purpose and a hook converts the running value;
 * without it ksplice-create refuses such a patch (the running variable
 * keeps its old value: the new code uses the running variable).
 *
 * The hooks are compiled only into the new code: in a normal build of
 * the patched tree the macros leave unused pointers in sections that are
 * not linked anywhere useful, so keep them under #ifdef KSPLICE if the
 * patch is also meant for a normal build.
 */
#ifndef KSPLICE_HOOKS_H
#define KSPLICE_HOOKS_H

#include <linux/compiler.h>

typedef int (*ksplice_hook_int_t)(void);
typedef void (*ksplice_hook_void_t)(void);

/* type: int or void, the hook's return type (checked by the compiler). */
#define __ksplice_hook(kind, type, fn)					\
	static ksplice_hook_##type##_t const __ksplice_hook_##kind##_##fn \
	__used __section(".ksplice_hook." #kind) = fn

#define ksplice_pre_apply(fn)		__ksplice_hook(pre_apply, int, fn)
#define ksplice_check_apply(fn)		__ksplice_hook(check_apply, int, fn)
#define ksplice_apply(fn)		__ksplice_hook(apply, void, fn)
#define ksplice_post_apply(fn)		__ksplice_hook(post_apply, void, fn)
#define ksplice_fail_apply(fn)		__ksplice_hook(fail_apply, void, fn)
#define ksplice_pre_reverse(fn)		__ksplice_hook(pre_reverse, int, fn)
#define ksplice_check_reverse(fn)	__ksplice_hook(check_reverse, int, fn)
#define ksplice_reverse(fn)		__ksplice_hook(reverse, void, fn)
#define ksplice_post_reverse(fn)	__ksplice_hook(post_reverse, void, fn)
#define ksplice_fail_reverse(fn)	__ksplice_hook(fail_reverse, void, fn)

#define ksplice_data_changed(var)					\
	static const char __ksplice_data_changed_##var[]		\
	__used __section(".ksplice_data_changed") = #var

#endif /* KSPLICE_HOOKS_H */
