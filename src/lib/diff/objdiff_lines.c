// SPDX-License-Identifier: GPL-2.0
/* Line-number-only changes: see objdiff_lines.h. */
#include "diff/objdiff_lines.h"
#include "util/array.h"

#include <capstone/capstone.h>
#include <ctype.h>
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
			KS_PUSH(m->hunks, m->n, h);
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

void ks_line_maps_add(struct ks_line_maps *ms, const char *patch)
{
	const char *p = patch, *prev = NULL;
	char **seen = NULL;
	size_t nseen = 0, i;

	while (p && *p) {
		const char *eol = strchr(p, '\n');

		/* A file header: "--- a/x" then "+++ b/x". */
		if (!strncmp(p, "+++ ", 4) && prev && !strncmp(prev, "--- ", 4)) {
			const char *name = p + 4;
			size_t nlen = strcspn(name, "\t\n");
			const char *slash = memchr(name, '/', nlen);
			char *file;
			int dup = 0;

			if (slash && (size_t)(slash - name) + 1 < nlen &&
			    strncmp(name, "/dev/null", 9)) {
				file = strndup(slash + 1,
					       nlen - (size_t)(slash + 1 - name));
				if (!file)
					abort();
				for (i = 0; i < nseen && !dup; i++)
					dup = !strcmp(seen[i], file);
				if (dup) {
					free(file);
				} else {
					KS_PUSH(seen, nseen, file);
				}
			}
		}
		prev = p;
		p = eol ? eol + 1 : NULL;
	}
	for (i = 0; i < nseen; i++) {
		struct ks_line_file *f = NULL;
		struct ks_line_map m;
		size_t k;

		for (k = 0; k < ms->n && !f; k++)
			if (!strcmp(ms->files[k].file, seen[i]))
				f = &ms->files[k];
		if (!f) {
			f = KS_PUSH_ZERO(ms->files, ms->n);
			f->file = seen[i];
			seen[i] = NULL;
		}
		/* A later patch's hunks count from the earlier ones' result. */
		if (ks_line_map_parse(patch, f->file, &m)) {
			ks_line_map_free(&m);
		} else {
			KS_PUSH(f->steps, f->n, m);
		}
		free(seen[i]);
	}
	free(seen);
}

void ks_line_maps_free(struct ks_line_maps *ms)
{
	size_t i, k;

	for (i = 0; i < ms->n; i++) {
		for (k = 0; k < ms->files[i].n; k++)
			ks_line_map_free(&ms->files[i].steps[k]);
		free(ms->files[i].steps);
		free(ms->files[i].file);
	}
	free(ms->files);
	memset(ms, 0, sizeof(*ms));
}

const struct ks_line_file *ks_line_maps_find(const struct ks_line_maps *ms,
					     const char *file)
{
	const struct ks_line_file *best = NULL;
	size_t i, flen;

	if (!ms || !file)
		return NULL;
	while (!strncmp(file, "./", 2))
		file += 2;
	flen = strlen(file);
	for (i = 0; i < ms->n; i++) {
		const struct ks_line_file *f = &ms->files[i];
		size_t n = strlen(f->file);

		if (file[0] != '/') {
			if (!strcmp(file, f->file))
				return f;
			continue;
		}
		/* An absolute __FILE__: the longest tree path it ends in. */
		if (n < flen && file[flen - n - 1] == '/' &&
		    !strcmp(file + flen - n, f->file) &&
		    (!best || n > strlen(best->file)))
			best = f;
	}
	return best;
}

int ks_line_moved(const struct ks_line_file *f, long a, long b)
{
	long cur = a, shift;
	size_t i;

	if (!f || !f->n || a <= 0 || a == b)
		return 0;
	for (i = 0; i < f->n; i++) {
		if (ks_line_shift(&f->steps[i], cur, &shift))
			return 0;	/* a line the patch changed or removed */
		cur += shift;
	}
	return cur == b;
}

static long imm_value(const unsigned char *p, unsigned int size)
{
	unsigned long v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (unsigned long)p[i] << (8 * i);
	return (long)v;
}

/*
 * __LINE__ reaches an instruction only as a value passed or stored: mov
 * to a register or memory (imm32, or imm16 into a short), or push for a
 * stack argument (imm8 below line 128).  A compared or computed constant
 * that happens to change by the patch's shift is not a line.
 */
static int line_carrier(const cs_insn *i, unsigned int imm_size)
{
	if (i->id == X86_INS_PUSH)
		return imm_size == 1 || imm_size == 4;
	return i->id == X86_INS_MOV && (imm_size == 2 || imm_size == 4);
}

int ks_only_lines_differ(const unsigned char *a, const unsigned char *b,
			 size_t size, const struct ks_line_file *f)
{
	csh ha, hb;
	cs_insn *ia, *ib;
	size_t off = 0;
	int ok = 1, moved = 0;

	if (!f || !f->n)
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
		long v1, v2;
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
		if (!io || ia->id != ib->id || !line_carrier(ia, is) ||
		    xb->encoding.imm_offset != io ||
		    xb->encoding.imm_size != is) {
			ok = 0;
			break;
		}
		for (k = 0; k < ia->size; k++)
			if (a[off + k] != b[off + k] && (k < io || k >= io + is))
				ok = 0;
		v1 = imm_value(a + off + io, is);
		v2 = imm_value(b + off + io, is);
		/* push's imm8 is sign-extended: 128 and up are negative */
		if (is == 1 && (v1 > 127 || v2 > 127))
			ok = 0;
		if (!ok || !ks_line_moved(f, v1, v2))
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

/* Characters of a file name before ":LINE" in a message. */
static int path_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '/' ||
	       c == '-' || c == '+';
}

int ks_strings_lines_moved(const char *a, const char *b,
			   const struct ks_line_maps *ms)
{
	const char *pa = a, *pb = b;
	int moved = 0;

	while (*pa && *pb) {
		if (pa > a && pa[-1] == ':' && isdigit((unsigned char)*pa) &&
		    isdigit((unsigned char)*pb)) {
			/* A number after "FILE:": the same, or FILE's line moved. */
			const char *fs = pa - 1, *ea = pa, *eb = pb;
			char *file;
			long la = 0, lb = 0;

			while (fs > a && path_char(fs[-1]))
				fs--;
			for (; isdigit((unsigned char)*ea) && la < 10000000; ea++)
				la = la * 10 + (*ea - '0');
			for (; isdigit((unsigned char)*eb) && lb < 10000000; eb++)
				lb = lb * 10 + (*eb - '0');
			if (isdigit((unsigned char)*ea) || isdigit((unsigned char)*eb))
				return 0;	/* too long for a line */
			if (la != lb) {
				file = strndup(fs, (size_t)(pa - 1 - fs));
				if (!file)
					abort();
				if (!*file ||
				    !ks_line_moved(ks_line_maps_find(ms, file), la, lb)) {
					free(file);
					return 0;
				}
				free(file);
				moved = 1;
			} else if (ea - pa != eb - pb) {
				return 0;	/* 012 and 12 */
			}
			pa = ea;
			pb = eb;
			continue;
		}
		if (*pa != *pb)
			return 0;
		pa++;
		pb++;
	}
	return !*pa && !*pb && moved;
}
