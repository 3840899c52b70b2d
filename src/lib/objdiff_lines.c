// SPDX-License-Identifier: GPL-2.0
/* Line-number-only changes: see objdiff_lines.h. */
#include "objdiff_lines.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ks_line_map_parse(const char *patch, const char *file,
		      struct ks_line_map *m)
{
	const char *p = patch;
	int in_file = 0, found = 0;
	size_t flen = strlen(file);
	struct ks_line_hunk *cur = NULL;
	long o = 0, n = 0;

	memset(m, 0, sizeof(*m));
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (cur && o < cur->old_start + cur->old_len &&
		    (*p == ' ' || *p == '-' || *p == '+' || len == 0)) {
			/* A line of the hunk body. */
			if (*p == '+') {
				n++;
			} else if (*p == '-') {
				cur->old_to_new[o - cur->old_start] = -1;
				o++;
			} else {
				cur->old_to_new[o - cur->old_start] = n;
				o++;
				n++;
			}
		} else if (len > 6 && !strncmp(p, "+++ ", 4)) {
			const char *name = p + 4, *slash;
			size_t nlen = strcspn(name, "\t\n");

			slash = memchr(name, '/', nlen);
			in_file = slash && (size_t)(name + nlen - slash - 1) == flen &&
				  !strncmp(slash + 1, file, flen);
			found |= in_file;
			cur = NULL;
		} else if (in_file && len > 4 && !strncmp(p, "@@ -", 4)) {
			struct ks_line_hunk h = { 0, 1, 0, 1, NULL };
			const char *q = p + 4;
			char *e;
			long k;

			h.old_start = strtol(q, &e, 10);
			if (*e == ',')
				h.old_len = strtol(e + 1, &e, 10);
			q = strstr(e, " +");
			if (q) {
				h.new_start = strtol(q + 2, &e, 10);
				if (*e == ',')
					h.new_len = strtol(e + 1, &e, 10);
			}
			if (h.old_len < 0 || h.old_len > 1000000)
				h.old_len = 0;
			h.old_to_new = malloc(((size_t)h.old_len + 1) * sizeof(long));
			if (!h.old_to_new)
				abort();
			for (k = 0; k < h.old_len; k++)
				h.old_to_new[k] = -1;
			m->hunks = realloc(m->hunks, (m->n + 1) * sizeof(h));
			if (!m->hunks)
				abort();
			m->hunks[m->n++] = h;
			cur = &m->hunks[m->n - 1];
			o = h.old_start;
			n = h.new_start;
		} else {
			cur = NULL;
		}
		p = eol ? eol + 1 : NULL;
	}
	return found ? 0 : -1;
}

void ks_line_map_free(struct ks_line_map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->hunks[i].old_to_new);
	free(m->hunks);
	memset(m, 0, sizeof(*m));
}

int ks_line_shift(const struct ks_line_map *m, long old_line, long *shift)
{
	size_t i;

	*shift = 0;
	for (i = 0; i < m->n; i++) {
		const struct ks_line_hunk *h = &m->hunks[i];
		/* An empty range "-a,0" sits after line a, not at it. */
		long first = h->old_len ? h->old_start : h->old_start + 1;

		if (old_line < first)
			break;
		if (old_line < first + h->old_len) {
			long nl = h->old_to_new[old_line - first];

			if (nl < 0)
				return -1;	/* removed by the patch */
			*shift = nl - old_line;
			return 0;
		}
		*shift = (h->new_start + (h->new_len ? 0 : 1) + h->new_len) -
			 (h->old_start + (h->old_len ? 0 : 1) + h->old_len);
	}
	return 0;
}

static long imm_value(const unsigned char *p, unsigned int size)
{
	unsigned long v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (unsigned long)p[i] << (8 * i);
	return (long)v;
}

int ks_only_lines_differ(const unsigned char *a, const unsigned char *b,
			 size_t size, const struct ks_line_map *m)
{
	csh ha, hb;
	cs_insn *ia, *ib;
	size_t off = 0;
	int ok = 1, moved = 0;

	if (!m || !m->n)
		return 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &ha) != CS_ERR_OK)
		return 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &hb) != CS_ERR_OK) {
		cs_close(&ha);
		return 0;
	}
	cs_option(ha, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(hb, CS_OPT_DETAIL, CS_OPT_ON);
	ia = cs_malloc(ha);
	ib = cs_malloc(hb);
	while (ok && off < size) {
		const uint8_t *pa = a + off, *pb = b + off;
		size_t la = size - off, lb = size - off;
		uint64_t aa = off, ab = off;
		const cs_x86 *xa, *xb;
		unsigned int io, is;
		long v1, v2, shift;
		size_t k;

		if (!cs_disasm_iter(ha, &pa, &la, &aa, ia) ||
		    !cs_disasm_iter(hb, &pb, &lb, &ab, ib) ||
		    ia->size != ib->size) {
			ok = 0;
			break;
		}
		if (!memcmp(a + off, b + off, ia->size)) {
			off += ia->size;
			continue;
		}
		xa = &ia->detail->x86;
		xb = &ib->detail->x86;
		io = xa->encoding.imm_offset;
		is = xa->encoding.imm_size;
		/* The difference must be the immediate, and a line number. */
		if (!io || (is != 4 && is != 2) || xb->encoding.imm_offset != io ||
		    xb->encoding.imm_size != is) {
			ok = 0;
			break;
		}
		for (k = 0; k < ia->size; k++)
			if (a[off + k] != b[off + k] && (k < io || k >= io + is))
				ok = 0;
		v1 = imm_value(a + off + io, is);
		v2 = imm_value(b + off + io, is);
		if (!ok || v1 <= 0 || ks_line_shift(m, v1, &shift) || !shift ||
		    v2 != v1 + shift)
			ok = 0;
		moved = 1;
		off += ia->size;
	}
	cs_free(ia, 1);
	cs_free(ib, 1);
	cs_close(&ha);
	cs_close(&hb);
	return ok && moved;
}
