// SPDX-License-Identifier: GPL-2.0
/* Driving Kbuild for ksplice-create: see kbuild_driver.h. */
#include "create/kbuild_driver.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/array.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KCFLAGS "KCFLAGS=-ffunction-sections -fdata-sections"
#define DIRTY_LIST ".ksplice-patched-files"

int kb_run(const char *dir, const char *log, char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log ? log : "/dev/null",
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		sigset_t none;

		/* ksplice-create blocks SIGINT & co.; make must not. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (dir && chdir(dir) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* First line of a command's output (owned), or NULL. */
static char *run_line(char *const argv[])
{
	int p[2];
	pid_t pid;
	char buf[512];
	ssize_t n, len = 0;
	char *nl;

	if (pipe(p))
		return NULL;
	pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(p[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(p[0]);
	waitpid(pid, NULL, 0);
	buf[len] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return len ? strdup(buf) : NULL;
}

static int is_dir_with(const char *dir, const char *file)
{
	char *p = ks_strfmt("%s/%s", dir, file);
	int ok = access(p, R_OK) == 0;

	free(p);
	return ok;
}

char *kb_find_headers(const char *abi, const char *cache)
{
	char *cand[3];
	char *found = NULL;
	int i;

	cand[0] = ks_strfmt("/lib/modules/%s/build", abi);
	cand[1] = ks_strfmt("/usr/src/linux-headers-%s", abi);
	cand[2] = ks_strfmt("%s/abi/%s/build", cache, abi);
	for (i = 0; i < 3; i++) {
		if (!found && is_dir_with(cand[i], "Makefile") &&
		    is_dir_with(cand[i], ".config") &&
		    is_dir_with(cand[i], "Module.symvers"))
			found = cand[i];
		else
			free(cand[i]);
	}
	return found;
}

/* Value of CONFIG_x in a .config, unquoted (owned), or NULL. */
static char *config_value(const char *config, const char *key)
{
	char *text = ks_read_file(config, NULL), *line, *save = NULL;
	char *res = NULL;
	size_t kl = strlen(key);

	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line && !res;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, kl) || line[kl] != '=')
			continue;
		line += kl + 1;
		if (*line == '"') {
			line++;
			if (*line && line[strlen(line) - 1] == '"')
				line[strlen(line) - 1] = '\0';
		}
		res = strdup(line);
	}
	free(text);
	return res;
}

int kb_check_compiler(struct kb_ctx *c, char **compiler_text,
		      char *err, size_t errlen)
{
	char *want = config_value(c->config, "CONFIG_CC_VERSION_TEXT");
	char *sp, *have;
	char *argv[] = { "gcc", "--version", NULL };

	(void)c;
	*compiler_text = NULL;
	if (!want) {
		ks_set_err(err, errlen, "%s does not name the compiler (CONFIG_CC_VERSION_TEXT)",
			   c->config);
		return KB_MISMATCH;
	}
	/*
	 * "gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0": the program name may
	 * differ (Kbuild here runs "gcc"), the version must not.
	 */
	sp = strchr(want, ' ');
	have = run_line(argv);
	if (!have || !strchr(have, ' ') || !sp ||
	    strcmp(strchr(have, ' '), sp)) {
		ks_set_err(err, errlen, "the kernel was built by \"%s\" but this machine's gcc is \"%s\"; install the same compiler",
			   want, have ? have : "(none)");
		free(want);
		free(have);
		return KB_COMPILER;
	}
	free(have);
	*compiler_text = want;
	return KB_OK;
}

/* Options that name the build machine, not the kernel. */
static int config_ignored(const char *line)
{
	static const char *const keys[] = {
		"CONFIG_CC_VERSION_TEXT=", "CONFIG_BUILD_SALT=",
		"CONFIG_MODULE_SIG_KEY=", "CONFIG_GCC_VERSION=",
		"CONFIG_AS_VERSION=", "CONFIG_LD_VERSION=",
		"CONFIG_PAHOLE_VERSION=", "CONFIG_SYSTEM_TRUSTED_KEYS=",
		"CONFIG_SYSTEM_REVOCATION_KEYS=",
	};
	size_t i;

	if (line[0] == '#' || !line[0])
		return 1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strncmp(line, keys[i], strlen(keys[i])))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **config_lines(const char *path, size_t *n)
{
	char *text = ks_read_file(path, NULL), *line, *save = NULL;
	char **v = NULL;

	*n = 0;
	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (config_ignored(line))
			continue;
		KS_PUSH(v, *n, strdup(line));
	}
	free(text);
	qsort(v, *n, sizeof(char *), cmp_str);
	return v;
}

int kb_check_config(const struct kb_ctx *c, char *err, size_t errlen)
{
	char *mine = ks_strfmt("%s/.config", c->source);
	size_t na, nb, i, j;
	char **a = config_lines(mine, &na), **b = config_lines(c->config, &nb);
	int ret = KB_OK;

	if (!a || !b) {
		ks_set_err(err, errlen, "%s has no .config: it must be configured with the target kernel's config",
			   c->source);
		ret = KB_MISMATCH;
		goto out;
	}
	for (i = j = 0; (i < na || j < nb) && ret == KB_OK;) {
		int k = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);

		if (!k) {
			i++;
			j++;
			continue;
		}
		{
			/* Name the option and both values. */
			const char *line = k < 0 ? a[i] : b[j];
			size_t kl = strcspn(line, "=");
			char *key = strndup(line, kl);
			char *va = config_value(mine, key);
			char *vb = config_value(c->config, key);

			ks_set_err(err, errlen, "%s is not configured like the target kernel: %s is %s there but %s in %s",
				   c->source, key, va ? va : "unset",
				   vb ? vb : "unset", c->config);
			free(key);
			free(va);
			free(vb);
		}
		ret = KB_MISMATCH;
	}
out:
	for (i = 0; a && i < na; i++)
		free(a[i]);
	for (i = 0; b && i < nb; i++)
		free(b[i]);
	free(a);
	free(b);
	free(mine);
	return ret;
}

char *kb_source_version(const char *source)
{
	char *mk = ks_strfmt("%s/Makefile", source);
	char *text = ks_read_file(mk, NULL);
	long v[3] = { -1, -1, -1 };
	static const char *const keys[] = { "VERSION = ", "PATCHLEVEL = ",
					    "SUBLEVEL = " };
	int i;

	free(mk);
	if (!text)
		return NULL;
	for (i = 0; i < 3; i++) {
		char *p = text;

		while ((p = strstr(p, keys[i]))) {
			if (p == text || p[-1] == '\n') {
				v[i] = strtol(p + strlen(keys[i]), NULL, 10);
				break;
			}
			p++;
		}
	}
	free(text);
	if (v[0] < 0 || v[1] < 0 || v[2] < 0)
		return NULL;
	return ks_strfmt("%ld.%ld.%ld", v[0], v[1], v[2]);
}

static char *sha256_of_string(const char *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *hex = malloc(65);

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	for (i = 0; i < 8; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return hex;
}

int kb_prepare_tree(struct kb_ctx *c, char *err, size_t errlen)
{
	char *real = realpath(c->source, NULL), *key, *base, *tmp, *dirty;
	char *argv[6];
	struct stat st;

	if (!real) {
		ks_set_err(err, errlen, "%s: %s", c->source, strerror(errno));
		return KB_ERR;
	}
	key = sha256_of_string(real);
	base = ks_strfmt("%s/create", c->cache);
	c->tree = ks_strfmt("%s/tree-%s", base, key);
	free(key);
	if (ks_mkdir_p(base, 0755)) {
		ks_set_err(err, errlen, "cannot create %s: %s", base,
			   strerror(errno));
		free(real);
		free(base);
		return KB_ERR;
	}
	free(base);
	if (stat(c->tree, &st)) {
		if (c->verbose)
			fprintf(stderr, "  COPY    %s (one time, about 1.5 GB)\n",
				real);
		tmp = ks_strfmt("%s.tmp%d", c->tree, (int)getpid());
		argv[0] = "cp";
		argv[1] = "-a";
		argv[2] = real;
		argv[3] = tmp;
		argv[4] = NULL;
		if (kb_run(NULL, NULL, argv) != 0 || rename(tmp, c->tree)) {
			ks_set_err(err, errlen, "cannot copy %s to %s", real, tmp);
			ks_rmtree(tmp);
			free(tmp);
			free(real);
			return KB_ERR;
		}
		free(tmp);
	}
	free(real);
	/*
	 * One ksplice-create at a time per tree: the lock is held until the
	 * process exits (the descriptor is deliberately never closed).
	 */
	{
		char *lockf = ks_strfmt("%s/.ksplice-lock", c->tree);
		int fd = open(lockf, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		free(lockf);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
			if (c->verbose)
				fprintf(stderr, "  WAIT    another ksplice-create is using %s\n",
					c->tree);
			if (fd < 0 || flock(fd, LOCK_EX)) {
				ks_set_err(err, errlen, "cannot lock %s", c->tree);
				return KB_ERR;
			}
		}
	}
	/* Files a previous, interrupted run left patched. */
	dirty = ks_strfmt("%s/" DIRTY_LIST, c->tree);
	if (access(dirty, F_OK) == 0) {
		char *text = ks_read_file(dirty, NULL), *line, *save = NULL;
		char **files = NULL;
		size_t n = 0;

		for (line = strtok_r(text ? text : "", "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			KS_PUSH(files, n, line);
		}
		kb_restore_files(c, files, n);
		free(files);
		free(text);
		unlink(dirty);
	}
	free(dirty);
	return KB_OK;
}

static int safe_rel(const char *p)
{
	return p[0] && p[0] != '/' && !strstr(p, "../") && strcmp(p, "..");
}

int kb_patch_files(const char *patch_text, char ***files, size_t *n,
		   char *err, size_t errlen)
{
	const char *p = patch_text;

	*files = NULL;
	*n = 0;
	while ((p = strstr(p, "+++ "))) {
		const char *e, *name;
		char *f;
		size_t i;
		int dup = 0;

		if (p != patch_text && p[-1] != '\n') {
			p += 4;
			continue;
		}
		name = p + 4;
		e = name + strcspn(name, "\t\n");
		p = e;
		/* Strip one leading component (b/). */
		{
			const char *slash = memchr(name, '/', (size_t)(e - name));

			if (!slash || !strncmp(name, "/dev/null", 9)) {
				ks_set_err(err, errlen, "the patch creates or deletes files or has no a/ b/ prefixes; that is not supported");
				return KB_PATCH_FAILS;
			}
			name = slash + 1;
		}
		f = strndup(name, (size_t)(e - name));
		if (!safe_rel(f)) {
			ks_set_err(err, errlen, "the patch names an unsafe path %s", f);
			free(f);
			return KB_PATCH_FAILS;
		}
		for (i = 0; i < *n; i++)
			dup |= !strcmp((*files)[i], f);
		if (dup) {
			free(f);
			continue;
		}
		KS_PUSH(*files, *n, f);
	}
	if (!*n) {
		ks_set_err(err, errlen, "the patch touches no files");
		return KB_PATCH_FAILS;
	}
	return KB_OK;
}

int kb_apply_patches(const struct kb_ctx *c, char *const patches[], size_t n,
		     int dry_run, char *err, size_t errlen)
{
	size_t i;
	char *log = ks_strfmt("%s/patch.log", c->work);

	for (i = 0; i < n; i++) {
		char *input = ks_strfmt("--input=%s", patches[i]);
		char *argv[] = { "patch", "-p1", "-s", "-f", "-N",
				 "--no-backup-if-mismatch", input,
				 dry_run ? "--dry-run" : NULL, NULL };

		if (kb_run(c->tree, log, argv) != 0) {
			char *text = ks_read_file(log, NULL);
			char *nl;

			if (text && (nl = strchr(text, '\n')))
				*nl = '\0';
			ks_set_err(err, errlen, "%s does not apply to %s%s%s",
				   patches[i], c->source, text ? ": " : "",
				   text ? text : "");
			free(text);
			free(input);
			free(log);
			return KB_PATCH_FAILS;
		}
		free(input);
	}
	free(log);
	return KB_OK;
}

int kb_restore_files(const struct kb_ctx *c, char *const files[], size_t n)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		char *src = ks_strfmt("%s/%s", c->source, files[i]);
		char *dst = ks_strfmt("%s/%s", c->tree, files[i]);
		char *argv[] = { "cp", "-p", src, dst, NULL };

		if (access(src, F_OK) == 0)
			ret |= kb_run(NULL, NULL, argv) != 0;
		else
			unlink(dst);
		free(src);
		free(dst);
	}
	return ret ? -1 : 0;
}

/* Mark files patched so that an interrupted run is repaired next time. */
int kb_mark_dirty(const struct kb_ctx *c, char *const files[], size_t n)
{
	char *path = ks_strfmt("%s/" DIRTY_LIST, c->tree);
	FILE *f = fopen(path, n ? "w" : "r");
	size_t i;

	if (!n) {
		if (f)
			fclose(f);
		unlink(path);
		free(path);
		return 0;
	}
	free(path);
	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", files[i]);
	return fclose(f);
}

/*
 * The compiler's first error line of a build log (owned), or NULL: the
 * log's end is make's summary, and with -j the first error is what the
 * fix broke, so it is the one to name.
 */
static char *first_error(const char *log)
{
	const char *p = strstr(log, ": error: ");
	const char *start, *end;

	if (!p)
		p = strstr(log, "error: ");
	if (!p)
		return NULL;
	for (start = p; start > log && start[-1] != '\n'; start--)
		;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	if (end - start > 400)
		end = start + 400;
	return ks_strfmt("%.*s", (int)(end - start), start);
}

/* The size of a file, or 0. */
static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (long)st.st_size;
}

/* What a build appended to log from offset on (owned, never NULL). */
static char *log_from(const char *log, long offset)
{
	size_t len = 0;
	char *text = ks_read_file(log, &len), *part;

	if (!text)
		return ks_xstrdup("");
	part = ks_xstrdup(offset >= 0 && (size_t)offset <= len ? text + offset : "");
	free(text);
	return part;
}

/*
 * The objects a build log says were compiled ("  CC      x.o" and
 * "  CC [M]  x.o" lines), in order, repeats included (owned).
 */
static char **compiled_in(const char *text, size_t *n)
{
	char **v = NULL;
	const char *p = text;

	*n = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len > 10 && (!strncmp(p, "  CC      ", 10) ||
				 !strncmp(p, "  CC [M]  ", 10))) {
			KS_PUSH(v, *n, ks_strfmt("%.*s", (int)(len - 10), p + 10));
		}
		p += len + (e ? 1 : 0);
	}
	return v;
}

static size_t count_in(char *const v[], size_t n, const char *x)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += !strcmp(v[i], x);
	return k;
}

/* Is obj directly in dir ("drivers/char/ipmi/", dl its length)? */
static int directly_in(const char *obj, const char *dir, size_t dl)
{
	return !strncmp(obj, dir, dl) && !strchr(obj + dl, '/');
}

static void free_list(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

/*
 * Kbuild 6.1 compiles some objects twice when one is the goal: a
 * directory that an ancestor's ancestor lists (drivers/char/ipmi/ from
 * drivers/, arch/x86/pci/ from the top) is also reached through the
 * directory in between, whose generic %.o rule compiles the goal with
 * its own flags; drivers/char compiles ipmi_msghandler.o without
 * -DMODULE.  The two compiles race: one may find the other's dependency
 * file gone, and the last to finish wins, so the object may be built for
 * vmlinux although it is a module.  An object compiled more than once is
 * built again through its directory's goal (drivers/char/ipmi/), which
 * only its own Makefile answers, and the other objects that compiles are
 * removed again so that none of them stays in the tree with a patched
 * header in it.  0, or -1 if an object is still not compiled once.
 */
static int build_again_in_own_dir(const struct kb_ctx *c,
				  char *const objs[], size_t n,
				  const char *first_log, const char *jobs,
				  const char *log, int *redone)
{
	size_t nc = 0, i, j, nr = 0;
	char **first = compiled_in(first_log, &nc), **dirs = NULL;
	int ret = 0;

	*redone = 0;
	for (i = 0; i < n; i++) {
		const char *slash = strrchr(objs[i], '/');
		char *dir;

		if (count_in(first, nc, objs[i]) < 2 || !slash)
			continue;
		dir = ks_strfmt("%.*s/", (int)(slash - objs[i]), objs[i]);
		if (count_in(dirs, nr, dir)) {
			free(dir);
			continue;
		}
		KS_PUSH(dirs, nr, dir);
	}
	for (i = 0; i < nr; i++) {
		char *argv[] = { "make", (char *)jobs, "-k", KCFLAGS, dirs[i],
				 NULL };
		size_t dl = strlen(dirs[i]), na = 0;
		long off = file_size(log);
		char *text, **again;

		for (j = 0; j < n; j++) {
			if (directly_in(objs[j], dirs[i], dl)) {
				char *o = ks_strfmt("%s/%s", c->tree, objs[j]);

				unlink(o);
				free(o);
			}
		}
		if (c->verbose)
			fprintf(stderr, "  CC      %s (again: Kbuild compiled an object of it twice)\n",
				dirs[i]);
		kb_run(c->tree, log, argv);
		text = log_from(log, off);
		again = compiled_in(text, &na);
		for (j = 0; j < na; j++) {
			char *o = ks_strfmt("%s/%s", c->tree, again[j]);

			if (!count_in(objs, n, again[j]))
				unlink(o);
			free(o);
		}
		for (j = 0; j < n; j++)
			if (directly_in(objs[j], dirs[i], dl) &&
			    count_in(again, na, objs[j]) > 1)
				ret = -1;
		free_list(again, na);
		free(text);
	}
	*redone = nr > 0;
	free_list(dirs, nr);
	free_list(first, nc);
	return ret;
}

int kb_build_objects(const struct kb_ctx *c, char *const objs[], size_t n,
		     const char *outdir, int candidates, char *err,
		     size_t errlen)
{
	char **argv = calloc(n + 8, sizeof(char *));
	char *jobs = ks_strfmt("-j%d", c->jobs > 0 ? c->jobs : 1);
	char *log = ks_strfmt("%s/build.log", c->work), *text = NULL;
	size_t i, k = 0;
	long off = file_size(log);
	int ret = KB_OK, rc, redone = 0, twice, missing;

	/*
	 * Named objects are rebuilt from scratch.  Candidates (objects that
	 * may include a changed header) are left to Kbuild's dependency
	 * check, so a --prebuild tree does not compile them again; Kbuild
	 * refuses those the config does not build.  -k goes on after an
	 * error so that every object that can be built is, and an object
	 * Kbuild compiled twice can be built again alone; whether the
	 * named objects were built is checked below.
	 */
	for (i = 0; i < n && !candidates; i++) {
		char *o = ks_strfmt("%s/%s", c->tree, objs[i]);

		unlink(o);
		free(o);
	}
	argv[k++] = "make";
	argv[k++] = jobs;
	argv[k++] = "-k";
	argv[k++] = KCFLAGS;
	for (i = 0; i < n; i++)
		argv[k++] = objs[i];
	argv[k] = NULL;
	if (c->verbose)
		for (i = 0; i < n; i++)
			fprintf(stderr, "  CC      %s%s\n", objs[i],
				candidates ? " (if configured)" : "");
	rc = kb_run(c->tree, log, argv);
	text = log_from(log, off);
	twice = build_again_in_own_dir(c, objs, n, text, jobs, log, &redone);
	if (twice) {
		ks_set_err(err, errlen, "building %s failed: Kbuild compiled it twice, with different flags, even through its own directory",
			   objs[0]);
		ret = KB_ERR;
		goto out;
	}
	/*
	 * A build that had to be done again failed where the two compiles
	 * raced; then what counts is whether every named object is there.
	 */
	for (i = 0, missing = 0; i < n && !candidates; i++) {
		char *o = ks_strfmt("%s/%s", c->tree, objs[i]);

		missing |= access(o, R_OK) != 0;
		free(o);
	}
	if (redone)
		rc = missing;
	if ((rc != 0 || missing) && !candidates) {
		const char *tail = text;
		char *first = first_error(text);

		if (strlen(tail) > 600)
			tail += strlen(tail) - 600;
		ks_set_err(err, errlen, "building %s failed: %s\nthe end of the build log:\n%s",
			   objs[0], first ? first : "(no compiler error line)",
			   tail);
		free(first);
		ret = KB_ERR;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char *src = ks_strfmt("%s/%s", c->tree, objs[i]);
		char *dst = ks_strfmt("%s/%s", outdir, objs[i]);

		if (candidates && access(src, R_OK)) {
			/* not built in this configuration */
		} else if (ks_mkdir_parent(dst) || ks_copy_file(src, dst)) {
			ks_set_err(err, errlen, "cannot copy %s: %s", src,
				   strerror(errno));
			ret = KB_ERR;
		}
		free(src);
		free(dst);
	}
out:
	free(argv);
	free(jobs);
	free(log);
	free(text);
	return ret;
}

/* The .cmd file of an object (owned). */
static char *cmd_path(const struct kb_ctx *c, const char *obj)
{
	const char *slash = strrchr(obj, '/');

	return slash ? ks_strfmt("%s/%.*s/.%s.cmd", c->tree,
				 (int)(slash - obj), obj, slash + 1) :
		       ks_strfmt("%s/.%s.cmd", c->tree, obj);
}

/* Does a .cmd text list header among its dependencies? */
static int deps_have(const char *text, const char *header)
{
	size_t hl = strlen(header);
	const char *p = text;

	while ((p = strstr(p, header))) {
		char before = p == text ? '\n' : p[-1];
		char after = p[hl];

		if ((before == ' ' || before == '\n' || before == '\t') &&
		    (after == ' ' || after == '\n' || after == '\\' ||
		     after == ')'))
			return 1;
		p += hl;
	}
	return 0;
}

int kb_object_includes(const struct kb_ctx *c, const char *obj,
		       const char *header)
{
	char *path = cmd_path(c, obj);
	char *text = ks_read_file(path, NULL);
	int ret = text && deps_have(text, header);

	free(path);
	free(text);
	return ret;
}

int kb_is_prebuilt(const struct kb_ctx *c)
{
	char *m = ks_strfmt("%s/.ksplice-prebuilt", c->tree);
	int ret = access(m, F_OK) == 0;

	free(m);
	return ret;
}

int kb_prebuild(const struct kb_ctx *c, char *err, size_t errlen)
{
	char *jobs = ks_strfmt("-j%d", c->jobs > 0 ? c->jobs : 1);
	char *log = ks_strfmt("%s/prebuild.log", c->work);
	char *mark = ks_strfmt("%s/.ksplice-prebuilt", c->tree);
	char *argv[] = { "make", jobs, KCFLAGS, NULL };
	int ret = KB_OK;

	if (c->verbose)
		fprintf(stderr, "  PREBUILD the whole tree (once; hours on a small machine)\n");
	if (kb_run(c->tree, log, argv) != 0) {
		char *text = ks_read_file(log, NULL);
		const char *tail = text ? text : "";

		if (strlen(tail) > 600)
			tail += strlen(tail) - 600;
		ks_set_err(err, errlen, "the full pre build failed:\n%s", tail);
		free(text);
		ret = KB_ERR;
	} else {
		ks_write_file(mark, "", 0);
	}
	free(jobs);
	free(log);
	free(mark);
	return ret;
}

struct scan {
	const char *header;
	char **objs;
	size_t n;
	size_t treelen;
};

static struct scan *scan_state;

static int scan_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	const char *base = path + ftw->base;
	size_t bl = strlen(base);
	char *text;

	(void)st;
	if (flag != FTW_F || bl < 7 || base[0] != '.' ||
	    strcmp(base + bl - 6, ".o.cmd"))
		return 0;
	text = ks_read_file(path, NULL);
	if (text && deps_have(text, scan_state->header)) {
		/* dir/.name.o.cmd -> dir/name.o */
		const char *dir = path + scan_state->treelen + 1;
		char *obj = ks_strfmt("%.*s%.*s", (int)(base - dir), dir,
				      (int)(bl - 5), base + 1);

		KS_PUSH(scan_state->objs, scan_state->n, obj);
	}
	free(text);
	return 0;
}

char **kb_objects_including(const struct kb_ctx *c, const char *header,
			    size_t *n)
{
	struct scan sc = { header, NULL, 0, strlen(c->tree) };

	scan_state = &sc;
	nftw(c->tree, scan_one, 32, FTW_PHYS);
	scan_state = NULL;
	*n = sc.n;
	return sc.objs;
}

char *kb_object_target(const struct kb_ctx *c, const char *obj)
{
	const char *slash = strrchr(obj, '/');
	char *cmd = slash ? ks_strfmt("%s/%.*s/.%s.cmd", c->tree,
				      (int)(slash - obj), obj, slash + 1) :
			    ks_strfmt("%s/.%s.cmd", c->tree, obj);
	char *text = ks_read_file(cmd, NULL), *p, *res = NULL;

	free(cmd);
	if (!text)
		return NULL;
	/* Only the command line, not the dependency list. */
	p = strchr(text, '\n');
	if (p)
		*p = '\0';
	if (strstr(text, " -DMODULE ") &&
	    (p = strstr(text, "-DKBUILD_MODNAME='\""))) {
		char *e;

		p += strlen("-DKBUILD_MODNAME='\"");
		e = strchr(p, '"');
		if (e)
			res = strndup(p, (size_t)(e - p));
	} else {
		res = strdup("vmlinux");
	}
	free(text);
	return res;
}

int kb_build_module(const struct kb_ctx *c, const char *dir,
		    const char *extra_symvers, int modpost_warn,
		    char *err, size_t errlen)
{
	char *mdir = ks_strfmt("M=%s", dir);
	char *extra = extra_symvers ?
		      ks_strfmt("KBUILD_EXTRA_SYMBOLS=%s", extra_symvers) : NULL;
	char *log = ks_strfmt("%s/module.log", c->work);
	char *argv[8];
	int k = 0, ret = KB_OK;

	argv[k++] = "make";
	argv[k++] = "-C";
	argv[k++] = (char *)c->headers;
	argv[k++] = mdir;
	if (extra)
		argv[k++] = extra;
	if (modpost_warn)
		argv[k++] = "KBUILD_MODPOST_WARN=1";
	argv[k++] = "modules";
	argv[k] = NULL;
	if (kb_run(NULL, log, argv) != 0) {
		char *text = ks_read_file(log, NULL);
		const char *tail = text ? text : "";

		if (strlen(tail) > 800)
			tail += strlen(tail) - 800;
		ks_set_err(err, errlen, "building the new-code module failed:\n%s",
			   tail);
		free(text);
		ret = KB_ERR;
	}
	free(mdir);
	free(extra);
	free(log);
	return ret;
}
