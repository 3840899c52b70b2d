// SPDX-License-Identifier: GPL-2.0
/*
 * The forms the kernel gives each kind of rewrite site at boot or module
 * load (arch/x86/kernel/alternative.c, static_call.c, jump_label.c,
 * ftrace.c of 6.1), and the check of running bytes against them.
 */
#include <gelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "code/x86_decode.h"

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
	/*
	 * A call to __static_call_return0 is inlined as "cs cs cs xor
	 * %eax,%eax" (arch/x86/kernel/static_call.c); only a call, since
	 * a tail call must also return.
	 */
	if (p[0] == 0xe8 && !memcmp(q, "\x2e\x2e\x2e\x31\xc0", 5))
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
		return km_expect_target(c, s->target_off - c->fn->off, target);
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
				int ok = km_expect_target(c, want, jl == 2 ?
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
		int ok = km_learn_range(c, start, start + L);

		if (ok == 1)
			return 1;
		if (ok < 0)
			return -1;
		c->m->nr_cand_facts = save;
		c->diff = d;
	}
	return 0;
}

int km_handle_sites(struct cmp *c, const struct ks_site *s, size_t n,
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

