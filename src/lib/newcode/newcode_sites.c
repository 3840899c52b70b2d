// SPDX-License-Identifier: GPL-2.0
/*
 * Checking a new-code module's site tables: see newcode_sites.h.  What
 * each table must point at is what 6.1's own readers accept
 * (arch/x86/kernel/alternative.c, static_call.c, jump_label.c, ftrace),
 * so a module that passes cannot make them warn or BUG() at load.
 */
#include "newcode/newcode_sites.h"
#include "diff/elf_object.h"
#include "util/fs.h"
#include "util/array.h"
#include "code/x86_decode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a field of an entry must point at. */
enum kind {
	K_RETURN,	/* jmp __x86_return_thunk (apply_returns()) */
	K_RETPOLINE,	/* call/jmp/jcc __x86_indirect_thunk_REG */
	K_CALL,		/* call */
	K_STATIC_CALL,	/* call/jmp/jcc to a __SCT__ trampoline */
	K_JUMP_LABEL,	/* a 2- or 5-byte nop, or jmp */
	K_FTRACE,	/* call __fentry__, or a 5-byte nop */
	K_LOCK,		/* a lock prefix */
	K_BUG,		/* ud2 */
	K_CODE,		/* an instruction of the module, or a section's end */
	K_ORC,		/* any place in module code (see below) */
	K_TARGET,	/* a branch target: module code, or filled by ksplice */
	K_SC_KEY,	/* a static call's key: its tail flag fits the insn */
};

struct field {
	unsigned int off;
	unsigned int size;	/* 4: an offset from the field, 8: an address */
	enum kind kind;
	const char *name;	/* for messages */
};

/* Entry layouts of 6.1 x86-64; the site itself is field 0. */
static const struct table {
	const char *name;
	unsigned int entsize;
	const char *claim;	/* what field 0 must be, for the message */
	struct field f[2];
	unsigned int nr;
} tables[] = {
	{ ".return_sites", 4, "a return (jmp __x86_return_thunk)",
	  { { 0, 4, K_RETURN, "site" } }, 1 },
	{ ".retpoline_sites", 4,
	  "a call or jump through a retpoline thunk (__x86_indirect_thunk_*)",
	  { { 0, 4, K_RETPOLINE, "site" } }, 1 },
	{ ".call_sites", 4, "a call", { { 0, 4, K_CALL, "site" } }, 1 },
	{ ".static_call_sites", 8,
	  "a static call (call, jmp or jcc to a __SCT__ trampoline)",
	  { { 0, 4, K_STATIC_CALL, "site" }, { 4, 4, K_SC_KEY, "key" } }, 2 },
	{ "__jump_table", 16, "a jump label (a 2- or 5-byte nop, or jmp)",
	  { { 0, 4, K_JUMP_LABEL, "site" }, { 4, 4, K_TARGET, "jump target" } }, 2 },
	{ "__mcount_loc", 8, "an ftrace site (call __fentry__, or a 5-byte nop)",
	  { { 0, 8, K_FTRACE, "site" } }, 1 },
	{ ".smp_locks", 4, "a lock prefix", { { 0, 4, K_LOCK, "site" } }, 1 },
	{ "__bug_table", 12, "a BUG() or WARN() site (ud2)",
	  { { 0, 4, K_BUG, "site" } }, 1 },
	{ "__ex_table", 12, "an instruction",
	  { { 0, 4, K_CODE, "site" }, { 4, 4, K_TARGET, "fixup" } }, 2 },
	{ ".altinstructions", 12, "an instruction",
	  { { 0, 4, K_CODE, "site" }, { 4, 4, K_CODE, "replacement" } }, 2 },
	{ ".parainstructions", 16, "an instruction", { { 0, 8, K_CODE, "site" } }, 1 },
	/*
	 * objtool gives a paravirt or alternative site the ORC states of
	 * every version of its code, so an entry can fall inside the
	 * original instruction (pushf; pop %rax replacing a 6-byte call
	 * through pv_ops: entries at +1 and +2, kernel/rcu/tree.c).
	 */
	{ ".orc_unwind_ip", 4, "a place in code", { { 0, 4, K_ORC, "site" } }, 1 },
};

/* A field the module's ksplice relocation table fills at load. */
struct kfield {
	size_t sec;
	GElf_Addr off;
};

struct checker {
	const struct ks_object *o;
	struct kfield *kf;
	size_t nr_kf;
	char *err;
	size_t errlen;
};

static int say(struct checker *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int say(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return 1;
}

static const struct ks_rela *rela_at(const struct ks_section *s, GElf_Addr off)
{
	size_t lo = 0, hi = s->nr_relas;

	while (lo < hi) {	/* sorted by offset (elf_object.c) */
		size_t mid = (lo + hi) / 2;

		if (s->relas[mid].offset == off)
			return &s->relas[mid];
		if (s->relas[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * newcode_desc.c writes each ksplice relocation's site as
 * (u64)(__ksplice_sec_N + offset): an R_X86_64_64 against that alias.
 */
static void find_kfields(struct checker *c)
{
	const struct ks_object *o = c->o;
	size_t i, j;

	for (i = 1; i < o->nr_secs; i++) {
		for (j = 0; j < o->secs[i].nr_relas; j++) {
			const struct ks_rela *r = &o->secs[i].relas[j];
			const struct ks_symbol *s = &o->syms[r->sym];

			if (r->type != R_X86_64_64 ||
			    strncmp(s->name, "__ksplice_sec_", 14) ||
			    !ks_sym_section(o, s))
				continue;
			c->kf = ks_grow(c->kf, c->nr_kf, 1, sizeof(*c->kf));
			c->kf[c->nr_kf].sec = s->sym.st_shndx;
			c->kf[c->nr_kf].off = s->sym.st_value + (GElf_Addr)r->addend;
			c->nr_kf++;
		}
	}
}

static int ksplice_fills(const struct checker *c, size_t sec, GElf_Addr off)
{
	size_t i;

	for (i = 0; i < c->nr_kf; i++)
		if (c->kf[i].sec == sec && c->kf[i].off == off)
			return 1;
	return 0;
}

/* The name of the symbol a relocation inside code at off names, or NULL. */
static const char *callee(const struct checker *c, const struct ks_section *s,
			  GElf_Addr off)
{
	const struct ks_rela *r = rela_at(s, off);

	return r ? c->o->syms[r->sym].name : NULL;
}

/*
 * Whether code offset loc of s starts an instruction, decoding from the
 * start of the function before it (or of the section): 1, 0, or -1 when
 * the bytes on the way do not decode (then nothing is claimed).
 */
static int starts_insn(const struct ks_object *o, const struct ks_section *s,
		       GElf_Addr loc)
{
	GElf_Addr pos = 0;
	size_t i;

	for (i = 1; i < o->nr_syms; i++) {
		const GElf_Sym *y = &o->syms[i].sym;

		if (y->st_shndx == s->index && GELF_ST_TYPE(y->st_info) == STT_FUNC &&
		    y->st_value <= loc && y->st_value > pos)
			pos = y->st_value;
	}
	while (pos < loc) {
		unsigned int n = ks_x86_insn_len(s->data + pos,
						 s->sh.sh_size - pos);

		if (!n)
			return -1;
		pos += n;
	}
	return pos == loc;
}

/* "48 89 e5 (mov rbp, rsp)": the instruction at p (at addr), for messages. */
static void show(const unsigned char *p, size_t avail, GElf_Addr addr,
		 char *out, size_t len)
{
	unsigned int n = ks_x86_insn_len(p, avail);
	char hex[64], dis[128];

	if (!n)
		n = avail < 5 ? (unsigned int)avail : 5;
	ks_hex(p, n, hex, sizeof(hex));
	ks_x86_disasm(p, n, addr, dis, sizeof(dis));
	snprintf(out, len, "%s (%s)", hex, dis);
}

static int is_jcc32(const unsigned char *p, size_t avail)
{
	return avail >= 6 && p[0] == 0x0f && p[1] >= 0x80 && p[1] <= 0x8f;
}

/*
 * Whether the instruction at loc of code section s is what kind k
 * claims; *tail is set for a static call that is a jump.
 */
static int insn_fits(const struct checker *c, const struct ks_section *s,
		     GElf_Addr loc, enum kind k, int *tail)
{
	const unsigned char *p = s->data + loc;
	size_t avail = s->sh.sh_size - loc;
	/* where a call's, jmp's or jcc's rel32 is */
	GElf_Addr rel = loc + (is_jcc32(p, avail) ? 2 : 1);
	int branch = (avail >= 5 && (p[0] == 0xe8 || p[0] == 0xe9)) ||
		     is_jcc32(p, avail);
	const char *to = branch ? callee(c, s, rel) : NULL;

	switch (k) {
	case K_RETURN:
		/*
		 * apply_returns() takes jmp __x86_return_thunk; a bare ret
		 * only in a static call trampoline (ret, then ud1 at +5).
		 */
		if (avail >= 5 && p[0] == 0xe9)
			return to && !strcmp(to, "__x86_return_thunk");
		return avail >= 8 && p[0] == 0xc3 && p[5] == 0x0f &&
		       p[6] == 0xb9 && p[7] == 0xcc;
	case K_RETPOLINE:
		return branch && to && !strncmp(to, "__x86_indirect_thunk_", 21);
	case K_CALL:
		return avail >= 5 && p[0] == 0xe8;
	case K_STATIC_CALL:
		*tail = p[0] != 0xe8;
		/* the trampoline may be a ksplice relocation (not exported) */
		return branch && ((to && !strncmp(to, "__SCT__", 7)) ||
				  (!to && ksplice_fills(c, s->index, rel)));
	case K_JUMP_LABEL: {
		unsigned int n = ks_x86_nop_len(p, avail);

		return n == 2 || n == 5 || (avail >= 5 && p[0] == 0xe9) ||
		       (avail >= 2 && p[0] == 0xeb);
	}
	case K_FTRACE:
		if (avail >= 5 && p[0] == 0xe8)
			return to && !strcmp(to, "__fentry__");
		return ks_x86_nop_len(p, avail) == 5;
	case K_LOCK:
		return avail >= 2 && p[0] == 0xf0;
	case K_BUG:
		return avail >= 2 && p[0] == 0x0f && p[1] == 0x0b;
	default:
		return 1;
	}
}

/*
 * Field f of entry n (at offset off) of table t in section tsec.  tail:
 * in and out, a static call site's jump-ness (-1 unknown).
 */
static int check_field(struct checker *c, const struct table *t,
		       const struct ks_section *tsec, size_t n, GElf_Addr off,
		       const struct field *f, int *tail)
{
	const struct ks_object *o = c->o;
	const struct ks_rela *r = rela_at(tsec, off + f->off);
	const struct ks_symbol *s = r ? &o->syms[r->sym] : NULL;
	const struct ks_section *cs = s ? ks_sym_section(o, s) : NULL;
	char what[64], bytes[64], found[256];
	long long loc;
	int b;

	snprintf(what, sizeof(what), "the %s of entry %zu of %s (offset %#llx)",
		 f->name, n, t->name, (unsigned long long)(off + f->off));
	if (f->kind == K_SC_KEY) {
		/* __static_call_validate(): a tail call must be a jump */
		if (r && *tail >= 0 && (int)(r->addend & 1) != *tail)
			return say(c, "entry %zu of %s marks its site a %s, but the site is a %s",
				   n, t->name, r->addend & 1 ? "tail call" : "call",
				   *tail ? "jump" : "call");
		return 0;
	}
	if (!r) {
		if (f->kind == K_TARGET && ksplice_fills(c, tsec->index, off + f->off))
			return 0;
		if (ksplice_fills(c, tsec->index, off + f->off))
			return say(c, "%s is filled by a ksplice relocation, after the module loader has read the table, and would name the running kernel's code instead of the module's",
				   what);
		ks_hex(tsec->data + off + f->off, f->size, bytes, sizeof(bytes));
		return say(c, "%s has no relocation: the kernel would read its bytes, %s, as %s",
			   what, bytes, f->size == 8 ? "an address" :
			   "an offset from the field itself, into the table");
	}
	if (!cs)
		return say(c, "%s points outside the module, at %s", what,
			   s->name);
	if (!(cs->sh.sh_flags & SHF_EXECINSTR))
		return say(c, "%s points into %s, which is not code", what,
			   cs->name);
	loc = (long long)s->sym.st_value + r->addend;
	if (loc < 0 || (GElf_Xword)loc > cs->sh.sh_size ||
	    ((GElf_Xword)loc == cs->sh.sh_size && f->kind != K_CODE &&
	     f->kind != K_TARGET && f->kind != K_ORC))
		return say(c, "%s points at %s%+lld, outside that section (%#llx bytes)",
			   what, cs->name, loc,
			   (unsigned long long)cs->sh.sh_size);
	if ((GElf_Xword)loc == cs->sh.sh_size || !cs->data || f->kind == K_ORC)
		return 0;
	b = starts_insn(o, cs, (GElf_Addr)loc);
	show(cs->data + loc, cs->sh.sh_size - (GElf_Addr)loc, (GElf_Addr)loc,
	     found, sizeof(found));
	if (!b)
		return say(c, "%s points at %s+%#llx, inside an instruction (bytes %s there)",
			   what, cs->name, loc, found);
	if (!insn_fits(c, cs, (GElf_Addr)loc, f->kind, tail))
		return say(c, "%s points at %s+%#llx, where the bytes are %s: not %s",
			   what, cs->name, loc, found, t->claim);
	return 0;
}

static int check_table(struct checker *c, const struct table *t,
		       const struct ks_section *s, size_t *checked)
{
	GElf_Addr off;
	size_t n = 0;
	unsigned int i;

	if (s->sh.sh_size % t->entsize)
		return say(c, "%s is %llu bytes, not a whole number of %u-byte entries",
			   t->name, (unsigned long long)s->sh.sh_size,
			   t->entsize);
	if (!s->data)
		return 0;
	for (off = 0; off < s->sh.sh_size; off += t->entsize, n++) {
		int tail = -1;

		for (i = 0; i < t->nr; i++)
			if (check_field(c, t, s, n, off, &t->f[i], &tail))
				return 1;
		(*checked)++;
	}
	return 0;
}

int ks_check_sites(const char *path, size_t *checked, char *err,
		   size_t errlen)
{
	struct ks_object o;
	struct checker c = { .o = &o, .err = err, .errlen = errlen };
	size_t i, j;
	int ret = 0;

	*checked = 0;
	if (ks_object_read(path, &o, err, errlen))
		return -1;
	find_kfields(&c);
	for (i = 1; i < o.nr_secs && !ret; i++)
		for (j = 0; j < sizeof(tables) / sizeof(tables[0]) && !ret; j++)
			if (!strcmp(o.secs[i].name, tables[j].name))
				ret = check_table(&c, &tables[j], &o.secs[i],
						  checked);
	free(c.kf);
	ks_object_free(&o);
	return ret;
}
