// SPDX-License-Identifier: GPL-2.0
/* Reading /proc/kallsyms; see kallsyms.h. */
#include "match/kallsyms.h"
#include "util/error.h"
#include "util/array.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		ks_set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	/* /proc files have no size: read in chunks. */
	for (;;) {
		if (cap - len < 65536) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 20;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				ks_set_err(err, errlen, "out of memory reading %s", path);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int cmp_scope(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_addr(const void *pa, const void *pb)
{
	const struct ks_ksym *a = pa, *b = pb;
	int c = cmp_scope(a->module, b->module);

	if (c)
		return c;
	return (a->addr > b->addr) - (a->addr < b->addr);
}

static int cmp_addr_only(const void *pa, const void *pb)
{
	const struct ks_ksym *a = *(struct ks_ksym *const *)pa;
	const struct ks_ksym *b = *(struct ks_ksym *const *)pb;

	return (a->addr > b->addr) - (a->addr < b->addr);
}

static int cmp_name(const void *pa, const void *pb)
{
	const struct ks_ksym *a = *(struct ks_ksym *const *)pa;
	const struct ks_ksym *b = *(struct ks_ksym *const *)pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return (a->addr > b->addr) - (a->addr < b->addr);
}

int ks_kallsyms_load(const char *path, struct ks_kallsyms *ks,
		     char *err, size_t errlen)
{
	size_t cap = 0, i, j;
	char *p;

	memset(ks, 0, sizeof(*ks));
	ks->text = slurp(path, err, errlen);
	if (!ks->text)
		return -1;
	for (p = ks->text; *p; ) {
		char *line = p, *nl = strchr(p, '\n'), *addr, *type, *name, *mod;
		char *save = NULL;
		struct ks_ksym *s;

		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : p + strlen(p);
		addr = strtok_r(line, " \t", &save);
		type = strtok_r(NULL, " \t", &save);
		name = strtok_r(NULL, " \t", &save);
		mod = strtok_r(NULL, " \t", &save);
		if (!addr || !type || !name)
			continue;
		if (ks->nr == cap) {
			struct ks_ksym *n;

			/* doubled, so a long kallsyms is copied log n times */
			n = ks_try_grow(ks->syms, cap, cap ? cap : 65536,
					sizeof(*n));
			if (!n)
				goto oom;
			ks->syms = n;
			cap += cap ? cap : 65536;
		}
		s = &ks->syms[ks->nr++];
		s->addr = strtoull(addr, NULL, 16);
		s->type = type[0];
		s->name = name;
		s->size = 0;
		s->module = NULL;
		if (mod && mod[0] == '[') {
			mod[strcspn(mod, "]")] = '\0';
			s->module = mod + 1;
		}
	}
	if (ks->nr == 0) {
		ks_set_err(err, errlen, "%s lists no symbols", path);
		ks_kallsyms_free(ks);
		return -1;
	}
	if (ks->syms[0].addr == 0 && ks->syms[ks->nr - 1].addr == 0) {
		ks_set_err(err, errlen,
			   "%s shows only zero addresses (not root, or kptr_restrict)",
			   path);
		ks_kallsyms_free(ks);
		return -1;
	}
	qsort(ks->syms, ks->nr, sizeof(*ks->syms), cmp_addr);
	/* size = distance to the next higher address in the same scope */
	for (i = 0; i < ks->nr; i = j) {
		uint64_t next = 0;

		for (j = i; j < ks->nr && ks->syms[j].addr == ks->syms[i].addr &&
		     !cmp_scope(ks->syms[j].module, ks->syms[i].module); j++)
			;
		if (j < ks->nr && !cmp_scope(ks->syms[j].module, ks->syms[i].module))
			next = ks->syms[j].addr;
		for (size_t k = i; k < j; k++)
			ks->syms[k].size = next ? next - ks->syms[k].addr : 0;
	}
	ks->by_name = malloc(ks->nr * sizeof(*ks->by_name));
	if (!ks->by_name)
		goto oom;
	for (i = 0; i < ks->nr; i++)
		ks->by_name[i] = &ks->syms[i];
	qsort(ks->by_name, ks->nr, sizeof(*ks->by_name), cmp_name);
	ks->by_addr = malloc(ks->nr * sizeof(*ks->by_addr));
	if (!ks->by_addr)
		goto oom;
	for (i = 0; i < ks->nr; i++)
		ks->by_addr[i] = &ks->syms[i];
	qsort(ks->by_addr, ks->nr, sizeof(*ks->by_addr), cmp_addr_only);
	return 0;
oom:
	ks_set_err(err, errlen, "out of memory reading %s", path);
	ks_kallsyms_free(ks);
	return -1;
}

void ks_kallsyms_free(struct ks_kallsyms *ks)
{
	free(ks->syms);
	free(ks->by_name);
	free(ks->by_addr);
	free(ks->text);
	memset(ks, 0, sizeof(*ks));
}

size_t ks_kallsyms_by_name(const struct ks_kallsyms *ks, const char *name,
			   struct ks_ksym ***first)
{
	size_t lo = 0, hi = ks->nr, n = 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(ks->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < ks->nr && !strcmp(ks->by_name[lo + n]->name, name))
		n++;
	*first = n ? &ks->by_name[lo] : NULL;
	return n;
}

int ks_ksym_in_scope(const struct ks_ksym *s, const char *scope)
{
	if (!strcmp(scope, "vmlinux"))
		return s->module == NULL;
	return s->module && !strcmp(s->module, scope);
}

int ks_kallsyms_has_at(const struct ks_kallsyms *ks, const char *name,
		       uint64_t addr)
{
	struct ks_ksym **f;
	size_t n = ks_kallsyms_by_name(ks, name, &f);

	for (size_t i = 0; i < n; i++)
		if (f[i]->addr == addr)
			return 1;
	return 0;
}

const struct ks_ksym *ks_kallsyms_lookup(const struct ks_kallsyms *ks,
					 uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi = ks->nr;

	/* the last symbol starting at or below addr */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ks->by_addr[mid]->addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* several may start there (aliases, other scopes): any that covers */
	for (size_t i = lo; i-- > 0 && ks->by_addr[i]->addr == ks->by_addr[lo - 1]->addr;) {
		const struct ks_ksym *s = ks->by_addr[i];

		if (addr < s->addr + s->size) {
			if (off)
				*off = addr - s->addr;
			return s;
		}
	}
	return NULL;
}

int ks_kallsyms_module_loaded(const struct ks_kallsyms *ks, const char *mod)
{
	for (size_t i = 0; i < ks->nr; i++)
		if (ks->syms[i].module && !strcmp(ks->syms[i].module, mod))
			return 1;
	return 0;
}
