// SPDX-License-Identifier: GPL-2.0
/*
 * Comparing one pre function with one running copy: byte for byte, or
 * instruction by instruction when branch encodings differ, learning
 * symbol addresses from relocation fields.  See matcher.h.
 */
#include <gelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "code/x86_decode.h"
#include "util/array.h"


/*
 * A branch from the function into itself: TO_PRE (pre offset) must be
 * RUN_ADDR in the running copy.  Checked now in byte mode, at the end in
 * relaxed mode.  Returns 1 if fine (so far), 0 if not, -1 on no memory.
 */
int km_expect_target(struct cmp *c, uint64_t to_pre, uint64_t run_addr)
{
	uint64_t *n;

	if (!c->relaxed)
		return run_addr == c->run_addr + to_pre;
	/* two words a target: its offset in pre and in the run */
	n = ks_try_grow(c->targets, 2 * c->nr_targets, 2, sizeof(*n));
	if (!n)
		return -1;
	c->targets = n;
	n[2 * c->nr_targets] = to_pre;
	n[2 * c->nr_targets + 1] = run_addr - c->run_addr;
	c->nr_targets++;
	return 1;
}

int km_push_fact(struct ks_match *m, const struct ks_fact *f)
{
	/* grown in steps of 1024; truncation only ever lowers the count */
	if (m->nr_cand_facts % 1024 == 0) {
		struct ks_fact *n = ks_try_grow(m->cand_facts, m->nr_cand_facts,
						1024, sizeof(*n));
		if (!n)
			return -1;
		m->cand_facts = n;
	}
	m->cand_facts[m->nr_cand_facts++] = *f;
	return 0;
}

int km_same_key(const struct ks_fact *a, uint32_t shndx, const char *name)
{
	if (shndx)
		return a->shndx == shndx;
	return !a->shndx && !strcmp(a->name, name);
}

/* A fact already known (committed, or learned by this candidate). */
const struct ks_fact *km_known(const struct ks_match *m, size_t local_start,
				   uint32_t shndx, const char *name)
{
	for (size_t i = 0; i < m->nr_facts; i++)
		if (km_same_key(&m->facts[i], shndx, name))
			return &m->facts[i];
	for (size_t i = local_start; i < m->nr_cand_facts; i++)
		if (km_same_key(&m->cand_facts[i], shndx, name))
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
void km_describe(struct cmp *c, uint64_t i, size_t len, const char *fmt, ...)
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
int km_learn_reloc(struct cmp *c, const struct ks_reloc *r)
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
	return km_learn_symbol(c, r, S);
}

/* Relocation R's symbol is at S in the running kernel: check and learn. */
int km_learn_symbol(struct cmp *c, const struct ks_reloc *r, uint64_t S)
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
			km_describe(c, i, 0, "the code refers to %s at 0x%llx, "
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
				km_describe(c, i, 0, "the code refers to %s at "
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
	old = km_known(c->m, c->local_start, fact.shndx, fact.name);
	if (old) {
		if (old->addr != addr) {
			km_describe(c, i, 0, "%s would be at 0x%llx, but matching "
				 "%s put it at 0x%llx", fact_name(c->m, &fact),
				 (unsigned long long)addr, old->why,
				 (unsigned long long)old->addr);
			return 0;
		}
		return 1;
	}
	if (km_push_fact(c->m, &fact))
		return -1;
	return 1;
}

/* Learn every relocation field in [from, to) of the function. */
int km_learn_range(struct cmp *c, uint64_t from, uint64_t to)
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
		ok = km_learn_reloc(c, r);
		if (ok != 1)
			return ok;
	}
	return 1;
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
	int ok = km_handle_sites(c, s, n, i);

	if (ok <= 0) {
		if (!ok && !c->diff[0])
			km_describe(c, i, s->len, "not a form the kernel gives to "
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
			int ok = km_learn_reloc(c, &sec->relocs[ri]);

			if (ok != 1)
				return ok;
			i += ks_reloc_size(sec->relocs[ri].type);
			continue;
		}
		if (c->pre[i] != c->run[i]) {
			km_describe(c, i, 0, "%s", "");
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
			km_describe(c, i, 0, "undecodable");
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
				ok = km_expect_target(c, sym->value + r->addend + 4 -
						   fn->off, to);
			} else if (r && (r->type == R_X86_64_PC32 ||
					 r->type == R_X86_64_PLT32)) {
				/* to a neighbour: target = S + A + 4 */
				ok = km_learn_symbol(c, r, to - r->addend - 4);
			} else if (!r) {
				ok = km_expect_target(c, i + plen +
						   branch_disp(c->pre + i, plen, pd), to);
			} else {
				ok = 0;
			}
			if (!ok)
				km_describe(c, i, 0, "the branch does not go to the "
					 "same place");
			c->delta += (int64_t)plen - (int64_t)rlen;
			i += plen;
			continue;
		}
		/* Anything else: same length, equal but relocation fields. */
		if (plen != rlen) {
			km_describe(c, i, 0, "%s", "");
			ok = 0;
			break;
		}
		for (uint64_t b = 0; b < plen && ok == 1; ) {
			const struct ks_reloc *r = ks_pre_reloc_at(sec, o + b);

			if (r && r->off == o + b && ks_reloc_size(r->type) &&
			    b + ks_reloc_size(r->type) <= plen) {
				ok = km_learn_reloc(c, r);
				b += ks_reloc_size(r->type);
			} else if (c->pre[i + b] != c->run[ri + b]) {
				km_describe(c, i + b, 0, "%s", "");
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
	old = km_known(m, c.local_start, self.shndx, NULL);
	if (old && old->addr != self.addr) {
		snprintf(diff, difflen, "%s: matching %s put its section %s at "
			 "0x%llx, not 0x%llx", fn->name, old->why, sec->name,
			 (unsigned long long)old->addr,
			 (unsigned long long)self.addr);
		return 0;
	}
	if (km_push_fact(m, &self))
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

