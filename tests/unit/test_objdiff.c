// SPDX-License-Identifier: GPL-2.0
/*
 * Object diff rules, one fixture pair each (tests/unit/fixtures/NAME_pre.c
 * and NAME_post.c), compiled here by the host gcc the way Kbuild compiles
 * kernel code (-O2 -ffunction-sections -fdata-sections, kernel code
 * model).  Each case asserts the exact set of changed/new/deleted
 * functions, the refusal and the notes.
 */
#include "elf_object.h"
#include "objdiff.h"
#include "pkg_fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expect {
	const char *name;
	const char *funcs;	/* sorted "kind:name" list, space separated */
	const char *refusal;	/* substring, or NULL for none */
	size_t notes;
};

static const struct expect cases[] = {
	{ "body", "changed:calc", NULL, 0 },
	{ "reloc", "changed:caller", NULL, 0 },
	{ "inline", "changed:user", NULL, 0 },
	{ "newfunc", "changed:entry new:checker", NULL, 0 },
	{ "deleted", "changed:entry deleted:old_helper", NULL, 0 },
	{ "isra", "changed:guarded changed:use_b.isra.0", NULL, 0 },
	{ "static_local", "new:zeroth", NULL, 0 },
	/* __func__.N and seen.N renumbered: the same names now mean others */
	{ "renumber", "new:early", NULL, 0 },
	/* a new WARN_ONCE flag in .data.once moves later's one byte on */
	{ "once", "changed:last", NULL, 0 },
	{ "string", "changed:greet", NULL, 0 },
	{ "data", "", "variable 'limit'", 0 },
	{ "init", "", NULL, 1 },
	{ "rodata", "changed:lookup", NULL, 0 },
	/* without the patch's hunks a moved __LINE__ is a change */
	{ "lines", "changed:first changed:later", NULL, 0 },
	/* two names of one function (init_module): changed once */
	{ "alias", "changed:fx_init", NULL, 0 },
};

static const char *fixtures = "tests/unit/fixtures";
static char tmp[] = "/tmp/test_objdiff.XXXXXX";

static int compile(const char *name, const char *which, char *out, size_t len)
{
	char *cmd;
	int ret;

	snprintf(out, len, "%s/%s_%s.o", tmp, name, which);
	cmd = ks_strfmt("gcc -O2 -ffunction-sections -fdata-sections -fno-pic "
			"-mcmodel=kernel -fno-asynchronous-unwind-tables "
			"-mno-red-zone -c -o %s %s/%s_%s.c",
			out, fixtures, name, which);
	ret = system(cmd);
	free(cmd);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_case_lines(const struct expect *e,
			  const struct ks_line_map *lines);

static int run_case(const struct expect *e)
{
	return run_case_lines(e, NULL);
}

static int run_case_lines(const struct expect *e,
			  const struct ks_line_map *lines)
{
	char pre_o[512], post_o[512], err[256];
	struct ks_object pre, post;
	struct ks_diff d;
	char **items, *got = NULL;
	size_t i, len = 0;
	FILE *f;
	int ok = 1;
	static const char *kinds[] = { "changed", "new", "deleted" };

	if (compile(e->name, "pre", pre_o, sizeof(pre_o)) ||
	    compile(e->name, "post", post_o, sizeof(post_o))) {
		fprintf(stderr, "%s: fixture does not compile\n", e->name);
		return 0;
	}
	if (ks_object_read(pre_o, &pre, err, sizeof(err)) ||
	    ks_object_read(post_o, &post, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", e->name, err);
		return 0;
	}
	if (ks_diff_objects_lines(&pre, &post, lines, &d, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", e->name, err);
		return 0;
	}
	items = calloc(d.nr_funcs + 1, sizeof(char *));
	for (i = 0; i < d.nr_funcs; i++)
		items[i] = ks_strfmt("%s:%s", kinds[d.funcs[i].kind],
				     d.funcs[i].name);
	qsort(items, d.nr_funcs, sizeof(char *), cmp_str);
	f = open_memstream(&got, &len);
	for (i = 0; i < d.nr_funcs; i++) {
		fprintf(f, "%s%s", i ? " " : "", items[i]);
		free(items[i]);
	}
	fclose(f);
	free(items);
	if (strcmp(got, e->funcs)) {
		fprintf(stderr, "%s: functions '%s', expected '%s'\n", e->name,
			got, e->funcs);
		ok = 0;
	}
	if (e->refusal ? !d.refusal || !strstr(d.refusal, e->refusal) :
	    d.refusal != NULL) {
		fprintf(stderr, "%s: refusal '%s', expected '%s'\n", e->name,
			d.refusal ? d.refusal : "(none)",
			e->refusal ? e->refusal : "(none)");
		ok = 0;
	}
	if (d.nr_notes != e->notes) {
		fprintf(stderr, "%s: %zu notes, expected %zu\n", e->name,
			d.nr_notes, e->notes);
		ok = 0;
	}
	/* A changed function names the pre function it replaces. */
	for (i = 0; i < d.nr_funcs; i++)
		if (d.funcs[i].kind == KS_FUNC_CHANGED && !d.funcs[i].pre_name) {
			fprintf(stderr, "%s: %s has no pre name\n", e->name,
				d.funcs[i].name);
			ok = 0;
		}
	free(got);
	ks_diff_free(&d);
	ks_object_free(&pre);
	ks_object_free(&post);
	printf("%-14s %s\n", e->name, ok ? "ok" : "FAIL");
	return ok;
}

/* The same "lines" fixture, now knowing the patch: later is left out. */
static int lines_case(void)
{
	static const struct expect e = { "lines", "changed:first", NULL, 1 };
	struct ks_line_map m;
	char *cmd = ks_strfmt("diff -u --label a/lines.c --label b/lines.c "
			      "%s/lines_pre.c %s/lines_post.c > %s/lines.patch",
			      fixtures, fixtures, tmp);
	char *path = ks_strfmt("%s/lines.patch", tmp), *text;
	long shift = 0;
	int ok = 1;

	(void)!system(cmd);	/* diff exits 1 when the files differ */
	text = ks_read_file(path, NULL);
	if (!text || ks_line_map_parse(text, "lines.c", &m)) {
		fprintf(stderr, "lines: cannot parse the patch\n");
		ok = 0;
	} else {
		/* line 3 of pre is line 6 of post; line 2 is in the hunk */
		ok &= ks_line_shift(&m, 3, &shift) == 0 && shift == 3;
		ok &= ks_line_shift(&m, 2, &shift) == -1;
		ok &= ks_line_shift(&m, 1, &shift) == 0 && shift == 0;
		if (!ok)
			fprintf(stderr, "lines: wrong line shifts\n");
		ok &= run_case_lines(&e, &m);
		ks_line_map_free(&m);
	}
	free(text);
	free(cmd);
	free(path);
	return ok;
}

int main(int argc, char **argv)
{
	size_t i;
	int failures = 0;

	if (argc > 1)
		fixtures = argv[1];
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		failures += !run_case(&cases[i]);
	failures += !lines_case();
	ks_rmtree(tmp);
	if (failures) {
		fprintf(stderr, "test_objdiff: %d case(s) failed\n", failures);
		return 1;
	}
	printf("test_objdiff: ok\n");
	return 0;
}
