// SPDX-License-Identifier: GPL-2.0
/*
 * The new-code object built from a diff (newcode.h): which references
 * stay ordinary relocations (exported symbols, the object's own code and
 * strings), which become ksplice relocations (statics, non-exported
 * globals), the written ELF object read back, and the refusal of an
 * alternative replacement that needs a non-exported symbol.
 */
#include "diff/elf_object.h"
#include "newcode/newcode.h"
#include "newcode/newcode_sites.h"
#include "diff/objdiff.h"
#include "util/fs.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmp[] = "/tmp/test_newcode.XXXXXX";
/* More compiler flags for the fixture being built (ftrace sites). */
static const char *extra_cflags = "";

static int compile(const char *name, char *out, size_t len)
{
	char *cmd;
	int ret;

	snprintf(out, len, "%s/%s.o", tmp, name);
	cmd = ks_strfmt("gcc -O2 -ffunction-sections -fdata-sections -fno-pic "
			"-mcmodel=kernel -fno-asynchronous-unwind-tables "
			"-mno-red-zone %s -c -o %s tests/unit/fixtures/%s.c",
			extra_cflags, out, name);
	ret = system(cmd);
	free(cmd);
	return ret;
}

/* Diff fixture pair NAME_pre/NAME_post. */
static void diff_pair(const char *name, struct ks_object *pre,
		      struct ks_object *post, struct ks_diff *d)
{
	char a[512], b[512], pn[128], qn[128], err[512] = "";

	snprintf(pn, sizeof(pn), "%s_pre", name);
	snprintf(qn, sizeof(qn), "%s_post", name);
	if (compile(pn, a, sizeof(a)) || compile(qn, b, sizeof(b)) ||
	    ks_object_read(a, pre, err, sizeof(err)) ||
	    ks_object_read(b, post, err, sizeof(err)) ||
	    ks_diff_objects(pre, post, d, err, sizeof(err))) {
		fprintf(stderr, "%s: setup failed: %s\n", name, err);
		exit(1);
	}
}

/* Diff fixture pair NAME_pre/NAME_post and build the new-code object. */
static int build(const char *name, struct ks_object *pre,
		 struct ks_object *post, struct ks_diff *d,
		 struct nc_object *nc, const struct ks_exports *ex,
		 char *err, size_t errlen)
{
	diff_pair(name, pre, post, d);
	memset(nc, 0, sizeof(*nc));
	return nc_add_object(nc, d, "fixture.o", ex, err, errlen);
}

static long find_ksym(const struct nc_object *nc, const char *name)
{
	size_t i;

	for (i = 0; i < nc->nr_ksyms; i++)
		if (!strcmp(nc->ksyms[i].name, name))
			return (long)i;
	return -1;
}

static void test_references(const struct ks_exports *ex)
{
	struct ks_object pre, post, out;
	struct ks_diff d;
	struct nc_object nc;
	char err[512] = "", *path;
	long k;
	size_t i, j;
	int ret, saw_exported = 0, saw_say = 0, saw_bad = 0, saw_alias = 0;

	ret = build("newcode", &pre, &post, &d, &nc, ex, err, sizeof(err));
	CHECK(ret == 0);
	CHECK(nc.nr_funcs == 1 && !strcmp(nc.funcs[0].name, "target"));
	/* statics: by name with their object; globals: by name only */
	k = find_ksym(&nc, "helper");
	CHECK(k >= 0 && nc.ksyms[k].flags == 0x1 &&
	      nc.ksyms[k].object && !strcmp(nc.ksyms[k].object, "fixture.o"));
	k = find_ksym(&nc, "counter");
	CHECK(k >= 0 && nc.ksyms[k].flags == (0x1 | 0x2));
	k = find_ksym(&nc, "hidden_global");
	CHECK(k >= 0 && nc.ksyms[k].flags == 0 && !nc.ksyms[k].object);
	CHECK(find_ksym(&nc, "exported_fn") < 0);
	CHECK(find_ksym(&nc, "say") < 0);
	CHECK(nc.nr_ksyms == 3);
	/* every ksplice relocation names a symbol and a zeroed field */
	for (i = 0; i < nc.nr_krelocs; i++) {
		const struct nc_kreloc *r = &nc.krelocs[i];
		static const unsigned char zero[4];

		CHECK(r->ksym < nc.nr_ksyms);
		CHECK(!memcmp(nc.secs[r->sec - 1].data + r->offset, zero, 4));
	}
	CHECK(nc.nr_krelocs >= 3);

	path = ks_strfmt("%s/newcode.o", tmp);
	CHECK(nc_write_elf(&nc, path, err, sizeof(err)) == 0);
	CHECK(ks_object_read(path, &out, err, sizeof(err)) == 0);
	CHECK(ks_find_section(&out, ".text.target") != 0);
	for (i = 1; i < out.nr_syms; i++)
		if (!strcmp(out.syms[i].name, "__ksplice_new_0") &&
		    ks_sym_bind(&out.syms[i]) == STB_GLOBAL)
			saw_alias = 1;
	CHECK(saw_alias);
	for (i = 1; i < out.nr_secs; i++)
		for (j = 0; j < out.secs[i].nr_relas; j++) {
			const char *n = out.syms[out.secs[i].relas[j].sym].name;

			saw_exported |= !strcmp(n, "exported_fn") ||
					!strcmp(n, "exported_var");
			saw_say |= !strcmp(n, "say");
			saw_bad |= !strcmp(n, "hidden_global") ||
				   !strcmp(n, "helper") || !strcmp(n, "counter");
		}
	CHECK(saw_exported && saw_say && !saw_bad);
	/* The new string travels in the object. */
	{
		int found = 0;

		for (i = 1; i < out.nr_secs; i++)
			if (out.secs[i].data && out.secs[i].sh.sh_size > 13 &&
			    memmem(out.secs[i].data, out.secs[i].sh.sh_size,
				   "a new message", 13))
				found = 1;
		CHECK(found);
	}
	free(path);
	path = ks_strfmt("%s/desc.c", tmp);
	CHECK(nc_write_desc(&nc, path, "abc", "vmlinux", "d", err,
			    sizeof(err)) == 0);
	{
		char *text = ks_read_file(path, NULL);

		CHECK(text && strstr(text, "\"target\", ") &&
		      strstr(text, "__ksplice_update_desc") &&
		      strstr(text, "\"hidden_global\", 0"));
		free(text);
	}
	free(path);
	ks_object_free(&out);
	nc_free(&nc);
	ks_diff_free(&d);
	ks_object_free(&pre);
	ks_object_free(&post);
	printf("references     %s\n", failures ? "FAIL" : "ok");
}

static void test_alternatives(const struct ks_exports *ex)
{
	struct ks_object pre, post;
	struct ks_diff d;
	struct nc_object nc;
	char err[512] = "";
	size_t i;
	int ret, has_alt = 0, before = failures;

	ret = build("newcode_altok", &pre, &post, &d, &nc, ex, err, sizeof(err));
	CHECK(ret == 0);
	for (i = 0; i < nc.nr_secs; i++)
		if (!strcmp(nc.secs[i].name, ".altinstructions"))
			has_alt = nc.secs[i].size == 12;
	CHECK(has_alt);
	nc_free(&nc);
	ks_diff_free(&d);
	ks_object_free(&pre);
	ks_object_free(&post);

	ret = build("newcode_altbad", &pre, &post, &d, &nc, ex, err, sizeof(err));
	CHECK(ret == 1);
	CHECK(strstr(err, "hidden_global") && strstr(err, "alternative"));
	nc_free(&nc);
	ks_diff_free(&d);
	ks_object_free(&pre);
	ks_object_free(&post);
	printf("alternatives   %s\n", failures > before ? "FAIL" : "ok");
}

/*
 * One fix over two files: xobj_b calls a function and counts in a
 * variable that xobj_a adds.  The running kernel has neither, so the
 * references must be linked to the update's own copies, whichever
 * object came first, while references to existing symbols stay ksplice
 * relocations.
 */
static void test_cross_object(const struct ks_exports *ex)
{
	struct ks_object apre, apost, bpre, bpost, out;
	struct ks_diff ad, bd;
	struct nc_object nc;
	char err[512] = "", *path;
	size_t i, j;
	int before = failures, linked_fn = 0, linked_var = 0, undef_added = 0;

	diff_pair("xobj_b", &bpre, &bpost, &bd);
	diff_pair("xobj_a", &apre, &apost, &ad);
	memset(&nc, 0, sizeof(nc));
	CHECK(nc_add_object(&nc, &bd, "b.o", ex, err, sizeof(err)) == 0);
	CHECK(nc_add_object(&nc, &ad, "a.o", ex, err, sizeof(err)) == 0);
	CHECK(find_ksym(&nc, "added_helper") >= 0);
	CHECK(find_ksym(&nc, "added_count") >= 0);
	CHECK(nc_link_added(&nc) >= 2);
	CHECK(find_ksym(&nc, "added_helper") < 0);
	CHECK(find_ksym(&nc, "added_count") < 0);
	CHECK(find_ksym(&nc, "old_global") >= 0);
	CHECK(find_ksym(&nc, "sink") >= 0);
	for (i = 0; i < nc.nr_krelocs; i++)
		CHECK(nc.krelocs[i].ksym < nc.nr_ksyms &&
		      strcmp(nc.ksyms[nc.krelocs[i].ksym].name, "added_helper"));

	path = ks_strfmt("%s/xobj.o", tmp);
	CHECK(nc_write_elf(&nc, path, err, sizeof(err)) == 0);
	CHECK(ks_object_read(path, &out, err, sizeof(err)) == 0);
	for (i = 1; i < out.nr_syms; i++)
		if (out.syms[i].sym.st_shndx == SHN_UNDEF &&
		    !strncmp(out.syms[i].name, "added_", 6))
			undef_added = 1;
	for (i = 1; i < out.nr_secs; i++) {
		if (strcmp(out.secs[i].name, ".text.b_entry"))
			continue;
		for (j = 0; j < out.secs[i].nr_relas; j++) {
			const struct ks_symbol *s =
				&out.syms[out.secs[i].relas[j].sym];

			if (s->sym.st_shndx == SHN_UNDEF)
				continue;
			linked_fn |= !strcmp(s->name, "added_helper");
			linked_var |= !strcmp(s->name, "added_count");
		}
	}
	CHECK(linked_fn && linked_var && !undef_added);
	free(path);
	ks_object_free(&out);
	nc_free(&nc);
	ks_diff_free(&ad);
	ks_diff_free(&bd);
	ks_object_free(&apre);
	ks_object_free(&apost);
	ks_object_free(&bpre);
	ks_object_free(&bpost);
	printf("cross-object   %s\n", failures > before ? "FAIL" : "ok");
}

/*
 * A read-only compound literal is carried (its numbered name repeats in
 * other objects of a module, so the running one may not be found); a
 * writable one is the running variable, as any static data.
 */
static void test_compound_literals(const struct ks_exports *ex)
{
	struct ks_object pre, post;
	struct ks_diff d;
	struct nc_object nc;
	char err[512] = "";
	int before = failures;

	CHECK(build("literal", &pre, &post, &d, &nc, ex, err, sizeof(err)) == 0);
	CHECK(nc.nr_funcs == 2);
	CHECK(find_ksym(&nc, "__compound_literal.0") < 0);
	CHECK(find_ksym(&nc, "__compound_literal.1") >= 0);
	nc_free(&nc);
	ks_diff_free(&d);
	ks_object_free(&pre);
	ks_object_free(&post);
	printf("literals       %s\n", failures > before ? "FAIL" : "ok");
}

/*
 * Issue 23: a function the patch only exports (unchanged, and running
 * already) is carried for the export.  The site-table entries of that
 * copy (__mcount_loc here, from -pg -mrecord-mcount) are relocations
 * against the copy, never ksplice relocations to the running function,
 * which the module loader and ftrace would read as zero; and the
 * written object passes the site check.
 */
static void test_export_only_sites(const struct ks_exports *ex)
{
	struct ks_object pre, post;
	struct ks_diff d;
	struct nc_object nc;
	char err[512] = "", *path;
	size_t i, j, entries = 0, checked = 0;
	int before = failures, helper = 0, changed = 0;

	extra_cflags = "-pg -mfentry -mrecord-mcount";
	CHECK(build("exportonly", &pre, &post, &d, &nc, ex, err,
		    sizeof(err)) == 0);
	extra_cflags = "";
	CHECK(nc.nr_funcs == 1 &&
	      !strcmp(nc.funcs[0].name, "exportonly_changed"));
	CHECK(nc.nr_exports == 1 &&
	      !strcmp(nc.exports[0].name, "exportonly_helper"));
	/* nothing refers to the running helper any more */
	CHECK(find_ksym(&nc, "exportonly_helper") < 0);
	for (i = 0; i < nc.nr_secs; i++) {
		const struct nc_sec *s = &nc.secs[i];

		if (strcmp(s->name, "__mcount_loc"))
			continue;
		for (j = 0; j < nc.nr_krelocs; j++)
			CHECK(nc.krelocs[j].sec != i + 1);
		for (GElf_Addr off = 0; off < s->size; off += 8, entries++) {
			const struct nc_rela *r = NULL;
			const struct nc_sym *y;

			for (j = 0; j < s->nr_relas; j++)
				if (s->relas[j].offset == off)
					r = &s->relas[j];
			CHECK(r != NULL);
			if (!r)
				continue;
			y = &nc.syms[r->sym];
			CHECK(GELF_ST_TYPE(y->info) == STT_SECTION && y->sec);
			if (!y->sec)
				continue;
			helper |= !strcmp(nc.secs[y->sec - 1].name,
					  ".text.exportonly_helper");
			changed |= !strcmp(nc.secs[y->sec - 1].name,
					   ".text.exportonly_changed");
		}
	}
	CHECK(entries == 2 && helper && changed);
	path = ks_strfmt("%s/exportonly_nc.o", tmp);
	CHECK(nc_write_elf(&nc, path, err, sizeof(err)) == 0);
	CHECK(ks_check_sites(path, &checked, err, sizeof(err)) == 0);
	CHECK(checked == 2);
	if (failures > before)
		fprintf(stderr, "export-only: %s\n", err);
	free(path);
	nc_free(&nc);
	ks_diff_free(&d);
	ks_object_free(&pre);
	ks_object_free(&post);
	printf("export-only    %s\n", failures > before ? "FAIL" : "ok");
}

int main(void)
{
	struct ks_exports ex;
	char err[256], *symvers;
	static const char text[] =
		"0x1\texported_fn\tvmlinux\tEXPORT_SYMBOL\t\n"
		"0x2\texported_var\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
		"0x3\tsay\tvmlinux\tEXPORT_SYMBOL\t\n"
		"0x4\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n";

	if (!mkdtemp(tmp))
		return 1;
	symvers = ks_strfmt("%s/Module.symvers", tmp);
	ks_write_file(symvers, text, strlen(text));
	if (ks_exports_load(symvers, &ex, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	CHECK(ks_exports_find(&ex, "say") && !ks_exports_find(&ex, "nope"));
	test_references(&ex);
	test_alternatives(&ex);
	test_cross_object(&ex);
	test_compound_literals(&ex);
	test_export_only_sites(&ex);
	ks_exports_free(&ex);
	free(symvers);
	ks_rmtree(tmp);
	if (failures) {
		fprintf(stderr, "test_objdiff_newcode: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_objdiff_newcode: ok\n");
	return 0;
}
