// SPDX-License-Identifier: GPL-2.0
/*
 * One part's new-code module (module_build.h), as a list of steps over
 * one context: a directory of its own under the work dir, the symbols
 * the manifest lists, the module's sources (new-code object, descriptor,
 * stub, ABI header, Kbuild file), the Kbuild build against the target's
 * headers, its exports kept for what is built after it, its site tables
 * checked, and the .ko copied into the package.
 */
#include "create/module_build.h"
#include "newcode/newcode_sites.h"
#include "util/array.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The module as built, before it can go into a package: every site
 * table entry must name the module's own code at the instruction its
 * table claims (newcode_sites.h).  A wrong one is this tool's error,
 * not the patch's, but the package would make the kernel warn or BUG()
 * at load, so none is written.
 */
static int check_sites(const struct kb_ctx *c, const char *ko,
		       const char *mod, char *err, size_t errlen)
{
	char why[1024] = "";
	size_t checked = 0;
	int k = ks_check_sites(ko, &checked, why, sizeof(why));

	if (k > 0) {
		ks_set_err(err, errlen, "the new-code module %s.ko would be wrong, so no package is written: %s (an error of ksplice-create; please report it with the patch)",
			   mod, why);
		return KB_REFUSED;
	}
	if (k < 0) {
		ks_set_err(err, errlen, "cannot check the site tables of %s.ko: %s",
			   mod, why);
		return KB_ERR;
	}
	if (c->verbose)
		fprintf(stderr, "  SITES   %s.ko: %zu site table entries checked\n",
			mod, checked);
	return KB_OK;
}

/*
 * The part's Module.symvers lines (with_links: also the private exports
 * for the other parts) appended to file all.
 */
static void append_symvers(const char *sv, const char *all,
			   const struct nc_object *nc, int with_links)
{
	char *old = ks_read_file(all, NULL), *add = ks_read_file(sv, NULL);
	char *cat = ks_strfmt("%s", old ? old : ""), *line, *save = NULL;
	size_t i, added = 0;

	for (line = add ? strtok_r(add, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *name = strchr(line, '\t');
		size_t len = name ? strcspn(++name, "\t") : 0;
		int link = 0;
		char *c;

		for (i = 0; name && i < nc->nr_exports; i++)
			link |= nc->exports[i].link &&
				strlen(nc->exports[i].name) == len &&
				!strncmp(nc->exports[i].name, name, len);
		if (link && !with_links)
			continue;
		c = ks_strfmt("%s%s\n", cat, line);
		free(cat);
		cat = c;
		added++;
	}
	/* No file at all when nothing is public: no symvers to write. */
	if (added)
		ks_write_file(all, cat, strlen(cat));
	free(old);
	free(add);
	free(cat);
}

/* ---- the module's steps ----------------------------------------------- */

/*
 * What ks_build_newcode_module()'s steps share: its inputs and what they
 * make (the module's name and directory), so that every step can end the
 * build and module_ctx_free() releases what was made, whichever ended it.
 */
struct module_ctx {
	const struct ks_module_build *b;
	char *err;
	size_t errlen;
	char *mod;		/* the module's name (owned copy) */
	char *dir;		/* where it is written and built (owned) */
};

/* Kbuild builds an external module in a directory of its own. */
static int make_module_dir(struct module_ctx *mx)
{
	ks_mkdir_p(mx->dir, 0755);
	return KB_OK;
}

/*
 * The manifest lists the kernel symbols the new code refers to, so that
 * ksplice-apply can resolve them in the running kernel before it loads
 * the module.
 */
static int list_module_syms(struct module_ctx *mx)
{
	const struct nc_object *nc = mx->b->nc;
	struct ks_target *mt = mx->b->mt;
	size_t i;

	mt->syms = ks_grow(NULL, 0, nc->nr_ksyms + 1, sizeof(*mt->syms));
	for (i = 0; i < nc->nr_ksyms; i++) {
		mt->syms[i].name = ks_xstrdup(nc->ksyms[i].name);
		mt->syms[i].flags = nc->ksyms[i].flags;
		mt->syms[i].object = nc->ksyms[i].object ?
				     ks_xstrdup(nc->ksyms[i].object) : NULL;
	}
	mt->nr_syms = nc->nr_ksyms;
	return KB_OK;
}

/*
 * The new code itself, as an object Kbuild links in unchanged (a
 * _shipped file): it was made from the post objects, not compiled here.
 */
static int write_newcode_object(struct module_ctx *mx)
{
	char *path = ks_strfmt("%s/ksplice_newcode.o_shipped", mx->dir);
	int ret;

	ret = nc_write_elf(mx->b->nc, path, mx->err, mx->errlen) ? KB_ERR :
								   KB_OK;
	free(path);
	return ret;
}

/* The descriptor tells the core module what the new code replaces. */
static int write_descriptor(struct module_ctx *mx)
{
	char *path = ks_strfmt("%s/ksplice_desc.c", mx->dir);
	int ret;

	ret = nc_write_desc(mx->b->nc, path, mx->b->id, mx->b->mt->name,
			    mx->b->description, mx->err, mx->errlen) ? KB_ERR :
									KB_OK;
	free(path);
	return ret;
}

/*
 * The stub registers the descriptor with the core module; it and the
 * ABI header it includes are compiled with the module, next to it.
 */
static int copy_module_stub(struct module_ctx *mx)
{
	const struct ks_module_build *b = mx->b;
	char *path = ks_strfmt("%s/ksplice_stub.c", b->stub_dir);
	char *text = ks_strfmt("%s/ksplice_stub.c", mx->dir);
	int ret;

	ret = ks_copy_file(path, text);
	free(path);
	free(text);
	path = ks_strfmt("%s/ksplice_abi.h", mx->dir);
	ret |= ks_copy_file(b->abi_header, path);
	free(path);
	if (ret) {
		ks_set_err(mx->err, mx->errlen,
			   "cannot find the module stub in %s or %s",
			   b->stub_dir, b->abi_header);
		return KB_ERR;
	}
	return KB_OK;
}

/* The Kbuild file that makes one module of stub, descriptor and code. */
static int write_kbuild_file(struct module_ctx *mx)
{
	const char *mod = mx->mod, *dir = mx->dir;
	char *path, *text;

	text = ks_strfmt("# Generated by ksplice-create\n"
			 "obj-m := %s.o\n"
			 "%s-y := ksplice_stub.o ksplice_desc.o ksplice_newcode.o\n"
			 "ccflags-y := -I$(src)\n", mod, mod);
	/*
	 * modpost (srcversion) reads the .cmd file of every object; the
	 * _shipped rule writes none, so provide one without dependencies.
	 */
	path = ks_strfmt("%s/.ksplice_newcode.o.cmd", dir);
	{
		char *cmd = ks_strfmt("cmd_%s/ksplice_newcode.o := cat %s/ksplice_newcode.o_shipped > %s/ksplice_newcode.o\n",
				      dir, dir, dir);

		ks_write_file(path, cmd, strlen(cmd));
		free(cmd);
	}
	free(path);
	path = ks_strfmt("%s/Kbuild", dir);
	ks_write_file(path, text, strlen(text));
	free(path);
	free(text);
	return KB_OK;
}

/*
 * Build against the target's headers, so the module loads into that
 * kernel; the symbols it takes from the core module and from earlier
 * parts need their Module.symvers lines, or modpost cannot check them.
 */
static int run_module_build(struct module_ctx *mx)
{
	const struct ks_module_build *b = mx->b;
	/*
	 * The core module's exports, and the earlier parts' new and
	 * private ones (parts.symvers: their CRCs are those modules').
	 */
	char *out = ks_strfmt("%s/parts.symvers", b->c->work);
	int core = b->core_symvers && !access(b->core_symvers, R_OK);
	char *extra = NULL;
	int ret;

	if (b->c->verbose)
		fprintf(stderr, "  LD [M]  %s.ko\n", mx->mod);
	if (core && !access(out, R_OK))
		extra = ks_strfmt("%s %s", b->core_symvers, out);
	else if (core)
		extra = ks_xstrdup(b->core_symvers);
	else if (!access(out, R_OK))
		extra = ks_xstrdup(out);
	ret = kb_build_module(b->c, mx->dir, extra, !core, mx->err,
			      mx->errlen);
	free(extra);
	free(out);
	return ret;
}

/*
 * Say when modpost could not check the core module's symbols, and keep
 * the module's new exports for whatever is built after it: the later
 * parts, and the user's modules that call them.
 */
static int record_module_exports(struct module_ctx *mx)
{
	const struct ks_module_build *b = mx->b;

	if (!b->core_symvers || access(b->core_symvers, R_OK))
		KS_PUSH(*b->notes, *b->nr_notes,
			ks_strfmt("the core module's Module.symvers was not found%s%s: %s.ko was built with KBUILD_MODPOST_WARN=1",
				  b->core_symvers ? " at " : "",
				  b->core_symvers ? b->core_symvers : "",
				  mx->mod));
	if (b->nc->nr_exports) {
		/*
		 * Modules that call the new exports are built against these
		 * lines (KBUILD_EXTRA_SYMBOLS): their CRCs are the new-code
		 * module's.  exports.out, without the private links, is
		 * written next to the package at the end.
		 */
		char *sv = ks_strfmt("%s/Module.symvers", mx->dir);
		char *parts = ks_strfmt("%s/parts.symvers", b->c->work);
		char *pub = ks_strfmt("%s/exports.out", b->c->work);

		append_symvers(sv, parts, b->nc, 1);
		append_symvers(sv, pub, b->nc, 0);
		free(sv);
		free(parts);
		free(pub);
	}
	return KB_OK;
}

/* Only a module whose site tables are right goes into the package. */
static int package_module(struct module_ctx *mx)
{
	char *path = ks_strfmt("%s/%s.ko", mx->dir, mx->mod);
	char *text = ks_strfmt("%s/%s", mx->b->pkgdir, mx->b->mt->module_path);
	int ret = check_sites(mx->b->c, path, mx->mod, mx->err, mx->errlen);

	if (!ret && (ks_mkdir_parent(text) || ks_copy_file(path, text))) {
		ks_set_err(mx->err, mx->errlen,
			   "the module build did not produce %s", path);
		ret = KB_ERR;
	}
	free(path);
	free(text);
	return ret;
}

static void module_ctx_free(struct module_ctx *mx)
{
	free(mx->mod);
	free(mx->dir);
}

/* ---- the entry point -------------------------------------------------- */

int ks_build_newcode_module(const struct ks_module_build *b, char *err,
			    size_t errlen)
{
	struct module_ctx mx = { .b = b, .err = err, .errlen = errlen };
	int ret = KB_OK;

	mx.mod = ks_xstrdup(b->mt->module_name);
	mx.dir = ks_strfmt("%s/kmod-%s", b->c->work, mx.mod);
	ret = ret ?: make_module_dir(&mx);
	ret = ret ?: list_module_syms(&mx);
	/* The module's sources: new code, descriptor, stub, ABI header. */
	ret = ret ?: write_newcode_object(&mx);
	ret = ret ?: write_descriptor(&mx);
	ret = ret ?: copy_module_stub(&mx);
	ret = ret ?: write_kbuild_file(&mx);
	/* built, its exports kept for later builds, checked, packaged */
	ret = ret ?: run_module_build(&mx);
	ret = ret ?: record_module_exports(&mx);
	ret = ret ?: package_module(&mx);
	module_ctx_free(&mx);
	return ret;
}
