// SPDX-License-Identifier: GPL-2.0
/*
 * uptrack-publish: make and sign an Uptrack repository of static files
 * (docs/uptrack-publish.1.md, layout in docs/uptrack-repository.md).
 *
 *   uptrack-publish genkey --key=PRIV --pubkey=PUB
 *   uptrack-publish add --repo=DIR --key=PRIV [options] UPDATE.tar.gz
 *   uptrack-publish add --repo=DIR --key=PRIV --source=SRC --patch=FILE ...
 *   uptrack-publish add --repo=DIR --key=PRIV --source=SRC --to-source=NEW
 *                       --file=PATH ...
 *   uptrack-publish list --repo=DIR
 *   uptrack-publish release --from=V --to=V --kernel=ABI --repo=DIR --key=PRIV
 *                       (runs scripts/publish-release of the project tree)
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <glob.h>

#include <zlib.h>

#include "util/cli.h"
#include "package/package.h"
#include "uptrack/repo_index.h"
#include "uptrack/repo_sign.h"
#include "uptrack/uptrack_json.h"
#include "util/fs.h"

static void usage(FILE *f)
{
	fputs("Usage: uptrack-publish genkey --key=PRIVATE.pem --pubkey=PUBLIC.pem\n"
	      "       uptrack-publish add --repo=DIR --key=PRIVATE.pem [options] UPDATE.tar.gz\n"
	      "       uptrack-publish add --repo=DIR --key=PRIVATE.pem [options]\n"
	      "                       --source=SRC --kernel=ABI --id=ID\n"
	      "                       (--patch=FILE... | --to-source=NEWSRC --file=PATH...)\n"
	      "       uptrack-publish list --repo=DIR [--json]\n"
	      "       uptrack-publish release --from=VERSION --to=VERSION --kernel=ABI\n"
	      "                       --repo=DIR --key=PRIVATE.pem [--jobs=N]\n"
	      "                       [--report=FILE] [--only FILE...]\n"
	      "\n"
	      "genkey makes an Ed25519 key pair.  add puts an update package into the\n"
	      "repository (building it first with ksplice-create from a patch, or from\n"
	      "the difference of two source trees), adds its entry to the index of its\n"
	      "kernel and signs the index.  list prints every index of the repository.\n"
	      "release publishes every fix between two provisioned Debian source\n"
	      "versions as updates for the older stock kernel, with REPORT.md.\n"
	      "\n"
	      "  --repo=DIR            repository directory (static files)\n"
	      "  --key=FILE            private key (genkey: where to write it)\n"
	      "  --pubkey=FILE         genkey: where to write the public key\n"
	      "  --title=TEXT          title (default: the package's description)\n"
	      "  --cve=ID              a CVE the update fixes (repeatable)\n"
	      "  --requires=ID         an update that must be applied first (repeatable)\n"
	      "  --brings=VERSION      the Debian kernel version whose fix this is\n"
	      "  --brings-release=R    uname -r of that version (default: read from\n"
	      "                        $KSPLICE_CACHE/kernels/VERSION/root/boot/vmlinuz-*)\n"
	      "  --brings-build=V      uname -v of that version (default: likewise)\n"
	      "  --changelog=FILE      Debian changelog (.gz or text) to take the CVEs of\n"
	      "                        VERSION from (default: the provisioned image's)\n"
	      "  --base-version=V      Debian version of the kernel the index is for\n"
	      "  --optional            installed only on request (uptrack-upgrade --all)\n"
	      "  --serial=N            sign the index with serial N (must be above the\n"
	      "                        current one; default: one more, or the clock\n"
	      "                        in seconds if that is higher)\n"
	      "  --source=SRC          ksplice-create: the kernel source tree\n"
	      "  --kernel=ABI          ksplice-create: the target kernel\n"
	      "  --id=ID               ksplice-create: the update id\n"
	      "  --patch=FILE          ksplice-create: a patch (repeatable)\n"
	      "  --to-source=NEWSRC    make the patch from SRC -> NEWSRC for each --file\n"
	      "  --file=PATH           a source file that differs (repeatable)\n"
	      "  --json                list: one JSON object (docs/json.md)\n"
	      "  --from=VERSION        release: the Debian version the kernel runs\n"
	      "  --to=VERSION          release: the Debian version whose fixes to bring\n"
	      "  --jobs=N              release: fixes made at a time (default 1)\n"
	      "  --report=FILE         release: the report (default DIR/REPORT.md)\n"
	      "  --only FILE...        release: only these changed files\n"
	      "  -h, --help            this text\n"
	      "  --version             print the name and version\n"
	      "\n"
	      "Exit status: 0 success, 1 failure, 2 usage.\n", f);
}

struct opts {
	const char *repo, *key, *pubkey, *title, *brings, *brings_release;
	const char *brings_build, *changelog, *base_version, *source, *kernel;
	const char *id, *to_source;
	char **cves, **requires, **patches, **files;
	size_t nr_cves, nr_requires, nr_patches, nr_files;
	int optional;
	int json;		/* list --json */
	long long serial;	/* --serial, 0 when not given */
};

static void push(char ***v, size_t *n, const char *s)
{
	*v = ks_xrealloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = (char *)s;
}

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;

	fputs("uptrack-publish: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/*
 * The banner of a bzImage: the setup header's kernel_version field (at
 * 0x20e) points to "RELEASE (builder) #1 SMP ... (date)", which gives
 * uname -r and uname -v of that kernel without booting it.
 */
static int read_banner(const char *vmlinuz, char **release, char **build)
{
	size_t len;
	char *img = ks_read_file(vmlinuz, &len), *s, *sp, *hash;
	unsigned int off;

	if (!img || len < 0x210 || memcmp(img + 0x202, "HdrS", 4)) {
		free(img);
		return -1;
	}
	off = (unsigned char)img[0x20e] | (unsigned char)img[0x20f] << 8;
	if (off + 0x200 >= len) {
		free(img);
		return -1;
	}
	s = img + off + 0x200;
	if (!memchr(s, 0, len - off - 0x200)) {
		free(img);
		return -1;
	}
	sp = strchr(s, ' ');
	hash = strstr(s, " #");
	if (!sp || !hash) {
		free(img);
		return -1;
	}
	*sp = 0;
	*release = ks_xstrdup(s);
	*build = ks_xstrdup(hash + 1);
	free(img);
	return 0;
}

/* CVE ids of Debian version VERSION's changelog entry (linux or linux-signed). */
static void changelog_cves(const char *path, const char *version,
			   struct opts *o)
{
	char line[4096], *signed_ver = ks_xstrdup(version), *dash;
	int in = 0;
	gzFile g = gzopen(path, "r");

	dash = strrchr(signed_ver, '-');
	if (dash)
		*dash = '+';
	if (!g) {
		free(signed_ver);
		return;
	}
	while (gzgets(g, line, sizeof(line))) {
		char *p, *paren;

		if (line[0] != ' ' && line[0] != '\n' && line[0] != '\t') {
			paren = strchr(line, '(');
			in = paren && paren[1 + strlen(version)] == ')' &&
			     (!strncmp(paren + 1, version, strlen(version)) ||
			      !strncmp(paren + 1, signed_ver, strlen(version)));
			continue;
		}
		for (p = line; in && (p = strstr(p, "CVE-")); p += 4) {
			char id[32];
			size_t n = 4, i;
			int dup = 0;

			while (n < sizeof(id) - 1 && ((p[n] >= '0' && p[n] <= '9') ||
						      p[n] == '-'))
				n++;
			if (n < 13)
				continue;
			memcpy(id, p, n);
			id[n] = 0;
			for (i = 0; i < o->nr_cves; i++)
				dup |= !strcmp(o->cves[i], id);
			if (!dup)
				push(&o->cves, &o->nr_cves, ks_xstrdup(id));
		}
	}
	gzclose(g);
	free(signed_ver);
}

static int run(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "uptrack-publish: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char *sibling(const char *name)
{
	char buf[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 64);

	if (n > 0) {
		buf[n] = 0;
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, name);
			if (access(buf, X_OK) == 0)
				return ks_xstrdup(buf);
		}
	}
	return ks_xstrdup(name);
}

/* Build the package with ksplice-create into WORK; returns its path. */
static char *build_package(struct opts *o, const char *work)
{
	char **argv = NULL, *create = sibling("ksplice-create"), *patch = NULL;
	size_t n = 0, i;
	int rc;

	if (!o->source || !o->kernel || !o->id) {
		die("building an update needs --source, --kernel and --id");
		return NULL;
	}
	if (o->to_source) {
		/* The difference of two source trees, file by file. */
		FILE *out;

		patch = ks_strfmt("%s/versions.patch", work);
		out = fopen(patch, "w");
		if (!out || !o->nr_files) {
			die("--to-source needs --file and a writable %s", work);
			return NULL;
		}
		for (i = 0; i < o->nr_files; i++) {
			char *cmd = ks_strfmt("diff -u --label 'a/%s' --label 'b/%s' '%s/%s' '%s/%s'",
					   o->files[i], o->files[i], o->source,
					   o->files[i], o->to_source, o->files[i]);
			FILE *p = popen(cmd, "r");
			char buf[8192];
			size_t r;

			free(cmd);
			if (!p)
				return NULL;
			while ((r = fread(buf, 1, sizeof(buf), p)) > 0)
				fwrite(buf, 1, r, out);
			if (WEXITSTATUS(pclose(p)) > 1) {
				fclose(out);
				die("cannot compare %s", o->files[i]);
				return NULL;
			}
		}
		fclose(out);
		push(&o->patches, &o->nr_patches, patch);
	}
	if (!o->nr_patches) {
		die("building an update needs --patch or --to-source with --file");
		return NULL;
	}
	push(&argv, &n, create);
	push(&argv, &n, "-q");
	for (i = 0; i < o->nr_patches; i++)
		push(&argv, &n, ks_strfmt("--patch=%s", o->patches[i]));
	push(&argv, &n, ks_strfmt("--id=%s", o->id));
	push(&argv, &n, ks_strfmt("--kernel=%s", o->kernel));
	push(&argv, &n, ks_strfmt("--output-dir=%s", work));
	if (o->title)
		push(&argv, &n, ks_strfmt("--description=%s", o->title));
	push(&argv, &n, (char *)o->source);
	push(&argv, &n, NULL);
	rc = run(argv);
	if (rc) {
		die("ksplice-create failed (exit %d)", rc);
		return NULL;
	}
	return ks_strfmt("%s/ksplice-%s.tar.gz", work, o->id);
}

static int copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = ks_read_file(from, &len);
	int ret;

	if (!data)
		return -1;
	ret = ks_write_atomic(to, data, len, 0644);
	free(data);
	return ret;
}

/* Write INDEX and its signature next to each other. */
static int sign_and_write(const char *dir, const char *key,
			  const struct repo_index *idx)
{
	char *text = repo_index_format(idx), sig[160], err[512];
	char *ip = ks_strfmt("%s/index", dir), *sp = ks_strfmt("%s/index.sig", dir);
	int ret = 1;

	if (repo_sign(key, text, strlen(text), sig, sizeof(sig), err,
		      sizeof(err))) {
		die("%s", err);
		goto out;
	}
	if (ks_write_atomic(ip, text, strlen(text), 0644) ||
	    ks_write_atomic(sp, sig, strlen(sig), 0644)) {
		die("cannot write %s: %s", ip, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(text);
	free(ip);
	free(sp);
	return ret;
}

static int cmd_add(struct opts *o, const char *pkgfile)
{
	char err[1024], *work = NULL, *built = NULL, *kdir, *dir, *ip, *dest;
	char hex[65], *cache = getenv("KSPLICE_CACHE");
	struct ks_package pkg;
	struct repo_index idx;
	struct repo_update u = { 0 };
	long long size;
	size_t i, len;
	char *text;
	int pos, ret = 1;

	if (!o->repo || !o->key)
		return die("add needs --repo and --key");
	if (!cache || !*cache)
		cache = "/var/cache/ksplice";
	if (!pkgfile) {
		char tmpl[] = "/tmp/uptrack-publish.XXXXXX";

		work = mkdtemp(tmpl) ? ks_xstrdup(tmpl) : NULL;
		if (!work)
			return die("cannot make a work directory");
		built = build_package(o, work);
		if (!built)
			goto out_work;
		pkgfile = built;
	}
	if (ks_package_open(pkgfile, NULL, &pkg, err, sizeof(err))) {
		die("%s: %s", pkgfile, err);
		goto out_work;
	}
	kdir = repo_kernel_dir(pkg.manifest.kernel_release,
			       pkg.manifest.kernel_version);
	dir = ks_strfmt("%s/%s", o->repo, kdir);
	ip = ks_strfmt("%s/index", dir);
	text = ks_read_file(ip, &len);
	if (text) {
		if (repo_index_parse(text, len, &idx, err, sizeof(err))) {
			die("%s: %s", ip, err);
			goto out_pkg;
		}
	} else {
		memset(&idx, 0, sizeof(idx));
		idx.kernel_release = ks_xstrdup(pkg.manifest.kernel_release);
		idx.kernel_version = ks_xstrdup(pkg.manifest.kernel_version);
	}
	/* Before anything is written: the repository stays as it was. */
	if (o->serial && o->serial <= idx.serial) {
		die("--serial=%lld is not above the index's serial %lld: clients that saw that index would refuse the new one",
		    o->serial, idx.serial);
		goto out_idx;
	}
	if (o->base_version) {
		free(idx.base_version);
		idx.base_version = ks_xstrdup(o->base_version);
	}
	u.id = ks_xstrdup(pkg.manifest.id);
	u.title = ks_xstrdup(o->title ? o->title : pkg.manifest.description);
	if (strchr(u.title, '\n'))
		*strchr(u.title, '\n') = 0;
	if (o->brings) {
		char *rel = NULL, *build = NULL;

		u.brings = ks_xstrdup(o->brings);
		if ((!o->brings_release || !o->brings_build) && cache) {
			char *pat = ks_strfmt("%s/kernels/%s/root/boot/vmlinuz-*",
					   cache, o->brings);
			glob_t g;

			if (!glob(pat, 0, NULL, &g) && g.gl_pathc == 1)
				read_banner(g.gl_pathv[0], &rel, &build);
			globfree(&g);
			free(pat);
		}
		u.brings_release = o->brings_release ? ks_xstrdup(o->brings_release) : rel;
		u.brings_build = o->brings_build ? ks_xstrdup(o->brings_build) : build;
		if (o->brings_release)
			free(rel);
		if (o->brings_build)
			free(build);
		if (!o->changelog && cache) {
			char *pat = ks_strfmt("%s/kernels/%s/root/usr/share/doc/linux-image-*/changelog.gz",
					   cache, o->brings);
			glob_t g;

			if (!glob(pat, 0, NULL, &g) && g.gl_pathc >= 1)
				changelog_cves(g.gl_pathv[0], o->brings, o);
			globfree(&g);
			free(pat);
		}
	}
	if (o->changelog && o->brings)
		changelog_cves(o->changelog, o->brings, o);
	for (i = 0; i < o->nr_cves; i++)
		push(&u.cves, &u.nr_cves, ks_xstrdup(o->cves[i]));
	for (i = 0; i < o->nr_requires; i++) {
		if (!repo_index_find(&idx, o->requires[i])) {
			die("--requires=%s: no such update in the index (add it first)",
			    o->requires[i]);
			goto out_idx;
		}
		push(&u.requires, &u.nr_requires, ks_xstrdup(o->requires[i]));
	}
	u.optional = o->optional;
	u.file = ks_strfmt("updates/ksplice-%s.tar.gz", u.id);
	dest = ks_strfmt("%s/%s", dir, u.file);
	{
		char *ud = ks_strfmt("%s/updates", dir);

		if (ks_mkdir_p(ud, 0755)) {
			die("cannot create %s: %s", ud, strerror(errno));
			free(ud);
			free(dest);
			goto out_idx;
		}
		free(ud);
	}
	if (copy_file(pkgfile, dest) || repo_sha256_file(dest, hex, &size)) {
		die("cannot copy the package to %s", dest);
		free(dest);
		goto out_idx;
	}
	free(dest);
	u.sha256 = ks_xstrdup(hex);
	u.size = size;
	pos = repo_index_pos(&idx, u.id);
	if (pos >= 0) {
		/* Republishing an update replaces its entry in place. */
		repo_update_free(&idx.updates[pos]);
		idx.updates[pos] = u;
	} else {
		idx.updates = ks_xrealloc(idx.updates,
					  (idx.nr_updates + 1) * sizeof(u));
		idx.updates[idx.nr_updates++] = u;
	}
	/* Clients refuse an index older than one they saw. */
	idx.serial = o->serial ? o->serial :
		     repo_next_serial(idx.serial, (long long)time(NULL));
	ret = sign_and_write(dir, o->key, &idx);
	if (!ret)
		printf("%s/index: %zu updates, serial %lld; added %s (sha256 %s, %lld bytes)%s%s\n",
		       kdir, idx.nr_updates, idx.serial, pkg.manifest.id, hex,
		       size, o->brings ? ", brings " : "", o->brings ? o->brings : "");
out_idx:
	repo_index_free(&idx);
out_pkg:
	free(text);
	free(ip);
	free(dir);
	free(kdir);
	ks_package_close(&pkg);
out_work:
	if (work) {
		char *argv[] = { "rm", "-rf", work, NULL };

		run(argv);
	}
	free(work);
	free(built);
	return ret;
}

/*
 * list --json: the head of every uptrack --json object (docs/json.md),
 * left open for the indexes; a failure closes it at once.
 */
static int list_json_head(struct json_writer *w, const struct opts *o,
			  int status, const char *message)
{
	jw_init(w, stdout);
	jw_object_begin(w);
	jw_kv_string(w, "action", "list");
	jw_kv_string(w, "result", status ? "error" : "ok");
	jw_kv_string(w, "cause", status ? "error" : "none");
	jw_kv_int(w, "exit_status", status);
	if (status)
		jw_kv_string(w, "message", message);
	jw_kv_string(w, "repository", o->repo);
	if (status) {
		jw_key(w, "indexes");
		jw_array_begin(w);
		jw_array_end(w);
		jw_key(w, "notes");
		jw_array_begin(w);
		jw_array_end(w);
		jw_object_end(w);
	}
	return status;
}

static int cmd_list(struct opts *o)
{
	struct json_writer w;
	char **unreadable = NULL;
	size_t nr_unreadable = 0;
	char *pat, *msg;
	glob_t g;
	size_t i, j;

	if (!o->repo)
		return die("list needs --repo");
	pat = ks_strfmt("%s/*/*/index", o->repo);
	if (glob(pat, 0, NULL, &g)) {
		free(pat);
		if (!o->json)
			return die("no index under %s", o->repo);
		msg = ks_strfmt("no index under %s", o->repo);
		die("%s", msg);
		list_json_head(&w, o, 1, msg);
		free(msg);
		return 1;
	}
	if (o->json) {
		list_json_head(&w, o, 0, NULL);
		jw_key(&w, "indexes");
		jw_array_begin(&w);
	}
	for (i = 0; i < g.gl_pathc; i++) {
		struct repo_index idx;
		size_t len;
		char *text = ks_read_file(g.gl_pathv[i], &len), err[512];

		if (!text || repo_index_parse(text, len, &idx, err, sizeof(err))) {
			if (o->json)
				push(&unreadable, &nr_unreadable,
				     ks_strfmt("%s: unreadable", g.gl_pathv[i]));
			else
				printf("%s: unreadable\n", g.gl_pathv[i]);
			free(text);
			continue;
		}
		if (o->json) {
			jw_object_begin(&w);
			jw_kv_string(&w, "path", g.gl_pathv[i]);
			jw_kv_string(&w, "kernel_release", idx.kernel_release);
			jw_kv_string(&w, "kernel_version", idx.kernel_version);
			jw_kv_string(&w, "base_version", idx.base_version);
			jw_kv_int(&w, "serial", idx.serial);
			jw_key(&w, "updates");
			jw_array_begin(&w);
			for (j = 0; j < idx.nr_updates; j++)
				ut_json_repo_update(&w, idx.updates[j].id,
						    &idx.updates[j]);
			jw_array_end(&w);
			jw_object_end(&w);
			repo_index_free(&idx);
			free(text);
			continue;
		}
		printf("%s\n  kernel %s %s, serial %lld\n", g.gl_pathv[i],
		       idx.kernel_release, idx.kernel_version, idx.serial);
		for (j = 0; j < idx.nr_updates; j++)
			printf("  [%s] %s%s%s\n", idx.updates[j].id,
			       idx.updates[j].title,
			       idx.updates[j].brings ? " -> Debian " : "",
			       idx.updates[j].brings ? idx.updates[j].brings : "");
		repo_index_free(&idx);
		free(text);
	}
	if (o->json) {
		jw_array_end(&w);
		/* Unreadable indexes: as the text says them, one a note. */
		jw_key(&w, "notes");
		jw_array_begin(&w);
		for (i = 0; i < nr_unreadable; i++) {
			jw_string(&w, unreadable[i]);
			free(unreadable[i]);
		}
		jw_array_end(&w);
		jw_object_end(&w);
		free(unreadable);
	}
	globfree(&g);
	free(pat);
	return 0;
}

/*
 * release: the driver is a script of the project tree (it reuses the
 * corpus stages, scripts/corpus/), found from this binary's place in the
 * build tree (build/bin/ -> scripts/) or through KSPLICE_SCRIPTS.  It gets
 * this binary (to run add) and its directory (the tools it snapshots).
 */
static int cmd_release(int argc, char **argv)
{
	char exe[4096], *slash, *driver, *bindir;
	const char *dir = getenv("KSPLICE_SCRIPTS");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
	}
	if (n <= 0)
		return die("cannot find this program (/proc/self/exe)");
	exe[n] = 0;
	slash = strrchr(exe, '/');
	*slash = 0;
	bindir = ks_xstrdup(exe);
	*slash = '/';
	driver = dir ? ks_strfmt("%s/publish-release", dir) :
		       ks_strfmt("%s/../../scripts/publish-release", bindir);
	if (access(driver, X_OK))
		return die("release needs the project tree: %s not found (set KSPLICE_SCRIPTS to its scripts/)",
			   driver);
	if (setenv("UPTRACK_PUBLISH", exe, 1) || setenv("KSPLICE_BIN", bindir, 0))
		return die("setenv: %s", strerror(errno));
	argv[1] = driver;
	execv(driver, argv + 1);
	return die("%s: %s", driver, strerror(errno));
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "repo", required_argument, NULL, 'R' },
		{ "key", required_argument, NULL, 'K' },
		{ "pubkey", required_argument, NULL, 'P' },
		{ "title", required_argument, NULL, 'T' },
		{ "cve", required_argument, NULL, 'C' },
		{ "requires", required_argument, NULL, 'Q' },
		{ "brings", required_argument, NULL, 'B' },
		{ "brings-release", required_argument, NULL, 'r' },
		{ "brings-build", required_argument, NULL, 'b' },
		{ "changelog", required_argument, NULL, 'L' },
		{ "base-version", required_argument, NULL, 'V' },
		{ "optional", no_argument, NULL, 'O' },
		{ "source", required_argument, NULL, 'S' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "id", required_argument, NULL, 'I' },
		{ "patch", required_argument, NULL, 'p' },
		{ "to-source", required_argument, NULL, 't' },
		{ "file", required_argument, NULL, 'f' },
		{ "serial", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	const char *cmd;
	char err[512];
	int opt;

	/* release takes its own options (the driver parses them) */
	if (argc >= 2 && !strcmp(argv[1], "release"))
		return cmd_release(argc, argv);
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'R': o.repo = optarg; break;
		case 'K': o.key = optarg; break;
		case 'P': o.pubkey = optarg; break;
		case 'T': o.title = optarg; break;
		case 'C': push(&o.cves, &o.nr_cves, optarg); break;
		case 'Q': push(&o.requires, &o.nr_requires, optarg); break;
		case 'B': o.brings = optarg; break;
		case 'r': o.brings_release = optarg; break;
		case 'b': o.brings_build = optarg; break;
		case 'L': o.changelog = optarg; break;
		case 'V': o.base_version = optarg; break;
		case 'O': o.optional = 1; break;
		case 'S': o.source = optarg; break;
		case 'k': o.kernel = optarg; break;
		case 'I': o.id = optarg; break;
		case 'p': push(&o.patches, &o.nr_patches, optarg); break;
		case 't': o.to_source = optarg; break;
		case 'f': push(&o.files, &o.nr_files, optarg); break;
		case 's': {
			char *end;

			errno = 0;
			o.serial = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || o.serial <= 0) {
				fprintf(stderr, "uptrack-publish: --serial=%s: not a positive number\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'j': o.json = 1; break;
		case 'h': usage(stdout); return 0;
		case KS_OPT_VERSION: return ks_cli_version();
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	/* Only list has something to report as data. */
	if (o.json && strcmp(cmd, "list")) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "genkey")) {
		if (!o.key || !o.pubkey || optind != argc) {
			usage(stderr);
			return 2;
		}
		if (repo_keygen(o.key, o.pubkey, err, sizeof(err)))
			return die("%s", err);
		printf("Ed25519 key pair: private %s, public %s\n", o.key,
		       o.pubkey);
		return 0;
	}
	if (!strcmp(cmd, "add")) {
		if (argc - optind > 1) {
			usage(stderr);
			return 2;
		}
		return cmd_add(&o, optind < argc ? argv[optind] : NULL);
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(&o);
	usage(stderr);
	return 2;
}
