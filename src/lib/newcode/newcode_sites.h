/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last look at a new-code module before it goes into a package: the
 * tables from which the kernel rewrites or looks up the module's code
 * (.return_sites, .retpoline_sites, .call_sites, .static_call_sites,
 * __jump_table, __mcount_loc, .smp_locks, __bug_table, __ex_table,
 * .altinstructions, .parainstructions, .orc_unwind_ip) must name the
 * module's own code, through ordinary relocations, at the instruction
 * each table claims.  The module loader and ftrace read most of them
 * before any notifier runs, so an entry that lost its relocation, or
 * that a ksplice relocation fills only later, is read as zero: an
 * offset from the entry itself (apply_returns() warned "missing return
 * thunk" on one), or a jump label or static call the kernel BUG()s on.
 */
#ifndef KSPLICE_NEWCODE_SITES_H
#define KSPLICE_NEWCODE_SITES_H

#include <stddef.h>

/*
 * Check the site tables of the relocatable object at path (the linked
 * .ko, or any object).  A field that the module's ksplice relocation
 * table fills (newcode_desc.c: relocations against __ksplice_sec_N) is
 * known as such.  Returns 0 when every entry is right (*checked: how
 * many entries were looked at), 1 with one sentence in err naming the
 * table, the entry and the bytes found, or -1 when the file cannot be
 * read (err says why).
 */
int ks_check_sites(const char *path, size_t *checked, char *err,
		   size_t errlen);

#endif
