// SPDX-License-Identifier: GPL-2.0
/*
 * Links between the parts of one update (newcode_parts.h), on the xobj
 * fixtures as two parts: "core" (xobj_a adds added_helper() and
 * added_count) and "mod" (xobj_b uses both).  mod's references become
 * ordinary relocations against core's private exports, mod comes after
 * core; a per-CPU variable is linked too; a name two other parts add,
 * a __read_mostly variable (not carried) and parts that need each other
 * are refused; a long name gets a short private one.
 */
#include "diff/elf_object.h"
#include "newcode/newcode.h"
#include "newcode/newcode_parts.h"
#include "diff/objdiff.h"
#include "util/fs.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmp[] = "/tmp/test_parts.XXXXXX";

struct fixture {
	struct ks_object pre, post;
	struct ks_diff d;
	struct nc_object nc;
	const char *name;
};

/* Part TARGET from fixture pair NAME_pre/NAME_post, as ksplice-create. */
static void part(const char *name, const char *target, struct fixture *f,
		 struct nc_part *p, const struct ks_exports *ex)
{
	char path[2][512], err[512] = "";
	int i;

	for (i = 0; i < 2; i++) {
		char *cmd;

		snprintf(path[i], sizeof(path[i]), "%s/%s_%s.o", tmp, name,
			 i ? "post" : "pre");
		cmd = ks_strfmt("gcc -O2 -ffunction-sections -fdata-sections -fno-pic "
				"-mcmodel=kernel -fno-asynchronous-unwind-tables "
				"-mno-red-zone -c -o %s tests/unit/fixtures/%s_%s.c",
				path[i], name, i ? "post" : "pre");
		if (system(cmd)) {
			fprintf(stderr, "%s: cannot compile\n", name);
			exit(1);
		}
		free(cmd);
	}
	memset(f, 0, sizeof(*f));
	if (ks_object_read(path[0], &f->pre, err, sizeof(err)) ||
	    ks_object_read(path[1], &f->post, err, sizeof(err)) ||
	    ks_diff_objects(&f->pre, &f->post, &f->d, err, sizeof(err))) {
		fprintf(stderr, "%s: setup failed: %s\n", name, err);
		exit(1);
	}
	f->nc.target = target;
	f->name = name;
	CHECK(nc_add_object(&f->nc, &f->d, name, ex, err, sizeof(err)) == 0);
	nc_link_added(&f->nc);
	p->target = target;
	p->nc = &f->nc;
}

/* The diffed objects of parts p[0..n) (their fixtures f). */
static struct nc_diffed *diffed(const struct nc_part *p,
				const struct fixture *const *f, size_t n)
{
	struct nc_diffed *o = calloc(n, sizeof(*o));
	size_t i;

	for (i = 0; o && i < n; i++) {
		o[i].diff = &f[i]->d;
		o[i].object = f[i]->name;
		o[i].target = p[i].target;
	}
	return o;
}

static void unpart(struct fixture *f)
{
	nc_free(&f->nc);
	ks_diff_free(&f->d);
	ks_object_free(&f->pre);
	ks_object_free(&f->post);
}

static long find_ksym(const struct nc_object *nc, const char *name)
{
	size_t i;

	for (i = 0; i < nc->nr_ksyms; i++)
		if (!strcmp(nc->ksyms[i].name, name))
			return (long)i;
	return -1;
}

static const struct nc_export *find_export(const struct nc_object *nc,
					   const char *name)
{
	size_t i;

	for (i = 0; i < nc->nr_exports; i++)
		if (!strcmp(nc->exports[i].name, name))
			return &nc->exports[i];
	return NULL;
}

/* Is there a relocation in nc against the undefined symbol name? */
static int relocated_to(const struct nc_object *nc, const char *name)
{
	size_t s, r;

	for (s = 0; s < nc->nr_secs; s++)
		for (r = 0; r < nc->secs[s].nr_relas; r++) {
			const struct nc_sym *y = &nc->syms[nc->secs[s].relas[r].sym];

			if (!y->sec && !strcmp(y->name, name))
				return 1;
		}
	return 0;
}

static void test_link(const struct ks_exports *ex)
{
	struct fixture mod, core;
	struct nc_part p[2];
	struct nc_link *links = NULL;
	struct nc_diffed *objs;
	size_t nl = 0, order[2] = { 9, 9 }, i;
	const struct nc_export *x;
	char err[512] = "", *path;
	struct ks_object out;
	int before = failures, exported = 0;

	/* mod first: the order must put core before it. */
	part("xobj_b", "mod", &mod, &p[0], ex);
	part("xobj_a", "core", &core, &p[1], ex);
	CHECK(find_ksym(&mod.nc, "added_helper") >= 0);
	/* core adds a variable (it would be a part without its function). */
	CHECK(nc_diff_adds_data(&core.d) && !nc_diff_adds_data(&mod.d));
	objs = diffed(p, (const struct fixture *[]){ &mod, &core }, 2);
	CHECK(nc_link_parts(p, 2, objs, 2, "t1", &links, &nl, err,
			    sizeof(err)) == 0);
	CHECK(nl == 2);
	for (i = 0; i < nl; i++)
		CHECK(links[i].user == 0 && links[i].definer == 1 &&
		      links[i].func == !strcmp(links[i].name, "added_helper"));
	CHECK(find_ksym(&mod.nc, "added_helper") < 0);
	CHECK(find_ksym(&mod.nc, "added_count") < 0);
	CHECK(find_ksym(&mod.nc, "old_global") >= 0);
	CHECK(relocated_to(&mod.nc, "__ksplice_t1_added_helper"));
	CHECK(relocated_to(&mod.nc, "__ksplice_t1_added_count"));
	x = find_export(&core.nc, "__ksplice_t1_added_helper");
	CHECK(x && x->link && x->gpl && x->func);
	x = find_export(&core.nc, "__ksplice_t1_added_count");
	CHECK(x && x->link && !x->func);
	CHECK(core.nc.nr_exports == 2);
	CHECK(nc_part_order(p, 2, ex, links, nl, order, err, sizeof(err)) == 0);
	CHECK(order[0] == 1 && order[1] == 0);

	/* The private export is a global symbol of core's object. */
	path = ks_strfmt("%s/core.o", tmp);
	CHECK(nc_write_elf(&core.nc, path, err, sizeof(err)) == 0);
	CHECK(ks_object_read(path, &out, err, sizeof(err)) == 0);
	for (i = 1; i < out.nr_syms; i++)
		exported |= !strcmp(out.syms[i].name, "__ksplice_t1_added_helper") &&
			    ks_sym_bind(&out.syms[i]) == STB_GLOBAL &&
			    out.syms[i].sym.st_shndx != SHN_UNDEF;
	CHECK(exported);
	ks_object_free(&out);
	free(path);
	free(objs);
	nc_links_free(links, nl);
	unpart(&mod);
	unpart(&core);
	printf("link           %s\n", failures > before ? "FAIL" : "ok");
}

/* Two other parts add the name mod uses: which one is meant is unknown. */
static void test_ambiguous(const struct ks_exports *ex)
{
	struct fixture mod, a, b;
	struct nc_part p[3];
	struct nc_link *links = NULL;
	struct nc_diffed *objs;
	size_t nl = 0;
	char err[512] = "";
	int before = failures;

	part("xobj_b", "mod", &mod, &p[0], ex);
	part("xobj_a", "one", &a, &p[1], ex);
	part("xobj_a", "two", &b, &p[2], ex);
	objs = diffed(p, (const struct fixture *[]){ &mod, &a, &b }, 3);
	CHECK(nc_link_parts(p, 3, objs, 3, "t2", &links, &nl, err,
			    sizeof(err)) == 1);
	CHECK(strstr(err, "both the one and the two parts"));
	CHECK(find_ksym(&mod.nc, "added_helper") >= 0);
	free(objs);
	nc_links_free(links, nl);
	unpart(&mod);
	unpart(&a);
	unpart(&b);
	printf("ambiguous      %s\n", failures > before ? "FAIL" : "ok");
}

/*
 * Variables one part adds in special sections and only another part
 * uses: a per-CPU one is carried and linked; a __read_mostly one is not
 * carried, so it is refused at creation instead of failing to resolve
 * at apply.
 */
static void test_special_data(const struct ks_exports *ex)
{
	struct fixture pcpu, mostly, def;
	struct nc_part p[2];
	struct nc_link *links = NULL;
	struct nc_diffed *objs;
	size_t nl = 0;
	char err[512] = "";
	int before = failures;

	part("xspecial_pcpu", "mod", &pcpu, &p[0], ex);
	part("xspecial_def", "core", &def, &p[1], ex);
	objs = diffed(p, (const struct fixture *[]){ &pcpu, &def }, 2);
	CHECK(nc_link_parts(p, 2, objs, 2, "t3", &links, &nl, err,
			    sizeof(err)) == 0);
	CHECK(nl == 1 && nl && !strcmp(links[0].name, "added_pcpu"));
	CHECK(nc_diff_adds_data(&def.d));
	CHECK(relocated_to(&pcpu.nc, "__ksplice_t3_added_pcpu"));
	nc_links_free(links, nl);
	unpart(&pcpu);
	unpart(&def);

	part("xspecial_mostly", "mod", &mostly, &p[0], ex);
	part("xspecial_def", "core", &def, &p[1], ex);
	free(objs);
	objs = diffed(p, (const struct fixture *[]){ &mostly, &def }, 2);
	CHECK(nc_link_parts(p, 2, objs, 2, "t3", &links, &nl, err,
			    sizeof(err)) == 1);
	CHECK(strstr(err, "the mod part's new code uses added_mostly, which the patch adds to xspecial_def (the core part), but the new code does not carry it"));
	free(objs);
	nc_links_free(links, nl);
	unpart(&mostly);
	unpart(&def);
	printf("special data   %s\n", failures > before ? "FAIL" : "ok");
}

/* Parts that need each other: refused, naming both needs. */
static void test_cycle(const struct ks_exports *ex)
{
	struct nc_object none[3];
	struct nc_part p[3] = {
		{ "vmlinux", &none[0] },
		{ "ext4", &none[1] },
		{ "jbd2", &none[2] },
	};
	struct nc_link links[3] = {
		{ 0, 1, "from_ext4", "x", 1 },
		{ 1, 2, "from_jbd2", "y", 1 },
		{ 2, 1, "from_ext4_too", "z", 0 },
	};
	size_t order[3];
	char err[512] = "";
	int before = failures;

	memset(none, 0, sizeof(none));
	CHECK(nc_part_order(p, 3, ex, links, 2, order, err, sizeof(err)) == 0);
	CHECK(order[0] == 2 && order[1] == 1 && order[2] == 0);
	CHECK(nc_part_order(p, 3, ex, links, 3, order, err, sizeof(err)) == 1);
	CHECK(strstr(err, "ext4 uses from_jbd2 from the jbd2 part"));
	CHECK(strstr(err, "jbd2 uses from_ext4_too from the ext4 part"));
	CHECK(!strstr(err, "vmlinux uses"));
	printf("cycle          %s\n", failures > before ? "FAIL" : "ok");
}

static void test_alias(void)
{
	char *a = nc_link_alias("t1", "short"), *b, *c;
	const char *longname = "a_very_long_function_name_that_a_fix_might_add_somewhere";
	int before = failures;

	CHECK(!strcmp(a, "__ksplice_t1_short"));
	b = nc_link_alias("t1", longname);
	c = nc_link_alias("t2", longname);
	CHECK(strlen(b) < 56 && !strncmp(b, "__ksplice_", 10));
	CHECK(strcmp(b, c));
	free(c);
	c = nc_link_alias("t1", longname);
	CHECK(!strcmp(b, c));
	free(a);
	free(b);
	free(c);
	printf("alias          %s\n", failures > before ? "FAIL" : "ok");
}

int main(void)
{
	struct ks_exports ex;
	char err[256], *symvers;
	static const char text[] = "0x3\tsink\tvmlinux\tEXPORT_SYMBOL\t\n";

	if (!mkdtemp(tmp))
		return 1;
	symvers = ks_strfmt("%s/Module.symvers", tmp);
	ks_write_file(symvers, text, strlen(text));
	if (ks_exports_load(symvers, &ex, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	test_link(&ex);
	test_ambiguous(&ex);
	test_special_data(&ex);
	test_cycle(&ex);
	test_alias();
	ks_exports_free(&ex);
	free(symvers);
	ks_rmtree(tmp);
	if (failures) {
		fprintf(stderr, "test_newcode_parts: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_newcode_parts: ok\n");
	return 0;
}
