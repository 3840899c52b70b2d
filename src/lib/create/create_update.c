// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-create's pipeline (see create_update.h):
 *   checks (compiler, config, source version) -> private tree ->
 *   pre build (cached per source file) -> patch, post build, restore ->
 *   diff each object -> new-code object + descriptor per target ->
 *   Kbuild module against the target headers -> package.
 * Everything is written in a private temp dir that is removed at the
 * end; the tarball appears only by rename, so a failure leaves nothing.
 */
#include "create/create_update.h"
#include "diff/elf_object.h"
#include "create/header_additions.h"
#include "create/header_users.h"
#include "create/kbuild_driver.h"
#include "newcode/newcode.h"
#include "newcode/newcode_parts.h"
#include "newcode/newcode_sites.h"
#include "diff/objdiff.h"
#include "code/patch_site.h"
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
	r->notes = ks_xrealloc(r->notes, (r->nr_notes + 1) * sizeof(char *));
	r->notes[r->nr_notes++] = text;
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

		srcs = ks_xrealloc(NULL, (n + 1) * sizeof(char *));
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
		*objs = ks_xrealloc(*objs, (*nobjs + 1) * sizeof(char *));
		(*objs)[(*nobjs)++] = obj;
		*csrc = ks_xrealloc(*csrc, (*ncand + 1) * sizeof(char *));
		*chdr = ks_xrealloc(*chdr, (*ncand + 1) * sizeof(char *));
		(*csrc)[*ncand] = srcs[i];
		(*chdr)[(*ncand)++] = h;
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
		snprintf(err, errlen, "the patch changes %s, a header used across the kernel, and not only by declaring new names (%s); run ksplice-create once with --prebuild (a full build of the tree) so that it knows which objects include it",
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
	char **post = ks_xrealloc(NULL, (nhdrs + 1) * sizeof(char *));
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
	char **todo = ks_xrealloc(NULL, n * sizeof(char *));
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
			snprintf(err, errlen, "cannot copy %s into the build tree",
				 src);
			ret = KB_ERR;
		}
		free(src);
		free(dst);
	}
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
	size_t i, j;
	int ret;

	if (!o->nr_base_patches)
		return KB_OK;
	for (i = 0; i < o->nr_base_patches; i++) {
		char *text = ks_read_file(o->base_patches[i], NULL);
		char **f = NULL;
		size_t nf = 0;

		if (!text) {
			snprintf(err, errlen, "cannot read %s: %s",
				 o->base_patches[i], strerror(errno));
			return KB_USAGE;
		}
		ret = kb_patch_files(text, &f, &nf, err, errlen);
		free(text);
		if (ret)
			return ret;
		for (j = 0; j < nf; j++) {
			*bfiles = ks_xrealloc(*bfiles, (*nbfiles + 1) * sizeof(char *));
			(*bfiles)[(*nbfiles)++] = f[j];
		}
		free(f);
	}
	*all = ks_xrealloc(NULL, (nfiles + *nbfiles + 1) * sizeof(char *));
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
			snprintf(err, errlen, "%s: the patch changes the layout of %zu type%s (%s); the running kernel's memory holds the old layout, so the new code needs shadow data or a conversion hook (docs/patch-authors-guide.md). --allow-layout-change=TYPE if no memory of the old layout can reach the new code",
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
		snprintf(err, errlen, "the new-code module %s.ko would be wrong, so no package is written: %s (an error of ksplice-create; please report it with the patch)",
			 mod, why);
		return KB_REFUSED;
	}
	if (k < 0) {
		snprintf(err, errlen, "cannot check the site tables of %s.ko: %s",
			 mod, why);
		return KB_ERR;
	}
	if (c->verbose)
		fprintf(stderr, "  SITES   %s.ko: %zu site table entries checked\n",
			mod, checked);
	return KB_OK;
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
	const char **names = ks_xrealloc(NULL, (mt->nr_funcs + 1) *
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
		snprintf(err, errlen, "%s: %s; the update could never be applied (abort cause patch_site_overlap)",
			 x->src, why);
		ret = KB_PATCH_SITE;
	} else if (rc < 0) {
		snprintf(err, errlen, "%s", why);
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
	struct nc_part *parts = ks_xrealloc(NULL, (ntg + 1) * sizeof(*parts));
	struct nc_diffed *objs = ks_xrealloc(NULL, (nobjs + 1) * sizeof(*objs));
	size_t i, nl = 0, *order = ks_xrealloc(NULL, (ntg + 1) * sizeof(size_t));
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
		struct targetinfo *t2 = ks_xrealloc(NULL, (ntg + 1) * sizeof(*t2));
		struct ks_target *m2 = ks_xrealloc(NULL, (ntg + 1) * sizeof(*m2));
		struct nc_object *n2 = ks_xrealloc(NULL, (ntg + 1) * sizeof(*n2));

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
 * build_target_module() writes and builds it.
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
		mt->objects = ks_xrealloc(mt->objects,
				       (mt->nr_objects + 1) * sizeof(*mt->objects));
		mt->objects[mt->nr_objects].object = ks_xstrdup(x->obj);
		mt->objects[mt->nr_objects].path = ks_strfmt("pre/%s", x->obj);
		mt->nr_objects++;
		for (j = 0; j < x->diff.nr_funcs; j++) {
			const struct ks_diff_func *f = &x->diff.funcs[j];
			struct ks_func_entry *fe;

			mt->funcs = ks_xrealloc(mt->funcs,
					     (mt->nr_funcs + 1) * sizeof(*mt->funcs));
			fe = &mt->funcs[mt->nr_funcs++];
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

/* Write one part's new-code module, build it with Kbuild, package it. */
static int build_target_module(const struct ks_create_opts *o,
			       struct kb_ctx *c, const struct nc_object *nc,
			       const char *id, const char *description,
			       const char *pkgdir, struct ks_target *mt,
			       struct ks_create_result *r, char *err,
			       size_t errlen)
{
	char *mod = ks_xstrdup(mt->module_name);
	char *dir = ks_strfmt("%s/kmod-%s", c->work, mod);
	char *path, *text;
	size_t i;
	int ret;

	ks_mkdir_p(dir, 0755);
	mt->syms = ks_xrealloc(NULL, (nc->nr_ksyms + 1) * sizeof(*mt->syms));
	for (i = 0; i < nc->nr_ksyms; i++) {
		mt->syms[i].name = ks_xstrdup(nc->ksyms[i].name);
		mt->syms[i].flags = nc->ksyms[i].flags;
		mt->syms[i].object = nc->ksyms[i].object ?
				     ks_xstrdup(nc->ksyms[i].object) : NULL;
	}
	mt->nr_syms = nc->nr_ksyms;

	/* The module's sources: stub, descriptor, ABI header, new code. */
	path = ks_strfmt("%s/ksplice_newcode.o_shipped", dir);
	ret = nc_write_elf(nc, path, err, errlen) ? KB_ERR : KB_OK;
	free(path);
	if (ret)
		goto out;
	path = ks_strfmt("%s/ksplice_desc.c", dir);
	ret = nc_write_desc(nc, path, id, mt->name, description, err,
			    errlen) ? KB_ERR : KB_OK;
	free(path);
	if (ret)
		goto out;
	path = ks_strfmt("%s/ksplice_stub.c", o->stub_dir);
	text = ks_strfmt("%s/ksplice_stub.c", dir);
	ret = ks_copy_file(path, text);
	free(path);
	free(text);
	path = ks_strfmt("%s/ksplice_abi.h", dir);
	ret |= ks_copy_file(o->abi_header, path);
	free(path);
	if (ret) {
		snprintf(err, errlen, "cannot find the module stub in %s or %s",
			 o->stub_dir, o->abi_header);
		ret = KB_ERR;
		goto out;
	}
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
	if (c->verbose)
		fprintf(stderr, "  LD [M]  %s.ko\n", mod);
	{
		/*
		 * The core module's exports, and the earlier parts' new and
		 * private ones (parts.symvers: their CRCs are those modules').
		 */
		char *out = ks_strfmt("%s/parts.symvers", c->work);
		int core = o->core_symvers && !access(o->core_symvers, R_OK);
		char *extra = NULL;

		if (core && !access(out, R_OK))
			extra = ks_strfmt("%s %s", o->core_symvers, out);
		else if (core)
			extra = ks_xstrdup(o->core_symvers);
		else if (!access(out, R_OK))
			extra = ks_xstrdup(out);
		ret = kb_build_module(c, dir, extra, !core, err, errlen);
		free(extra);
		free(out);
	}
	if (ret)
		goto out;
	if (!o->core_symvers || access(o->core_symvers, R_OK))
		add_note(r, ks_strfmt("the core module's Module.symvers was not found%s%s: %s.ko was built with KBUILD_MODPOST_WARN=1",
				      o->core_symvers ? " at " : "",
				      o->core_symvers ? o->core_symvers : "", mod));
	if (nc->nr_exports) {
		/*
		 * Modules that call the new exports are built against these
		 * lines (KBUILD_EXTRA_SYMBOLS): their CRCs are the new-code
		 * module's.  exports.out, without the private links, is
		 * written next to the package at the end.
		 */
		char *sv = ks_strfmt("%s/Module.symvers", dir);
		char *parts = ks_strfmt("%s/parts.symvers", c->work);
		char *pub = ks_strfmt("%s/exports.out", c->work);

		append_symvers(sv, parts, nc, 1);
		append_symvers(sv, pub, nc, 0);
		free(sv);
		free(parts);
		free(pub);
	}
	path = ks_strfmt("%s/%s.ko", dir, mod);
	ret = check_sites(c, path, mod, err, errlen);
	text = ks_strfmt("%s/%s", pkgdir, mt->module_path);
	if (!ret && (ks_mkdir_parent(text) || ks_copy_file(path, text))) {
		snprintf(err, errlen, "the module build did not produce %s", path);
		ret = KB_ERR;
	}
	free(path);
	free(text);
out:
	free(mod);
	free(dir);
	return ret;
}

int ks_create_update(const struct ks_create_opts *o,
		     struct ks_create_result *r, char *err, size_t errlen)
{
	struct kb_ctx c = { 0 };
	char *work = NULL, *patch_all = NULL, *headers = NULL, *release = NULL;
	char *compiler = NULL, *banner = NULL, *uname_v = NULL, *srcver = NULL;
	char *id = NULL, *description = NULL, *pkgdir = NULL, *predir, *postdir;
	char **files = NULL, **objs = NULL;
	size_t nfiles = 0, nobjs = 0, i, j, total_all = 0;
	struct objinfo *oi = NULL;
	struct targetinfo *tg = NULL;
	size_t ntg = 0;
	struct ks_exports ex = { 0 };
	struct nc_object *ncs = NULL;
	struct ks_manifest *m = &r->manifest;
	char **hdrs = NULL, **csrc = NULL, **hdr_post = NULL;
	const char **chdr = NULL;
	size_t nhdrs = 0, ncand = 0, nexplicit = 0, nbfiles = 0;
	char **bfiles = NULL, **allfiles = NULL;
	int ret = KB_ERR, cached = 0, post_tried = 0;
	double t0;
	char *tmpl;

	memset(r, 0, sizeof(*r));
	c.cache = o->cache;
	c.jobs = o->jobs;
	c.verbose = o->verbose;
	c.source = o->source;

	/* Which kernel: headers tree, config, Module.symvers, release. */
	if (o->config_dir) {
		headers = ks_strfmt("%s/build", o->config_dir);
		c.config = ks_strfmt("%s/.config", o->config_dir);
		c.symvers = ks_strfmt("%s/Module.symvers", o->config_dir);
	} else {
		struct utsname u;
		const char *abi = o->kernel;

		if (!abi) {
			char *sv = kb_source_version(o->source);

			uname(&u);
			abi = u.release;
			if (!sv || strncmp(u.release, sv, strlen(sv)) ||
			    !(headers = kb_find_headers(abi, o->cache))) {
				snprintf(err, errlen, "the running kernel (%s) is not the one %s is for (%s); give --kernel=ABI or --config=DIR",
					 u.release, o->source, sv ? sv : "?");
				free(sv);
				return KB_USAGE;
			}
			free(sv);
		} else {
			headers = kb_find_headers(abi, o->cache);
		}
		if (!headers) {
			snprintf(err, errlen, "no headers for kernel %s in /lib/modules/%s/build, /usr/src/linux-headers-%s or %s/abi/%s/build",
				 abi, abi, abi, o->cache, abi);
			return KB_MISMATCH;
		}
		c.config = ks_strfmt("%s/.config", headers);
		c.symvers = ks_strfmt("%s/Module.symvers", headers);
	}
	c.headers = headers;
	{
		/* UTS_RELEASE is what uname -r says (kernel.release may not). */
		char *rf = ks_strfmt("%s/include/generated/utsrelease.h", headers);
		char *text = ks_read_file(rf, NULL), *p;

		free(rf);
		p = text ? strstr(text, "UTS_RELEASE \"") : NULL;
		if (p) {
			p += strlen("UTS_RELEASE \"");
			release = strndup(p, strcspn(p, "\""));
		} else {
			release = ks_xstrdup(o->kernel ? o->kernel : "");
		}
		free(text);
	}

	tmpl = ks_strfmt("%s/ksplice-create.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	work = mkdtemp(tmpl);
	if (!work) {
		snprintf(err, errlen, "cannot create a temporary directory: %s",
			 strerror(errno));
		free(tmpl);
		goto out;
	}
	c.work = work;

	/* The kernel really is this source, built by this compiler. */
	ret = kb_check_compiler(&c, &compiler, err, errlen);
	if (ret)
		goto out;
	ret = kb_check_config(&c, err, errlen);
	if (ret)
		goto out;
	srcver = kb_source_version(o->source);
	if (o->kernel_version) {
		uname_v = ks_xstrdup(o->kernel_version);
	} else {
		banner = find_banner(o, release, work);
		uname_v = banner ? banner_uname_v(banner) : NULL;
		if (!uname_v) {
			snprintf(err, errlen, "cannot find the build identity (uname -v) of kernel %s: no vmlinuz found; give --kernel-version",
				 release);
			ret = KB_MISMATCH;
			goto out;
		}
	}
	if (srcver) {
		char *a = ks_strfmt(" %s-", srcver), *b = ks_strfmt(" %s ", srcver);
		char *cdeb = ks_strfmt("Linux version %s", srcver);
		int ok = strstr(uname_v, a) || strstr(uname_v, b) ||
			 (banner && strstr(banner, cdeb)) ||
			 !strncmp(release, srcver, strlen(srcver));

		free(a);
		free(b);
		free(cdeb);
		if (!ok) {
			snprintf(err, errlen, "%s is Linux %s, but kernel %s is \"%s\"",
				 o->source, srcver, release, uname_v);
			ret = KB_MISMATCH;
			goto out;
		}
	}

	/* The patches. */
	for (i = 0; i < o->nr_patches; i++) {
		char *text = ks_read_file(o->patches[i], NULL);
		char **f = NULL;
		size_t nf = 0;

		if (!text) {
			snprintf(err, errlen, "cannot read %s: %s", o->patches[i],
				 strerror(errno));
			ret = KB_USAGE;
			goto out;
		}
		ret = kb_patch_files(text, &f, &nf, err, errlen);
		if (ret) {
			free(text);
			goto out;
		}
		for (j = 0; j < nf; j++) {
			files = ks_xrealloc(files, (nfiles + 1) * sizeof(char *));
			files[nfiles++] = f[j];
		}
		free(f);
		{
			char *joined = ks_strfmt("%s%s", patch_all ? patch_all : "",
						 text);

			free(patch_all);
			patch_all = joined;
		}
		free(text);
	}
	for (i = 0; i < nfiles; i++) {
		char *obj;
		size_t n = strlen(files[i]);

		if (object_of(files[i], &obj)) {
			objs = ks_xrealloc(objs, (nobjs + 1) * sizeof(char *));
			objs[nobjs++] = obj;
		} else if (n > 2 && !strcmp(files[i] + n - 2, ".h")) {
			hdrs = ks_xrealloc(hdrs, (nhdrs + 1) * sizeof(char *));
			hdrs[nhdrs++] = files[i];
		} else if (is_doc_file(files[i])) {
			add_note(r, ks_strfmt("%s is not kernel code: ignored", files[i]));
		} else {
			snprintf(err, errlen, "the patch changes %s, which is not C source; that is not supported",
				 files[i]);
			ret = KB_REFUSED;
			goto out;
		}
	}
	if (!nobjs && !nhdrs) {
		ret = KB_NO_CHANGES;
		snprintf(err, errlen, "No changes detected.");
		goto out;
	}
	ret = kb_prepare_tree(&c, err, errlen);
	if (ret)
		goto out;
	ret = install_hooks_header(o, &c, err, errlen);
	if (ret)
		goto out;
	kb_restore_files(&c, files, nfiles);
	ret = apply_base(o, &c, files, nfiles, &bfiles, &nbfiles, &allfiles,
			 err, errlen);
	if (ret)
		goto out;
	ret = kb_apply_patches(&c, o->patches, o->nr_patches, 1, err, errlen);
	if (ret)
		goto out;
	if (o->prebuild && !kb_is_prebuilt(&c)) {
		ret = kb_prebuild(&c, err, errlen);
		if (ret)
			goto out;
	}
	/* Objects that may include a changed header. */
	nexplicit = nobjs;
	for (i = 0; i < nhdrs && !ret; i++) {
		if (kb_is_prebuilt(&c) || is_local_header(hdrs[i])) {
			header_candidates(&c, hdrs[i], &objs, &nobjs, &csrc,
					  &chdr, &ncand);
			continue;
		}
		/* the changed headers as the patches leave them, once */
		if (!hdr_post && !post_tried) {
			hdr_post = patched_headers(o, &c, files, nfiles, hdrs,
						   nhdrs);
			post_tried = 1;
		}
		if (!hdr_post) {
			snprintf(err, errlen, "cannot read %s as the patch leaves it: patching a copy of the patch's files failed",
				 hdrs[i]);
			ret = KB_ERR;
		} else {
			ret = global_header(o, &c, hdrs[i], hdr_post[i], r,
					    err, errlen);
		}
	}
	if (ret)
		goto out;

	oi = ks_xrealloc(NULL, (nobjs + 1) * sizeof(*oi));
	memset(oi, 0, (nobjs + 1) * sizeof(*oi));
	for (i = 0; i < nobjs; i++) {
		oi[i].obj = objs[i];
		oi[i].src = NULL;
		if (i >= nexplicit) {
			oi[i].src = csrc[i - nexplicit];
			oi[i].header = chdr[i - nexplicit];
			continue;
		}
		for (j = 0; j < nfiles; j++) {
			char *ob;

			if (object_of(files[j], &ob) && !strcmp(ob, objs[i]))
				oi[i].src = files[j];
			free(ob);
		}
	}
	predir = ks_strfmt("%s/pre", work);
	postdir = ks_strfmt("%s/post", work);
	t0 = now();
	ret = build_pre(&c, oi, nexplicit, predir, 0, nbfiles > 0, &cached,
			err, errlen);
	if (!ret && nobjs > nexplicit) {
		int ccached;

		ret = build_pre(&c, oi + nexplicit, nobjs - nexplicit, predir,
				1, nbfiles > 0, &ccached, err, errlen);
		cached &= ccached;
		/* Keep the candidates that are built and include the header. */
		for (i = j = nexplicit; i < nobjs && !ret; i++) {
			char *built = ks_strfmt("%s/%s", predir, objs[i]);
			int keep = !access(built, R_OK) &&
				   kb_object_includes(&c, objs[i], oi[i].header);

			free(built);
			if (keep) {
				oi[j] = oi[i];
				objs[j++] = objs[i];
			} else {
				free(objs[i]);
			}
		}
		if (!ret) {
			if (c.verbose)
				fprintf(stderr, "  HDR     %zu object(s) include the changed header(s)\n",
					j - nexplicit);
			nobjs = j;
		}
		if (!ret && !nobjs) {
			snprintf(err, errlen, "No changes detected.");
			ret = KB_NO_CHANGES;
		}
	}
	r->seconds_pre = now() - t0;
	r->pre_cached = cached;
	for (i = 0; i < nobjs && !ret; i++) {
		oi[i].target = kb_object_target(&c, objs[i]);
		if (!oi[i].target) {
			snprintf(err, errlen, "cannot tell whether %s is built into vmlinux or a module",
				 objs[i]);
			ret = KB_ERR;
		}
	}
	if (!ret) {
		t0 = now();
		kb_mark_dirty(&c, allfiles ? allfiles : files, nfiles + nbfiles);
		ret = kb_apply_patches(&c, o->patches, o->nr_patches, 0, err, errlen);
		if (!ret)
			ret = kb_build_objects(&c, objs, nobjs, postdir, 0, err,
					       errlen);
		kb_restore_files(&c, files, nfiles);
		kb_restore_files(&c, bfiles, nbfiles);
		/* Leave no post object behind for the next pre build. */
		for (i = 0; i < nobjs; i++) {
			char *p = ks_strfmt("%s/%s", c.tree, objs[i]);

			unlink(p);
			free(p);
		}
		kb_mark_dirty(&c, files, 0);
		r->seconds_post = now() - t0;
	}
	if (ret)
		goto out_paths;

	/* Diff. */
	for (i = 0; i < nobjs; i++) {
		char *a = ks_strfmt("%s/%s", predir, objs[i]);
		char *b = ks_strfmt("%s/%s", postdir, objs[i]);

		if (c.verbose)
			fprintf(stderr, "  DIFF    %s\n", objs[i]);
		ret = ks_object_read(a, &oi[i].pre, err, errlen) ? KB_ERR : KB_OK;
		if (!ret) {
			ret = ks_object_read(b, &oi[i].post, err, errlen) ? KB_ERR : KB_OK;
			if (ret)
				ks_object_free(&oi[i].pre);
		}
		free(a);
		free(b);
		if (ret)
			goto out_paths;
		oi[i].loaded = 1;
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
			bad = ks_diff_objects_lines(&oi[i].pre, &oi[i].post, &lm,
						    oi[i].src, &oi[i].diff, err,
						    errlen);
			ks_line_maps_free(&lm);
			if (bad) {
				ret = KB_ERR;
				goto out_paths;
			}
		}
		if (oi[i].diff.refusal) {
			snprintf(err, errlen, "%s: %s", oi[i].src,
				 oi[i].diff.refusal);
			ret = KB_REFUSED;
			goto out_paths;
		}
		ret = check_layouts(o, predir, postdir, &oi[i], err, errlen);
		if (ret)
			goto out_paths;
		for (j = 0; j < oi[i].diff.nr_notes; j++)
			add_note(r, ks_strfmt("%s: %s", oi[i].src,
					      oi[i].diff.notes[j]));
		total_all += replaced_funcs(&oi[i].diff);
	}
	if (!total_all) {
		snprintf(err, errlen, "No changes detected.");
		ret = KB_NO_CHANGES;
		goto out_paths;
	}

	/*
	 * Group objects by target; objects without new code are left out
	 * (one that only adds a variable has some: another file uses it).
	 */
	for (i = 0; i < nobjs; i++) {
		size_t k;

		if (!replaced_funcs(&oi[i].diff) &&
		    !nc_diff_adds_data(&oi[i].diff))
			continue;
		for (k = 0; k < ntg && strcmp(tg[k].name, oi[i].target); k++)
			;
		if (k == ntg) {
			tg = ks_xrealloc(tg, (ntg + 1) * sizeof(*tg));
			memset(&tg[ntg], 0, sizeof(*tg));
			tg[ntg++].name = oi[i].target;
		}
		tg[k].objs = ks_xrealloc(tg[k].objs, (tg[k].nr_objs + 1) * sizeof(size_t));
		tg[k].objs[tg[k].nr_objs++] = i;
	}

	id = o->id ? ks_xstrdup(o->id) : random_id();
	if (!ksplice_id_valid(id)) {
		snprintf(err, errlen, "the id '%s' must be 1 to 32 characters of [a-z0-9_]", id);
		ret = KB_USAGE;
		goto out_paths;
	}
	description = o->description ? ks_xstrdup(o->description) :
		      default_description(o, patch_all);
	pkgdir = ks_strfmt("%s/ksplice-%s", work, id);
	ks_mkdir_p(pkgdir, 0755);
	/*
	 * What the new code may reference as ordinary undefined symbols:
	 * the kernel's exports and the core module's (shadow data).
	 */
	{
		char *both = ks_strfmt("%s/exports.symvers", work);
		size_t la = 0, lb = 0;
		char *a = ks_read_file(c.symvers, &la);
		char *b = o->core_symvers ? ks_read_file(o->core_symvers, &lb) :
			  NULL;
		char *cat = a ? ks_strfmt("%s\n%s", a, b ? b : "") : NULL;

		ret = !cat || ks_write_file(both, cat, strlen(cat)) ||
		      ks_exports_load(both, &ex, err, errlen) ? KB_ERR : KB_OK;
		if (!a)
			snprintf(err, errlen, "cannot read %s", c.symvers);
		free(a);
		free(b);
		free(cat);
		free(both);
		if (ret)
			goto out_paths;
	}
	m->format = KS_PACKAGE_FORMAT;
	m->id = ks_xstrdup(id);
	m->description = ks_xstrdup(description);
	m->kernel_release = ks_xstrdup(release);
	m->kernel_version = ks_xstrdup(uname_v);
	m->compiler = ks_xstrdup(compiler);
	m->targets = ks_xrealloc(NULL, ntg * sizeof(*m->targets));
	vmlinux_first(tg, ntg);
	share_new_exports(oi, tg, ntg, id, &ex);
	t0 = now();
	ncs = ks_xrealloc(NULL, (ntg + 1) * sizeof(*ncs));
	memset(ncs, 0, (ntg + 1) * sizeof(*ncs));
	for (i = 0; i < ntg; i++) {
		ret = collect_target(&c, &ex, oi, &tg[i], id, &m->targets[i],
				     &ncs[i], r, err, errlen);
		m->nr_targets = i + 1;
		if (ret)
			goto out_paths;
	}
	ret = order_parts(oi, nobjs, tg, m->targets, ncs, ntg, id, &ex, r,
			  err, errlen);
	for (i = 0; i < ntg && !ret; i++) {
		ret = build_target_module(o, &c, &ncs[i], id, description,
					  pkgdir, &m->targets[i], r, err,
					  errlen);
		for (j = 0; j < tg[i].nr_objs && !ret; j++) {
			const char *ob = oi[tg[i].objs[j]].obj;
			char *a = ks_strfmt("%s/%s", predir, ob);
			char *b = ks_strfmt("%s/pre/%s", pkgdir, ob);

			if (ks_mkdir_parent(b) || ks_copy_file(a, b)) {
				snprintf(err, errlen, "cannot copy the pre objects into the package");
				ret = KB_ERR;
			}
			free(a);
			free(b);
		}
	}
	r->seconds_module = now() - t0;
	if (ret)
		goto out_paths;
	{
		char *text = ks_manifest_format(m);
		char *mf = ks_strfmt("%s/manifest", pkgdir);
		char *pf = ks_strfmt("%s/patch", pkgdir);

		if (!text || ks_write_file(mf, text, strlen(text)) ||
		    ks_write_file(pf, patch_all, strlen(patch_all)))
			ret = KB_ERR;
		free(text);
		free(mf);
		free(pf);
	}
	r->tarball = ks_strfmt("%s/ksplice-%s.tar.gz", o->outdir ? o->outdir : ".", id);
	if (!ret && interrupted()) {
		snprintf(err, errlen, "interrupted");
		ret = KB_ERR;
	}
	if (!ret && ks_package_write(pkgdir, r->tarball, err, errlen))
		ret = KB_ERR;
	if (!ret) {
		/* The new exports' symvers, for modules built against them. */
		char *all = ks_strfmt("%s/exports.out", work);
		char *sv = ks_strfmt("%s/ksplice-%s.symvers",
				     o->outdir ? o->outdir : ".", id);

		if (!access(all, R_OK)) {
			if (ks_copy_file(all, sv)) {
				snprintf(err, errlen, "cannot write %s", sv);
				ret = KB_ERR;
			} else {
				add_note(r, ks_strfmt("the new exports' Module.symvers lines are in %s: build modules that use them with KBUILD_EXTRA_SYMBOLS=%s",
						      sv, sv));
			}
		}
		free(all);
		free(sv);
	}
out_paths:
	free(predir);
	free(postdir);
out:
	for (i = 0; oi && i < nobjs; i++) {
		if (oi[i].loaded) {
			ks_diff_free(&oi[i].diff);
			ks_object_free(&oi[i].pre);
			ks_object_free(&oi[i].post);
		}
		free(oi[i].target);
	}
	free(oi);
	for (i = 0; i < ntg; i++)
		free(tg[i].objs);
	free(tg);
	for (i = 0; ncs && i < ntg; i++)
		nc_free(&ncs[i]);
	free(ncs);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	for (i = 0; i < nbfiles; i++)
		free(bfiles[i]);
	free(bfiles);
	free(allfiles);
	for (i = 0; i < nobjs; i++)
		free(objs[i]);
	free(objs);
	free(hdrs);
	for (i = 0; hdr_post && i < nhdrs; i++)
		free(hdr_post[i]);
	free(hdr_post);
	for (i = 0; i < ncand; i++)
		free(csrc[i]);
	free(csrc);
	free(chdr);
	ks_exports_free(&ex);
	/* KSPLICE_CREATE_KEEP=1 keeps the work directory for debugging. */
	if (work && getenv("KSPLICE_CREATE_KEEP"))
		fprintf(stderr, "ksplice-create: kept %s\n", work);
	else if (work)
		ks_rmtree(work);
	free(work);
	free(patch_all);
	free(headers);
	free(release);
	free(compiler);
	free(banner);
	free(uname_v);
	free(srcver);
	free(id);
	free(description);
	free(pkgdir);
	free(c.tree);
	free((char *)c.config);
	free((char *)c.symvers);
	if (ret) {
		free(r->tarball);
		r->tarball = NULL;
	}
	return ret;
}

void ks_create_result_free(struct ks_create_result *r)
{
	size_t i;

	free(r->tarball);
	for (i = 0; i < r->nr_notes; i++)
		free(r->notes[i]);
	free(r->notes);
	ks_manifest_free(&r->manifest);
	memset(r, 0, sizeof(*r));
}
