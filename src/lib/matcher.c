// SPDX-License-Identifier: GPL-2.0
/* Run-pre matching; see matcher.h for the contract. */
#include "matcher.h"

#include <gelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "x86_decode.h"

#define MAX_SITE 64		/* no rewrite site is longer */

const char *ks_fn_status_name(enum ks_fn_status s)
{
	switch (s) {
	case KS_FN_MATCHED: return "matched";
	case KS_FN_AMBIGUOUS: return "ambiguous";
	case KS_FN_NO_MATCH: return "no_match";
	case KS_FN_NOT_FOUND: return "not_found";
	case KS_FN_FREED: return "freed";
	}
	return "?";
}

/* State of one comparison of a pre function with one running copy. */
struct cmp {
	struct ks_match *m;
	const struct ks_fn_match *fn;
	const struct ks_pre_section *sec;
	const uint8_t *pre;	/* the pre function's bytes */
	const uint8_t *run;	/* the running bytes */
	uint64_t run_addr;
	size_t local_start;	/* this candidate's facts in m->cand_facts */
	char *diff;
	size_t difflen;
	/*
	 * Relaxed mode (see compare_relaxed()): the running code may encode
	 * a branch shorter than the pre code, so it is walked with its own
	 * offset, run offset = pre offset - delta, and branch targets inside
	 * the function are checked at the end against the offset map.
	 */
	int relaxed;
	int64_t delta;
	uint64_t *targets;	/* pairs: pre offset, run offset */
	size_t nr_targets;
};

/*
 * A branch from the function into itself: TO_PRE (pre offset) must be
 * RUN_ADDR in the running copy.  Checked now in byte mode, at the end in
 * relaxed mode.  Returns 1 if fine (so far), 0 if not, -1 on no memory.
 */
static int expect_target(struct cmp *c, uint64_t to_pre, uint64_t run_addr)
{
	uint64_t *n;

	if (!c->relaxed)
		return run_addr == c->run_addr + to_pre;
	n = realloc(c->targets, (c->nr_targets + 1) * 2 * sizeof(*n));
	if (!n)
		return -1;
	c->targets = n;
	n[2 * c->nr_targets] = to_pre;
	n[2 * c->nr_targets + 1] = run_addr - c->run_addr;
	c->nr_targets++;
	return 1;
}

static int push_fact(struct ks_match *m, const struct ks_fact *f)
{
	/* grown in steps of 1024; truncation only ever lowers the count */
	if (m->nr_cand_facts % 1024 == 0) {
		struct ks_fact *n = realloc(m->cand_facts,
					    (m->nr_cand_facts + 1024) * sizeof(*n));
		if (!n)
			return -1;
		m->cand_facts = n;
	}
	m->cand_facts[m->nr_cand_facts++] = *f;
	return 0;
}

static int same_key(const struct ks_fact *a, uint32_t shndx, const char *name)
{
	if (shndx)
		return a->shndx == shndx;
	return !a->shndx && !strcmp(a->name, name);
}

/* A fact already known (committed, or learned by this candidate). */
static const struct ks_fact *known(const struct ks_match *m, size_t local_start,
				   uint32_t shndx, const char *name)
{
	for (size_t i = 0; i < m->nr_facts; i++)
		if (same_key(&m->facts[i], shndx, name))
			return &m->facts[i];
	for (size_t i = local_start; i < m->nr_cand_facts; i++)
		if (same_key(&m->cand_facts[i], shndx, name))
			return &m->cand_facts[i];
	return NULL;
}

static const char *fact_name(const struct ks_match *m, const struct ks_fact *f)
{
	return f->shndx ? m->pre->secs[f->shndx].name : f->name;
}

/* Length of the instruction at P covering at least up to byte END. */
static size_t insn_span(const uint8_t *p, size_t avail, size_t end)
{
	size_t len = 0;

	while (len < end && len < avail) {
		unsigned int l = ks_x86_insn_len(p + len, avail - len);

		len += l ? l : 1;
	}
	if (!len)
		len = 1;
	return len > 32 ? 32 : len;
}

/*
 * The report of a difference: function, offset, and the instruction there
 * in both the pre and the running code, as bytes and decoded.  LEN, when
 * given, is the length of the place compared (a rewrite site).
 */
static void describe(struct cmp *c, uint64_t i, size_t len, const char *fmt, ...)
{
	char pre_hex[128], run_hex[128], pre_asm[256], run_asm[256], why[512];
	uint64_t at = 0;
	size_t plen, rlen, avail;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* Start at the pre instruction that holds byte i. */
	while (at < c->fn->len) {
		unsigned int l = ks_x86_insn_len(c->pre + at, c->fn->len - at);

		if (!l || at + l > i)
			break;
		at += l;
	}
	if (at > i)
		at = i;
	avail = c->fn->len - at;
	if (len) {
		plen = rlen = len + (i - at) < avail ? len + (i - at) : avail;
	} else {
		plen = insn_span(c->pre + at, avail, i - at + 1);
		rlen = insn_span(c->run + at - c->delta, avail, i - at + 1);
	}
	ks_hex(c->pre + at, plen, pre_hex, sizeof(pre_hex));
	ks_hex(c->run + at - c->delta, rlen, run_hex, sizeof(run_hex));
	ks_x86_disasm(c->pre + at, plen, c->run_addr + at - c->delta, pre_asm,
		      sizeof(pre_asm));
	ks_x86_disasm(c->run + at - c->delta, rlen, c->run_addr + at - c->delta,
		      run_asm, sizeof(run_asm));
	snprintf(c->diff, c->difflen,
		 "%s+0x%llx (running at 0x%llx): pre code has [%s] (%s), "
		 "running code has [%s] (%s)%s%s",
		 c->fn->name, (unsigned long long)at,
		 (unsigned long long)(c->run_addr + at - c->delta), pre_hex, pre_asm,
		 run_hex, run_asm, why[0] ? ": " : "", why);
}

/*
 * A relocation field: the running bytes hold the resolved value.  Learn
 * where the symbol is instead of comparing.
 */
static int learn_symbol(struct cmp *c, const struct ks_reloc *r, uint64_t S);

static int learn_reloc(struct cmp *c, const struct ks_reloc *r)
{
	uint64_t i = r->off - c->fn->off, P = c->run_addr + i - c->delta, S;
	const uint8_t *f = c->run + i - c->delta;
	int64_t v;

	switch (r->type) {
	case R_X86_64_PC32:
	case R_X86_64_PLT32: {
		int32_t x;

		memcpy(&x, f, 4);
		S = P + (int64_t)x - r->addend;
		break;
	}
	case R_X86_64_32S: {
		int32_t x;

		memcpy(&x, f, 4);
		S = (uint64_t)(int64_t)x - r->addend;
		break;
	}
	case R_X86_64_32: {
		uint32_t x;

		memcpy(&x, f, 4);
		S = (uint64_t)x - r->addend;
		break;
	}
	case R_X86_64_64:
		memcpy(&v, f, 8);
		S = (uint64_t)v - r->addend;
		break;
	case R_X86_64_PC64:
		memcpy(&v, f, 8);
		S = P + v - r->addend;
		break;
	default:
		return 1;	/* unknown type: its bytes are not compared */
	}
	return learn_symbol(c, r, S);
}

/* Relocation R's symbol is at S in the running kernel: check and learn. */
static int learn_symbol(struct cmp *c, const struct ks_reloc *r, uint64_t S)
{
	const struct ks_pre_code *pre = c->m->pre;
	const struct ks_pre_sym *sym = &pre->syms[r->sym];
	uint64_t i = r->off - c->fn->off, addr;
	struct ks_fact fact = { .why = c->fn->name };
	const struct ks_fact *old;

	if (sym->shndx == SHN_UNDEF) {
		struct ks_ksym **k;

		if (!sym->name[0])
			return 1;
		/* A named symbol must be where kallsyms says it is. */
		if (ks_kallsyms_by_name(c->m->ks, sym->name, &k) &&
		    !ks_kallsyms_has_at(c->m->ks, sym->name, S)) {
			describe(c, i, 0, "the code refers to %s at 0x%llx, "
				 "but kallsyms has no %s there", sym->name,
				 (unsigned long long)S, sym->name);
			return 0;
		}
		fact.name = sym->name;
		addr = S;
	} else {
		const struct ks_pre_section *s;

		if (sym->shndx >= pre->nr_secs)
			return 1;
		s = &pre->secs[sym->shndx];
		/*
		 * Merged sections (string literals) are mixed with other
		 * objects' at link time: no fixed section address to learn.
		 */
		if ((s->flags & SHF_MERGE) || !(s->flags & SHF_ALLOC))
			return 1;
		if (sym->type != STT_SECTION && sym->name[0]) {
			struct ks_ksym **k;
			size_t n = ks_kallsyms_by_name(c->m->ks, sym->name, &k);
			int in_scope = 0;

			for (size_t j = 0; j < n; j++)
				in_scope |= ks_ksym_in_scope(k[j], c->m->scope);
			if (in_scope && !ks_kallsyms_has_at(c->m->ks, sym->name, S)) {
				describe(c, i, 0, "the code refers to %s at "
					 "0x%llx, but kallsyms has no %s there",
					 sym->name, (unsigned long long)S,
					 sym->name);
				return 0;
			}
		}
		fact.shndx = sym->shndx;
		addr = S - sym->value;
	}
	fact.addr = addr;
	old = known(c->m, c->local_start, fact.shndx, fact.name);
	if (old) {
		if (old->addr != addr) {
			describe(c, i, 0, "%s would be at 0x%llx, but matching "
				 "%s put it at 0x%llx", fact_name(c->m, &fact),
				 (unsigned long long)addr, old->why,
				 (unsigned long long)old->addr);
			return 0;
		}
		return 1;
	}
	if (push_fact(c->m, &fact))
		return -1;
	return 1;
}

/* Learn every relocation field in [from, to) of the function. */
static int learn_range(struct cmp *c, uint64_t from, uint64_t to)
{
	for (size_t j = 0; j < c->sec->nr_relocs; j++) {
		const struct ks_reloc *r = &c->sec->relocs[j];
		uint64_t i;
		int ok;

		if (r->off < c->fn->off + from || r->off >= c->fn->off + to)
			continue;
		i = r->off - c->fn->off;
		if (i + ks_reloc_size(r->type) > c->fn->len)
			continue;
		ok = learn_reloc(c, r);
		if (ok != 1)
			return ok;
	}
	return 1;
}

static int is_nop_of_len(const uint8_t *p, size_t len)
{
	return ks_x86_nop_len(p, len) == len;
}

static int all_bytes(const uint8_t *p, size_t len, uint8_t b)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != b)
			return 0;
	return 1;
}

static uint64_t rel32_target(const uint8_t *insn, unsigned int len,
			     uint64_t addr)
{
	int32_t d;

	memcpy(&d, insn + len - 4, 4);
	return addr + len + (int64_t)d;
}

/* Is there a kallsyms symbol starting at ADDR whose name holds a word? */
static int target_named(const struct ks_kallsyms *ks, uint64_t addr,
			const char *const *words)
{
	uint64_t off;
	const struct ks_ksym *s = ks_kallsyms_lookup(ks, addr, &off);

	if (!s || off)
		return 0;
	for (; *words; words++)
		if (strstr(s->name, *words))
			return 1;
	return 0;
}

static const char *const return_thunks[] = {
	"return_thunk", "untrain_ret", "srso_", "retbleed_", NULL
};

/* call __fentry__: a 5-byte NOP when not traced, else a call anywhere. */
static int site_fentry(struct cmp *c, const uint8_t *q, const uint8_t *p)
{
	(void)c;
	(void)p;
	return is_nop_of_len(q, 5) || q[0] == 0xe8;
}

/* jmp __x86_return_thunk: "ret; int3...", or a jmp to a return thunk. */
static int site_return(struct cmp *c, const struct ks_site *s,
		       const uint8_t *q, const uint8_t *p, uint64_t addr)
{
	if (q[0] == 0xc3 && all_bytes(q + 1, s->len - 1, 0xcc))
		return 1;
	if (s->len == 5 && q[0] == 0xe9)
		return target_named(c->m->ks, rel32_target(q, 5, addr),
				    return_thunks);
	if (s->len == 6 && q[0] == p[0] && q[1] == p[1])
		return target_named(c->m->ks, rel32_target(q, 6, addr),
				    return_thunks);
	return 0;
}

/* The register-indirect form apply_retpolines() writes. */
static size_t emit_indirect(uint8_t *b, int jmp, int reg)
{
	size_t i = 0;

	if (reg >= 8) {
		b[i++] = 0x41;
		reg -= 8;
	}
	b[i++] = 0xff;
	b[i++] = (jmp ? 0x20 : 0x10) | 0xc0 | reg;
	return i;
}

static int site_retpoline(struct cmp *c, const struct ks_site *s,
			  const uint8_t *q, const uint8_t *p, uint64_t addr)
{
	static const char *const its[] = { "its_", NULL };
	char thunk[64];
	static const char *const regs[] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};

	if (s->reg < 0)
		return 0;
	/* Unchanged: still the thunk call (RETPOLINE without LFENCE). */
	snprintf(thunk, sizeof(thunk), "__x86_indirect_thunk_%s", regs[s->reg]);
	if (!memcmp(q, p, s->len - 4) &&
	    ks_kallsyms_has_at(c->m->ks, thunk, rel32_target(q, s->len, addr)))
		return 1;
	/* ITS mitigation: a call/jmp to an its_* thunk. */
	if (!memcmp(q, p, s->len - 4) &&
	    target_named(c->m->ks, rel32_target(q, s->len, addr), its))
		return 1;
	/* Rewritten: [jncc.d8] [lfence] call/jmp *%reg [int3] nops. */
	for (int lfence = 0; lfence < 2; lfence++) {
		const uint8_t *op = p[0] == 0x2e ? p + 1 : p;
		uint8_t b[16];
		size_t i = 0;
		int jmp = op[0] != 0xe8;

		if (op[0] == 0x0f) {
			b[i++] = 0x70 + ((op[1] & 0xf) ^ 1);
			b[i++] = s->len - 2;
		}
		if (lfence) {
			b[i++] = 0x0f;
			b[i++] = 0xae;
			b[i++] = 0xe8;
		}
		i += emit_indirect(b + i, jmp, s->reg);
		if (jmp && i < s->len)
			b[i++] = 0xcc;
		while (i < s->len)
			b[i++] = 0x90;
		if (i == s->len && !memcmp(q, b, s->len))
			return 1;
	}
	return 0;
}

static int site_static_call(const struct ks_site *s, const uint8_t *q,
			    const uint8_t *p)
{
	if (s->len != 5)
		return 0;
	if (q[0] == 0xe8 || q[0] == 0xe9)	/* call/jmp to any function */
		return 1;
	if (is_nop_of_len(q, 5))		/* NULL target */
		return 1;
	return p[0] == 0xe9 && q[0] == 0xc3 && all_bytes(q + 1, 4, 0xcc);
}

static int site_jump_label(struct cmp *c, const struct ks_site *s,
			   const uint8_t *q, uint64_t addr)
{
	uint64_t target;

	if (is_nop_of_len(q, s->len))
		return 1;
	if (s->len == 2 && q[0] == 0xeb)
		target = addr + 2 + (int8_t)q[1];
	else if (s->len == 5 && q[0] == 0xe9)
		target = rel32_target(q, 5, addr);
	else
		return 0;
	/* The jump must go where the entry says, when we can tell. */
	if (s->target_shndx == c->fn->shndx)
		return expect_target(c, s->target_off - c->fn->off, target);
	return 1;
}

/* Bytes of buf[0..len) inside NOP instructions. */
static void nop_mask(const uint8_t *b, size_t len, uint8_t *mask)
{
	size_t i = 0;

	memset(mask, 0, len);
	while (i < len) {
		unsigned int n = ks_x86_nop_len(b + i, len - i);

		if (n) {
			memset(mask + i, 1, n);
			i += n;
			continue;
		}
		n = ks_x86_insn_len(b + i, len - i);
		if (!n)
			break;
		i += n;
	}
}

/*
 * Does the running site Q (len L) hold candidate CAND (content clen bytes,
 * NOP padded to L), where WILD marks relocation fields?  The kernel may
 * re-encode NOPs (optimize_nops), so NOP bytes only need to be NOPs.
 */
static int equal_but_nops(const uint8_t *q, const uint8_t *cand, size_t clen,
			  const uint8_t *wild, size_t L)
{
	uint8_t cb[MAX_SITE], cm[MAX_SITE], rm[MAX_SITE];

	if (L > MAX_SITE || clen > L)
		return 0;
	memcpy(cb, cand, clen);
	memset(cb + clen, 0x90, L - clen);
	nop_mask(cb, L, cm);
	nop_mask(q, L, rm);
	for (size_t i = 0; i < L; i++) {
		if (cm[i]) {
			if (!rm[i])
				return 0;
		} else if (!(i < clen && wild[i]) && q[i] != cb[i]) {
			return 0;
		}
	}
	return 1;
}

/*
 * Where a replacement's leading jmp goes, as a running address, if its
 * target is in the function's own section (else 0 is returned).
 */
static int repl_jump_target(struct cmp *c, const struct ks_pre_section *rs,
			    uint64_t repl_off, uint8_t op, uint64_t *want)
{
	const struct ks_reloc *r = ks_pre_reloc_at(rs, repl_off + 1);
	const struct ks_pre_sym *sym;

	if (op != 0xe9 || !r || r->off != repl_off + 1 ||
	    (r->type != R_X86_64_PC32 && r->type != R_X86_64_PLT32))
		return 0;
	sym = &c->m->pre->syms[r->sym];
	if (sym->shndx != c->fn->shndx)
		return 0;
	/* target = S + A + 4 for the rel32 field at the end of the jmp */
	*want = sym->value + r->addend + 4 - c->fn->off;
	return 1;
}

/* An alternative (one or more .altinstructions entries at one place). */
static int site_alternative(struct cmp *c, const struct ks_site *g, size_t n,
			    const uint8_t *q, const uint8_t *p, uint64_t start,
			    uint64_t addr)
{
	const struct ks_pre_code *pre = c->m->pre;
	uint8_t wild[MAX_SITE];
	size_t L = 0;

	for (size_t k = 0; k < n; k++)
		if (g[k].len > L)
			L = g[k].len;
	if (L > MAX_SITE)
		return 0;
	/*
	 * The replacements first: their relocation fields are not compared
	 * and teach nothing, so a replacement that fits can never make us
	 * learn a wrong address.  The original's fields, compared as
	 * wildcards, would also fit a replacement of the same shape (say
	 * ALTERNATIVE_TERNARY's "jmp 6f" against the "jmp t_no" that
	 * X86_FEATURE_ALWAYS puts there), and what it learned would be false.
	 */
	/* Each replacement; the kernel does not relocate them except a
	 * leading call or jmp, so their relocation fields are not compared. */
	for (size_t k = 0; k < n; k++) {
		const struct ks_pre_section *rs;
		const uint8_t *repl;

		if (pre->altrepl_shndx < 0)
			break;
		rs = &pre->secs[pre->altrepl_shndx];
		if (!rs->data || g[k].repl_off + g[k].repl_len > rs->size ||
		    g[k].repl_len > L)
			continue;
		repl = rs->data + g[k].repl_off;
		memset(wild, 0, sizeof(wild));
		for (size_t j = 0; j < rs->nr_relocs; j++) {
			const struct ks_reloc *r = &rs->relocs[j];

			if (r->off >= g[k].repl_off &&
			    r->off < g[k].repl_off + g[k].repl_len)
				for (unsigned int b = 0; b < ks_reloc_size(r->type) &&
				     r->off - g[k].repl_off + b < L; b++)
					wild[r->off - g[k].repl_off + b] = 1;
		}
		if (g[k].repl_len && (repl[0] == 0xe9 || repl[0] == 0xeb)) {
			/* recompute_jump(): a jmp of either size, then NOPs */
			unsigned int jl = q[0] == 0xeb ? 2 : q[0] == 0xe9 ? 5 : 0;
			uint8_t rm[MAX_SITE];
			uint64_t want;

			if (!jl || jl > L)
				continue;
			nop_mask(q + jl, L - jl, rm);
			if (L != jl && memchr(rm, 0, L - jl) != NULL)
				continue;
			/* It must go where the replacement goes, when that is
			 * inside this function's section. */
			if (repl_jump_target(c, rs, g[k].repl_off, repl[0], &want)) {
				int ok = expect_target(c, want, jl == 2 ?
						       addr + 2 + (int8_t)q[1] :
						       rel32_target(q, 5, addr));
				if (ok <= 0) {
					if (ok < 0)
						return -1;
					continue;
				}
			}
			return 1;
		}
		if (equal_but_nops(q, repl, g[k].repl_len, wild, L))
			return 1;
	}

	/* Else the original, its relocation fields learnable. */
	memset(wild, 0, sizeof(wild));
	for (size_t j = 0; j < c->sec->nr_relocs; j++) {
		const struct ks_reloc *r = &c->sec->relocs[j];
		uint64_t o = r->off - c->fn->off;

		if (r->off >= c->fn->off && o >= start && o < start + L)
			memset(wild + (o - start), 1,
			       o - start + 4 <= L ? 4 : L - (o - start));
	}
	if (equal_but_nops(q, p, L, wild, L)) {
		size_t save = c->m->nr_cand_facts;
		char *d = c->diff;
		int ok = learn_range(c, start, start + L);

		if (ok == 1)
			return 1;
		if (ok < 0)
			return -1;
		c->m->nr_cand_facts = save;
		c->diff = d;
	}
	return 0;
}

static int handle_sites(struct cmp *c, const struct ks_site *s, size_t n,
			uint64_t i)
{
	const uint8_t *q = c->run + i - c->delta, *p = c->pre + i;
	uint64_t addr = c->run_addr + i - c->delta;

	switch (s->kind) {
	case KS_SITE_FENTRY:
		return site_fentry(c, q, p);
	case KS_SITE_RETURN:
		return site_return(c, s, q, p, addr);
	case KS_SITE_RETPOLINE:
		return site_retpoline(c, s, q, p, addr);
	case KS_SITE_STATIC_CALL:
		return site_static_call(s, q, p);
	case KS_SITE_ALTERNATIVE:
		return site_alternative(c, s, n, q, p, i, addr);
	case KS_SITE_PARAVIRT:
		return 1;	/* native code or a call, of the given length */
	case KS_SITE_JUMP_LABEL:
		return site_jump_label(c, s, q, addr);
	case KS_SITE_SMP_LOCK:
		return q[0] == 0xf0 || q[0] == 0x3e;
	}
	return 0;
}

/* Sites at pre offset O of the function: first index, count, longest. */
static const struct ks_site *sites_at(const struct ks_pre_section *sec,
				      size_t *si, uint64_t o, size_t *n)
{
	const struct ks_site *s;

	/* Sites that began inside an earlier site are covered by it. */
	while (*si < sec->nr_sites && sec->sites[*si].off < o)
		(*si)++;
	if (*si >= sec->nr_sites || sec->sites[*si].off != o)
		return NULL;
	s = &sec->sites[*si];
	for (*n = 1; *si + *n < sec->nr_sites && sec->sites[*si + *n].off == o &&
	     sec->sites[*si + *n].kind == s->kind; (*n)++)
		;
	return s;
}

static const struct ks_site *longest_at(const struct ks_pre_section *sec,
					size_t si, const struct ks_site *s)
{
	for (size_t k = si; k < sec->nr_sites && sec->sites[k].off == s->off; k++)
		if (sec->sites[k].len > s->len)
			s = &sec->sites[k];
	return s;
}

/* One rewrite site (group) at pre offset I; 1 fine, 0 differs, -1 error. */
static int compare_site(struct cmp *c, const struct ks_site *s, size_t n,
			uint64_t i, size_t *seen, size_t *rewritten)
{
	int ok = handle_sites(c, s, n, i);

	if (ok <= 0) {
		if (!ok && !c->diff[0])
			describe(c, i, s->len, "not a form the kernel gives to "
				 "this %s site", ks_site_kind_name(s->kind));
		return ok;
	}
	seen[s->kind & 7]++;
	rewritten[s->kind & 7] += !!memcmp(c->pre + i, c->run + i - c->delta,
					   s->len);
	return 1;
}

/* Byte for byte, at equal offsets: the normal case. */
static int compare_bytes(struct cmp *c, size_t *seen, size_t *rewritten)
{
	const struct ks_pre_section *sec = c->sec;
	const struct ks_fn_match *fn = c->fn;
	size_t si = 0, ri = 0;
	uint64_t i = 0;

	while (ri < sec->nr_relocs && sec->relocs[ri].off < fn->off)
		ri++;
	while (i < fn->len) {
		uint64_t o = fn->off + i;
		const struct ks_site *s;
		size_t n;

		while (ri < sec->nr_relocs && sec->relocs[ri].off < o)
			ri++;
		s = sites_at(sec, &si, o, &n);
		if (s && i + s->len <= fn->len) {
			int ok = compare_site(c, s, n, i, seen, rewritten);

			if (ok != 1)
				return ok;
			i += longest_at(sec, si, s)->len;
			continue;
		}
		if (ri < sec->nr_relocs && sec->relocs[ri].off == o &&
		    ks_reloc_size(sec->relocs[ri].type) &&
		    i + ks_reloc_size(sec->relocs[ri].type) <= fn->len) {
			int ok = learn_reloc(c, &sec->relocs[ri]);

			if (ok != 1)
				return ok;
			i += ks_reloc_size(sec->relocs[ri].type);
			continue;
		}
		if (c->pre[i] != c->run[i]) {
			describe(c, i, 0, "");
			return 0;
		}
		i++;
	}
	return 1;
}

/*
 * A jmp or jcc: its kind (0x100 for jmp, else 0x70 + condition), and the
 * size of its displacement (1 or 4); 0 if not one.
 */
static int branch_kind(const uint8_t *p, size_t avail, unsigned int *disp)
{
	if (avail >= 2 && p[0] == 0xeb) {
		*disp = 1;
		return 0x100;
	}
	if (avail >= 5 && p[0] == 0xe9) {
		*disp = 4;
		return 0x100;
	}
	if (avail >= 2 && p[0] >= 0x70 && p[0] <= 0x7f) {
		*disp = 1;
		return p[0];
	}
	if (avail >= 6 && p[0] == 0x0f && p[1] >= 0x80 && p[1] <= 0x8f) {
		*disp = 4;
		return 0x70 + (p[1] - 0x80);
	}
	return 0;
}

static int64_t branch_disp(const uint8_t *p, unsigned int len, unsigned int disp)
{
	int32_t d;

	if (disp == 1)
		return (int8_t)p[len - 1];
	memcpy(&d, p + len - 4, 4);
	return d;
}

/*
 * Instruction by instruction, with the running offset allowed to drift:
 * the stock kernel is built without -ffunction-sections, so a jump from
 * one function to a neighbour in the same file may be a short jump there
 * (eb/7x rel8) where the pre object has a long one with a relocation.
 * Such branches must be of the same kind and go to the same place (the
 * neighbour's address is learned, a target inside the function is checked
 * through the offset map); everything else must be as in compare_bytes().
 */
static int compare_relaxed(struct cmp *c, size_t *seen, size_t *rewritten)
{
	const struct ks_pre_section *sec = c->sec;
	const struct ks_fn_match *fn = c->fn;
	uint64_t *map = malloc((fn->len + 1) * sizeof(*map));
	size_t si = 0;
	uint64_t i = 0;
	int ok = 1;

	if (!map)
		return -1;
	for (uint64_t k = 0; k <= fn->len; k++)
		map[k] = UINT64_MAX;
	c->relaxed = 1;
	c->delta = 0;
	while (i < fn->len && ok == 1) {
		uint64_t o = fn->off + i, ri = i - c->delta;
		unsigned int pd, rd, plen, rlen;
		const struct ks_site *s;
		int pk, rk;
		size_t n;

		map[i] = ri;
		s = sites_at(sec, &si, o, &n);
		if (s && i + s->len <= fn->len && ri + s->len <= fn->len) {
			ok = compare_site(c, s, n, i, seen, rewritten);
			i += longest_at(sec, si, s)->len;
			continue;
		}
		plen = ks_x86_insn_len(c->pre + i, fn->len - i);
		rlen = ri < fn->len ? ks_x86_insn_len(c->run + ri, fn->len - ri) : 0;
		if (!plen || !rlen) {
			describe(c, i, 0, "undecodable");
			ok = 0;
			break;
		}
		pk = branch_kind(c->pre + i, plen, &pd);
		rk = branch_kind(c->run + ri, rlen, &rd);
		if (pk && pk == rk) {
			const struct ks_reloc *r = pd == 4 ?
				ks_pre_reloc_at(sec, o + plen - 4) : NULL;
			uint64_t to = c->run_addr + ri + rlen +
				      branch_disp(c->run + ri, rlen, rd);
			const struct ks_pre_sym *sym = r ? &c->m->pre->syms[r->sym] : NULL;

			if (r && r->off != o + plen - 4)
				r = NULL;
			if (r && sym->shndx == fn->shndx &&
			    sym->value + r->addend + 4 >= fn->off &&
			    sym->value + r->addend + 4 <= fn->off + fn->len) {
				/* into the function itself */
				ok = expect_target(c, sym->value + r->addend + 4 -
						   fn->off, to);
			} else if (r && (r->type == R_X86_64_PC32 ||
					 r->type == R_X86_64_PLT32)) {
				/* to a neighbour: target = S + A + 4 */
				ok = learn_symbol(c, r, to - r->addend - 4);
			} else if (!r) {
				ok = expect_target(c, i + plen +
						   branch_disp(c->pre + i, plen, pd), to);
			} else {
				ok = 0;
			}
			if (!ok)
				describe(c, i, 0, "the branch does not go to the "
					 "same place");
			c->delta += (int64_t)plen - (int64_t)rlen;
			i += plen;
			continue;
		}
		/* Anything else: same length, equal but relocation fields. */
		if (plen != rlen) {
			describe(c, i, 0, "");
			ok = 0;
			break;
		}
		for (uint64_t b = 0; b < plen && ok == 1; ) {
			const struct ks_reloc *r = ks_pre_reloc_at(sec, o + b);

			if (r && r->off == o + b && ks_reloc_size(r->type) &&
			    b + ks_reloc_size(r->type) <= plen) {
				ok = learn_reloc(c, r);
				b += ks_reloc_size(r->type);
			} else if (c->pre[i + b] != c->run[ri + b]) {
				describe(c, i + b, 0, "");
				ok = 0;
			} else {
				b++;
			}
		}
		i += plen;
	}
	if (ok == 1) {
		map[fn->len] = fn->len - c->delta;
		for (size_t k = 0; k < c->nr_targets; k++) {
			uint64_t to = c->targets[2 * k], run_to = c->targets[2 * k + 1];

			if (to > fn->len || map[to] != run_to) {
				snprintf(c->diff, c->difflen, "%s: a branch to "
					 "+0x%llx goes to running +0x%llx, which "
					 "is not where that code is", fn->name,
					 (unsigned long long)to,
					 (unsigned long long)run_to);
				ok = 0;
				break;
			}
		}
	}
	free(map);
	return ok;
}

int ks_match_compare(struct ks_match *m, const struct ks_fn_match *fn,
		     const uint8_t *run, uint64_t run_addr,
		     char *diff, size_t difflen)
{
	const struct ks_pre_section *sec = &m->pre->secs[fn->shndx];
	struct cmp c = {
		.m = m, .fn = fn, .sec = sec, .pre = sec->data + fn->off,
		.run = run, .run_addr = run_addr,
		.local_start = m->nr_cand_facts, .diff = diff, .difflen = difflen,
	};
	struct ks_fact self = {
		.shndx = fn->shndx, .addr = run_addr - fn->off, .why = fn->name,
	};
	size_t seen[8] = { 0 }, rewritten[8] = { 0 };
	const struct ks_fact *old;
	int ok;

	diff[0] = '\0';
	/* The function's own section start is a fact too. */
	old = known(m, c.local_start, self.shndx, NULL);
	if (old && old->addr != self.addr) {
		snprintf(diff, difflen, "%s: matching %s put its section %s at "
			 "0x%llx, not 0x%llx", fn->name, old->why, sec->name,
			 (unsigned long long)old->addr,
			 (unsigned long long)self.addr);
		return 0;
	}
	if (push_fact(m, &self))
		return -1;
	ok = compare_bytes(&c, seen, rewritten);
	if (ok == 0) {
		/* Maybe only branch encodings differ; keep the first report. */
		char *first = strdup(diff);

		m->nr_cand_facts = c.local_start + 1;
		memset(seen, 0, sizeof(seen));
		memset(rewritten, 0, sizeof(rewritten));
		diff[0] = '\0';
		ok = compare_relaxed(&c, seen, rewritten);
		free(c.targets);
		if (ok == 0 && first)
			snprintf(diff, difflen, "%s", first);
		free(first);
	}
	if (ok != 1)
		return ok;
	for (int k = 0; k < 8; k++) {
		m->sites_seen[k] += seen[k];
		m->sites_rewritten[k] += rewritten[k];
	}
	return 1;
}

static int is_freed_section(const char *name, const char *scope)
{
	if (!strncmp(name, ".init.", 6) || !strcmp(name, ".init.text"))
		return 1;
	/* Built-in __exit code is discarded at link time. */
	return !strcmp(scope, "vmlinux") && !strncmp(name, ".exit.", 6);
}

static int add_fn(struct ks_match *m, long idx)
{
	const struct ks_pre_sym *s = &m->pre->syms[idx];
	const struct ks_pre_section *sec = &m->pre->secs[s->shndx];
	struct ks_fn_match *n = realloc(m->fns, (m->nr_fns + 1) * sizeof(*n));

	if (!n)
		return -1;
	m->fns = n;
	n = &m->fns[m->nr_fns++];
	memset(n, 0, sizeof(*n));
	n->sym = idx;
	n->name = s->name;
	n->shndx = s->shndx;
	n->off = s->value;
	n->len = s->size ? s->size : sec->size - s->value;
	n->weak = s->bind == STB_WEAK;
	n->status = KS_FN_NOT_FOUND;
	return 0;
}

static int candidates(struct ks_match *m, struct ks_fn_match *fn)
{
	struct ks_ksym **k;
	size_t nk = ks_kallsyms_by_name(m->ks, fn->name, &k);
	uint8_t *buf;

	buf = malloc(fn->len ? fn->len : 1);
	fn->cands = calloc(nk ? nk : 1, sizeof(*fn->cands));
	if (!buf || !fn->cands) {
		free(buf);
		return -1;
	}
	for (size_t j = 0; j < nk; j++) {
		struct ks_candidate *cd;
		char diff[1024];
		int eq;

		if (!ks_ksym_in_scope(k[j], m->scope) ||
		    !strchr("tTwW", k[j]->type))
			continue;
		cd = &fn->cands[fn->nr_cands++];
		cd->ksym = k[j];
		cd->facts_start = m->nr_cand_facts;
		if (ks_text_read(m->text, k[j]->addr, buf, fn->len)) {
			snprintf(diff, sizeof(diff), "%s: cannot read %llu bytes "
				 "of running code at 0x%llx", fn->name,
				 (unsigned long long)fn->len,
				 (unsigned long long)k[j]->addr);
			eq = 0;
		} else {
			eq = ks_match_compare(m, fn, buf, k[j]->addr, diff,
					      sizeof(diff));
		}
		if (eq < 0) {
			free(buf);
			return -1;
		}
		if (!eq)
			m->nr_cand_facts = cd->facts_start;
		cd->equal = eq;
		cd->nr_facts = m->nr_cand_facts - cd->facts_start;
		cd->diff = eq ? NULL : strdup(diff);
		if (m->log)
			fprintf(m->log, "compare %s with 0x%llx: %s%s\n", fn->name,
				(unsigned long long)k[j]->addr,
				eq ? "equal" : "differs: ", eq ? "" : diff);
	}
	free(buf);
	return 0;
}

/* Do a candidate's facts agree with the committed ones? */
static int consistent(const struct ks_match *m, const struct ks_candidate *cd)
{
	for (size_t i = 0; i < cd->nr_facts; i++) {
		const struct ks_fact *f = &m->cand_facts[cd->facts_start + i];

		for (size_t j = 0; j < m->nr_facts; j++)
			if (same_key(&m->facts[j], f->shndx, f->name) &&
			    m->facts[j].addr != f->addr)
				return 0;
	}
	return 1;
}

static int commit(struct ks_match *m, struct ks_fn_match *fn,
		  const struct ks_candidate *cd)
{
	struct ks_fact *n = realloc(m->facts,
				    (m->nr_facts + cd->nr_facts) * sizeof(*n));

	if (!n && cd->nr_facts)
		return -1;
	if (n)
		m->facts = n;
	for (size_t i = 0; i < cd->nr_facts; i++) {
		const struct ks_fact *f = &m->cand_facts[cd->facts_start + i];

		if (!known(m, m->nr_cand_facts, f->shndx, f->name))
			m->facts[m->nr_facts++] = *f;
	}
	fn->status = KS_FN_MATCHED;
	fn->run = cd->ksym;
	if (m->log)
		fprintf(m->log, "matched %s at 0x%llx\n", fn->name,
			(unsigned long long)cd->ksym->addr);
	return 0;
}

static char *fmt_report(struct ks_fn_match *fn, const char *scope)
{
	size_t cap = 256, len;
	char *r;

	for (size_t j = 0; j < fn->nr_cands; j++)
		cap += (fn->cands[j].diff ? strlen(fn->cands[j].diff) : 0) + 64;
	r = malloc(cap);
	if (!r)
		return NULL;
	if (fn->status == KS_FN_AMBIGUOUS) {
		len = snprintf(r, cap, "%s: the pre code equals several running "
			       "functions in %s and nothing learned tells them "
			       "apart:", fn->name, scope);
		for (size_t j = 0; j < fn->nr_cands; j++)
			if (fn->cands[j].equal)
				len += snprintf(r + len, cap - len, " 0x%llx",
						(unsigned long long)fn->cands[j].ksym->addr);
		return r;
	}
	if (fn->status == KS_FN_NOT_FOUND) {
		snprintf(r, cap, "%s: no function of that name in %s", fn->name,
			 scope);
		return r;
	}
	if (fn->nr_cands == 1)
		len = snprintf(r, cap, "%s: the pre code does not match the "
			       "running function of that name in %s", fn->name,
			       scope);
	else
		len = snprintf(r, cap, "%s: the pre code matches none of the "
			       "%zu running functions of that name in %s",
			       fn->name, fn->nr_cands, scope);
	for (size_t j = 0; j < fn->nr_cands; j++)
		len += snprintf(r + len, cap - len, "\n  %s",
				fn->cands[j].diff ? fn->cands[j].diff :
				"(equal, but contradicts what other matches learned)");
	return r;
}

int ks_match_object(struct ks_match *m, const struct ks_pre_code *pre,
		    const struct ks_kallsyms *ks,
		    const struct ks_kernel_text *text, const char *scope,
		    FILE *log, char *err, size_t errlen)
{
	int progress;

	memset(m, 0, sizeof(*m));
	m->pre = pre;
	m->ks = ks;
	m->text = text;
	m->scope = scope;
	m->log = log;
	for (size_t i = 0; i < pre->nr_syms; i++) {
		const struct ks_pre_sym *s = &pre->syms[i];

		if (s->type != STT_FUNC || !s->name[0] || s->shndx == SHN_UNDEF ||
		    s->shndx >= pre->nr_secs ||
		    !(pre->secs[s->shndx].flags & SHF_EXECINSTR) ||
		    !pre->secs[s->shndx].data)
			continue;
		if (add_fn(m, (long)i))
			goto oom;
	}
	for (size_t i = 0; i < m->nr_fns; i++) {
		struct ks_fn_match *fn = &m->fns[i];

		if (is_freed_section(pre->secs[fn->shndx].name, scope)) {
			fn->status = KS_FN_FREED;
			continue;
		}
		if (candidates(m, fn))
			goto oom;
	}
	/*
	 * Commit the functions with exactly one equal, consistent candidate;
	 * what they teach may narrow the others down.  Repeat until nothing
	 * changes.
	 */
	do {
		progress = 0;
		for (size_t i = 0; i < m->nr_fns; i++) {
			struct ks_fn_match *fn = &m->fns[i];
			const struct ks_candidate *only = NULL;
			size_t viable = 0;

			if (fn->status != KS_FN_NOT_FOUND || !fn->nr_cands)
				continue;
			for (size_t j = 0; j < fn->nr_cands; j++)
				if (fn->cands[j].equal &&
				    consistent(m, &fn->cands[j])) {
					viable++;
					only = &fn->cands[j];
				}
			if (viable == 1) {
				if (commit(m, fn, only))
					goto oom;
				progress = 1;
			}
		}
	} while (progress);
	for (size_t i = 0; i < m->nr_fns; i++) {
		struct ks_fn_match *fn = &m->fns[i];
		size_t viable = 0;

		if (fn->status != KS_FN_NOT_FOUND)
			continue;
		for (size_t j = 0; j < fn->nr_cands; j++)
			viable += fn->cands[j].equal && consistent(m, &fn->cands[j]);
		if (!fn->nr_cands)
			fn->status = KS_FN_NOT_FOUND;
		else if (viable > 1)
			fn->status = KS_FN_AMBIGUOUS;
		else
			fn->status = KS_FN_NO_MATCH;
		fn->report = fmt_report(fn, scope);
		if (m->log && fn->report)
			fprintf(m->log, "%s\n", fn->report);
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory while matching %s", pre->path);
	return -1;
}

void ks_match_free(struct ks_match *m)
{
	for (size_t i = 0; i < m->nr_fns; i++) {
		for (size_t j = 0; j < m->fns[i].nr_cands; j++)
			free(m->fns[i].cands[j].diff);
		free(m->fns[i].cands);
		free(m->fns[i].report);
	}
	free(m->fns);
	free(m->facts);
	free(m->cand_facts);
	memset(m, 0, sizeof(*m));
}

struct ks_fn_match *ks_match_fn(struct ks_match *m, const char *name)
{
	for (size_t i = 0; i < m->nr_fns; i++)
		if (!strcmp(m->fns[i].name, name))
			return &m->fns[i];
	return NULL;
}

int ks_match_sym_addr(const struct ks_match *m, const char *name,
		      uint64_t *addr)
{
	long idx = ks_pre_find_sym(m->pre, name);
	const struct ks_pre_sym *s;

	if (idx < 0)
		return -1;
	s = &m->pre->syms[idx];
	for (size_t i = 0; i < m->nr_facts; i++)
		if (m->facts[i].shndx == s->shndx) {
			*addr = m->facts[i].addr + s->value;
			return 0;
		}
	return -1;
}
