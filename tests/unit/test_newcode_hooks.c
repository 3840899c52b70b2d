// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-create's side of issue 7 on host-compiled fixtures
 * (tests/unit/fixtures/hooks_{pre,post}.c): hooks found with their kinds,
 * a deleted static function listed for a stub (a deleted global one
 * kept, with a note), a new export, a changed
 * writable variable noted with ksplice_data_changed() and refused
 * without it, and a module target's own export resolved by ksplice (so
 * the new code loads before the module).
 */
#include "diff/elf_object.h"
#include "newcode/newcode.h"
#include "diff/objdiff.h"
#include "util/fs.h"
#include "check.h"

#include <ksplice/abi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmp[] = "/tmp/test_newcode_hooks.XXXXXX";

static void compile(const char *name, const char *out, const char *defs)
{
	char *cmd = ks_strfmt("gcc -O2 -ffunction-sections -fdata-sections "
			      "-fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables "
			      "-mno-red-zone -Itests/unit/fixtures/kshim -Iinclude %s "
			      "-c -o %s tests/unit/fixtures/%s.c", defs, out, name);

	if (system(cmd)) {
		fprintf(stderr, "cannot compile %s\n", name);
		exit(1);
	}
	free(cmd);
}

static const char *note_with(const struct ks_diff *d, const char *s)
{
	for (size_t i = 0; i < d->nr_notes; i++)
		if (strstr(d->notes[i], s))
			return d->notes[i];
	return NULL;
}

int main(void)
{
	struct ks_object pre, post, bare;
	struct ks_diff d, d2;
	struct nc_object nc = { 0 };
	struct ks_exports ex = { 0 };
	char err[512], a[256], b[256], c[256];
	int hooks[KSPLICE_HOOK_COUNT] = { 0 };

	if (!mkdtemp(tmp))
		return 1;
	snprintf(a, sizeof(a), "%s/pre.o", tmp);
	snprintf(b, sizeof(b), "%s/post.o", tmp);
	snprintf(c, sizeof(c), "%s/bare.o", tmp);
	compile("hooks_pre", a, "");
	compile("hooks_post", b, "");
	compile("hooks_post", c, "-DNO_ANNOTATION");
	if (ks_object_read(a, &pre, err, sizeof(err)) ||
	    ks_object_read(b, &post, err, sizeof(err)) ||
	    ks_object_read(c, &bare, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}

	/* Annotated: a note, no refusal; hooks, deletion, export. */
	CHECK(!ks_diff_objects(&pre, &post, &d, err, sizeof(err)));
	CHECK(!d.refusal);
	CHECK(note_with(&d, "'counter' changed") != NULL);
	CHECK(!nc_add_object(&nc, &d, "fixture.o", &ex, err, sizeof(err)));
	CHECK(nc.nr_hooks == 2);
	for (size_t i = 0; i < nc.nr_hooks; i++)
		if (nc.hooks[i].kind < KSPLICE_HOOK_COUNT)
			hooks[nc.hooks[i].kind]++;
	CHECK(hooks[KSPLICE_HOOK_PRE_APPLY] == 1);
	CHECK(hooks[KSPLICE_HOOK_APPLY] == 1);
	for (size_t i = 0; i < nc.nr_hooks; i++) {
		CHECK(nc.hooks[i].sec > 0 && nc.hooks[i].sec <= nc.nr_secs);
		if (nc.hooks[i].kind == KSPLICE_HOOK_APPLY)
			CHECK(!strcmp(nc.hooks[i].name, "convert"));
	}
	/* the static one gets a stub; the global one is kept, with a note */
	CHECK(nc.nr_deleted == 1);
	CHECK(nc.nr_deleted && !strcmp(nc.deleted[0].name, "old_helper"));
	{
		int kept = 0;

		for (size_t i = 0; i < nc.nr_notes; i++)
			kept |= strstr(nc.notes[i], "old_api is deleted by the patch but is global") != NULL;
		CHECK(kept);
	}
	CHECK(nc.nr_exports == 1);
	CHECK(nc.nr_exports && !strcmp(nc.exports[0].name, "new_api") &&
	      nc.exports[0].gpl && nc.exports[0].func);
	/* The descriptor and the object can be written. */
	snprintf(a, sizeof(a), "%s/desc.c", tmp);
	CHECK(!nc_write_desc(&nc, a, "t1", "vmlinux", "test", err, sizeof(err)));
	{
		char *text = ks_read_file(a, NULL);

		CHECK(text && strstr(text, "EXPORT_SYMBOL_GPL(new_api);"));
		CHECK(text && strstr(text, "ksplice_deleted_called(THIS_MODULE, \"old_helper\")"));
		CHECK(text && !strstr(text, "\"old_api\""));
		CHECK(text && strstr(text, ".nr_hooks = 2"));
		free(text);
	}
	snprintf(a, sizeof(a), "%s/nc.o", tmp);
	CHECK(!nc_write_elf(&nc, a, err, sizeof(err)));

	/* foo_helper is exported by module foo: ordinary for vmlinux... */
	{
		struct nc_object n2 = { 0 };
		struct ks_exports fx;
		size_t k, own = 0;
		int undef = 0;

		snprintf(a, sizeof(a), "%s/Module.symvers", tmp);
		ks_write_file(a, "0x00000001\tfoo_helper\tdrivers/misc/foo\tEXPORT_SYMBOL\t\n",
			      strlen("0x00000001\tfoo_helper\tdrivers/misc/foo\tEXPORT_SYMBOL\t\n"));
		CHECK(!ks_exports_load(a, &fx, err, sizeof(err)));
		CHECK(ks_exports_module(&fx, "foo_helper") &&
		      !strcmp(ks_exports_module(&fx, "foo_helper"), "foo"));
		n2.target = "vmlinux";
		CHECK(!nc_add_object(&n2, &d, "fixture.o", &fx, err, sizeof(err)));
		for (k = 0; k < n2.nr_syms; k++)
			undef |= !n2.syms[k].sec && !strcmp(n2.syms[k].name, "foo_helper");
		for (k = 0; k < n2.nr_ksyms; k++)
			own |= !strcmp(n2.ksyms[k].name, "foo_helper");
		CHECK(undef && !own);
		nc_free(&n2);
		/* ...a ksplice relocation for module foo itself. */
		n2.target = "foo";
		CHECK(!nc_add_object(&n2, &d, "fixture.o", &fx, err, sizeof(err)));
		undef = 0;
		own = 0;
		for (k = 0; k < n2.nr_syms; k++)
			undef |= !n2.syms[k].sec && !strcmp(n2.syms[k].name, "foo_helper");
		for (k = 0; k < n2.nr_ksyms; k++)
			own |= !strcmp(n2.ksyms[k].name, "foo_helper");
		CHECK(!undef && own);
		nc_free(&n2);
		ks_exports_free(&fx);
	}

	/* Without ksplice_data_changed(): refused, saying how to annotate. */
	CHECK(!ks_diff_objects(&pre, &bare, &d2, err, sizeof(err)));
	CHECK(d2.refusal && strstr(d2.refusal, "ksplice_data_changed(counter)"));

	nc_free(&nc);
	ks_diff_free(&d);
	ks_diff_free(&d2);
	ks_object_free(&pre);
	ks_object_free(&post);
	ks_object_free(&bare);
	ks_rmtree(tmp);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	else
		printf("test_newcode_hooks: all checks passed\n");
	return failures != 0;
}
