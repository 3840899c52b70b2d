// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-create's pipeline (see create_update.h):
 *   checks (compiler, config, source version) -> private tree ->
 *   pre build (cached per source file) -> patch, post build, restore ->
 *   diff each object -> new-code object + descriptor per target ->
 *   Kbuild module against the target headers -> package.
 * Everything is written in a private temp dir that is removed at the
 * end; the tarball appears only by rename, so a failure leaves nothing.
 * ks_create_update() lists those steps in order; each is a function of
 * its own, and what they make is owned by one context (struct
 * create_ctx) that one function frees.  Each part's module is written,
 * built and packaged by module_build.c, a list of steps of its own.
 */
#include "create/create_update.h"
#include "diff/elf_object.h"
#include "create/header_additions.h"
#include "create/header_users.h"
#include "create/kbuild_driver.h"
#include "create/module_build.h"
#include "newcode/newcode.h"
#include "newcode/newcode_parts.h"
#include "diff/objdiff.h"
#include "code/patch_site.h"
#include "util/array.h"
#include "util/error.h"
#include "util/fs.h"
#include "diff/type_layout.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <ksplice/abi.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_note(struct ks_create_result *r, char *text)
{
	KS_PUSH(r->notes, r->nr_notes, text);
}

static char *random_id(void)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[8];
	char *id = ks_xrealloc(NULL, 9);
	FILE *f = fopen("/dev/urandom", "rb");
	int i;

	if (!f || fread(raw, 1, 8, f) != 8) {
		srand((unsigned int)(time(NULL) ^ getpid()));
		for (i = 0; i < 8; i++)
			raw[i] = (unsigned char)rand();
	}
	if (f)
		fclose(f);
	for (i = 0; i < 8; i++)
		id[i] = set[raw[i] % 36];
	id[8] = '\0';
	return id;
}

static char *sha256_file(const char *path)
{
	size_t len;
	char *data = ks_read_file(path, &len), *hex;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!data)
		return NULL;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	free(data);
	hex = ks_xrealloc(NULL, 2 * n + 1);
	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return hex;
}

/*
 * The front end blocks SIGINT, SIGTERM and SIGHUP so that an interrupt
 * cannot leave half-written files: Kbuild (which does not block them)
 * stops, the step fails, everything is cleaned up, and no package is
 * written once a signal is pending.
 */
static int interrupted(void)
{
	sigset_t pending;

	if (sigpending(&pending))
		return 0;
	return sigismember(&pending, SIGINT) == 1 ||
	       sigismember(&pending, SIGTERM) == 1 ||
	       sigismember(&pending, SIGHUP) == 1;
}

/* ---- the target kernel's identity ------------------------------------- */

/* uname -v out of a "Linux version ..." banner (owned). */
static char *banner_uname_v(const char *banner)
{
	const char *p = strstr(banner, ") #");
	const char *e;

	if (!p)
		return NULL;
	p += 2;
	e = p + strcspn(p, "\n");
	return strndup(p, (size_t)(e - p));
}

static char *banner_from_vmlinux(const char *path, const char *release)
{
	size_t len, i;
	char *data = ks_read_file(path, &len), *res = NULL;
	char *needle = ks_strfmt("Linux version %s (", release);
	size_t nl = strlen(needle);

	if (!data) {
		free(needle);
		return NULL;
	}
	/*
	 * vmlinux holds two banners: init/version.o's, never used, with an
	 * empty build number ("# SMP"), and init/version-timestamp.o's, the
	 * one uname -v reports ("#1 SMP").  Prefer one with a number.
	 */
	for (i = 0; i + nl < len; i++) {
		char *b, *h;

		if (data[i] != 'L' || memcmp(data + i, needle, nl))
			continue;
		b = strndup(data + i, strnlen(data + i, len - i));
		h = b ? strstr(b, ") #") : NULL;
		if (!res || (h && h[3] >= '0' && h[3] <= '9')) {
			free(res);
			res = b;
		} else {
			free(b);
		}
	}
	free(data);
	free(needle);
	return res;
}

/* The banner of the target kernel, from its vmlinuz (cached). */
static char *find_banner(const struct ks_create_opts *o, const char *release,
			 const char *work)
{
	char *cachef = ks_strfmt("%s/create/banner-%s", o->cache, release);
	char *banner = ks_read_file(cachef, NULL), *vmlinuz = NULL;
	struct utsname u;
	glob_t g;
	size_t i;

	if (banner) {
		free(cachef);
		return banner;
	}
	if (!uname(&u) && !strcmp(u.release, release)) {
		banner = ks_read_file("/proc/version", NULL);
		if (banner) {
			free(cachef);
			return banner;
		}
	}
	vmlinuz = ks_strfmt("/boot/vmlinuz-%s", release);
	if (access(vmlinuz, R_OK) && o->config_dir) {
		free(vmlinuz);
		vmlinuz = ks_strfmt("%s/vmlinuz", o->config_dir);
	}
	if (access(vmlinuz, R_OK)) {
		char *pat = ks_strfmt("%s/kernels/*/root/boot/vmlinuz-%s",
				      o->cache, release);

		free(vmlinuz);
		vmlinuz = NULL;
		if (!glob(pat, 0, NULL, &g)) {
			if (g.gl_pathc)
				vmlinuz = ks_xstrdup(g.gl_pathv[0]);
			globfree(&g);
		}
		free(pat);
	}
	if (vmlinuz) {
		char *script = ks_strfmt("%s/scripts/extract-vmlinux", o->source);
		char *out = ks_strfmt("%s/vmlinux", work);
		char *argv[] = { script, vmlinuz, NULL };

		if (kb_run(NULL, out, argv) == 0)
			banner = banner_from_vmlinux(out, release);
		unlink(out);
		free(script);
		free(out);
	}
	free(vmlinuz);
	if (banner) {
		ks_mkdir_parent(cachef);
		ks_write_file(cachef, banner, strlen(banner));
	}
	(void)i;
	free(cachef);
	return banner;
}

/* ---- the pipeline ----------------------------------------------------- */

struct objinfo {
	char *obj;		/* fs/ext4/mballoc.o */
	char *src;		/* fs/ext4/mballoc.c */
	char *target;		/* ext4 or vmlinux */
	const char *header;	/* for a candidate: the changed header */
	struct ks_object pre, post;
	struct ks_diff diff;
	int loaded;
};

struct targetinfo {
	char *name;
	size_t *objs;		/* indices into objinfo */
	size_t nr_objs;
};

static int object_of(const char *file, char **obj)
{
	size_t n = strlen(file);

	*obj = NULL;
	if (n > 2 && (!strcmp(file + n - 2, ".c") || !strcmp(file + n - 2, ".S"))) {
		*obj = ks_strfmt("%.*s.o", (int)(n - 2), file);
		return 1;
	}
	return 0;
}

static int is_doc_file(const char *file)
{
	return !strncmp(file, "Documentation/", 14) ||
	       !strncmp(file, "tools/", 6) || !strncmp(file, "samples/", 8) ||
	       strstr(file, "MAINTAINERS") != NULL;
}

/* A header of one subsystem (fs/ext4/ext4.h), not include/ or arch's. */
static int is_local_header(const char *h)
{
	return strncmp(h, "include/", 8) &&
	       !(!strncmp(h, "arch/", 5) && strstr(h, "/include/"));
}

/*
 * Objects that may include header h: with a --prebuild tree, every
 * object whose dependencies list it; otherwise, for a subsystem's own
 * header, the C files that may include it (header_users.c: built if
 * configured, then kept only if their dependencies list the header).
 * (A global header without --prebuild: global_header().)
 */
static void header_candidates(const struct kb_ctx *c, const char *h,
			      char ***objs, size_t *nobjs, char ***csrc,
			      const char ***chdr, size_t *ncand)
{
	char **srcs = NULL;
	size_t n = 0, i, j;

	if (kb_is_prebuilt(c)) {
		char **list = kb_objects_including(c, h, &n);

		srcs = ks_grow(NULL, 0, n + 1, sizeof(char *));
		for (i = 0; i < n; i++) {
			size_t l = strlen(list[i]);
			char *cf = ks_strfmt("%.*s.c", (int)(l - 2), list[i]);
			char *abs = ks_strfmt("%s/%s", c->tree, cf);

			if (access(abs, R_OK)) {
				free(cf);
				cf = ks_strfmt("%.*s.S", (int)(l - 2), list[i]);
			}
			srcs[i] = cf;
			free(abs);
			free(list[i]);
		}
		free(list);
	} else {
		srcs = ks_local_header_users(c->tree, h, &n);
	}
	for (i = 0; i < n; i++) {
		char *obj = NULL;
		int dup = 0;

		object_of(srcs[i], &obj);
		for (j = 0; obj && j < *nobjs; j++)
			dup |= !strcmp((*objs)[j], obj);
		if (!obj || dup) {
			free(obj);
			free(srcs[i]);
			continue;
		}
		KS_PUSH(*objs, *nobjs, obj);
		/* csrc and chdr side by side: one count for both */
		*csrc = ks_grow(*csrc, *ncand, 1, sizeof(**csrc));
		(*csrc)[*ncand] = srcs[i];
		KS_PUSH(*chdr, *ncand, h);
	}
	free(srcs);
}

/* Whether one of the --stacked-on patches mentions one of the names. */
static const char *base_patches_mention(const struct ks_create_opts *o,
					char *const names[], size_t n)
{
	size_t i, j;

	for (i = 0; i < o->nr_base_patches; i++) {
		char *text = ks_read_file(o->base_patches[i], NULL);

		for (j = 0; text && j < n; j++) {
			const char *p = text;
			size_t l = strlen(names[j]);

			while ((p = strstr(p, names[j]))) {
				int word = (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
					   !(isalnum((unsigned char)p[l]) || p[l] == '_');

				if (word) {
					free(text);
					return names[j];
				}
				p += l;
			}
		}
		free(text);
	}
	return NULL;
}

/*
 * A changed header used across the kernel, without --prebuild: only a
 * full build knows which objects include it, but none of them changes
 * when the change only declares names that no code of the tree mentions
 * (header_additions.h); then only the patch's own files are built.
 * KB_OK (with a note) or KB_REFUSED saying why.
 */
static int global_header(const struct ks_create_opts *o,
			 const struct kb_ctx *c, const char *h,
			 const char *post, struct ks_create_result *r,
			 char *err, size_t errlen)
{
	/* the tree is not patched yet (only for the post build) */
	char *path = ks_strfmt("%s/%s", c->tree, h);
	char *pre = ks_read_file(path, NULL), *log, *name = NULL;
	char *file = NULL, *list = NULL, why[256] = "", **names = NULL;
	const char *bname;
	size_t n = 0, i;
	int ret = KB_REFUSED, used;

	if (!pre)
		snprintf(why, sizeof(why), "it is a new header");
	else if (!post)
		snprintf(why, sizeof(why), "it is deleted");
	else if (ks_header_additions(pre, post, &names, &n, why, sizeof(why))) {
		log = ks_strfmt("%s/names-in-tree.log", c->work);
		used = ks_names_in_tree(c->source, names, n, log, &name, &file);
		free(log);
		bname = used ? NULL : base_patches_mention(o, names, n);
		if (used < 0)
			snprintf(why, sizeof(why), "searching the source tree for the names it declares failed");
		else if (used)
			snprintf(why, sizeof(why), "it declares %s, which %s already mentions",
				 name, file);
		else if (bname)
			snprintf(why, sizeof(why), "it declares %s, which a --stacked-on patch already mentions",
				 bname);
		else
			ret = KB_OK;
	}
	if (ret == KB_OK) {
		for (i = 0; i < n; i++) {
			char *l = ks_strfmt("%s%s%s", list ? list : "",
					    list ? ", " : "", names[i]);

			free(list);
			list = l;
		}
		add_note(r, ks_strfmt("%s is used across the kernel, but the change only declares new names (%s) that no code of the tree mentions: no other object changes",
				      h, list ? list : "none"));
	} else {
		ks_set_err(err, errlen, "the patch changes %s, a header used across the kernel, and not only by declaring new names (%s); run ksplice-create once with --prebuild (a full build of the tree) so that it knows which objects include it",
			   h, why);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(list);
	free(name);
	free(file);
	free(pre);
	free(path);
	return ret;
}

/*
 * The changed headers as the patches leave them (NULL: deleted), from a
 * scratch copy of the patches' files: the tree itself is patched only
 * for the post build.
 */
static char **patched_headers(const struct ks_create_opts *o,
			      const struct kb_ctx *c, char *const files[],
			      size_t nfiles, char *const hdrs[], size_t nhdrs)
{
	struct kb_ctx s = *c;
	char **post = ks_grow(NULL, 0, nhdrs + 1, sizeof(char *));
	char err[512];
	size_t i;
	int ok = 1;

	memset(post, 0, (nhdrs + 1) * sizeof(char *));
	s.tree = ks_strfmt("%s/patched-files", c->work);
	for (i = 0; i < nfiles && ok; i++) {
		char *from = ks_strfmt("%s/%s", c->tree, files[i]);
		char *to = ks_strfmt("%s/%s", s.tree, files[i]);

		ok = !!access(from, F_OK) ||
		     (!ks_mkdir_parent(to) && !ks_copy_file(from, to));
		free(from);
		free(to);
	}
	ok = ok && !kb_apply_patches(&s, o->patches, o->nr_patches, 0, err,
				     sizeof(err));
	for (i = 0; i < nhdrs && ok; i++) {
		char *path = ks_strfmt("%s/%s", s.tree, hdrs[i]);

		post[i] = ks_read_file(path, NULL);
		free(path);
	}
	free(s.tree);
	if (!ok) {
		free(post);
		return NULL;
	}
	return post;
}

/*
 * Whether the command of a cached object (its .cmd file) compiled it in
 * an ancestor directory's context: KBUILD_MODFILE names a directory
 * above the object's.  Kbuild 6.1 can do that (build_again_in_own_dir()
 * in kbuild_driver.c); objects cached before that was repaired are built
 * again unless their key says they were built since.  (An object that a
 * Makefile above lists on purpose, fs/xfs/libxfs/ from fs/xfs/, is built
 * again once and then kept.)
 */
static int cmd_from_ancestor(const char *cmdfile, const char *obj)
{
	char *text = ks_read_file(cmdfile, NULL), *p, *e, *nl;
	const char *sl = strrchr(obj, '/'), *msl;
	int ret = 0;

	if (!text || !sl)
		goto out;
	nl = strchr(text, '\n');
	if (nl)
		*nl = 0;
	p = strstr(text, "-DKBUILD_MODFILE='\"");
	if (!p)
		goto out;
	p += strlen("-DKBUILD_MODFILE='\"");
	e = strchr(p, '"');
	msl = e ? memrchr(p, '/', (size_t)(e - p)) : NULL;
	ret = msl && msl - p < sl - obj && !strncmp(obj, p, (size_t)(msl - p)) &&
	      obj[msl - p] == '/';
out:
	free(text);
	return ret;
}

/* Pre objects: reuse the tree's cached ones when the source is the same. */
static int build_pre(const struct kb_ctx *c, struct objinfo *oi, size_t n,
		     const char *predir, int candidates, int nocache,
		     int *cached_all, char *err, size_t errlen)
{
	char **todo = ks_grow(NULL, 0, n, sizeof(char *));
	size_t nt = 0, i;
	int ret = KB_OK;

	*cached_all = 1;
	for (i = 0; i < n; i++) {
		char *srcf = ks_strfmt("%s/%s", c->source, oi[i].src);
		char *sum = sha256_file(srcf);
		char *keyf = ks_strfmt("%s/.ksplice-pre/%s.key", c->tree, oi[i].obj);
		char *cobj = ks_strfmt("%s/.ksplice-pre/%s", c->tree, oi[i].obj);
		char *cmdc = ks_strfmt("%s/.ksplice-pre/%s.cmd", c->tree, oi[i].obj);
		char *key = ks_read_file(keyf, NULL);
		char *dst = ks_strfmt("%s/%s", predir, oi[i].obj);
		const char *sl = strrchr(oi[i].obj, '/');
		char *cmdt = sl ? ks_strfmt("%s/%.*s/.%s.cmd", c->tree,
					    (int)(sl - oi[i].obj), oi[i].obj, sl + 1) :
			     ks_strfmt("%s/.%s.cmd", c->tree, oi[i].obj);

		/* the key is the source's sum, then " once" (built since the
		 * repair of double compiles) */
		int fresh = sum && key && !strncmp(key, sum, strlen(sum)) &&
			    (!strcmp(key + strlen(sum), " once") ||
			     (!key[strlen(sum)] && !cmd_from_ancestor(cmdc, oi[i].obj)));

		if (!nocache && fresh && !ks_mkdir_parent(dst) &&
		    !ks_copy_file(cobj, dst) && !ks_copy_file(cmdc, cmdt)) {
			if (c->verbose)
				fprintf(stderr, "  PRE     %s (cached)\n", oi[i].obj);
		} else {
			todo[nt++] = oi[i].obj;
		}
		free(srcf);
		free(sum);
		free(keyf);
		free(cobj);
		free(cmdc);
		free(key);
		free(dst);
		free(cmdt);
	}
	if (nt) {
		*cached_all = 0;
		ret = kb_build_objects(c, todo, nt, predir, candidates, err,
				       errlen);
	}
	/* Store what was built for the next run (not stacked pre code). */
	for (i = 0; i < nt && ret == KB_OK && !nocache; i++) {
		size_t j;
		const char *src = NULL;

		for (j = 0; j < n; j++)
			if (oi[j].obj == todo[i])
				src = oi[j].src;
		{
			char *srcf = ks_strfmt("%s/%s", c->source, src);
			char *sum = sha256_file(srcf);
			char *keyf = ks_strfmt("%s/.ksplice-pre/%s.key", c->tree, todo[i]);
			char *cobj = ks_strfmt("%s/.ksplice-pre/%s", c->tree, todo[i]);
			char *cmdc = ks_strfmt("%s/.ksplice-pre/%s.cmd", c->tree, todo[i]);
			char *built = ks_strfmt("%s/%s", predir, todo[i]);
			const char *sl = strrchr(todo[i], '/');
			char *cmdt = sl ? ks_strfmt("%s/%.*s/.%s.cmd", c->tree,
						    (int)(sl - todo[i]), todo[i], sl + 1) :
				     ks_strfmt("%s/.%s.cmd", c->tree, todo[i]);

			/* A candidate the configuration does not build is absent. */
			if (sum && !access(built, R_OK) && !ks_mkdir_parent(cobj) &&
			    !ks_copy_file(built, cobj) && !ks_copy_file(cmdt, cmdc)) {
				char *k = ks_strfmt("%s once", sum);

				ks_write_file(keyf, k, strlen(k));
				free(k);
			}
			free(srcf);
			free(sum);
			free(keyf);
			free(cobj);
			free(cmdc);
			free(built);
			free(cmdt);
		}
	}
	free(todo);
	return ret;
}

/*
 * <ksplice/hooks.h> and <ksplice/shadow.h> for the patch's author: put
 * into the private tree's include/ (on the compiler's include path)
 * before anything is built.  They sit next to the ABI header:
 * include/ksplice/ in the build tree, ksplice_hooks.h and
 * ksplice_shadow.h next to ksplice_abi.h when installed.
 */
static int install_hooks_header(const struct ks_create_opts *o,
				const struct kb_ctx *c, char *err,
				size_t errlen)
{
	const char *slash = o->abi_header ? strrchr(o->abi_header, '/') : NULL;
	int installed = slash && !strcmp(slash, "/ksplice_abi.h");
	static const char *const names[] = { "hooks.h", "shadow.h" };
	char *src, *dst;
	int ret = KB_OK;

	if (!slash)
		return KB_OK;
	for (size_t i = 0; i < 2 && ret == KB_OK; i++) {
		src = ks_strfmt("%.*s/%s%s", (int)(slash - o->abi_header),
				o->abi_header, installed ? "ksplice_" : "",
				names[i]);
		dst = ks_strfmt("%s/include/ksplice/%s", c->tree, names[i]);
		if (ks_mkdir_parent(dst) || ks_copy_file(src, dst)) {
			ks_set_err(err, errlen, "cannot copy %s into the build tree",
				   src);
			ret = KB_ERR;
		}
		free(src);
		free(dst);
	}
	return ret;
}

/*
 * Read patch PATH and append the files it touches to *files (which owns
 * them, even when the patch is refused); its text goes to *text, or is
 * dropped when text is NULL.
 */
static int read_patch(const char *path, char ***files, size_t *nfiles,
		      char **text, char *err, size_t errlen)
{
	char *t = ks_read_file(path, NULL);
	char **f = NULL;
	size_t nf = 0, j;
	int ret;

	if (!t) {
		ks_set_err(err, errlen, "cannot read %s: %s", path,
			   strerror(errno));
		return KB_USAGE;
	}
	ret = kb_patch_files(t, &f, &nf, err, errlen);
	for (j = 0; j < nf; j++)
		KS_PUSH(*files, *nfiles, f[j]);
	free(f);
	if (text && !ret)
		*text = t;
	else
		free(t);
	return ret;
}

/*
 * --stacked-on: apply the patches of the updates this one goes on top of
 * to the private tree, so the pre build is their post code, the code that
 * runs now.  Their files are restored with the patch's own at the end
 * (*all lists both, for the tree's dirty list).
 */
static int apply_base(const struct ks_create_opts *o, const struct kb_ctx *c,
		      char **files, size_t nfiles, char ***bfiles,
		      size_t *nbfiles, char ***all, char *err, size_t errlen)
{
	size_t i;
	int ret;

	if (!o->nr_base_patches)
		return KB_OK;
	for (i = 0; i < o->nr_base_patches; i++) {
		ret = read_patch(o->base_patches[i], bfiles, nbfiles, NULL,
				 err, errlen);
		if (ret)
			return ret;
	}
	*all = ks_grow(NULL, 0, nfiles + *nbfiles + 1, sizeof(char *));
	for (i = 0; i < nfiles; i++)
		(*all)[i] = files[i];
	for (i = 0; i < *nbfiles; i++)
		(*all)[nfiles + i] = (*bfiles)[i];
	kb_restore_files(c, *bfiles, *nbfiles);
	kb_mark_dirty(c, *all, nfiles + *nbfiles);
	ret = kb_apply_patches(c, o->base_patches, o->nr_base_patches, 0, err,
			       errlen);
	if (c->verbose && !ret)
		fprintf(stderr, "  BASE    %zu patch(es) of applied updates\n",
			o->nr_base_patches);
	return ret;
}

static char *default_description(const struct ks_create_opts *o,
				 const char *patch)
{
	const char *s = strstr(patch, "Subject: ");
	const char *base;

	if (s && (s == patch || s[-1] == '\n')) {
		const char *e;

		s += 9;
		if (!strncmp(s, "[PATCH", 6) && strchr(s, ']'))
			s = strchr(s, ']') + 1 + (strchr(s, ']')[1] == ' ');
		e = s + strcspn(s, "\n");
		return strndup(s, (size_t)(e - s));
	}
	base = strrchr(o->patches[0], '/');
	return ks_strfmt("Update from %s", base ? base + 1 : o->patches[0]);
}

static char *module_name(const char *id, const char *target)
{
	char *m = ks_strfmt("ksplice_%s_%s", id, target), *p;

	for (p = m; *p; p++)
		if (*p == '-')
			*p = '_';
	return m;
}

/* Functions of a diff the update replaces or adds (not the deleted ones). */
static size_t replaced_funcs(const struct ks_diff *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->nr_funcs; i++)
		n += d->funcs[i].kind != KS_FUNC_DELETED;
	return n;
}

/*
 * New code that reads a struct whose layout the patch changed would read
 * the running kernel's memory, all of the old layout, wrongly: refused,
 * unless the author allowed that type (objects without changed code do
 * not matter, nothing of theirs is replaced).
 */
static int check_layouts(const struct ks_create_opts *o, const char *predir,
			 const char *postdir, const struct objinfo *x,
			 char *err, size_t errlen)
{
	struct ks_layouts pre, post;
	char *a, *b, *what;
	size_t n = 0;
	int ret = KB_OK;

	if (!replaced_funcs(&x->diff))
		return KB_OK;
	a = ks_strfmt("%s/%s", predir, x->obj);
	b = ks_strfmt("%s/%s", postdir, x->obj);
	if (ks_layouts_read(a, &pre, err, errlen)) {
		ret = KB_ERR;
	} else if (ks_layouts_read(b, &post, err, errlen)) {
		ks_layouts_free(&pre);
		ret = KB_ERR;
	} else {
		what = ks_layouts_compare(&pre, &post, o->allow_layout,
					  o->nr_allow_layout, &n);
		if (what) {
			ks_set_err(err, errlen, "%s: the patch changes the layout of %zu type%s (%s); the running kernel's memory holds the old layout, so the new code needs shadow data or a conversion hook (docs/patch-authors-guide.md). --allow-layout-change=TYPE if no memory of the old layout can reach the new code",
				   x->src, n, n == 1 ? "" : "s", what);
			ret = KB_REFUSED;
		}
		free(what);
		ks_layouts_free(&pre);
		ks_layouts_free(&post);
	}
	free(a);
	free(b);
	return ret;
}

/*
 * An export one part of the update adds is an ordinary export for the
 * other parts (drivers/base/core.c adds dev_warn_probe() for a driver to
 * call): the module loader links them to the exporting part's new-code
 * module, so ex lists them, marked with the part that adds them.  Which
 * part must be loaded first is known once the parts' new code is
 * collected (order_parts()).
 */
static void share_new_exports(struct objinfo *oi, struct targetinfo *tg,
			      size_t ntg, const char *id,
			      struct ks_exports *ex)
{
	size_t i, j, k;
	char **names;

	for (i = 0; i < ntg; i++) {
		for (j = 0; j < tg[i].nr_objs; j++) {
			size_t n = nc_added_exports(&oi[tg[i].objs[j]].diff, ex,
						    &names);
			char *mod = module_name(id, tg[i].name);

			for (k = 0; k < n; k++) {
				ks_exports_add(ex, names[k], mod, tg[i].name);
				free(names[k]);
			}
			free(names);
			free(mod);
		}
	}
}

/*
 * Every function of object X that the update puts a jump into (changed,
 * or deleted with a stub: a func line) must be able to take it.  The pre
 * object shows the sites that forbid it (patch_site.h), so an update
 * that could only fail at apply time with patch_site_overlap is refused
 * here instead, naming the function, the offset and the site.
 */
static int check_patch_sites(const struct kb_ctx *c, const struct objinfo *x,
			     const struct ks_target *mt, char *err,
			     size_t errlen)
{
	const char **names = ks_grow(NULL, 0, mt->nr_funcs + 1,
				     sizeof(*names));
	char *pre = ks_strfmt("%s/pre/%s", c->work, x->obj);
	char why[1024];
	size_t n = 0;
	int rc, ret = KB_OK;

	for (size_t i = 0; i < mt->nr_funcs; i++)
		if (mt->funcs[i].kind != KS_FUNC_NEW &&
		    mt->funcs[i].desc_index >= 0 &&
		    !strcmp(mt->funcs[i].object, x->obj))
			names[n++] = mt->funcs[i].name;
	rc = n ? ks_patch_sites_check(pre, names, n, why, sizeof(why)) : 0;
	if (rc > 0) {
		ks_set_err(err, errlen, "%s: %s; the update could never be applied (abort cause patch_site_overlap)",
			   x->src, why);
		ret = KB_PATCH_SITE;
	} else if (rc < 0) {
		ks_set_err(err, errlen, "%s", why);
		ret = KB_ERR;
	}
	free(names);
	free(pre);
	return ret;
}

/* vmlinux first: the order of parts that do not link to each other. */
static void vmlinux_first(struct targetinfo *tg, size_t ntg)
{
	size_t i;

	for (i = 1; i < ntg; i++) {
		if (!strcmp(tg[i].name, "vmlinux")) {
			struct targetinfo t = tg[i];

			memmove(tg + 1, tg, i * sizeof(*tg));
			tg[0] = t;
			break;
		}
	}
}

/*
 * Link what one part uses and another adds (newcode_parts.h), say so,
 * and put the parts in the order they must be loaded in: ksplice-apply
 * loads them in the package's order, and the module loader refuses a
 * part whose sibling is not there yet.  tg, mt and nc are reordered
 * together.
 */
static int order_parts(const struct objinfo *oi, size_t nobjs,
		       struct targetinfo *tg, struct ks_target *mt,
		       struct nc_object *nc, size_t ntg, const char *id,
		       const struct ks_exports *ex,
		       struct ks_create_result *r, char *err, size_t errlen)
{
	struct nc_part *parts = ks_grow(NULL, 0, ntg + 1, sizeof(*parts));
	struct nc_diffed *objs = ks_grow(NULL, 0, nobjs + 1, sizeof(*objs));
	size_t i, nl = 0, *order = ks_grow(NULL, 0, ntg + 1, sizeof(size_t));
	struct nc_link *links = NULL;
	int ret = KB_OK;

	for (i = 0; i < ntg; i++) {
		parts[i].target = tg[i].name;
		parts[i].nc = &nc[i];
	}
	for (i = 0; i < nobjs; i++) {
		objs[i].diff = &oi[i].diff;
		objs[i].object = oi[i].src;
		objs[i].target = oi[i].target;
	}
	if (nc_link_parts(parts, ntg, objs, nobjs, id, &links, &nl, err,
			  errlen) ||
	    nc_part_order(parts, ntg, ex, links, nl, order, err, errlen)) {
		ret = KB_REFUSED;
		goto out;
	}
	for (i = 0; i < nl; i++) {
		char *mod = module_name(id, tg[links[i].definer].name);

		add_note(r, ks_strfmt("%s's new code uses %s, which the update's %s part adds without exporting it: linked to that part's new code (%s exports the %s to the update's other parts as %s)",
				      tg[links[i].user].name, links[i].name,
				      tg[links[i].definer].name, mod,
				      links[i].func ? "function" : "variable",
				      links[i].alias));
		free(mod);
	}
	{
		struct targetinfo *t2 = ks_grow(NULL, 0, ntg + 1, sizeof(*t2));
		struct ks_target *m2 = ks_grow(NULL, 0, ntg + 1, sizeof(*m2));
		struct nc_object *n2 = ks_grow(NULL, 0, ntg + 1, sizeof(*n2));

		for (i = 0; i < ntg; i++) {
			t2[i] = tg[order[i]];
			m2[i] = mt[order[i]];
			n2[i] = nc[order[i]];
		}
		memcpy(tg, t2, ntg * sizeof(*tg));
		memcpy(mt, m2, ntg * sizeof(*mt));
		memcpy(nc, n2, ntg * sizeof(*nc));
		free(t2);
		free(m2);
		free(n2);
	}
out:
	nc_links_free(links, nl);
	free(parts);
	free(objs);
	free(order);
	return ret;
}

/*
 * One part's new code (nc) and its manifest entry (mt), from the diffs
 * of its objects; linked to the other parts by order_parts() before
 * ks_build_newcode_module() (module_build.c) writes and builds it.
 */
static int collect_target(const struct kb_ctx *c,
			  const struct ks_exports *ex, struct objinfo *oi,
			  const struct targetinfo *t, const char *id,
			  struct ks_target *mt, struct nc_object *ncp,
			  struct ks_create_result *r, char *err,
			  size_t errlen)
{
	struct nc_object nc = { 0 };
	char *mod = module_name(id, t->name);
	size_t i, j, desc = 0;
	int ret = KB_OK;

	memset(mt, 0, sizeof(*mt));
	mt->name = ks_xstrdup(t->name);
	mt->module_name = ks_xstrdup(mod);
	mt->module_path = ks_strfmt("new/%s.ko", mod);
	nc.target = t->name;
	for (i = 0; i < t->nr_objs; i++) {
		struct objinfo *x = &oi[t->objs[i]];

		ret = nc_add_object(&nc, &x->diff, x->obj, ex, err, errlen);
		if (ret) {
			ret = ret > 0 ? KB_REFUSED : KB_ERR;
			goto out;
		}
		KS_PUSH(mt->objects, mt->nr_objects, (struct ks_pre_object){
			.object = ks_xstrdup(x->obj),
			.path = ks_strfmt("pre/%s", x->obj),
		});
		for (j = 0; j < x->diff.nr_funcs; j++) {
			const struct ks_diff_func *f = &x->diff.funcs[j];
			struct ks_func_entry *fe;

			fe = KS_PUSH_ZERO(mt->funcs, mt->nr_funcs);
			fe->name = ks_xstrdup(f->kind == KS_FUNC_NEW ? f->name :
					   f->pre_name ? f->pre_name : f->name);
			fe->kind = f->kind;
			fe->object = ks_xstrdup(x->obj);
			fe->desc_index = f->kind == KS_FUNC_CHANGED ? (int)desc++ : -1;
		}
	}
	/* Calls between the files of one fix (a helper one file adds). */
	nc_link_added(&nc);
	/* Deleted functions' stubs follow the changed ones (abi.h). */
	for (i = 0; i < nc.nr_deleted; i++) {
		for (j = 0; j < mt->nr_funcs; j++) {
			struct ks_func_entry *fe = &mt->funcs[j];

			if (fe->kind == KS_FUNC_DELETED && fe->desc_index < 0 &&
			    !strcmp(fe->name, nc.deleted[i].name) &&
			    !strcmp(fe->object, nc.deleted[i].object)) {
				fe->desc_index = (int)(desc + i);
				break;
			}
		}
		add_note(r, ks_strfmt("%s is deleted by the patch: calls to it go to a stub that logs them and returns -EOPNOTSUPP",
				      nc.deleted[i].name));
	}
	for (i = 0; i < t->nr_objs; i++) {
		ret = check_patch_sites(c, &oi[t->objs[i]], mt, err, errlen);
		if (ret)
			goto out;
	}
	for (i = 0; i < nc.nr_hooks; i++)
		add_note(r, ks_strfmt("hook %s: %s", nc.hooks[i].name,
				      nc_hook_kind_name(nc.hooks[i].kind)));
	for (i = 0; i < nc.nr_exports; i++)
		add_note(r, ks_strfmt("new export %s (EXPORT_SYMBOL%s): the new-code module %s exports it for modules loaded after the update",
				      nc.exports[i].name,
				      nc.exports[i].gpl ? "_GPL" : "", mod));
	for (i = 0; i < nc.nr_notes; i++)
		add_note(r, ks_xstrdup(nc.notes[i]));
out:
	/* Kept on failure too: the caller frees every part's. */
	*ncp = nc;
	free(mod);
	return ret;
}

/* ---- the update: ks_create_update()'s context and steps --------------- */

/*
 * Everything one ksplice-create run makes, owned here and nowhere else,
 * so that any step can end the run and create_ctx_free() still releases
 * exactly what exists (a step that drops something takes it out of the
 * context too: keep_header_users()).
 */
struct create_ctx {
	const struct ks_create_opts *o;
	struct ks_create_result *r;
	char *err;
	size_t errlen;
	struct kb_ctx c;	/* c.tree, c.config, c.symvers owned */
	/* the target kernel, and the private work directory */
	char *headers, *release, *compiler, *banner, *uname_v, *srcver;
	char *work;
	/* the patches: their text and the files they touch */
	char *patch_all;
	char **files;
	size_t nfiles;
	char **bfiles;		/* --stacked-on patches' files */
	size_t nbfiles;
	char **allfiles;	/* both lists (borrowed strings) */
	char **hdrs;		/* changed headers (borrowed from files) */
	size_t nhdrs;
	char **hdr_post;	/* their text as the patches leave them */
	int post_tried;
	/*
	 * The objects: the patch's own first (nexplicit of them), then the
	 * ones that may include a changed header (candidates: csrc their
	 * sources, chdr the header).
	 */
	char **objs;
	size_t nobjs, nexplicit;
	char **csrc;
	const char **chdr;
	size_t ncand;
	struct objinfo *oi;	/* one per object; obj, src borrowed */
	char *predir, *postdir;
	/* the update's parts */
	struct targetinfo *tg;
	size_t ntg;
	char *id, *description, *pkgdir;
	struct ks_exports ex;
	struct nc_object *ncs;	/* one per part */
	double t_module;	/* when building the parts began */
};

/*
 * Which kernel the update is for: its headers tree, .config and
 * Module.symvers, from --config, --kernel, or the running kernel (when
 * the source is its version).
 */
static int find_kernel(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;
	char *err = cx->err;
	size_t errlen = cx->errlen;

	if (o->config_dir) {
		cx->headers = ks_strfmt("%s/build", o->config_dir);
		cx->c.config = ks_strfmt("%s/.config", o->config_dir);
		cx->c.symvers = ks_strfmt("%s/Module.symvers", o->config_dir);
	} else {
		struct utsname u;
		const char *abi = o->kernel;

		if (!abi) {
			char *sv = kb_source_version(o->source);

			uname(&u);
			abi = u.release;
			if (!sv || strncmp(u.release, sv, strlen(sv)) ||
			    !(cx->headers = kb_find_headers(abi, o->cache))) {
				ks_set_err(err, errlen, "the running kernel (%s) is not the one %s is for (%s); give --kernel=ABI or --config=DIR",
					   u.release, o->source, sv ? sv : "?");
				free(sv);
				return KB_USAGE;
			}
			free(sv);
		} else {
			cx->headers = kb_find_headers(abi, o->cache);
		}
		if (!cx->headers) {
			ks_set_err(err, errlen, "no headers for kernel %s in /lib/modules/%s/build, /usr/src/linux-headers-%s or %s/abi/%s/build",
				   abi, abi, abi, o->cache, abi);
			return KB_MISMATCH;
		}
		cx->c.config = ks_strfmt("%s/.config", cx->headers);
		cx->c.symvers = ks_strfmt("%s/Module.symvers", cx->headers);
	}
	cx->c.headers = cx->headers;
	return KB_OK;
}

/*
 * The release the package is for: UTS_RELEASE is what uname -r says
 * (kernel.release may not).
 */
static int read_release(struct create_ctx *cx)
{
	char *rf = ks_strfmt("%s/include/generated/utsrelease.h", cx->headers);
	char *text = ks_read_file(rf, NULL), *p;

	free(rf);
	p = text ? strstr(text, "UTS_RELEASE \"") : NULL;
	if (p) {
		p += strlen("UTS_RELEASE \"");
		cx->release = strndup(p, strcspn(p, "\""));
	} else {
		cx->release = ks_xstrdup(cx->o->kernel ? cx->o->kernel : "");
	}
	free(text);
	return KB_OK;
}

/*
 * Everything of the run is written in a private directory removed at the
 * end, so a failure anywhere leaves nothing behind.
 */
static int make_work_dir(struct create_ctx *cx)
{
	char *tmpl = ks_strfmt("%s/ksplice-create.XXXXXX",
			       getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");

	cx->work = mkdtemp(tmpl);
	if (!cx->work) {
		ks_set_err(cx->err, cx->errlen,
			   "cannot create a temporary directory: %s",
			   strerror(errno));
		free(tmpl);
		return KB_ERR;
	}
	cx->c.work = cx->work;
	return KB_OK;
}

/*
 * Code compiled by another compiler or with another configuration would
 * not match the kernel's: both are checked before anything is built.
 */
static int check_compiler_and_config(struct create_ctx *cx)
{
	int ret = kb_check_compiler(&cx->c, &cx->compiler, cx->err,
				    cx->errlen);

	return ret ?: kb_check_config(&cx->c, cx->err, cx->errlen);
}

/*
 * The kernel's build identity (uname -v) goes into the package, and the
 * source tree must be the version that kernel was built from.
 */
static int check_kernel_identity(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;

	cx->srcver = kb_source_version(o->source);
	if (o->kernel_version) {
		cx->uname_v = ks_xstrdup(o->kernel_version);
	} else {
		cx->banner = find_banner(o, cx->release, cx->work);
		cx->uname_v = cx->banner ? banner_uname_v(cx->banner) : NULL;
		if (!cx->uname_v) {
			ks_set_err(cx->err, cx->errlen, "cannot find the build identity (uname -v) of kernel %s: no vmlinuz found; give --kernel-version",
				   cx->release);
			return KB_MISMATCH;
		}
	}
	if (cx->srcver) {
		const char *srcver = cx->srcver;
		char *a = ks_strfmt(" %s-", srcver), *b = ks_strfmt(" %s ", srcver);
		char *cdeb = ks_strfmt("Linux version %s", srcver);
		int ok = strstr(cx->uname_v, a) || strstr(cx->uname_v, b) ||
			 (cx->banner && strstr(cx->banner, cdeb)) ||
			 !strncmp(cx->release, srcver, strlen(srcver));

		free(a);
		free(b);
		free(cdeb);
		if (!ok) {
			ks_set_err(cx->err, cx->errlen, "%s is Linux %s, but kernel %s is \"%s\"",
				   o->source, srcver, cx->release, cx->uname_v);
			return KB_MISMATCH;
		}
	}
	return KB_OK;
}

/*
 * The patches' text (it goes into the package) and the files they touch
 * (what is built and restored).
 */
static int read_patches(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;
	size_t i;
	int ret;

	for (i = 0; i < o->nr_patches; i++) {
		char *text, *joined;

		ret = read_patch(o->patches[i], &cx->files, &cx->nfiles, &text,
				 cx->err, cx->errlen);
		if (ret)
			return ret;
		joined = ks_strfmt("%s%s", cx->patch_all ? cx->patch_all : "",
				   text);
		free(cx->patch_all);
		cx->patch_all = joined;
		free(text);
	}
	return KB_OK;
}

/*
 * What each changed file means for the update: a source file is an
 * object to diff, a header may change the objects that include it,
 * documentation does not matter, anything else cannot be handled.
 */
static int sort_changed_files(struct create_ctx *cx)
{
	size_t i;

	for (i = 0; i < cx->nfiles; i++) {
		const char *file = cx->files[i];
		char *obj;
		size_t n = strlen(file);

		if (object_of(file, &obj)) {
			KS_PUSH(cx->objs, cx->nobjs, obj);
		} else if (n > 2 && !strcmp(file + n - 2, ".h")) {
			KS_PUSH(cx->hdrs, cx->nhdrs, cx->files[i]);
		} else if (is_doc_file(file)) {
			add_note(cx->r, ks_strfmt("%s is not kernel code: ignored",
						  file));
		} else {
			ks_set_err(cx->err, cx->errlen, "the patch changes %s, which is not C source; that is not supported",
				   file);
			return KB_REFUSED;
		}
	}
	if (!cx->nobjs && !cx->nhdrs) {
		ks_set_err(cx->err, cx->errlen, "No changes detected.");
		return KB_NO_CHANGES;
	}
	return KB_OK;
}

/*
 * The private copy of the source tree that is built (the source itself
 * is never written), with the hooks and shadow headers on its include
 * path.
 */
static int prepare_tree(struct create_ctx *cx)
{
	int ret = kb_prepare_tree(&cx->c, cx->err, cx->errlen);

	return ret ?: install_hooks_header(cx->o, &cx->c, cx->err,
					   cx->errlen);
}

/*
 * The tree as the running kernel's code is: the patch's files pristine,
 * the --stacked-on patches applied; and the patches must apply to it
 * (a dry run) before anything is built.
 */
static int stack_and_test_patches(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;
	int ret;

	kb_restore_files(&cx->c, cx->files, cx->nfiles);
	ret = apply_base(o, &cx->c, cx->files, cx->nfiles, &cx->bfiles,
			 &cx->nbfiles, &cx->allfiles, cx->err, cx->errlen);
	return ret ?: kb_apply_patches(&cx->c, o->patches, o->nr_patches, 1,
				       cx->err, cx->errlen);
}

/* --prebuild: a full build, once, tells which objects include a header. */
static int prebuild_tree(struct create_ctx *cx)
{
	if (cx->o->prebuild && !kb_is_prebuilt(&cx->c))
		return kb_prebuild(&cx->c, cx->err, cx->errlen);
	return KB_OK;
}

/*
 * A changed header changes the objects that include it: add those that
 * may (candidates, kept after the pre build only if they do), or for a
 * global header without --prebuild, accept only a change that cannot
 * matter to other objects (global_header()).
 */
static int find_header_users(struct create_ctx *cx)
{
	size_t i;
	int ret = KB_OK;

	cx->nexplicit = cx->nobjs;
	for (i = 0; i < cx->nhdrs && !ret; i++) {
		if (kb_is_prebuilt(&cx->c) || is_local_header(cx->hdrs[i])) {
			header_candidates(&cx->c, cx->hdrs[i], &cx->objs,
					  &cx->nobjs, &cx->csrc, &cx->chdr,
					  &cx->ncand);
			continue;
		}
		/* the changed headers as the patches leave them, once */
		if (!cx->hdr_post && !cx->post_tried) {
			cx->hdr_post = patched_headers(cx->o, &cx->c, cx->files,
						       cx->nfiles, cx->hdrs,
						       cx->nhdrs);
			cx->post_tried = 1;
		}
		if (!cx->hdr_post) {
			ks_set_err(cx->err, cx->errlen, "cannot read %s as the patch leaves it: patching a copy of the patch's files failed",
				   cx->hdrs[i]);
			ret = KB_ERR;
		} else {
			ret = global_header(cx->o, &cx->c, cx->hdrs[i],
					    cx->hdr_post[i], cx->r, cx->err,
					    cx->errlen);
		}
	}
	return ret;
}

/*
 * One objinfo per object, with the source it is built from (and for a
 * candidate, the header it may include), and where its pre and post
 * builds go.
 */
static int list_objects(struct create_ctx *cx)
{
	struct objinfo *oi;
	size_t i, j;

	oi = ks_grow(NULL, 0, cx->nobjs + 1, sizeof(*oi));
	memset(oi, 0, (cx->nobjs + 1) * sizeof(*oi));
	cx->oi = oi;
	for (i = 0; i < cx->nobjs; i++) {
		oi[i].obj = cx->objs[i];
		oi[i].src = NULL;
		if (i >= cx->nexplicit) {
			oi[i].src = cx->csrc[i - cx->nexplicit];
			oi[i].header = cx->chdr[i - cx->nexplicit];
			continue;
		}
		for (j = 0; j < cx->nfiles; j++) {
			char *ob;

			if (object_of(cx->files[j], &ob) &&
			    !strcmp(ob, cx->objs[i]))
				oi[i].src = cx->files[j];
			free(ob);
		}
	}
	cx->predir = ks_strfmt("%s/pre", cx->work);
	cx->postdir = ks_strfmt("%s/post", cx->work);
	return KB_OK;
}

/*
 * Of the candidates built, keep those that are built and include the
 * changed header (the others do not change); none left is no change.
 */
static int keep_header_users(struct create_ctx *cx)
{
	struct objinfo *oi = cx->oi;
	size_t i, j;

	for (i = j = cx->nexplicit; i < cx->nobjs; i++) {
		char *built = ks_strfmt("%s/%s", cx->predir, cx->objs[i]);
		int keep = !access(built, R_OK) &&
			   kb_object_includes(&cx->c, cx->objs[i],
					      oi[i].header);

		free(built);
		if (keep) {
			oi[j] = oi[i];
			cx->objs[j++] = cx->objs[i];
		} else {
			free(cx->objs[i]);
		}
	}
	if (cx->c.verbose)
		fprintf(stderr, "  HDR     %zu object(s) include the changed header(s)\n",
			j - cx->nexplicit);
	cx->nobjs = j;
	if (!cx->nobjs) {
		ks_set_err(cx->err, cx->errlen, "No changes detected.");
		return KB_NO_CHANGES;
	}
	return KB_OK;
}

/*
 * The pre objects, the code that runs now: what the new code is diffed
 * against, and what ksplice-apply matches in the running kernel.  Not
 * cached when stacked on other updates (build_pre()).
 */
static int build_pre_objects(struct create_ctx *cx)
{
	size_t n = cx->nexplicit;
	int nocache = cx->nbfiles > 0, cached = 0, ret;
	double t0 = now();

	ret = build_pre(&cx->c, cx->oi, n, cx->predir, 0, nocache, &cached,
			cx->err, cx->errlen);
	if (!ret && cx->nobjs > n) {
		int ccached;

		ret = build_pre(&cx->c, cx->oi + n, cx->nobjs - n, cx->predir,
				1, nocache, &ccached, cx->err, cx->errlen);
		cached &= ccached;
		if (!ret)
			ret = keep_header_users(cx);
	}
	cx->r->seconds_pre = now() - t0;
	cx->r->pre_cached = cached;
	return ret;
}

/* Each object's part: vmlinux, or the module it is built into. */
static int find_targets(struct create_ctx *cx)
{
	size_t i;

	for (i = 0; i < cx->nobjs; i++) {
		cx->oi[i].target = kb_object_target(&cx->c, cx->objs[i]);
		if (!cx->oi[i].target) {
			ks_set_err(cx->err, cx->errlen, "cannot tell whether %s is built into vmlinux or a module",
				   cx->objs[i]);
			return KB_ERR;
		}
	}
	return KB_OK;
}

/*
 * The post objects, with the patches applied for just this build: the
 * tree is restored whatever happens (and marked dirty meanwhile, so that
 * an interrupted run's next one restores it), and no post object stays
 * behind to be taken for a pre one.
 */
static int build_post_objects(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;
	struct kb_ctx *c = &cx->c;
	double t0 = now();
	size_t i;
	int ret;

	kb_mark_dirty(c, cx->allfiles ? cx->allfiles : cx->files,
		      cx->nfiles + cx->nbfiles);
	ret = kb_apply_patches(c, o->patches, o->nr_patches, 0, cx->err,
			       cx->errlen);
	if (!ret)
		ret = kb_build_objects(c, cx->objs, cx->nobjs, cx->postdir, 0,
				       cx->err, cx->errlen);
	kb_restore_files(c, cx->files, cx->nfiles);
	kb_restore_files(c, cx->bfiles, cx->nbfiles);
	/* Leave no post object behind for the next pre build. */
	for (i = 0; i < cx->nobjs; i++) {
		char *p = ks_strfmt("%s/%s", c->tree, cx->objs[i]);

		unlink(p);
		free(p);
	}
	kb_mark_dirty(c, cx->files, 0);
	cx->r->seconds_post = now() - t0;
	return ret;
}

/*
 * Diff one object's pre and post builds: what the update replaces, adds
 * and deletes; refused when the diff or the types' layouts say the
 * change cannot be applied to running code.
 */
static int diff_object(struct create_ctx *cx, struct objinfo *x)
{
	const struct ks_create_opts *o = cx->o;
	char *a = ks_strfmt("%s/%s", cx->predir, x->obj);
	char *b = ks_strfmt("%s/%s", cx->postdir, x->obj);
	size_t j;
	int ret;

	if (cx->c.verbose)
		fprintf(stderr, "  DIFF    %s\n", x->obj);
	ret = ks_object_read(a, &x->pre, cx->err, cx->errlen) ? KB_ERR : KB_OK;
	if (!ret) {
		ret = ks_object_read(b, &x->post, cx->err, cx->errlen) ?
		      KB_ERR : KB_OK;
		if (ret)
			ks_object_free(&x->pre);
	}
	free(a);
	free(b);
	if (ret)
		return ret;
	x->loaded = 1;
	/*
	 * Every patch's hunks, in the order they are applied: a
	 * moved __LINE__ may be of this file or of a header.
	 */
	{
		struct ks_line_maps lm = { 0 };
		size_t k;
		int bad;

		for (k = 0; k < o->nr_patches; k++) {
			char *pt = ks_read_file(o->patches[k], NULL);

			if (pt)
				ks_line_maps_add(&lm, pt);
			free(pt);
		}
		bad = ks_diff_objects_lines(&x->pre, &x->post, &lm, x->src,
					    &x->diff, cx->err, cx->errlen);
		ks_line_maps_free(&lm);
		if (bad)
			return KB_ERR;
	}
	if (x->diff.refusal) {
		ks_set_err(cx->err, cx->errlen, "%s: %s", x->src,
			   x->diff.refusal);
		return KB_REFUSED;
	}
	ret = check_layouts(o, cx->predir, cx->postdir, x, cx->err,
			    cx->errlen);
	if (ret)
		return ret;
	for (j = 0; j < x->diff.nr_notes; j++)
		add_note(cx->r, ks_strfmt("%s: %s", x->src, x->diff.notes[j]));
	return KB_OK;
}

/* Every object diffed; an update that replaces no function is none. */
static int diff_objects(struct create_ctx *cx)
{
	size_t i, total_all = 0;
	int ret;

	for (i = 0; i < cx->nobjs; i++) {
		ret = diff_object(cx, &cx->oi[i]);
		if (ret)
			return ret;
		total_all += replaced_funcs(&cx->oi[i].diff);
	}
	if (!total_all) {
		ks_set_err(cx->err, cx->errlen, "No changes detected.");
		return KB_NO_CHANGES;
	}
	return KB_OK;
}

/*
 * Group objects by target, one part (new-code module) each; objects
 * without new code are left out (one that only adds a variable has
 * some: another file uses it).
 */
static int group_by_target(struct create_ctx *cx)
{
	struct objinfo *oi = cx->oi;
	size_t i, k;

	for (i = 0; i < cx->nobjs; i++) {
		struct targetinfo *t;

		if (!replaced_funcs(&oi[i].diff) &&
		    !nc_diff_adds_data(&oi[i].diff))
			continue;
		for (k = 0; k < cx->ntg && strcmp(cx->tg[k].name, oi[i].target);
		     k++)
			;
		if (k == cx->ntg) {
			KS_PUSH_ZERO(cx->tg, cx->ntg)->name = oi[i].target;
		}
		t = &cx->tg[k];
		KS_PUSH(t->objs, t->nr_objs, i);
	}
	return KB_OK;
}

/*
 * The update's id (it names the package and the modules, so it must be
 * valid), its description, and the directory the package is made in.
 */
static int name_update(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;

	cx->id = o->id ? ks_xstrdup(o->id) : random_id();
	if (!ksplice_id_valid(cx->id)) {
		ks_set_err(cx->err, cx->errlen, "the id '%s' must be 1 to 32 characters of [a-z0-9_]",
			   cx->id);
		return KB_USAGE;
	}
	cx->description = o->description ? ks_xstrdup(o->description) :
			  default_description(o, cx->patch_all);
	cx->pkgdir = ks_strfmt("%s/ksplice-%s", cx->work, cx->id);
	ks_mkdir_p(cx->pkgdir, 0755);
	return KB_OK;
}

/*
 * What the new code may reference as ordinary undefined symbols:
 * the kernel's exports and the core module's (shadow data).
 */
static int load_exports(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;
	char *both = ks_strfmt("%s/exports.symvers", cx->work);
	size_t la = 0, lb = 0;
	char *a = ks_read_file(cx->c.symvers, &la);
	char *b = o->core_symvers ? ks_read_file(o->core_symvers, &lb) : NULL;
	char *cat = a ? ks_strfmt("%s\n%s", a, b ? b : "") : NULL;
	int ret;

	ret = !cat || ks_write_file(both, cat, strlen(cat)) ||
	      ks_exports_load(both, &cx->ex, cx->err, cx->errlen) ? KB_ERR :
								      KB_OK;
	if (!a)
		ks_set_err(cx->err, cx->errlen, "cannot read %s", cx->c.symvers);
	free(a);
	free(b);
	free(cat);
	free(both);
	return ret;
}

/* The manifest's header: which update, for which kernel, built how. */
static int start_manifest(struct create_ctx *cx)
{
	struct ks_manifest *m = &cx->r->manifest;

	m->format = KS_PACKAGE_FORMAT;
	m->id = ks_xstrdup(cx->id);
	m->description = ks_xstrdup(cx->description);
	m->kernel_release = ks_xstrdup(cx->release);
	m->kernel_version = ks_xstrdup(cx->uname_v);
	m->compiler = ks_xstrdup(cx->compiler);
	m->targets = ks_grow(NULL, 0, cx->ntg, sizeof(*m->targets));
	return KB_OK;
}

/*
 * Each part's new code and manifest entry (collect_target()), once every
 * part knows the exports the others add.
 */
static int collect_parts(struct create_ctx *cx)
{
	struct ks_manifest *m = &cx->r->manifest;
	size_t i;
	int ret;

	vmlinux_first(cx->tg, cx->ntg);
	share_new_exports(cx->oi, cx->tg, cx->ntg, cx->id, &cx->ex);
	cx->t_module = now();
	cx->ncs = ks_grow(NULL, 0, cx->ntg + 1, sizeof(*cx->ncs));
	memset(cx->ncs, 0, (cx->ntg + 1) * sizeof(*cx->ncs));
	for (i = 0; i < cx->ntg; i++) {
		ret = collect_target(&cx->c, &cx->ex, cx->oi, &cx->tg[i],
				     cx->id, &m->targets[i], &cx->ncs[i],
				     cx->r, cx->err, cx->errlen);
		m->nr_targets = i + 1;
		if (ret)
			return ret;
	}
	return KB_OK;
}

/* ksplice-apply matches a part's pre objects: they go into the package. */
static int copy_pre_objects(struct create_ctx *cx, const struct targetinfo *t)
{
	size_t j;
	int ret = KB_OK;

	for (j = 0; j < t->nr_objs && !ret; j++) {
		const char *ob = cx->oi[t->objs[j]].obj;
		char *a = ks_strfmt("%s/%s", cx->predir, ob);
		char *b = ks_strfmt("%s/pre/%s", cx->pkgdir, ob);

		if (ks_mkdir_parent(b) || ks_copy_file(a, b)) {
			ks_set_err(cx->err, cx->errlen, "cannot copy the pre objects into the package");
			ret = KB_ERR;
		}
		free(a);
		free(b);
	}
	return ret;
}

/*
 * The parts linked to each other and put in load order, then each one's
 * module built and packaged with its pre objects, in that order (a part
 * is built against the exports of the parts before it).
 */
static int build_parts(struct create_ctx *cx)
{
	struct ks_manifest *m = &cx->r->manifest;
	size_t i;
	int ret;

	ret = order_parts(cx->oi, cx->nobjs, cx->tg, m->targets, cx->ncs,
			  cx->ntg, cx->id, &cx->ex, cx->r, cx->err, cx->errlen);
	for (i = 0; i < cx->ntg && !ret; i++) {
		struct ks_module_build b = {
			.c = &cx->c, .nc = &cx->ncs[i], .mt = &m->targets[i],
			.id = cx->id, .description = cx->description,
			.pkgdir = cx->pkgdir, .stub_dir = cx->o->stub_dir,
			.abi_header = cx->o->abi_header,
			.core_symvers = cx->o->core_symvers,
			.notes = &cx->r->notes, .nr_notes = &cx->r->nr_notes,
		};

		ret = ks_build_newcode_module(&b, cx->err, cx->errlen);
		ret = ret ?: copy_pre_objects(cx, &cx->tg[i]);
	}
	cx->r->seconds_module = now() - cx->t_module;
	return ret;
}

/*
 * The package: manifest and patch written into its directory, then the
 * tarball by rename (ks_package_write()), unless an interrupt is
 * pending (interrupted()).
 */
static int write_package(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;
	char *text = ks_manifest_format(&cx->r->manifest);
	char *mf = ks_strfmt("%s/manifest", cx->pkgdir);
	char *pf = ks_strfmt("%s/patch", cx->pkgdir);
	int ret = KB_OK;

	if (!text || ks_write_file(mf, text, strlen(text)) ||
	    ks_write_file(pf, cx->patch_all, strlen(cx->patch_all)))
		ret = KB_ERR;
	free(text);
	free(mf);
	free(pf);
	if (ret)
		return ret;
	cx->r->tarball = ks_strfmt("%s/ksplice-%s.tar.gz",
				   o->outdir ? o->outdir : ".", cx->id);
	if (interrupted()) {
		ks_set_err(cx->err, cx->errlen, "interrupted");
		return KB_ERR;
	}
	if (ks_package_write(cx->pkgdir, cx->r->tarball, cx->err, cx->errlen))
		return KB_ERR;
	return KB_OK;
}

/* The new exports' symvers, for modules built against them. */
static int write_export_symvers(struct create_ctx *cx)
{
	const struct ks_create_opts *o = cx->o;
	char *all = ks_strfmt("%s/exports.out", cx->work);
	char *sv = ks_strfmt("%s/ksplice-%s.symvers",
			     o->outdir ? o->outdir : ".", cx->id);
	int ret = KB_OK;

	if (!access(all, R_OK)) {
		if (ks_copy_file(all, sv)) {
			ks_set_err(cx->err, cx->errlen, "cannot write %s", sv);
			ret = KB_ERR;
		} else {
			add_note(cx->r, ks_strfmt("the new exports' Module.symvers lines are in %s: build modules that use them with KBUILD_EXTRA_SYMBOLS=%s",
						  sv, sv));
		}
	}
	free(all);
	free(sv);
	return ret;
}

/*
 * Everything the run made, whichever step ended it; the work directory
 * is removed (KSPLICE_CREATE_KEEP=1 keeps it for debugging).
 */
static void create_ctx_free(struct create_ctx *cx)
{
	size_t i;

	for (i = 0; cx->oi && i < cx->nobjs; i++) {
		if (cx->oi[i].loaded) {
			ks_diff_free(&cx->oi[i].diff);
			ks_object_free(&cx->oi[i].pre);
			ks_object_free(&cx->oi[i].post);
		}
		free(cx->oi[i].target);
	}
	free(cx->oi);
	for (i = 0; i < cx->ntg; i++)
		free(cx->tg[i].objs);
	free(cx->tg);
	for (i = 0; cx->ncs && i < cx->ntg; i++)
		nc_free(&cx->ncs[i]);
	free(cx->ncs);
	ks_free_strv(cx->files, cx->nfiles);
	ks_free_strv(cx->bfiles, cx->nbfiles);
	free(cx->allfiles);
	ks_free_strv(cx->objs, cx->nobjs);
	free(cx->hdrs);
	ks_free_strv(cx->hdr_post, cx->nhdrs);
	ks_free_strv(cx->csrc, cx->ncand);
	free(cx->chdr);
	ks_exports_free(&cx->ex);
	free(cx->predir);
	free(cx->postdir);
	if (cx->work && getenv("KSPLICE_CREATE_KEEP"))
		fprintf(stderr, "ksplice-create: kept %s\n", cx->work);
	else if (cx->work)
		ks_rmtree(cx->work);
	free(cx->work);
	free(cx->patch_all);
	free(cx->headers);
	free(cx->release);
	free(cx->compiler);
	free(cx->banner);
	free(cx->uname_v);
	free(cx->srcver);
	free(cx->id);
	free(cx->description);
	free(cx->pkgdir);
	free(cx->c.tree);
	free((char *)cx->c.config);
	free((char *)cx->c.symvers);
}

int ks_create_update(const struct ks_create_opts *o,
		     struct ks_create_result *r, char *err, size_t errlen)
{
	struct create_ctx cx = {
		.o = o, .r = r, .err = err, .errlen = errlen,
		.c = {
			.cache = o->cache, .jobs = o->jobs,
			.verbose = o->verbose, .source = o->source,
		},
	};
	int ret = KB_OK;

	memset(r, 0, sizeof(*r));
	/* the kernel the update is for, and that the source is its */
	ret = ret ?: find_kernel(&cx);
	ret = ret ?: read_release(&cx);
	ret = ret ?: make_work_dir(&cx);
	ret = ret ?: check_compiler_and_config(&cx);
	ret = ret ?: check_kernel_identity(&cx);
	/* what the patches change, and the tree to build it in */
	ret = ret ?: read_patches(&cx);
	ret = ret ?: sort_changed_files(&cx);
	ret = ret ?: prepare_tree(&cx);
	ret = ret ?: stack_and_test_patches(&cx);
	ret = ret ?: prebuild_tree(&cx);
	ret = ret ?: find_header_users(&cx);
	/* build before and after, and diff */
	ret = ret ?: list_objects(&cx);
	ret = ret ?: build_pre_objects(&cx);
	ret = ret ?: find_targets(&cx);
	ret = ret ?: build_post_objects(&cx);
	ret = ret ?: diff_objects(&cx);
	/* the update's parts, their modules, the package */
	ret = ret ?: group_by_target(&cx);
	ret = ret ?: name_update(&cx);
	ret = ret ?: load_exports(&cx);
	ret = ret ?: start_manifest(&cx);
	ret = ret ?: collect_parts(&cx);
	ret = ret ?: build_parts(&cx);
	ret = ret ?: write_package(&cx);
	ret = ret ?: write_export_symvers(&cx);
	create_ctx_free(&cx);
	/* A failed run reports no tarball. */
	if (ret) {
		free(r->tarball);
		r->tarball = NULL;
	}
	return ret;
}

void ks_create_result_free(struct ks_create_result *r)
{
	free(r->tarball);
	ks_free_strv(r->notes, r->nr_notes);
	ks_manifest_free(&r->manifest);
	memset(r, 0, sizeof(*r));
}
