// SPDX-License-Identifier: GPL-2.0
/*
 * The update package (docs/update-format.md): a tar.gz holding
 * ksplice-ID/{manifest, patch, pre/..., new/..., SHA256SUMS}.
 *
 * Reading is defensive because a package comes from elsewhere: only
 * regular files and directories under one top directory, no absolute
 * paths, no "..", and every file must be listed in SHA256SUMS with the
 * right hash (top-level *.sig files excepted: they sign the manifest and
 * cannot be hashed into it).
 */
#include "package/package.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/array.h"

#include <ksplice/abi.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * include/ksplice/abi.h cannot be included next to <sys/stat.h> and
 * <archive.h> (its user-space __u64/__s64 typedefs clash with
 * <linux/types.h>), so the two flag values are repeated here;
 * tests/unit/test_package.c checks that they agree.
 */
#define KSPLICE_SYM_LOCAL	0x1
#define KSPLICE_SYM_DATA	0x2

#define MANIFEST_MAGIC "ksplice-update-manifest"
/* A package is small; refuse anything absurd rather than fill a disk. */
#define MAX_FILE_SIZE (256u << 20)
/* ... and on everything unpacked from one package. */
#define MAX_TOTAL_SIZE (1024ull << 20)

/* ---- manifest text ---------------------------------------------------- */

/* Free text (description, uname -v, compiler) is escaped onto one line. */
static void put_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

static char *unescape(const char *s)
{
	char *out = ks_xrealloc(NULL, strlen(s) + 1), *o = out;

	while (*s) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		if (*s == 'n') {
			*o++ = '\n';
			s++;
		} else if (*s == 't') {
			*o++ = '\t';
			s++;
		} else if (*s == 'x' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };

			*o++ = (char)strtoul(hex, NULL, 16);
			s += 3;
		} else if (*s) {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

#define KS_FUNC_NAME(sym, str) str,
static const char *const func_kind_names[] = { KS_FUNC_KINDS(KS_FUNC_NAME) };
#undef KS_FUNC_NAME

const char *ks_func_kind_name(enum ks_func_kind k)
{
	return (unsigned int)k < KS_FUNC_KIND_COUNT ? func_kind_names[k] : "?";
}

int ks_func_kind_from_name(const char *name)
{
	for (int k = 0; k < KS_FUNC_KIND_COUNT; k++)
		if (!strcmp(name, func_kind_names[k]))
			return k;
	return -1;
}

static void put_flags(FILE *f, unsigned int flags)
{
	const char *sep = "";

	if (!flags) {
		fputs("-", f);
		return;
	}
	if (flags & KSPLICE_SYM_LOCAL) {
		fputs("local", f);
		sep = ",";
	}
	if (flags & KSPLICE_SYM_DATA)
		fprintf(f, "%sdata", sep);
}

char *ks_manifest_format(const struct ks_manifest *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t t, i;

	if (!f)
		return NULL;
	fprintf(f, "%s %d\n", MANIFEST_MAGIC, m->format ? m->format :
		KS_PACKAGE_FORMAT);
	fprintf(f, "id %s\n", m->id);
	fputs("description ", f);
	put_escaped(f, m->description);
	fputs("\nkernel-release ", f);
	put_escaped(f, m->kernel_release);
	fputs("\nkernel-version ", f);
	put_escaped(f, m->kernel_version);
	fputs("\ncompiler ", f);
	put_escaped(f, m->compiler);
	fputc('\n', f);
	for (t = 0; t < m->nr_targets; t++) {
		const struct ks_target *tg = &m->targets[t];

		fprintf(f, "target %s\n", tg->name);
		fprintf(f, "module %s %s\n", tg->module_name, tg->module_path);
		for (i = 0; i < tg->nr_objects; i++)
			fprintf(f, "object %s %s\n", tg->objects[i].object,
				tg->objects[i].path);
		for (i = 0; i < tg->nr_funcs; i++) {
			const struct ks_func_entry *fe = &tg->funcs[i];

			fprintf(f, "func %s %s %s ", ks_func_kind_name(fe->kind),
				fe->name, fe->object ? fe->object : "-");
			if (fe->desc_index >= 0)
				fprintf(f, "%d\n", fe->desc_index);
			else
				fputs("-\n", f);
		}
		for (i = 0; i < tg->nr_syms; i++) {
			const struct ks_symref *s = &tg->syms[i];

			fprintf(f, "sym %zu %s ", i, s->name);
			put_flags(f, s->flags);
			fprintf(f, " %s\n", s->object ? s->object : "-");
		}
		fputs("end-target\n", f);
	}
	fputs("end\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void ks_manifest_free(struct ks_manifest *m)
{
	size_t t, i;

	free(m->id);
	free(m->description);
	free(m->kernel_release);
	free(m->kernel_version);
	free(m->compiler);
	for (t = 0; t < m->nr_targets; t++) {
		struct ks_target *tg = &m->targets[t];

		free(tg->name);
		free(tg->module_path);
		free(tg->module_name);
		for (i = 0; i < tg->nr_objects; i++) {
			free(tg->objects[i].object);
			free(tg->objects[i].path);
		}
		free(tg->objects);
		for (i = 0; i < tg->nr_funcs; i++) {
			free(tg->funcs[i].name);
			free(tg->funcs[i].object);
		}
		free(tg->funcs);
		for (i = 0; i < tg->nr_syms; i++) {
			free(tg->syms[i].name);
			free(tg->syms[i].object);
		}
		free(tg->syms);
	}
	free(m->targets);
	memset(m, 0, sizeof(*m));
}

/* Split a line into at most max space-separated words (in place). */
static int split_words(char *line, char **w, int max)
{
	int n = 0;

	while (*line && n < max) {
		while (*line == ' ')
			line++;
		if (!*line)
			break;
		w[n++] = line;
		while (*line && *line != ' ')
			line++;
		if (*line)
			*line++ = '\0';
	}
	return *line ? -1 : n;
}

/* A package path: relative, no "..", no empty components. */
static int safe_relpath(const char *p)
{
	const char *c = p;

	if (!*p || *p == '/')
		return 0;
	while (*c) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
		if (*c == '/')
			c++;
	}
	return 1;
}

static int parse_flags(const char *s, unsigned int *flags)
{
	char *copy, *tok, *save = NULL;

	*flags = 0;
	if (!strcmp(s, "-"))
		return 0;
	copy = ks_xstrdup(s);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "local")) {
			*flags |= KSPLICE_SYM_LOCAL;
		} else if (!strcmp(tok, "data")) {
			*flags |= KSPLICE_SYM_DATA;
		} else {
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

static char *opt_str(const char *s)
{
	return strcmp(s, "-") ? ks_xstrdup(s) : NULL;
}

/* Parse one line into m; cur is the open target or NULL. */
static int parse_line(char *line, struct ks_manifest *m,
		      struct ks_target **cur, int *ended,
		      char *err, size_t errlen, int lineno)
{
	char *w[6];
	char *rest = strchr(line, ' ');
	const char *key = line;
	int n;

#define BAD(...) do { ks_set_err(err, errlen, __VA_ARGS__); return -1; } while (0)
	if (rest)
		*rest++ = '\0';
	else
		rest = line + strlen(line);

	if (!strcmp(key, "description") || !strcmp(key, "kernel-release") ||
	    !strcmp(key, "kernel-version") || !strcmp(key, "compiler") ||
	    !strcmp(key, "id")) {
		char **dst = !strcmp(key, "description") ? &m->description :
			     !strcmp(key, "kernel-release") ? &m->kernel_release :
			     !strcmp(key, "kernel-version") ? &m->kernel_version :
			     !strcmp(key, "compiler") ? &m->compiler : &m->id;

		if (*cur)
			BAD("manifest line %d: %s inside a target", lineno, key);
		if (*dst)
			BAD("manifest line %d: duplicate %s", lineno, key);
		*dst = unescape(rest);
		return 0;
	}
	if (!strcmp(key, "target")) {
		if (*cur)
			BAD("manifest line %d: target not closed", lineno);
		if (split_words(rest, w, 1) != 1)
			BAD("manifest line %d: bad target line", lineno);
		*cur = KS_PUSH_ZERO(m->targets, m->nr_targets);
		(*cur)->name = ks_xstrdup(w[0]);
		return 0;
	}
	if (!strcmp(key, "end")) {
		if (*cur)
			BAD("manifest line %d: end inside a target", lineno);
		*ended = 1;
		return 0;
	}
	if (!*cur)
		BAD("manifest line %d: unknown or misplaced key '%s'",
		    lineno, key);
	if (!strcmp(key, "end-target")) {
		if (!(*cur)->module_name)
			BAD("manifest line %d: target %s has no module",
			    lineno, (*cur)->name);
		*cur = NULL;
		return 0;
	}
	n = split_words(rest, w, 5);
	if (!strcmp(key, "module")) {
		if (n != 2 || !safe_relpath(w[1]) || (*cur)->module_name)
			BAD("manifest line %d: bad module line", lineno);
		(*cur)->module_name = ks_xstrdup(w[0]);
		(*cur)->module_path = ks_xstrdup(w[1]);
		return 0;
	}
	if (!strcmp(key, "object")) {
		struct ks_target *t = *cur;

		if (n != 2 || !safe_relpath(w[1]))
			BAD("manifest line %d: bad object line", lineno);
		t->objects = ks_grow(t->objects, t->nr_objects, 1,
				     sizeof(*t->objects));
		t->objects[t->nr_objects].object = ks_xstrdup(w[0]);
		t->objects[t->nr_objects].path = ks_xstrdup(w[1]);
		t->nr_objects++;
		return 0;
	}
	if (!strcmp(key, "func")) {
		struct ks_target *t = *cur;
		struct ks_func_entry fe = { 0 };
		char *end;
		int kind;

		if (n != 4)
			BAD("manifest line %d: bad func line", lineno);
		kind = ks_func_kind_from_name(w[0]);
		if (kind < 0)
			BAD("manifest line %d: unknown func kind '%s'",
			    lineno, w[0]);
		fe.kind = (enum ks_func_kind)kind;
		if (!strcmp(w[3], "-")) {
			fe.desc_index = -1;
		} else {
			long v = strtol(w[3], &end, 10);

			if (*end || v < 0 || v > 1000000)
				BAD("manifest line %d: bad func index", lineno);
			fe.desc_index = (int)v;
		}
		/* Deleted ones have one when the new code has their stub. */
		if ((fe.kind == KS_FUNC_CHANGED && fe.desc_index < 0) ||
		    (fe.kind == KS_FUNC_NEW && fe.desc_index >= 0))
			BAD("manifest line %d: only changed and deleted functions have a descriptor index",
			    lineno);
		fe.name = ks_xstrdup(w[1]);
		fe.object = opt_str(w[2]);
		KS_PUSH(t->funcs, t->nr_funcs, fe);
		return 0;
	}
	if (!strcmp(key, "sym")) {
		struct ks_target *t = *cur;
		struct ks_symref s = { 0 };
		char *end;
		unsigned long idx;

		if (n != 4)
			BAD("manifest line %d: bad sym line", lineno);
		idx = strtoul(w[0], &end, 10);
		if (*end || idx != t->nr_syms)
			BAD("manifest line %d: symbol index %s out of order",
			    lineno, w[0]);
		if (parse_flags(w[2], &s.flags))
			BAD("manifest line %d: bad symbol flags '%s'",
			    lineno, w[2]);
		s.name = ks_xstrdup(w[1]);
		s.object = opt_str(w[3]);
		KS_PUSH(t->syms, t->nr_syms, s);
		return 0;
	}
	BAD("manifest line %d: unknown key '%s'", lineno, key);
#undef BAD
}

int ks_manifest_parse(const char *text, struct ks_manifest *m,
		      char *err, size_t errlen)
{
	char *copy = ks_xstrdup(text), *line, *save = NULL;
	struct ks_target *cur = NULL;
	int lineno = 0, ended = 0, first = 1;

	memset(m, 0, sizeof(*m));
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (ended) {
			ks_set_err(err, errlen, "manifest: text after 'end'");
			goto fail;
		}
		if (first) {
			char magic[64];
			int fmt;

			first = 0;
			if (sscanf(line, "%63s %d", magic, &fmt) != 2 ||
			    strcmp(magic, MANIFEST_MAGIC)) {
				ks_set_err(err, errlen, "not a ksplice manifest");
				goto fail;
			}
			if (fmt != KS_PACKAGE_FORMAT) {
				ks_set_err(err, errlen,
					   "manifest format %d is not supported (expected %d)",
					   fmt, KS_PACKAGE_FORMAT);
				goto fail;
			}
			m->format = fmt;
			continue;
		}
		if (line[0] == '#')
			continue;
		if (parse_line(line, m, &cur, &ended, err, errlen, lineno))
			goto fail;
	}
	if (first) {
		ks_set_err(err, errlen, "manifest is empty");
		goto fail;
	}
	if (!ended) {
		ks_set_err(err, errlen, "manifest is truncated (no 'end' line)");
		goto fail;
	}
	if (!m->id || !m->kernel_release) {
		ks_set_err(err, errlen, "manifest lacks id or kernel-release");
		goto fail;
	}
	if (!ksplice_id_valid(m->id)) {
		ks_set_err(err, errlen,
			   "manifest id is not 1 to 32 characters of [A-Za-z0-9_-]");
		goto fail;
	}
	if (!m->description)
		m->description = ks_xstrdup("");
	if (!m->kernel_version)
		m->kernel_version = ks_xstrdup("");
	if (!m->compiler)
		m->compiler = ks_xstrdup("");
	free(copy);
	return 0;
fail:
	free(copy);
	ks_manifest_free(m);
	return -1;
}

/* ---- hashing ---------------------------------------------------------- */

static int sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned int i;

	if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	out[64] = '\0';
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

struct file_list {
	char **paths;		/* relative to the package top directory */
	size_t n;
};

static struct file_list *walk_list;
static size_t walk_prefix;

static int collect(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_F && S_ISREG(st->st_mode)) {
		KS_PUSH(walk_list->paths, walk_list->n,
			ks_xstrdup(path + walk_prefix));
	} else if (flag != FTW_D && flag != FTW_DP) {
		return 1;	/* symlinks and specials have no place here */
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_files(const char *dir, struct file_list *fl)
{
	int ret;

	memset(fl, 0, sizeof(*fl));
	walk_list = fl;
	walk_prefix = strlen(dir) + 1;
	ret = nftw(dir, collect, 16, FTW_PHYS);
	walk_list = NULL;
	if (ret == 0)
		qsort(fl->paths, fl->n, sizeof(char *), cmp_str);
	return ret ? -1 : 0;
}

static void free_list(struct file_list *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		free(fl->paths[i]);
	free(fl->paths);
}

static int is_sig_file(const char *rel)
{
	size_t n = strlen(rel);

	return !strchr(rel, '/') && n > 4 && !strcmp(rel + n - 4, ".sig");
}

static int write_entry(struct archive *a, const char *name, const char *data,
		       size_t len, int is_dir)
{
	struct archive_entry *e = archive_entry_new();
	int ok;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, is_dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, is_dir ? 0755 : 0644);
	archive_entry_set_size(e, is_dir ? 0 : (la_int64_t)len);
	/* Fixed metadata: the same inputs give the same tarball. */
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	ok = archive_write_header(a, e) == ARCHIVE_OK;
	if (ok && !is_dir && len)
		ok = archive_write_data(a, data, len) == (la_ssize_t)len;
	archive_entry_free(e);
	return ok ? 0 : -1;
}

/* Directories of rel that are not yet written (list is sorted). */
static int write_parent_dirs(struct archive *a, const char *top,
			     const char *rel, char **last_dir)
{
	const char *s;

	for (s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
		size_t n = (size_t)(s - rel);
		char *d;

		if (*last_dir && strlen(*last_dir) >= n &&
		    !strncmp(*last_dir, rel, n) &&
		    ((*last_dir)[n] == '\0' || (*last_dir)[n] == '/'))
			continue;
		d = ks_strfmt("%s/%.*s/", top, (int)n, rel);
		if (write_entry(a, d, NULL, 0, 1)) {
			free(d);
			return -1;
		}
		free(d);
	}
	s = strrchr(rel, '/');
	free(*last_dir);
	*last_dir = s ? strndup(rel, (size_t)(s - rel)) : NULL;
	return 0;
}

int ks_package_write(const char *dir, const char *out_tarball,
		     char *err, size_t errlen)
{
	struct file_list fl;
	struct ks_manifest m;
	char *text, *sums = NULL, *path, *top = NULL, *tmp = NULL;
	char *last_dir = NULL;
	size_t sums_len = 0, i;
	FILE *sf = NULL;
	struct archive *a = NULL;
	int ret = -1, fd;

	path = ks_strfmt("%s/manifest", dir);
	text = ks_read_file(path, NULL);
	free(path);
	if (!text) {
		ks_set_err(err, errlen, "cannot read %s/manifest: %s", dir,
			   strerror(errno));
		return -1;
	}
	if (ks_manifest_parse(text, &m, err, errlen)) {
		free(text);
		return -1;
	}
	free(text);
	top = ks_strfmt("ksplice-%s", m.id);
	ks_manifest_free(&m);

	/* SHA256SUMS is recomputed: drop a stale one first. */
	path = ks_strfmt("%s/SHA256SUMS", dir);
	unlink(path);
	free(path);
	if (list_files(dir, &fl)) {
		ks_set_err(err, errlen, "%s holds something other than regular files and directories",
			   dir);
		free(top);
		return -1;
	}
	sf = open_memstream(&sums, &sums_len);
	if (!sf)
		goto out;
	for (i = 0; i < fl.n; i++) {
		size_t len;
		char hex[65];
		char *data;

		if (is_sig_file(fl.paths[i]))
			continue;
		path = ks_strfmt("%s/%s", dir, fl.paths[i]);
		data = ks_read_file(path, &len);
		free(path);
		if (!data || sha256_hex(data, len, hex)) {
			ks_set_err(err, errlen, "cannot hash %s", fl.paths[i]);
			free(data);
			goto out;
		}
		free(data);
		fprintf(sf, "%s  %s\n", hex, fl.paths[i]);
	}
	if (fclose(sf)) {
		sf = NULL;
		goto out;
	}
	sf = NULL;
	path = ks_strfmt("%s/SHA256SUMS", dir);
	if (ks_write_file(path, sums, sums_len)) {
		ks_set_err(err, errlen, "cannot write %s: %s", path,
			   strerror(errno));
		free(path);
		goto out;
	}
	free(path);
	free_list(&fl);
	if (list_files(dir, &fl))
		goto out;

	tmp = ks_strfmt("%s.tmp.XXXXXX", out_tarball);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ks_set_err(err, errlen, "cannot create %s: %s", tmp,
			   strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkstemp makes 0600; a package is an ordinary file (umask). */
	{
		mode_t um = umask(0);

		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	a = archive_write_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		close(fd);
		goto arch_err;
	}
	path = ks_strfmt("%s/", top);
	if (write_entry(a, path, NULL, 0, 1)) {
		free(path);
		goto arch_err;
	}
	free(path);
	for (i = 0; i < fl.n; i++) {
		size_t len;
		char *data, *name;

		if (write_parent_dirs(a, top, fl.paths[i], &last_dir))
			goto arch_err;
		path = ks_strfmt("%s/%s", dir, fl.paths[i]);
		data = ks_read_file(path, &len);
		free(path);
		if (!data) {
			ks_set_err(err, errlen, "cannot read %s", fl.paths[i]);
			goto out;
		}
		name = ks_strfmt("%s/%s", top, fl.paths[i]);
		if (write_entry(a, name, data, len, 0)) {
			free(name);
			free(data);
			goto arch_err;
		}
		free(name);
		free(data);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto arch_err;
	close(fd);
	if (rename(tmp, out_tarball)) {
		ks_set_err(err, errlen, "cannot rename %s to %s: %s", tmp,
			   out_tarball, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	ret = 0;
	goto out;
arch_err:
	ks_set_err(err, errlen, "cannot write %s: %s", out_tarball,
		   a ? archive_error_string(a) ? archive_error_string(a) :
		   "archive error" : "archive error");
out:
	if (sf)
		fclose(sf);
	if (a)
		archive_write_free(a);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(last_dir);
	free(sums);
	free(top);
	free_list(&fl);
	return ret;
}

/* ---- reading ---------------------------------------------------------- */

/* Check SHA256SUMS against the unpacked files (list is sorted). */
static int verify_sums(const char *top, const struct file_list *fl,
		       char *err, size_t errlen)
{
	char *path = ks_strfmt("%s/SHA256SUMS", top);
	char *sums = ks_read_file(path, NULL);
	char *line, *save = NULL;
	size_t listed = 0, i;
	int ret = -1;

	free(path);
	if (!sums) {
		ks_set_err(err, errlen, "the package has no SHA256SUMS");
		return -1;
	}
	for (line = strtok_r(sums, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char hex[65], *rel, *data;
		size_t len;

		if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ') {
			ks_set_err(err, errlen, "SHA256SUMS has a malformed line");
			goto out;
		}
		rel = line + 66;
		if (!safe_relpath(rel) || !strcmp(rel, "SHA256SUMS")) {
			ks_set_err(err, errlen, "SHA256SUMS names a bad path '%s'", rel);
			goto out;
		}
		if (!bsearch(&rel, fl->paths, fl->n, sizeof(char *), cmp_str)) {
			ks_set_err(err, errlen, "%s is listed in SHA256SUMS but missing",
				   rel);
			goto out;
		}
		path = ks_strfmt("%s/%s", top, rel);
		data = ks_read_file(path, &len);
		free(path);
		if (!data || sha256_hex(data, len, hex)) {
			free(data);
			ks_set_err(err, errlen, "cannot read %s", rel);
			goto out;
		}
		free(data);
		if (strncmp(hex, line, 64)) {
			ks_set_err(err, errlen, "%s does not match its SHA-256 in SHA256SUMS",
				   rel);
			goto out;
		}
		listed++;
	}
	/* Every file but SHA256SUMS and signatures must have been listed. */
	for (i = 0; i < fl->n; i++)
		if (!strcmp(fl->paths[i], "SHA256SUMS") ||
		    is_sig_file(fl->paths[i]))
			listed++;
	if (listed != fl->n) {
		ks_set_err(err, errlen, "the package holds files not listed in SHA256SUMS");
		goto out;
	}
	ret = 0;
out:
	free(sums);
	return ret;
}

/* Extract the archive into root with our own checks on every entry. */
static int extract(const char *tarball, const char *root, char **topname,
		   char *err, size_t errlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned long long total = 0;
	int ret = -1, r;

	*topname = NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, tarball, 65536) != ARCHIVE_OK) {
		ks_set_err(err, errlen, "cannot open %s: %s", tarball,
			   archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		mode_t type = archive_entry_filetype(e);
		char *clean, *slash, *path;
		size_t n;

		if (!name) {
			ks_set_err(err, errlen, "%s has an entry without a name", tarball);
			goto out;
		}
		clean = ks_xstrdup(name);
		n = strlen(clean);
		while (n > 1 && clean[n - 1] == '/')
			clean[--n] = '\0';
		slash = strchr(clean, '/');
		if (!safe_relpath(clean) ||
		    (type != AE_IFREG && type != AE_IFDIR)) {
			ks_set_err(err, errlen, "%s holds an unsafe entry '%s'",
				   tarball, name);
			free(clean);
			goto out;
		}
		if (!*topname)
			*topname = slash ? strndup(clean, (size_t)(slash - clean)) :
				   ks_xstrdup(clean);
		if (strncmp(clean, *topname, strlen(*topname)) ||
		    (clean[strlen(*topname)] != '\0' &&
		     clean[strlen(*topname)] != '/') ||
		    strncmp(*topname, "ksplice-", 8)) {
			ks_set_err(err, errlen, "%s is not one ksplice-ID directory",
				   tarball);
			free(clean);
			goto out;
		}
		path = ks_strfmt("%s/%s", root, clean);
		free(clean);
		if (type == AE_IFDIR) {
			r = ks_mkdir_p(path, 0755);
		} else {
			la_int64_t size = archive_entry_size(e);
			char *buf;

			if (size < 0 || size > MAX_FILE_SIZE) {
				ks_set_err(err, errlen, "%s: entry %s is too large",
					   tarball, name);
				free(path);
				goto out;
			}
			total += (unsigned long long)size;
			if (total > MAX_TOTAL_SIZE) {
				ks_set_err(err, errlen, "%s unpacks to more than %llu MiB",
					   tarball, MAX_TOTAL_SIZE >> 20);
				free(path);
				goto out;
			}
			buf = ks_xrealloc(NULL, (size_t)size);
			if (archive_read_data(a, buf, (size_t)size) != size) {
				ks_set_err(err, errlen, "%s: cannot read %s: %s",
					   tarball, name, archive_error_string(a));
				free(buf);
				free(path);
				goto out;
			}
			r = ks_mkdir_parent(path);
			if (!r) {
				/* O_TRUNC on an existing file: a duplicate entry. */
				if (access(path, F_OK) == 0) {
					ks_set_err(err, errlen, "%s has entry %s twice",
						   tarball, name);
					free(buf);
					free(path);
					goto out;
				}
				r = ks_write_file(path, buf, (size_t)size);
			}
			free(buf);
		}
		if (r) {
			ks_set_err(err, errlen, "cannot write %s: %s", path,
				   strerror(errno));
			free(path);
			goto out;
		}
		free(path);
	}
	if (r != ARCHIVE_EOF) {
		ks_set_err(err, errlen, "%s is damaged: %s", tarball,
			   archive_error_string(a));
		goto out;
	}
	if (!*topname) {
		ks_set_err(err, errlen, "%s is empty", tarball);
		goto out;
	}
	ret = 0;
out:
	archive_read_free(a);
	return ret;
}

int ks_package_open(const char *tarball, const char *tmpdir,
		    struct ks_package *pkg, char *err, size_t errlen)
{
	char *root, *topname = NULL, *text, *path;
	struct file_list fl = { 0 };
	size_t i, t;

	memset(pkg, 0, sizeof(*pkg));
	root = ks_strfmt("%s/ksplice-pkg-XXXXXX", tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(root)) {
		ks_set_err(err, errlen, "cannot create a directory in %s: %s",
			   tmpdir, strerror(errno));
		free(root);
		return -1;
	}
	pkg->root = root;
	if (extract(tarball, root, &topname, err, errlen)) {
		free(topname);
		goto fail;
	}
	pkg->dir = ks_strfmt("%s/%s", root, topname);
	free(topname);
	if (list_files(pkg->dir, &fl)) {
		ks_set_err(err, errlen, "the package is not a directory tree");
		goto fail;
	}
	if (verify_sums(pkg->dir, &fl, err, errlen))
		goto fail;
	path = ks_strfmt("%s/manifest", pkg->dir);
	text = ks_read_file(path, NULL);
	free(path);
	if (!text) {
		ks_set_err(err, errlen, "the package has no manifest");
		goto fail;
	}
	if (ks_manifest_parse(text, &pkg->manifest, err, errlen)) {
		free(text);
		goto fail;
	}
	free(text);
	if (strcmp(pkg->dir + strlen(root) + 1 + 8, pkg->manifest.id)) {
		ks_set_err(err, errlen, "the package directory does not match its id %s",
			   pkg->manifest.id);
		goto fail;
	}
	/* Every file the manifest names must be in the package. */
	for (t = 0; t < pkg->manifest.nr_targets; t++) {
		const struct ks_target *tg = &pkg->manifest.targets[t];
		const char *need = tg->module_path;

		for (i = 0; need; i++) {
			if (!bsearch(&need, fl.paths, fl.n, sizeof(char *),
				     cmp_str)) {
				ks_set_err(err, errlen, "the manifest names %s, which is not in the package",
					   need);
				goto fail;
			}
			need = i < tg->nr_objects ? tg->objects[i].path : NULL;
		}
	}
	path = ks_strfmt("%s/patch", pkg->dir);
	pkg->patch = ks_read_file(path, NULL);
	free(path);
	if (!pkg->patch)
		pkg->patch = ks_xstrdup("");
	free_list(&fl);
	return 0;
fail:
	free_list(&fl);
	ks_package_close(pkg);
	return -1;
}

void ks_package_close(struct ks_package *pkg)
{
	if (pkg->root)
		ks_rmtree(pkg->root);
	free(pkg->root);
	free(pkg->dir);
	free(pkg->patch);
	ks_manifest_free(&pkg->manifest);
	memset(pkg, 0, sizeof(*pkg));
}

char *ks_package_path(const struct ks_package *pkg, const char *rel)
{
	return ks_strfmt("%s/%s", pkg->dir, rel);
}
