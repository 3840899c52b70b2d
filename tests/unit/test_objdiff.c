// SPDX-License-Identifier: GPL-2.0
/*
 * Object diff rules, one fixture pair each (tests/unit/fixtures/NAME_pre.c
 * and NAME_post.c), compiled here by the host gcc the way Kbuild compiles
 * kernel code (-O2 -ffunction-sections -fdata-sections, kernel code
 * model).  Each case asserts the exact set of changed/new/deleted
 * functions, the refusal and the notes; the line-only cases (lines*)
 * also the functions left out as moved lines, with and without the hunks
 * of the fixture's own diff.
 */
#include "diff/elf_object.h"
#include "diff/objdiff.h"
#include "util/fs.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	/*
	 * __FILE__ is NAME.c (and NAME.h) in both objects, as it is the same
	 * tree-relative path in a kernel's pre and post build.
	 */
	cmd = ks_strfmt("gcc -O2 -ffunction-sections -fdata-sections -fno-pic "
			"-mcmodel=kernel -fno-asynchronous-unwind-tables "
			"-mno-red-zone -fmacro-prefix-map=%s/%s_%s=%s "
			"-c -o %s %s/%s_%s.c",
			fixtures, name, which, name, out, fixtures, name, which);
	ret = system(cmd);
	free(cmd);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names the line-only note lists, sorted, or "" without that note. */
static char *moved_names(const struct ks_diff *d)
{
	static const char *mark = "are left out: ";
	char *list = NULL, *tok, *save = NULL, **names = NULL, *out = NULL;
	size_t i, n = 0, len = 0;
	FILE *f;

	for (i = 0; i < d->nr_notes && !list; i++)
		if (strstr(d->notes[i], mark))
			list = strdup(strstr(d->notes[i], mark) + strlen(mark));
	f = open_memstream(&out, &len);
	for (tok = list ? strtok_r(list, ", ", &save) : NULL; tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		names = realloc(names, (n + 1) * sizeof(char *));
		names[n++] = tok;
	}
	if (n)
		qsort(names, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", names[i]);
	fclose(f);
	free(names);
	free(list);
	return out;
}

static int run_case_lines(const struct expect *e,
			  const struct ks_line_maps *lines, const char *moved);

static int run_case(const struct expect *e)
{
	return run_case_lines(e, NULL, NULL);
}

/*
 * lines: the hunks of the fixture's patch, for NAME.c; moved: the sorted
 * names the line-only note lists, or NULL: unchecked.
 */
static int run_case_lines(const struct expect *e,
			  const struct ks_line_maps *lines, const char *moved)
{
	char pre_o[512], post_o[512], err[256];
	struct ks_object pre, post;
	struct ks_diff d;
	char **items, *got = NULL, *src;
	size_t i, len = 0;
	FILE *f;
	int ok = 1, ret;
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
	src = ks_strfmt("%s.c", e->name);
	ret = ks_diff_objects_lines(&pre, &post, lines, src, &d, err,
				    sizeof(err));
	free(src);
	if (ret) {
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
	if (moved) {
		char *m = moved_names(&d);

		if (strcmp(m, moved)) {
			fprintf(stderr, "%s: line-only '%s', expected '%s'\n",
				e->name, m, moved);
			ok = 0;
		}
		free(m);
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
	printf("%-24s %s%s\n", e->name, lines ? "" : "(no hunks) ",
	       ok ? "ok" : "FAIL");
	return ok;
}

/*
 * Line-only changes: each NAME_post.c adds lines to first() (a real
 * change) and so moves every line below it; later() differs only in the
 * moved lines of one of the kernel's forms (tests/unit/fixtures/kbug.h),
 * the other functions each make one real change next to a moved line and
 * must stay changed.  With the patch's hunks the line-only functions are
 * left out and named in a note; without them they are changes.
 */
struct line_expect {
	const char *name;
	const char *funcs;	/* with the hunks */
	const char *moved;	/* named by the note (with the hunks) */
	const char *funcs_nomap;	/* without the hunks */
};

static const struct line_expect line_cases[] = {
	/* report(__LINE__) */
	{ "lines", "changed:first", "later",
	  "changed:first changed:later" },
	/* __bug_table: WARN_ON -> WARN_ON_ONCE changes only its flags */
	{ "lines_warn_on", "changed:cond changed:first changed:once", "later",
	  "changed:cond changed:first changed:later changed:once" },
	{ "lines_warn_on_once", "changed:body changed:first changed:plain",
	  "later",
	  "changed:body changed:first changed:later changed:plain" },
	/* __warn_printk + __bug_table; WARN_TAINT's taint is in the flags */
	{ "lines_warn", "changed:first changed:format changed:taint", "later",
	  "changed:first changed:format changed:later changed:taint" },
	/* .data.once flags renumbered by first's new one */
	{ "lines_warn_once", "changed:first changed:plain", "later",
	  "changed:first changed:later changed:plain" },
	/* #line: a line where the patch does not put it */
	{ "lines_bug", "changed:first changed:moved", "later",
	  "changed:first changed:later changed:moved" },
	/* #line "other.c": another file */
	{ "lines_bug_on", "changed:file changed:first changed:warn", "later",
	  "changed:file changed:first changed:later changed:warn" },
	/* __might_sleep(__FILE__, __LINE__) and friends */
	{ "lines_might_sleep", "changed:call changed:first", "fault later",
	  "changed:call changed:fault changed:first changed:later" },
	/* __LINE__ as a pushed argument (imm8), in a struct on the stack;
	 * __LINE__ + 1, and a compared constant that changes by the shift */
	{ "lines_printk", "changed:cmp changed:first changed:value",
	  "later loc push",
	  "changed:cmp changed:first changed:later changed:loc "
	  "changed:push changed:value" },
	/* "field \"p->buf\" at FILE:LINE" */
	{ "lines_fortify", "changed:first changed:member", "later",
	  "changed:first changed:later changed:member" },
	/* a WARN in a header's inline: moved by the header's hunks */
	{ "lines_header", "changed:first", "later local",
	  "changed:first changed:later changed:local" },
};

/* The unified diff of NAME_pre.c -> NAME_post.c (and .h), as a/NAME.c. */
static char *fixture_patch(const char *name)
{
	char *path = ks_strfmt("%s/%s.patch", tmp, name), *text, *cmd;
	static const char *exts[] = { "c", "h" };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *pre = ks_strfmt("%s/%s_pre.%s", fixtures, name, exts[i]);

		if (!access(pre, R_OK)) {
			cmd = ks_strfmt("diff -u --label a/%s.%s --label b/%s.%s "
					"%s %s/%s_post.%s >> %s", name, exts[i],
					name, exts[i], pre, fixtures, name,
					exts[i], path);
			(void)!system(cmd);	/* 1: the files differ */
			free(cmd);
		}
		free(pre);
	}
	text = ks_read_file(path, NULL);
	free(path);
	return text;
}

static int line_case(const struct line_expect *le)
{
	struct expect with = { le->name, le->funcs, NULL, 1 };
	struct expect without = { le->name, le->funcs_nomap, NULL, 0 };
	char *text = fixture_patch(le->name);
	struct ks_line_maps ms = { 0 };
	int ok = 1;

	if (!text) {
		fprintf(stderr, "%s: no patch\n", le->name);
		return 0;
	}
	ks_line_maps_add(&ms, text);
	ok &= run_case_lines(&with, &ms, le->moved);
	ks_line_maps_free(&ms);
	ok &= run_case_lines(&without, NULL, "");
	free(text);
	return ok;
}

/* The hunks of the "lines" fixture: where its lines go. */
static int line_shifts(void)
{
	char *text = fixture_patch("lines");
	struct ks_line_map m;
	long shift = 0;
	int ok = 1;

	if (!text || ks_line_map_parse(text, "lines.c", &m)) {
		fprintf(stderr, "lines: cannot parse the patch\n");
		free(text);
		return 0;
	}
	/* line 3 of pre is line 6 of post; line 2 is in the hunk */
	ok &= ks_line_shift(&m, 3, &shift) == 0 && shift == 3;
	ok &= ks_line_shift(&m, 2, &shift) == -1;
	ok &= ks_line_shift(&m, 1, &shift) == 0 && shift == 0;
	if (!ok)
		fprintf(stderr, "lines: wrong line shifts\n");
	ks_line_map_free(&m);
	free(text);
	printf("%-24s %s\n", "line shifts", ok ? "ok" : "FAIL");
	return ok;
}

/*
 * Which file's hunks a __FILE__ gets, and two patches on one file: the
 * second one's line numbers are those of the first one's result.
 */
static int line_files(void)
{
	static const char *p1 =
		"--- a/kernel/foo.c\n+++ b/kernel/foo.c\n"
		"@@ -10,0 +11,2 @@\n+a\n+b\n"
		"--- a/arch/x86/kernel/foo.c\n+++ b/arch/x86/kernel/foo.c\n"
		"@@ -1 +0,0 @@\n-x\n";
	static const char *p2 =
		"--- a/kernel/foo.c\n+++ b/kernel/foo.c\n"
		"@@ -30,2 +30,3 @@\n c\n+d\n e\n";
	struct ks_line_maps ms = { 0 };
	const struct ks_line_file *k, *a;
	int ok = 1;

	ks_line_maps_add(&ms, p1);
	ks_line_maps_add(&ms, p2);
	k = ks_line_maps_find(&ms, "kernel/foo.c");
	a = ks_line_maps_find(&ms, "arch/x86/kernel/foo.c");
	ok &= ms.n == 2 && k && a && k != a && k->n == 2 && a->n == 1;
	ok &= ks_line_maps_find(&ms, "./kernel/foo.c") == k;
	ok &= ks_line_maps_find(&ms, "/src/linux/kernel/foo.c") == k;
	ok &= ks_line_maps_find(&ms, "/src/linux/arch/x86/kernel/foo.c") == a;
	/* a relative name is the patch's exactly */
	ok &= !ks_line_maps_find(&ms, "x86/kernel/foo.c");
	ok &= !ks_line_maps_find(&ms, "fs/foo.c");
	/* 20 -> 22 (first patch) -> 22 (before the second one's hunk) */
	ok &= ks_line_moved(k, 20, 22) && !ks_line_moved(k, 20, 21);
	/* 40 -> 42 -> 43 */
	ok &= ks_line_moved(k, 40, 43) && !ks_line_moved(k, 40, 42);
	/* 28 -> 30 -> 30, 29 -> 31 -> 32: context lines of the second hunk */
	ok &= ks_line_moved(k, 28, 30) && ks_line_moved(k, 29, 32);
	ok &= ks_line_moved(a, 5, 4) && !ks_line_moved(a, 1, 1);
	/* "FILE:LINE" in a string */
	ok &= ks_strings_lines_moved("at kernel/foo.c:40 x", "at kernel/foo.c:43 x", &ms);
	ok &= !ks_strings_lines_moved("at kernel/foo.c:40 x", "at kernel/foo.c:44 x", &ms);
	ok &= !ks_strings_lines_moved("at kernel/foo.c:40 x", "at kernel/foo.c:43 y", &ms);
	ok &= !ks_strings_lines_moved("at fs/foo.c:40", "at fs/foo.c:43", &ms);
	ok &= !ks_strings_lines_moved("at kernel/foo.c:40", "at kernel/foo.c:40", &ms);
	ok &= !ks_strings_lines_moved("size 40", "size 43", &ms);
	ks_line_maps_free(&ms);
	printf("%-24s %s\n", "line files", ok ? "ok" : "FAIL");
	return ok;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc > 1)
		fixtures = argv[1];
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	/* each case prints its own result; a check per case counts it */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(run_case(&cases[i]));
	CHECK(line_shifts());
	CHECK(line_files());
	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++)
		CHECK(line_case(&line_cases[i]));
	ks_rmtree(tmp);
	if (failures) {
		fprintf(stderr, "test_objdiff: %d case(s) failed\n", failures);
		return 1;
	}
	printf("test_objdiff: ok\n");
	return 0;
}
