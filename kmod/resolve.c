// SPDX-License-Identifier: GPL-2.0
/*
 * The `resolve` file: `sym` and `func` lines that tell where the matcher
 * found each symbol and function of an update, and the kallsyms check
 * that the kernel applies to every such address before trusting it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "ksplice_internal.h"

#define KSPLICE_MAX_TOKENS 8

/*
 * Is @addr in the per-CPU area of @target as kallsyms numbers it?  For
 * vmlinux the static area, whose symbols kallsyms gives as offsets from
 * __per_cpu_start (0 on x86-64); for a module its own region, whose
 * symbols kallsyms gives as per-CPU pointers.
 */
static bool ksplice_in_percpu(const char *target, unsigned long addr)
{
	struct module *mod;
	bool in;

	if (!strcmp(target, "vmlinux"))
		return addr >= ksplice_ksyms.percpu_start &&
			addr < ksplice_ksyms.percpu_end;
	if (!ksplice_ksyms.find_module)
		return false;
	preempt_disable();
	mod = ksplice_ksyms.find_module(target);
	in = mod && ksplice_in_mod_percpu(mod, addr);
	preempt_enable();
	return in;
}

/*
 * Where kallsyms has @name in @target ("module:name" for a module): into
 * @addr, 0 if nowhere.  Return: 0, or -ENOMEM.
 */
static int ksplice_lookup_in(const char *target, const char *name,
			     unsigned long *addr)
{
	char *full = !strcmp(target, "vmlinux") ? kstrdup(name, GFP_KERNEL) :
		kasprintf(GFP_KERNEL, "%s:%s", target, name);

	if (!full)
		return -ENOMEM;
	*addr = ksplice_ksyms.kallsyms_lookup_name(full);
	kfree(full);
	return 0;
}

/*
 * sprint_symbol() finds nothing at a per-CPU symbol's address: it is no
 * address of vmlinux or of a module.  Such an address is taken for a data
 * symbol (@size 0) only if it lies in @target's per-CPU area and looking
 * @name up in @target ("module:name" for a module) gives @addr itself.
 * Return: 0 if so; 1 if @addr is outside the area; -ENOENT, with @why
 * set, if it is inside but is not @name.
 */
static int ksplice_percpu_check(const char *target, unsigned long addr,
				const char *name, unsigned long size,
				char *why, size_t why_len)
{
	unsigned long found;

	if (size || !ksplice_in_percpu(target, addr))
		return 1;
	if (ksplice_lookup_in(target, name, &found)) {
		scnprintf(why, why_len,
			  "no memory to look up per-CPU %s in %s", name, target);
		return -ENOENT;
	}
	if (found == addr)
		return 0;
	if (found)
		scnprintf(why, why_len,
			  "per-CPU 0x%lx in %s is not %s, which kallsyms has at 0x%lx",
			  addr, target, name, found);
	else
		scnprintf(why, why_len,
			  "per-CPU 0x%lx in %s is not %s, which kallsyms does not know",
			  addr, target, name);
	return -ENOENT;
}

struct ksplice_name_at {
	const char *name;
	unsigned long addr;
};

static int ksplice_name_at_fn(void *data, const char *name,
			      struct module *mod, unsigned long addr)
{
	const struct ksplice_name_at *w = data;

	return addr == w->addr && !strcmp(name, w->name);
}

/*
 * Is one of @target's symbols named @name at @addr?  A local symbol's name
 * may be shared by many files (every lockdep __key.0), so looking the name
 * up finds only one of them; and a zero-sized one (lock_class_key without
 * lockdep) shares its address with the next symbol, whose name kallsyms
 * gives for it.  Walks the symbols, so only called once the quick checks
 * have failed; process context, no lock of the module loader's taken.
 */
static bool ksplice_symbol_at(const char *target, const char *name,
			      unsigned long addr)
{
	struct ksplice_name_at w = { name, addr };
	struct mod_kallsyms *ks;
	struct module *mod;
	bool found = false;
	unsigned int i;

	if (!strcmp(target, "vmlinux"))
		return ksplice_ksyms.kallsyms_on_each_symbol &&
		       ksplice_ksyms.kallsyms_on_each_symbol(ksplice_name_at_fn,
							     &w) > 0;
	if (!ksplice_ksyms.find_module)
		return false;
	preempt_disable();
	mod = ksplice_ksyms.find_module(target);
	ks = mod ? rcu_dereference_sched(mod->kallsyms) : NULL;
	for (i = 0; ks && !found && i < ks->num_symtab; i++)
		found = ks->symtab[i].st_shndx != SHN_UNDEF &&
			ks->symtab[i].st_value == addr &&
			!strcmp(ks->strtab + ks->symtab[i].st_name, name);
	preempt_enable();
	return found;
}

/**
 * ksplice_kallsyms_check() - is @addr the start of symbol @name in @target?
 * @target: "vmlinux" or the module name the symbol must belong to
 * @addr: the address to check
 * @name: the symbol name it must have
 * @size: the size kallsyms must report, or 0 to accept any size
 * @why: filled with the reason on failure
 * @why_len: size of @why
 *
 * Uses sprint_symbol(), whose output is "name+0xOFF/0xSIZE [module]".
 * When several symbols share an address kallsyms names one of them, so a
 * different name is accepted if looking @name up gives @addr itself, or
 * if some symbol of that name in @target lies at @addr (a local name many
 * files use: ksplice_symbol_at()).
 * Per-CPU variables have no address sprint_symbol() knows; see
 * ksplice_percpu_check().
 *
 * Return: 0 or -ENOENT.
 */
int ksplice_kallsyms_check(const char *target, unsigned long addr,
			   const char *name, unsigned long size,
			   char *why, size_t why_len)
{
	char buf[KSYM_SYMBOL_LEN];
	char *mod, *plus, *slash, *end;
	unsigned long off, sz, found;
	bool vmlinux = !strcmp(target, "vmlinux");
	int ret;

	sprint_symbol(buf, addr);
	mod = strstr(buf, " [");
	if (mod) {
		*mod = '\0';
		mod += 2;
		end = strchr(mod, ']');
		if (end)
			*end = '\0';
	}
	plus = strrchr(buf, '+');
	slash = plus ? strchr(plus, '/') : NULL;
	if (!slash) {
		ret = ksplice_percpu_check(target, addr, name, size, why,
					   why_len);
		if (ret <= 0)
			return ret;
		scnprintf(why, why_len, "no symbol at 0x%lx (expected %s in %s)",
			  addr, name, target);
		return -ENOENT;
	}
	*plus = '\0';
	*slash = '\0';
	if (kstrtoul(plus + 1, 0, &off) || kstrtoul(slash + 1, 0, &sz)) {
		scnprintf(why, why_len, "cannot parse kallsyms for 0x%lx", addr);
		return -ENOENT;
	}
	if (vmlinux ? mod != NULL : (!mod || strcmp(mod, target))) {
		scnprintf(why, why_len,
			  "0x%lx (%s) lies in %s, not in %s as expected for %s",
			  addr, buf, mod ? mod : "vmlinux", target, name);
		return -ENOENT;
	}
	if (strcmp(buf, name) &&
	    (ksplice_lookup_in(target, name, &found) ||
	     (found != addr && !ksplice_symbol_at(target, name, addr)))) {
		scnprintf(why, why_len, "0x%lx is %s+0x%lx in %s, not %s",
			  addr, buf, off, target, name);
		return -ENOENT;
	}
	/*
	 * @name, or another name of the same code (an alias at @addr):
	 * either way the symbol kallsyms names must start at @addr and be
	 * as long as expected.
	 */
	if (off) {
		scnprintf(why, why_len,
			  "0x%lx is %s+0x%lx, not the start of %s in %s",
			  addr, buf, off, name, target);
		return -ENOENT;
	}
	if (size && sz != size) {
		scnprintf(why, why_len,
			  "%s at 0x%lx in %s is 0x%lx bytes long, not 0x%lx",
			  name, addr, target, sz, size);
		return -ENOENT;
	}
	return 0;
}

static int ksplice_parse_sym(struct ksplice_update *u, char **tok, int n)
{
	struct ksplice_target *t;
	struct ksplice_sym_site *s;
	unsigned long addr;
	u32 idx;

	if (n != 4 || kstrtou32(tok[2], 0, &idx) || kstrtoul(tok[3], 0, &addr))
		return -EINVAL;
	t = ksplice_target_get(u, tok[1], true);
	if (!t)
		return -ENOMEM;
	if (t->new_mod)
		return -EBUSY;
	list_for_each_entry(s, &t->syms, list)
		if (s->idx == idx)
			return -EEXIST;
	s = ksplice_should_fail() ? NULL :
		kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->idx = idx;
	s->addr = addr;
	list_add_tail(&s->list, &t->syms);
	return 0;
}

static int ksplice_parse_func(struct ksplice_update *u, char **tok, int n)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	unsigned long addr, size;
	unsigned int patchoff;
	size_t hexlen;
	u32 idx;

	if (n != 7 || kstrtou32(tok[2], 0, &idx) ||
	    kstrtoul(tok[3], 0, &addr) || kstrtoul(tok[4], 0, &size) ||
	    kstrtouint(tok[5], 0, &patchoff))
		return -EINVAL;
	hexlen = strlen(tok[6]);
	if (hexlen % 2 || hexlen / 2 < KSPLICE_JUMP_LEN ||
	    hexlen / 2 > KSPLICE_MAX_EXPECTED) {
		pr_err("resolve: BYTES must be %d to %d bytes in hex\n",
		       KSPLICE_JUMP_LEN, KSPLICE_MAX_EXPECTED);
		return -EINVAL;
	}
	if ((unsigned long)patchoff + hexlen / 2 > size) {
		pr_err("resolve: %zu bytes at offset %u do not fit in a %lu-byte function\n",
		       hexlen / 2, patchoff, size);
		return -EINVAL;
	}
	t = ksplice_target_get(u, tok[1], true);
	if (!t)
		return -ENOMEM;
	if (t->new_mod)
		return -EBUSY;
	if (t->pending)
		return -EINVAL;
	list_for_each_entry(f, &t->funcs, list)
		if (f->idx == idx)
			return -EEXIST;
	f = ksplice_should_fail() ? NULL :
		kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	if (hex2bin(f->expected, tok[6], hexlen / 2)) {
		kfree(f);
		return -EINVAL;
	}
	f->nr_expected = hexlen / 2;
	f->idx = idx;
	f->addr = addr;
	f->size = size;
	f->patchoff = patchoff;
	list_add_tail(&f->list, &t->funcs);
	return 0;
}

/*
 * `cold TARGET IDX ADDR SIZE`: a cold piece of function IDX, whose `func`
 * line came first.  Its name is checked with kallsyms once the function's
 * name is known (ksplice_prepare_site()).
 */
static int ksplice_parse_cold(struct ksplice_update *u, char **tok, int n)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	unsigned long addr, size;
	unsigned int i;
	u32 idx;

	if (n != 5 || kstrtou32(tok[2], 0, &idx) ||
	    kstrtoul(tok[3], 0, &addr) || kstrtoul(tok[4], 0, &size) ||
	    !addr || !size || addr + size < addr)
		return -EINVAL;
	t = ksplice_target_get(u, tok[1], false);
	if (!t || t->pending)
		return -EINVAL;
	if (t->new_mod)
		return -EBUSY;
	list_for_each_entry(f, &t->funcs, list) {
		if (f->idx != idx)
			continue;
		for (i = 0; i < f->nr_cold; i++)
			if (f->cold_addr[i] == addr)
				return -EEXIST;
		if (f->nr_cold == KSPLICE_MAX_COLD) {
			pr_err("resolve: more than %d cold pieces of function %u\n",
			       KSPLICE_MAX_COLD, idx);
			return -EINVAL;
		}
		f->cold_addr[f->nr_cold] = addr;
		f->cold_size[f->nr_cold++] = size;
		return 0;
	}
	pr_err("resolve: cold piece of function %u before its func line\n",
	       idx);
	return -EINVAL;
}

static int ksplice_parse_line(struct ksplice_update *u, char *line)
{
	char *tok[KSPLICE_MAX_TOKENS + 1], *p;
	int n = 0;

	while ((p = strsep(&line, " \t")) != NULL) {
		if (!*p)
			continue;
		if (n > KSPLICE_MAX_TOKENS)
			return -EINVAL;
		tok[n++] = p;
	}
	if (!n)
		return 0;
	if (!strcmp(tok[0], "sym"))
		return ksplice_parse_sym(u, tok, n);
	if (!strcmp(tok[0], "func"))
		return ksplice_parse_func(u, tok, n);
	if (!strcmp(tok[0], "cold"))
		return ksplice_parse_cold(u, tok, n);
	if (!strcmp(tok[0], "pending") || !strcmp(tok[0], "pfunc") ||
	    !strcmp(tok[0], "pcode"))
		return ksplice_pending_parse(u, tok, n);
	return -EINVAL;
}

/**
 * ksplice_resolve_write() - take resolve lines written to sysfs
 * @u: the update
 * @buf: whole lines
 * @len: their length
 *
 * Lines are taken in order; on the first bad one the write fails and the
 * lines before it stay recorded.
 *
 * Return: 0, -EINVAL (bad line), -EEXIST (index given twice), -EBUSY (the
 * update is applied or the target's new code is already loaded), -ENOMEM.
 */
int ksplice_resolve_write(struct ksplice_update *u, const char *buf,
			  size_t len)
{
	char *copy, *rest, *line;
	int ret = 0;

	if (u->stage == KSPLICE_STAGE_APPLIED) {
		pr_err("update %s: resolve lines cannot change while applied\n",
		       u->id);
		return -EBUSY;
	}
	copy = kmemdup_nul(buf, len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	rest = copy;
	while ((line = strsep(&rest, "\n")) != NULL) {
		char *shown = kstrdup(line, GFP_KERNEL);

		ret = ksplice_parse_line(u, line);
		if (ret) {
			pr_err("update %s: resolve line rejected (%d): %s\n",
			       u->id, ret, shown ? shown : "?");
			kfree(shown);
			break;
		}
		kfree(shown);
	}
	kfree(copy);
	return ret;
}
