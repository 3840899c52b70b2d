// SPDX-License-Identifier: GPL-2.0
/*
 * Parts of an update for a module that is not loaded when the update is
 * applied.  User space cannot match code that is not in memory, so it
 * sends the pre code of each function to replace, with the bytes that
 * relocations and the kernel's own rewrites change masked out (`pending`,
 * `pfunc`, `pcode` resolve lines).  When the module comes (before its
 * init runs, before anything can call it), the module notifier finds
 * each function in the module's symbol table, compares the masked bytes,
 * fills the new code's relocations that point into the module and writes
 * the jumps.  When the module goes, the part waits again.  See
 * docs/design.md for why the kernel matches here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include "ksplice_internal.h"

#define KSPLICE_MAX_PENDING_SIZE (1U << 20)

static struct ksplice_func_site *ksplice_pfunc(struct ksplice_target *t,
					       u32 idx)
{
	struct ksplice_func_site *f;

	list_for_each_entry(f, &t->funcs, list)
		if (f->idx == idx)
			return f;
	return NULL;
}

static bool ksplice_sym_resolved(struct ksplice_target *t, u32 idx,
				 unsigned long *addr)
{
	struct ksplice_sym_site *s;

	list_for_each_entry(s, &t->syms, list) {
		if (s->idx == idx) {
			*addr = s->addr;
			return true;
		}
	}
	return false;
}

/* `pending T`, `pfunc T IDX SIZE PATCHOFF`, `pcode T IDX OFF HEX`. */
int ksplice_pending_parse(struct ksplice_update *u, char **tok, int n)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	unsigned int off, size, patchoff, i;
	size_t len;
	u32 idx;

	if (n < 2)
		return -EINVAL;
	t = ksplice_target_get(u, tok[1], true);
	if (!t)
		return -ENOMEM;
	if (t->new_mod || !strcmp(t->name, "vmlinux"))
		return -EBUSY;
	if (!strcmp(tok[0], "pending")) {
		if (n != 2 || !list_empty(&t->funcs) || !list_empty(&t->syms))
			return -EINVAL;
		t->pending = true;
		return 0;
	}
	if (!t->pending || n < 5 || kstrtou32(tok[2], 0, &idx))
		return -EINVAL;
	f = ksplice_pfunc(t, idx);
	if (!strcmp(tok[0], "pfunc")) {
		if (n != 5 || kstrtouint(tok[3], 0, &size) ||
		    kstrtouint(tok[4], 0, &patchoff) || !size ||
		    size > KSPLICE_MAX_PENDING_SIZE ||
		    patchoff + KSPLICE_JUMP_LEN > size)
			return -EINVAL;
		if (f)
			return -EEXIST;
		f = kzalloc(sizeof(*f), GFP_KERNEL);
		if (!f)
			return -ENOMEM;
		f->pcode = kzalloc(size, GFP_KERNEL);
		f->pmask = kzalloc(size, GFP_KERNEL);
		if (!f->pcode || !f->pmask) {
			kfree(f->pcode);
			kfree(f->pmask);
			kfree(f);
			return -ENOMEM;
		}
		f->idx = idx;
		f->size = size;
		f->plen = size;
		f->patchoff = patchoff;
		list_add_tail(&f->list, &t->funcs);
		return 0;
	}
	if (strcmp(tok[0], "pcode") || n != 5 || !f ||
	    kstrtouint(tok[3], 0, &off))
		return -EINVAL;
	/* Two hex digits a byte; "xx" is a byte not to compare. */
	len = strlen(tok[4]);
	if (len % 2 || off > f->plen || len / 2 > f->plen - off)
		return -EINVAL;
	for (i = 0; i < len / 2; i++) {
		const char *h = tok[4] + 2 * i;

		if (h[0] == 'x' && h[1] == 'x')
			continue;
		if (hex2bin(&f->pcode[off + i], h, 1))
			return -EINVAL;
		f->pmask[off + i] = 0xff;
	}
	return 0;
}

/**
 * ksplice_pending_attach() - a new-code module for a pending part comes
 * @u: the update
 * @t: the pending target
 * @d: the module's descriptor
 *
 * The module's descriptor is checked against the lines by the checks of
 * every new-code module (notifier.c), which call back for what only a
 * pending part has (ksplice_pending_reloc_waits()); here only that its
 * module has not come since the `pending` line.
 *
 * Return: 0, or -ENOENT with the abort cause set.
 */
int ksplice_pending_attach(struct ksplice_update *u, struct ksplice_target *t,
			   const struct ksplice_update_desc *d)
{
	if (t->loaded) {
		ksplice_set_abort(u, KSPLICE_ABORT_TARGET_NOT_LOADED,
				  "module %s was loaded after the update was prepared; apply the update again",
				  t->name);
		return -ENOENT;
	}
	t->desc = d;
	return 0;
}

/**
 * ksplice_pending_reloc_waits() - may a relocation wait for the module?
 * @u: the update (for the abort message)
 * @t: the pending target
 * @mod: the coming new-code module
 * @r: a relocation whose symbol (in the descriptor's table) is not
 *	resolved: the pending module's own, filled in when it comes
 *
 * None may be read by the kernel before then: jump label and static call
 * entries of @mod are registered as soon as it comes.
 *
 * Return: 0, or -EINVAL with abort cause invalid_update.
 */
int ksplice_pending_reloc_waits(struct ksplice_update *u,
				struct ksplice_target *t, struct module *mod,
				const struct ksplice_reloc *r)
{
	unsigned long site = r->site, je, jn, sc, sn;

	je = (unsigned long)mod->jump_entries;
	jn = je + mod->num_jump_entries * sizeof(*mod->jump_entries);
	sc = (unsigned long)mod->static_call_sites;
	sn = sc + mod->num_static_call_sites * sizeof(*mod->static_call_sites);
	if ((site >= je && site < jn) || (site >= sc && site < sn)) {
		ksplice_set_abort(u, KSPLICE_ABORT_INVALID_UPDATE,
				  "a jump label or static call of %s refers into module %s, which is not loaded",
				  mod->name, t->name);
		return -EINVAL;
	}
	return 0;
}

/* The one symbol @name of @mod (of type @type, or any if 0), or -ENOENT. */
static int ksplice_mod_sym(struct module *mod, const char *name,
			   unsigned char type, unsigned long *addr,
			   unsigned long *size)
{
	struct mod_kallsyms *ks;
	unsigned int i, found = 0;

	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; ks && i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];

		if (sym->st_shndx == SHN_UNDEF ||
		    strcmp(ks->strtab + sym->st_name, name) ||
		    (type && ELF_ST_TYPE(sym->st_info) != type))
			continue;
		if (found++ && sym->st_value == *addr)
			found--;
		*addr = sym->st_value;
		*size = sym->st_size;
	}
	preempt_enable();
	return found == 1 ? 0 : found ? -EEXIST : -ENOENT;
}

/* Find @f in the coming @mod, into @f->addr, and compare its pre code. */
static int ksplice_pending_match(struct ksplice_update *u, struct module *mod,
				 struct ksplice_func_site *f)
{
	unsigned long addr = 0, size = 0;
	const u8 *code;
	unsigned int i;

	if (ksplice_mod_sym(mod, f->name, STT_FUNC, &addr, &size)) {
		ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
				  "no single function %s in module %s", f->name,
				  mod->name);
		return -ENOENT;
	}
	if (size != f->plen) {
		ksplice_set_abort(u, KSPLICE_ABORT_NO_MATCH,
				  "%s in module %s is %lu bytes long, the pre code %u",
				  f->name, mod->name, size, f->plen);
		return -EINVAL;
	}
	code = (const u8 *)addr;
	for (i = 0; i < f->plen; i++) {
		if ((code[i] ^ f->pcode[i]) & f->pmask[i]) {
			ksplice_set_abort(u, KSPLICE_ABORT_NO_MATCH,
					  "%s in module %s differs from the pre code at +0x%x: %02x, expected %02x",
					  f->name, mod->name, i, code[i],
					  f->pcode[i]);
			return -EINVAL;
		}
	}
	f->addr = addr;
	return 0;
}

/*
 * Fill the relocations that were waiting for the module.  Their symbol
 * indices were checked against the descriptor's table when the new code
 * came (notifier.c, ksplice_fill_relocs()).
 */
static int ksplice_pending_relocs(struct ksplice_update *u,
				  struct ksplice_target *t, struct module *mod)
{
	const struct ksplice_update_desc *d = t->desc;
	const struct ksplice_symbol *syms = (void *)(unsigned long)d->symbols;
	const struct ksplice_reloc *r = (void *)(unsigned long)d->relocs;
	unsigned long addr, size, *addrs;
	const char *name;
	u32 i;
	int ret = 0;

	addrs = kcalloc(d->nr_symbols ? d->nr_symbols : 1, sizeof(*addrs),
			GFP_KERNEL);
	if (!addrs) {
		ksplice_set_abort(u, KSPLICE_ABORT_OUT_OF_MEMORY,
				  "no memory for the symbols of module %s",
				  mod->name);
		return -ENOMEM;
	}
	for (i = 0; i < d->nr_symbols; i++) {
		if (ksplice_sym_resolved(t, i, &addr))
			continue;
		name = (const char *)(unsigned long)syms[i].name;
		if (ksplice_mod_sym(mod, name, 0, &addrs[i], &size)) {
			ksplice_set_abort(u, KSPLICE_ABORT_FAILED_TO_FIND,
					  "symbol %s: not exactly one of that name in module %s",
					  name, mod->name);
			ret = -ENOENT;
			goto out;
		}
	}
	for (i = 0; i < d->nr_relocs && !ret; i++)
		if (!ksplice_sym_resolved(t, r[i].sym, &addr))
			ret = ksplice_apply_reloc(u, t->new_mod, &r[i],
						  addrs[r[i].sym]);
out:
	kfree(addrs);
	return ret;
}

/*
 * Write the jumps into the coming module, through the aliases.  Its code
 * has not run and cannot be called yet (its init has not run, other
 * modules cannot link to a coming module), so no machine stop is needed.
 */
static void ksplice_pending_write(struct ksplice_target *t)
{
	struct ksplice_func_site *f;
	unsigned long site;

	list_for_each_entry(f, &t->funcs, list) {
		site = f->addr + f->patchoff;
		memcpy(f->saved, (void *)site, KSPLICE_JUMP_LEN);
		memcpy(f->expected, f->saved, KSPLICE_JUMP_LEN);
		f->nr_expected = KSPLICE_JUMP_LEN;
		memcpy(f->alias, f->jump, KSPLICE_JUMP_LEN);
		f->patched = true;
	}
}

/*
 * Match, check and splice the part for the coming @mod.  The checks of
 * each site are those of an apply (ksplice_check_site(),
 * ksplice_check_overlaps()).  All of it under text_mutex, from the first
 * byte compared to the last written: another rewriter of kernel text (a
 * kprobe may be registered in a coming module) must not change the bytes
 * in between.
 */
static int ksplice_pending_splice(struct ksplice_update *u,
				  struct ksplice_target *t, struct module *mod)
{
	struct ksplice_func_site *f;
	unsigned int n = 0;
	int ret;

	mutex_lock(ksplice_ksyms.text_mutex);
	list_for_each_entry(f, &t->funcs, list) {
		ret = ksplice_pending_match(u, mod, f);
		if (!ret)
			ret = ksplice_check_site(u, mod, f);
		if (ret)
			goto fail;
		n++;
	}
	ret = ksplice_check_overlaps(u, t);
	if (!ret)
		ret = ksplice_pending_relocs(u, t, mod);
	if (!ret)
		ret = ksplice_alias_map_target(u, t);
	if (ret)
		goto fail;
	ksplice_pending_write(t);
	ksplice_alias_unmap_target(t);
	mutex_unlock(ksplice_ksyms.text_mutex);
	t->live = mod;
	pr_info("update %s: spliced into module %s as it loads (%u functions)\n",
		u->id, mod->name, n);
	return 0;

fail:
	/* Not spliced: no address of the refused module stays. */
	list_for_each_entry(f, &t->funcs, list)
		f->addr = 0;
	mutex_unlock(ksplice_ksyms.text_mutex);
	return ret;
}

/**
 * ksplice_pending_coming() - a module comes: splice in the parts for it
 * @mod: the coming module (its code has not run)
 *
 * Caller holds ksplice_mutex.  A module that does not match an applied
 * update made for it is refused: it would run the code the update fixes.
 *
 * Return: 0 or a negative errno (the load fails).
 */
int ksplice_pending_coming(struct module *mod)
{
	struct ksplice_update *u;
	struct ksplice_target *t;
	int ret;

	lockdep_assert_held(&ksplice_mutex);
	list_for_each_entry(u, &ksplice_updates, list) {
		list_for_each_entry(t, &u->targets, list) {
			if (!t->pending || strcmp(t->name, mod->name))
				continue;
			t->loaded = true;
			if (u->stage != KSPLICE_STAGE_APPLIED || !t->new_mod ||
			    !t->desc)
				continue;
			ret = ksplice_pending_splice(u, t, mod);
			if (ret) {
				/* Refused: it never loaded (and no GOING comes). */
				t->loaded = false;
				pr_err("refusing module %s: applied update %s cannot be spliced into it: %s\n",
				       mod->name, u->id, u->message);
				return ret;
			}
		}
	}
	return 0;
}

/**
 * ksplice_pending_going() - the module of a pending part goes
 * @t: a target
 * @mod: the module going away
 *
 * Return: true if @t is a pending part (now waiting again), so the
 * caller must not treat it as a target that vanished.
 */
bool ksplice_pending_going(struct ksplice_target *t, struct module *mod)
{
	struct ksplice_func_site *f;

	if (!t->pending)
		return false;
	t->loaded = false;
	if (t->live != mod)
		return true;
	t->live = NULL;
	list_for_each_entry(f, &t->funcs, list) {
		f->patched = false;
		f->addr = 0;
	}
	pr_info("module %s going: its part of an update waits for it again\n",
		mod->name);
	return true;
}

/**
 * ksplice_pending_present() - is a pending part's module loaded anyway?
 * @t: a pending target
 *
 * The module may have come between user space's look and the `pending`
 * line (then no COMING was seen): ask kallsyms for MODULE:FUNCTION.
 *
 * Return: true if the module is loaded and the part is not spliced in.
 */
bool ksplice_pending_present(struct ksplice_target *t)
{
	struct ksplice_func_site *f;
	char buf[MODULE_NAME_LEN + KSYM_NAME_LEN + 2];

	if (t->live)
		return false;
	if (t->loaded)
		return true;
	list_for_each_entry(f, &t->funcs, list) {
		if (!f->name)
			continue;
		snprintf(buf, sizeof(buf), "%s:%s", t->name, f->name);
		return ksplice_ksyms.kallsyms_lookup_name(buf) != 0;
	}
	return false;
}

/* After a reverse: pending parts are no longer spliced anywhere. */
void ksplice_pending_reversed(struct ksplice_update *u)
{
	struct ksplice_func_site *f;
	struct ksplice_target *t;

	list_for_each_entry(t, &u->targets, list) {
		if (!t->pending || !t->live)
			continue;
		t->live = NULL;
		list_for_each_entry(f, &t->funcs, list)
			f->addr = 0;
	}
}
