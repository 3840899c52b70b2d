// SPDX-License-Identifier: GPL-2.0
/*
 * The uptrack client core.  The kernel (/sys/kernel/ksplice) is the truth
 * about what is applied; the state file follows it and is rewritten
 * atomically after every change, so after a crash the next command finds
 * it at most one step behind and repairs it from the kernel.
 */
#include "uptrack/uptrack_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply/abort_causes.h"
#include "uptrack/repo_fetch.h"
#include "uptrack/repo_sign.h"
#include "util/array.h"
#include "util/fs.h"

#define INDEX_MAX (4 << 20)

void ut_say(struct uptrack_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->verbosity < 0 || c->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void ut_verbose(struct uptrack_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->verbosity < 1 || c->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void ut_note(struct uptrack_ctx *c, const char *fmt, ...)
{
	char msg[2048];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->json) {
		if (c->verbosity >= 0) {
			fputs(msg, stdout);
			fflush(stdout);
		}
		return;
	}
	/* A note is one line of the "notes" array: no newline of its own. */
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = 0;
	c->notes = ks_xrealloc(c->notes, (c->nr_notes + 1) * sizeof(char *));
	c->notes[c->nr_notes++] = ks_xstrdup(msg);
}

const char *ut_exit_name(int code)
{
	/* One word per code of enum uptrack_exit, as docs/uptrack.md lists. */
	static const char *const names[] = {
		[UT_OK] = "none",
		[UT_ERROR] = "error",
		[UT_USAGE] = "usage",
		[UT_CONFIG] = "config",
		[UT_LOCKED] = "locked",
		[UT_UNREACHABLE] = "unreachable",
		[UT_NO_INDEX] = "no_index",
		[UT_WRONG_KERNEL] = "wrong_kernel",
		[UT_BAD_SIGNATURE] = "bad_signature",
		[UT_HASH_MISMATCH] = "hash_mismatch",
		[UT_TRUNCATED] = "truncated",
		[UT_APPLY_FAILED] = "apply_failed",
		[UT_REMOVE_FAILED] = "remove_failed",
		[UT_UNKNOWN_UPDATE] = "unknown_update",
		[UT_BAD_INDEX] = "bad_index",
	};

	if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0]) ||
	    !names[code])
		return "error";
	return names[code];
}

int ut_fail(struct uptrack_ctx *c, int code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (!c->mute)
		fprintf(stderr, "%s: %s\n", c->cmd, msg);
	/* The first failure is the one the exit code reports; the later
	 * ones (a rollback's) follow from it.  Muted checks are not failures
	 * of the command. */
	if (!c->mute && !c->error)
		c->error = ks_xstrdup(msg);
	uptrack_log(&c->paths, "%s: error %d: %s", c->cmd, code, msg);
	return code;
}

int ut_init(struct uptrack_ctx *c, const char *cmd, const char *config_path,
	    int need_config)
{
	char err[512];
	struct utsname u;
	const char *r = getenv("UPTRACK_KERNEL_RELEASE");
	const char *v = getenv("UPTRACK_KERNEL_VERSION");

	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->lock_fd = -1;
	c->progress_fd = -1;
	c->tty = isatty(STDOUT_FILENO);
	uptrack_paths_init(&c->paths);
	if (!config_path)
		config_path = getenv("UPTRACK_CONFIG");
	c->config_path = config_path ? config_path : UPTRACK_DEFAULT_CONFIG;
	uname(&u);
	c->release = ks_xstrdup(r && *r ? r : u.release);
	c->version = ks_xstrdup(v && *v ? v : u.version);
	c->boot_id = uptrack_boot_id(&c->paths);
	if (uptrack_config_load(c->config_path, &c->cfg, err, sizeof(err))) {
		if (need_config || access(c->config_path, F_OK) == 0)
			return ut_fail(c, UT_CONFIG, "%s", err);
	}
	/* On standard error: --json keeps standard output one object. */
	for (size_t i = 0; i < c->cfg.nr_warnings; i++)
		fprintf(stderr, "%s: warning: %s\n", cmd, c->cfg.warnings[i]);
	if (ks_mkdir_p(c->paths.state_dir, 0755) < 0) {
		/* Read-only users (uptrack-show as non-root) may go on. */
		if (need_config)
			return ut_fail(c, UT_ERROR, "cannot create %s: %s",
				       c->paths.state_dir, strerror(errno));
	}
	return UT_OK;
}

int ut_cli_option(struct ut_cli *cli, int opt, const char *arg,
		  ks_usage_fn *usage)
{
	switch (opt) {
	case 'q': cli->verbosity = -1; return -1;
	case 'v': cli->verbosity = 1; return -1;
	case 'j': cli->json = 1; return -1;
	case 'c': cli->config = arg; return -1;
	case 'P': cli->progress_fd = atoi(arg); return -1;
	default: return ks_cli_help(opt, usage);
	}
}

int ut_init_cli(struct uptrack_ctx *c, const char *cmd,
		const struct ut_cli *cli, int need_config)
{
	int ret = ut_init(c, cmd, cli->config, need_config);

	/* after ut_init(), which clears the whole context first */
	c->verbosity = cli->verbosity;
	c->progress_fd = cli->progress_fd;
	c->json = cli->json;
	return ret;
}

void ut_done(struct uptrack_ctx *c)
{
	size_t i;

	if (c->lock_fd >= 0)
		close(c->lock_fd);
	uptrack_state_free(&c->state);
	for (i = 0; i < c->nr_prev_boot; i++)
		free(c->prev_boot[i]);
	free(c->prev_boot);
	if (c->have_idx)
		repo_index_free(&c->idx);
	uptrack_config_free(&c->cfg);
	uptrack_paths_free(&c->paths);
	free(c->release);
	free(c->version);
	free(c->boot_id);
	free(c->error);
	for (i = 0; i < c->nr_notes; i++)
		free(c->notes[i]);
	free(c->notes);
	free(c->failed_id);
}

/* Verify INDEX/SIG texts and parse; check the kernel.  Fills c->idx. */
static int check_index(struct uptrack_ctx *c, const char *text, size_t len,
		       const char *sig, size_t siglen, const char *where)
{
	char err[512];
	int v;

	if (!c->cfg.public_key)
		return ut_fail(c, UT_CONFIG, "no repo_public_key configured");
	v = repo_verify(c->cfg.public_key, text, len, sig, siglen, err,
			sizeof(err));
	if (v == -2)
		return ut_fail(c, UT_CONFIG, "%s", err);
	if (v)
		return ut_fail(c, UT_BAD_SIGNATURE,
			       "the index from %s is not signed by the repository key (%s); nothing was changed",
			       where, err);
	if (c->have_idx) {
		repo_index_free(&c->idx);
		c->have_idx = 0;
	}
	if (repo_index_parse(text, len, &c->idx, err, sizeof(err)))
		return ut_fail(c, UT_BAD_INDEX,
			       "the signed index from %s cannot be read: %s",
			       where, err);
	c->have_idx = 1;
	if (strcmp(c->idx.kernel_release, c->release) ||
	    strcmp(c->idx.kernel_version, c->version))
		return ut_fail(c, UT_WRONG_KERNEL,
			       "the index from %s is for kernel %s %s, but the running kernel is %s %s; nothing was changed",
			       where, c->idx.kernel_release,
			       c->idx.kernel_version, c->release, c->version);
	return UT_OK;
}

int ut_cached_index(struct uptrack_ctx *c)
{
	char *ip = ks_strfmt("%s/index", c->paths.state_dir);
	char *sp = ks_strfmt("%s/index.sig", c->paths.state_dir);
	size_t len = 0, siglen = 0;
	char *text = ks_read_file(ip, &len), *sig = ks_read_file(sp, &siglen);
	int ret;

	if (!text || !sig)
		ret = UT_NO_INDEX;
	else
		ret = check_index(c, text, len, sig, siglen, ip);
	free(text);
	free(sig);
	free(ip);
	free(sp);
	return ret;
}

static int fetch_code(enum repo_fetch_result r)
{
	switch (r) {
	case REPO_FETCH_OK:
		return UT_OK;
	case REPO_FETCH_NOT_FOUND:
		return UT_NO_INDEX;
	case REPO_FETCH_TRUNCATED:
		return UT_TRUNCATED;
	case REPO_FETCH_TOO_BIG:
		return UT_HASH_MISMATCH;
	case REPO_FETCH_LOCAL:
		return UT_ERROR;
	default:
		return UT_UNREACHABLE;
	}
}

int ut_fetch_index(struct uptrack_ctx *c)
{
	struct repo_fetch_opts o = {
		.proxy = c->cfg.proxy, .timeout = c->cfg.timeout,
		.max_size = INDEX_MAX,
	};
	char *dir = repo_kernel_dir(c->release, c->version);
	char *url = ks_strfmt("%s/%s/index", c->cfg.repo_url, dir);
	char *surl = ks_strfmt("%s.sig", url);
	char *ip = ks_strfmt("%s/index.new", c->paths.state_dir);
	char *sp = ks_strfmt("%s/index.sig.new", c->paths.state_dir);
	char *text = NULL, *sig = NULL, err[1024];
	size_t len = 0, siglen = 0;
	enum repo_fetch_result r;
	int ret;

	ut_verbose(c, "Fetching %s\n", url);
	r = repo_fetch(url, ip, &o, err, sizeof(err));
	if (r == REPO_FETCH_NOT_FOUND) {
		ret = ut_fail(c, UT_NO_INDEX,
			      "the repository %s has no updates for this kernel (%s, %s): %s",
			      c->cfg.repo_url, c->release, c->version, err);
		goto out;
	}
	if (r != REPO_FETCH_OK) {
		ret = ut_fail(c, fetch_code(r) == UT_TRUNCATED ? UT_UNREACHABLE
							      : fetch_code(r),
			      "cannot fetch the update index: %s", err);
		goto out;
	}
	o.max_size = 1024;
	r = repo_fetch(surl, sp, &o, err, sizeof(err));
	if (r == REPO_FETCH_NOT_FOUND) {
		ret = ut_fail(c, UT_BAD_SIGNATURE,
			      "the update index is not signed (%s); nothing was changed",
			      err);
		goto out;
	}
	if (r != REPO_FETCH_OK) {
		ret = ut_fail(c, r == REPO_FETCH_TOO_BIG ? UT_BAD_SIGNATURE :
			      UT_UNREACHABLE,
			      "cannot fetch the index signature: %s", err);
		goto out;
	}
	text = ks_read_file(ip, &len);
	sig = ks_read_file(sp, &siglen);
	if (!text || !sig) {
		ret = ut_fail(c, UT_ERROR, "cannot read the downloaded index");
		goto out;
	}
	ret = check_index(c, text, len, sig, siglen, url);
	if (ret)
		goto out;
	/* An older signed index replayed by a mirror is refused. */
	if (c->idx.serial < c->state.serial) {
		ret = ut_fail(c, UT_BAD_SIGNATURE,
			      "the index from %s is older (serial %lld) than one already seen (serial %lld): refusing a rollback",
			      url, c->idx.serial, c->state.serial);
		goto out;
	}
	{
		char *ki = ks_strfmt("%s/index", c->paths.state_dir);
		char *ks = ks_strfmt("%s/index.sig", c->paths.state_dir);

		/* Signature first: a crash between leaves a pair that fails
		 * verification (refetched next time), never a wrong trust. */
		if (ks_rename_durable(sp, ks) || ks_rename_durable(ip, ki))
			ret = ut_fail(c, UT_ERROR, "cannot keep the index: %s",
				      strerror(errno));
		free(ki);
		free(ks);
	}
	if (!ret && c->idx.serial > c->state.serial) {
		c->state.serial = c->idx.serial;
		if (c->lock_fd >= 0)
			uptrack_state_save(&c->paths, &c->state);
	}
out:
	unlink(ip);
	unlink(sp);
	free(text);
	free(sig);
	free(dir);
	free(url);
	free(surl);
	free(ip);
	free(sp);
	return ret;
}

/*
 * Make c->state.installed the truth for this boot: what the state lists
 * and the kernel has applied, plus updates of the kept index that the
 * kernel has applied but the state missed (a crash right after an apply).
 */
static int reconcile(struct uptrack_ctx *c, int write)
{
	struct uptrack_state truth = { 0 };
	char err[512];
	size_t i;
	int same_boot, changed = 0, idx_ok;

	if (uptrack_state_load(&c->paths, &c->state, err, sizeof(err))) {
		/* Cannot happen with atomic writes; rebuild from the kernel. */
		uptrack_log(&c->paths, "%s; rebuilt from the kernel", err);
		memset(&c->state, 0, sizeof(c->state));
		changed = 1;
	}
	same_boot = c->state.boot_id && !strcmp(c->state.boot_id, c->boot_id);
	if (!same_boot && c->state.nr_installed) {
		/* Keep the list of the earlier boot for --init. */
		c->prev_boot = c->state.installed;
		c->nr_prev_boot = c->state.nr_installed;
		c->state.installed = NULL;
		c->state.nr_installed = 0;
		changed = 1;
	}
	truth.boot_id = ks_xstrdup(c->boot_id);
	truth.serial = c->state.serial;
	for (i = 0; i < c->state.nr_installed; i++) {
		if (uptrack_kernel_applied(&c->paths, c->state.installed[i]))
			uptrack_state_add(&truth, c->state.installed[i]);
		else
			changed = 1;
	}
	if (!c->have_idx && c->cfg.public_key) {
		/* A kept index that no longer verifies is just not used. */
		c->mute = 1;
		idx_ok = ut_cached_index(c) == UT_OK;
		c->mute = 0;
		if (!idx_ok && c->have_idx) {
			repo_index_free(&c->idx);
			c->have_idx = 0;
		}
	}
	idx_ok = c->have_idx;
	for (i = 0; idx_ok && i < c->idx.nr_updates; i++) {
		const char *id = c->idx.updates[i].id;

		if (!uptrack_state_has(&truth, id) &&
		    uptrack_kernel_applied(&c->paths, id)) {
			uptrack_state_add(&truth, id);
			changed = 1;
		}
	}
	if (!same_boot)
		changed = 1;
	uptrack_state_free(&c->state);
	c->state = truth;
	if (changed && write) {
		if (uptrack_state_save(&c->paths, &c->state))
			return ut_fail(c, UT_ERROR, "cannot write the state in %s: %s",
				       c->paths.state_dir, strerror(errno));
		uptrack_log(&c->paths, "state reconciled with the kernel: %zu installed",
			    c->state.nr_installed);
	}
	return UT_OK;
}

int ut_lock_and_load(struct uptrack_ctx *c)
{
	char err[512];
	int busy;

	c->lock_fd = uptrack_lock(&c->paths, &busy, err, sizeof(err));
	if (c->lock_fd < 0)
		return ut_fail(c, busy ? UT_LOCKED : UT_ERROR, "%s", err);
	return reconcile(c, 1);
}

int ut_load_readonly(struct uptrack_ctx *c)
{
	return reconcile(c, 0);
}

void ut_plan_add(struct uptrack_ctx *c, int pos, int *plan, size_t *n)
{
	const struct repo_update *u = &c->idx.updates[pos];
	size_t i;

	if (uptrack_state_has(&c->state, u->id))
		return;
	for (i = 0; i < *n; i++)
		if (plan[i] == pos)
			return;
	for (i = 0; i < u->nr_requires; i++) {
		int r = repo_index_pos(&c->idx, u->requires[i]);

		if (r >= 0)
			ut_plan_add(c, r, plan, n);
	}
	/* Keep index order: requirements come earlier in the index. */
	for (i = *n; i > 0 && plan[i - 1] > pos; i--)
		plan[i] = plan[i - 1];
	plan[i] = pos;
	(*n)++;
}

int ut_plan_named(struct uptrack_ctx *c, char *const *ids, size_t nr,
		  int *plan, size_t *n, char **already, size_t *nr_already)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		int pos = repo_index_pos(&c->idx, ids[i]);

		if (pos < 0) {
			*n = 0;
			return ut_fail(c, UT_UNKNOWN_UPDATE,
				       "there is no update '%s' for this kernel (uptrack-show --available lists them)",
				       ids[i]);
		}
		if (uptrack_state_has(&c->state, ids[i])) {
			ut_say(c, "Update [%s] is already installed.\n", ids[i]);
			if (already)
				already[(*nr_already)++] = ids[i];
		}
		ut_plan_add(c, pos, plan, n);
	}
	return UT_OK;
}

/* Progress: a bar on a terminal, lines on --progress-fd. */
struct progress {
	struct uptrack_ctx *c;
	const char *id;
	int base, span;		/* this phase covers base .. base+span % */
	const char *what;
	int last;
};

static void draw(struct progress *p, int pct)
{
	char bar[31];
	int i, fill = pct * 30 / 100;

	if (pct == p->last)
		return;
	p->last = pct;
	if (p->c->progress_fd >= 0)
		dprintf(p->c->progress_fd, "progress %s %d %s\n", p->id, pct,
			p->what);
	/* The bar is for a person at a terminal; --json keeps stdout clean. */
	if (!p->c->tty || p->c->verbosity < 0 || p->c->json)
		return;
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[30] = 0;
	printf("\r  %-20.20s [%s] %3d%% %-12s", p->id, bar, pct, p->what);
	fflush(stdout);
}

static void fetch_progress(void *arg, long long now, long long total)
{
	struct progress *p = arg;

	if (total > 0)
		draw(p, p->base + (int)(now * p->span / total));
}

static char *pkg_path(struct uptrack_ctx *c, const char *id)
{
	return ks_strfmt("%s/updates/%s.tar.gz", c->paths.state_dir, id);
}

/* A verified package for U: kept copy, or download + verify + keep. */
static int get_package(struct uptrack_ctx *c, const struct repo_update *u,
		       struct progress *p)
{
	char *dest = pkg_path(c, u->id), *part = ks_strfmt("%s.part", dest);
	char *dir = repo_kernel_dir(c->release, c->version);
	char *url = ks_strfmt("%s/%s/%s", c->cfg.repo_url, dir, u->file);
	char hex[65], err[1024];
	long long size = 0;
	struct repo_fetch_opts o = {
		.proxy = c->cfg.proxy, .timeout = c->cfg.timeout,
		.max_size = u->size, .progress = fetch_progress,
		.progress_arg = p,
	};
	enum repo_fetch_result r;
	int ret = UT_OK;

	if (!repo_sha256_file(dest, hex, &size) && !strcmp(hex, u->sha256) &&
	    size == u->size) {
		ut_verbose(c, "Using the kept copy of %s\n", u->id);
		goto out;
	}
	if (!c->cfg.repo_url) {
		ret = ut_fail(c, UT_CONFIG, "no update_repo_url configured");
		goto out;
	}
	p->what = "downloading";
	r = repo_fetch(url, part, &o, err, sizeof(err));
	if (r == REPO_FETCH_TOO_BIG) {
		ret = ut_fail(c, UT_HASH_MISMATCH,
			      "the package of update %s is larger than the signed index says (%lld bytes); nothing was changed",
			      u->id, u->size);
		goto out;
	}
	if (r != REPO_FETCH_OK) {
		ret = ut_fail(c, r == REPO_FETCH_NOT_FOUND ? UT_UNREACHABLE :
			      fetch_code(r),
			      "cannot download update %s: %s; nothing was changed",
			      u->id, err);
		goto out;
	}
	p->what = "verifying";
	draw(p, p->base + p->span);
	if (repo_sha256_file(part, hex, &size)) {
		ret = ut_fail(c, UT_ERROR, "cannot read %s", part);
		goto out;
	}
	if (size < u->size) {
		ret = ut_fail(c, UT_TRUNCATED,
			      "the download of update %s is truncated (%lld of %lld bytes); nothing was changed",
			      u->id, size, u->size);
		goto out;
	}
	if (strcmp(hex, u->sha256)) {
		ret = ut_fail(c, UT_HASH_MISMATCH,
			      "the package of update %s does not match the signed index (SHA-256 %s, expected %s); nothing was changed",
			      u->id, hex, u->sha256);
		goto out;
	}
	if (ks_rename_durable(part, dest))
		ret = ut_fail(c, UT_ERROR, "cannot keep %s: %s", dest,
			      strerror(errno));
out:
	unlink(part);
	free(dest);
	free(part);
	free(dir);
	free(url);
	return ret;
}

static const char *tool(const char *env, const char *name)
{
	static char buf[2][4096];
	const char *v = getenv(env);
	int slot = !strcmp(name, "ksplice-remove");
	ssize_t n;
	char *slash;

	if (v && *v)
		return v;
	/* Next to this program first (build/bin, /usr/sbin), then PATH. */
	n = readlink("/proc/self/exe", buf[slot], sizeof(buf[slot]) - 64);
	if (n > 0) {
		buf[slot][n] = 0;
		slash = strrchr(buf[slot], '/');
		if (slash) {
			strcpy(slash + 1, name);
			if (access(buf[slot], X_OK) == 0)
				return buf[slot];
		}
	}
	return name;
}

/* Run a ksplice tool; its output goes to *out.  Returns its exit status. */
static int run_tool(struct progress *p, const char *prog, const char *arg, char **out)
{
	int fds[2], status = 0;
	size_t len = 0, cap = 4096;
	time_t start = time(NULL);
	pid_t pid;

	*out = ks_xrealloc(NULL, cap);
	**out = 0;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execlp(prog, prog, arg, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pf = { .fd = fds[0], .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, 250) == 0) {
			/* No percentage from ksplice-apply: creep while it
			 * works, so the bar shows it is alive. */
			long el = (long)(time(NULL) - start);
			int pct = p->base + (int)(p->span * el / (el + 5));

			draw(p, pct);
			continue;
		}
		if (len + 1024 > cap)
			*out = ks_xrealloc(*out, cap *= 2);
		r = read(fds[0], *out + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		(*out)[len] = 0;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void end_bar(struct uptrack_ctx *c)
{
	if (c->tty && c->verbosity >= 0 && !c->json) {
		printf("\n");
		fflush(stdout);
	}
}

static int save_state(struct uptrack_ctx *c)
{
	if (uptrack_state_save(&c->paths, &c->state))
		return ut_fail(c, UT_ERROR, "cannot write the state in %s: %s",
			       c->paths.state_dir, strerror(errno));
	return UT_OK;
}

/* Remove one update through ksplice-remove; 0 when it is gone. */
static int remove_one(struct uptrack_ctx *c, const char *id)
{
	struct progress p = { .c = c, .id = id, .base = 0, .span = 100,
			      .what = "removing", .last = -1 };
	char *out = NULL;
	int rc;

	draw(&p, 0);
	rc = run_tool(&p, tool("UPTRACK_KSPLICE_REMOVE", "ksplice-remove"),
		      id, &out);
	/* not_applied: already gone, which is what we want. */
	if (rc == 0 || (rc == ks_abort_exit_status(KSPLICE_ABORT_NOT_APPLIED) &&
			!uptrack_kernel_applied(&c->paths, id))) {
		p.what = "removed";
		p.last = -1;
		draw(&p, 100);
		end_bar(c);
		uptrack_state_del(&c->state, id);
		uptrack_log(&c->paths, "removed %s", id);
		free(out);
		return save_state(c);
	}
	end_bar(c);
	fprintf(stderr, "%s", out);
	free(out);
	if (!c->failed_id)
		c->failed_id = ks_xstrdup(id);
	return ut_fail(c, UT_REMOVE_FAILED,
		       "ksplice-remove %s failed (exit %d); the update is still applied",
		       id, rc);
}

int ut_install(struct uptrack_ctx *c, const int *plan, size_t n)
{
	char **done = ks_xrealloc(NULL, (n + 1) * sizeof(char *));
	size_t i, nr_done = 0;
	int ret = UT_OK;

	/* 1. Everything downloaded and verified before the kernel is touched. */
	for (i = 0; i < n; i++) {
		const struct repo_update *u = &c->idx.updates[plan[i]];
		struct progress p = { .c = c, .id = u->id, .base = 0,
				      .span = 50, .what = "downloading",
				      .last = -1 };
		char *d = ks_strfmt("%s/updates", c->paths.state_dir);

		ks_mkdir_p(d, 0755);
		free(d);
		ret = get_package(c, u, &p);
		if (ret) {
			if (p.last >= 0)
				end_bar(c);
			goto out;
		}
		if (p.last >= 0) {
			p.what = "verified";
			p.last = -1;
			draw(&p, 50);
			end_bar(c);
		}
	}
	/* 2. Apply in order; the state follows each success. */
	for (i = 0; i < n; i++) {
		const struct repo_update *u = &c->idx.updates[plan[i]];
		struct progress p = { .c = c, .id = u->id, .base = 50,
				      .span = 50, .what = "applying",
				      .last = -1 };
		char *path = pkg_path(c, u->id), *out = NULL;
		int rc, rc2;

		if (!c->tty)
			ut_say(c, "Installing [%s] %s\n", u->id, u->title);
		draw(&p, 50);
		rc = run_tool(&p, tool("UPTRACK_KSPLICE_APPLY",
					  "ksplice-apply"), path, &out);
		free(path);
		if (rc == 0 ||
		    rc == ks_abort_exit_status(KSPLICE_ABORT_ALREADY_APPLIED)) {
			p.what = "installed";
			p.last = -1;
			draw(&p, 100);
			end_bar(c);
			if (c->tty)
				ut_say(c, "Installed [%s] %s\n", u->id, u->title);
			ut_verbose(c, "%s", out);
			free(out);
			uptrack_state_add(&c->state, u->id);
			done[nr_done++] = u->id;
			uptrack_log(&c->paths, "installed %s (%s)", u->id,
				    u->title);
			ret = save_state(c);
			if (ret)
				goto out;
			continue;
		}
		p.what = "FAILED";
		rc2 = p.last;
		p.last = -1;
		draw(&p, rc2);
		end_bar(c);
		fprintf(stderr, "%s", out);
		free(out);
		if (!c->failed_id)
			c->failed_id = ks_xstrdup(u->id);
		ret = ut_fail(c, UT_APPLY_FAILED,
			      "update %s could not be applied (ksplice-apply exit %d)%s",
			      u->id, rc,
			      nr_done ? "; rolling back the updates installed in this run" :
					"; nothing was changed");
		/* 3. Roll back this run, newest first. */
		while (nr_done > 0) {
			const char *id = done[--nr_done];

			if (remove_one(c, id))
				fprintf(stderr,
					"%s: could not roll back %s; it stays installed\n",
					c->cmd, id);
		}
		goto out;
	}
out:
	free(done);
	return ret;
}

int ut_remove(struct uptrack_ctx *c, char **ids, size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		const struct repo_update *u =
			c->have_idx ? repo_index_find(&c->idx, ids[i]) : NULL;

		if (!c->tty)
			ut_say(c, "Removing [%s] %s\n", ids[i],
			       u ? u->title : "");
		ret = remove_one(c, ids[i]);
		if (ret)
			return ret;
		if (c->tty)
			ut_say(c, "Removed [%s] %s\n", ids[i], u ? u->title : "");
	}
	return UT_OK;
}

/*
 * The updates that bring a Debian version form a sequence of releases in
 * index order.  A release is complete when every update that brings it is
 * installed.  Returns the number of complete releases at the head of the
 * sequence; *last_complete is the last update of the last of them (NULL
 * if none), *first_open the first update of the release after them (NULL
 * if every release is complete).
 */
static size_t complete_releases(struct uptrack_ctx *c,
				const struct repo_update **last_complete,
				const struct repo_update **first_open)
{
	size_t i, j, n = 0;

	*last_complete = NULL;
	*first_open = NULL;
	if (!c->have_idx)
		return 0;
	for (i = 0; i < c->idx.nr_updates; i++) {
		const struct repo_update *u = &c->idx.updates[i], *last = u;
		int done = 1, seen = 0;

		if (!u->brings)
			continue;
		/* Only the first update of each release starts one. */
		for (j = 0; j < i && !seen; j++)
			seen = c->idx.updates[j].brings &&
			       !strcmp(c->idx.updates[j].brings, u->brings);
		if (seen)
			continue;
		for (j = i; j < c->idx.nr_updates; j++) {
			const struct repo_update *v = &c->idx.updates[j];

			if (!v->brings || strcmp(v->brings, u->brings))
				continue;
			done &= uptrack_state_has(&c->state, v->id);
			last = v;
		}
		if (!done) {
			*first_open = u;
			break;
		}
		*last_complete = last;
		n++;
	}
	return n;
}

const char *ut_automatic_disabled(struct uptrack_ctx *c)
{
	static char why[4200];
	char *cmdline = ks_read_file(c->paths.cmdline_file, NULL);
	char *dir = ks_xstrdup(c->config_path), *slash = strrchr(dir, '/');
	char *flag;
	const char *tok;
	int found = 0;

	/* A whole word of the command line, not a part of another. */
	for (tok = cmdline; tok && (tok = strstr(tok, "nouptrack")); tok += 9)
		if ((tok == cmdline || tok[-1] == ' ') &&
		    (!tok[9] || tok[9] == ' ' || tok[9] == '\n'))
			found = 1;
	free(cmdline);
	if (found) {
		free(dir);
		return "nouptrack is on the kernel command line";
	}
	if (slash)
		slash[1] = 0;
	flag = ks_strfmt("%sdisable", slash ? dir : "");
	free(dir);
	found = access(flag, F_OK) == 0;
	if (found)
		snprintf(why, sizeof(why), "%s exists", flag);
	free(flag);
	return found ? why : NULL;
}

const struct repo_update *ut_effective(struct uptrack_ctx *c)
{
	const struct repo_update *eff, *open;

	complete_releases(c, &eff, &open);
	return eff;
}

int ut_partial_release(struct uptrack_ctx *c, struct ut_partial *p)
{
	const struct repo_update *eff, *open;
	size_t i;
	int later = 0;

	memset(p, 0, sizeof(*p));
	complete_releases(c, &eff, &open);
	if (!open)
		return 0;
	/* Open, and worth a word when any of it or of a later release is
	 * installed: otherwise the machine simply runs the older release. */
	for (i = (size_t)(open - c->idx.updates); i < c->idx.nr_updates; i++) {
		const struct repo_update *v = &c->idx.updates[i];

		if (!v->brings)
			continue;
		later |= uptrack_state_has(&c->state, v->id);
		if (strcmp(v->brings, open->brings))
			continue;
		p->total++;
		if (uptrack_state_has(&c->state, v->id))
			p->installed++;
		else
			KS_PUSH(p->missing, p->nr_missing, v->id);
	}
	if (!later) {
		free(p->missing);
		memset(p, 0, sizeof(*p));
		return 0;
	}
	p->debian = open->brings;
	return 1;
}

void ut_partial_free(struct ut_partial *p)
{
	free(p->missing);
	memset(p, 0, sizeof(*p));
}

/* "RELEASE with N of M fixes of V; missing: a, b" for a release begun. */
static void say_partial(struct uptrack_ctx *c, const struct repo_update *e)
{
	struct ut_partial p;
	size_t i;

	if (!ut_partial_release(c, &p))
		return;
	ut_say(c, "%s with %zu of %zu fixes of %s; missing: ",
	       e && e->brings_release ? e->brings_release : c->release,
	       p.installed, p.total, p.debian);
	for (i = 0; i < p.nr_missing; i++)
		ut_say(c, "%s%s", i ? ", " : "", p.missing[i]);
	ut_say(c, "\n");
	ut_partial_free(&p);
}

void ut_say_effective(struct uptrack_ctx *c)
{
	const struct repo_update *e = ut_effective(c);

	if (e && e->brings_release)
		ut_say(c, "Effective kernel version is %s (Debian %s)\n",
		       e->brings_release, e->brings);
	else if (e)
		ut_say(c, "Effective kernel version is Debian %s (running %s)\n",
		       e->brings, c->release);
	else
		ut_say(c, "Effective kernel version is %s%s%s%s\n", c->release,
		       c->have_idx && c->idx.base_version ? " (Debian " : "",
		       c->have_idx && c->idx.base_version ? c->idx.base_version : "",
		       c->have_idx && c->idx.base_version ? ")" : "");
	say_partial(c, e);
}
