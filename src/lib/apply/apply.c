// SPDX-License-Identifier: GPL-2.0
/* Apply and remove; see apply.h and docs/sysfs-abi.md. */
#include "apply/apply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "apply/abort_causes.h"
#include "apply/core_module.h"
#include "match/kallsyms.h"
#include "match/kernel_text.h"
#include "apply/ksplice_sysfs.h"
#include "package/package.h"
#include "util/fs.h"
#include "match/resolve.h"
#include "apply/update_state.h"

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/*
 * The core module: $KSPLICE_MODULE, /lib/ksplice (the test guests'), the
 * module named "ksplice" in the module tree's index (libkmod: DKMS puts it
 * in updates/dkms/, make install in extra/), and extra/ when depmod has
 * not indexed it.
 */
static int load_core(struct ks_outcome *out)
{
	struct utsname u;
	char tree[512], found[512];
	const char *cands[4];
	const char *base = env_or("KSPLICE_MODULES_DIR", "/lib/modules");
	int n = 0, e = -ENOENT;

	if (ks_sysfs_present())
		return 0;
	uname(&u);
	snprintf(tree, sizeof(tree), "%s/%s/extra/ksplice.ko", base,
		 u.release);
	if (getenv("KSPLICE_MODULE"))
		cands[n++] = getenv("KSPLICE_MODULE");
	cands[n++] = "/lib/ksplice/ksplice.ko";
	if (!ks_core_module_lookup(u.release, found, sizeof(found)))
		cands[n++] = found;
	cands[n++] = tree;
	for (int i = 0; i < n; i++) {
		if (access(cands[i], R_OK))
			continue;
		e = ks_module_load(cands[i], NULL);
		if (!e || e == -EEXIST)
			return 0;
		return ks_outcome_fail(out, e == -ENOMEM ?
				       KSPLICE_ABORT_OUT_OF_MEMORY :
				       KSPLICE_ABORT_UNEXPECTED,
				       "cannot load the Ksplice core module %s: %s",
				       cands[i], strerror(-e));
	}
	return ks_outcome_fail(out, KSPLICE_ABORT_UNEXPECTED,
			       "the Ksplice core module is not loaded and was not "
			       "found (looked for $KSPLICE_MODULE, "
			       "/lib/ksplice/ksplice.ko, module \"ksplice\" in "
			       "%s/%s/modules.dep and %s; install ksplice-dkms "
			       "or run make install)", base, u.release, tree);
}

/* The kernel's account of an abort: cause, message, conflicts. */
static void kernel_cause(const char *id, struct ks_outcome *out,
			 enum ksplice_abort_cause fallback, const char *what,
			 int err)
{
	char *cause = ks_sysfs_read(id, "abort_cause");
	char *msg = ks_sysfs_read(id, "message");
	int c = cause ? ks_abort_from_name(cause) : -1;

	/* The kernel named no cause: an allocation failure is still one. */
	if (c <= KSPLICE_ABORT_NONE)
		c = err == -ENOMEM ? KSPLICE_ABORT_OUT_OF_MEMORY : fallback;
	ks_outcome_fail(out, c, "%s%s%s%s%s", what, err ? ": " : "",
			err ? strerror(-err) : "",
			msg && *msg ? "\nkernel: " : "", msg && *msg ? msg : "");
	if (c == KSPLICE_ABORT_CODE_BUSY) {
		free(out->conflicts);
		out->conflicts = ks_sysfs_read(id, "conflicts");
	}
	free(cause);
	free(msg);
}

static int check_kernel(const struct ks_manifest *m, struct ks_outcome *out)
{
	struct utsname u;

	uname(&u);
	if (strcmp(m->kernel_release, u.release) ||
	    (m->kernel_version && *m->kernel_version &&
	     strcmp(m->kernel_version, u.version)))
		return ks_outcome_fail(out, KSPLICE_ABORT_WRONG_KERNEL,
				       "update %s is for kernel %s%s%s%s; the "
				       "running kernel is %s (%s)", m->id,
				       m->kernel_release,
				       m->kernel_version && *m->kernel_version ?
				       " (" : "",
				       m->kernel_version ? m->kernel_version : "",
				       m->kernel_version && *m->kernel_version ?
				       ")" : "", u.release, u.version);
	return 0;
}

/* An update directory left over (not applied): clear it or refuse. */
static int clear_stale(const char *id, struct ks_outcome *out)
{
	char *stage = ks_sysfs_read(id, "stage");
	int applied = stage && !strcmp(stage, "applied");

	if (applied) {
		out->already = 1;
		ks_outcome_fail(out, KSPLICE_ABORT_ALREADY_APPLIED,
				"Ksplice update %s already applied.", id);
		free(stage);
		return -1;
	}
	free(stage);
	if (ks_remove(id, out))
		return -1;
	return 0;
}

static void undo(const char *id, const struct ks_manifest *m, int *loaded)
{
	for (size_t i = m->nr_targets; i-- > 0;)
		if (loaded[i])
			for (int tries = 0; tries < 50 &&
			     ks_module_unload(m->targets[i].module_name) == -EAGAIN;
			     tries++)
				usleep(100000);
	ks_sysfs_control("drop", id);
}

static int apply_locked(const char *tarball, const struct ks_apply_opts *opts,
			char **idp, struct ks_outcome *out);

/*
 * Is module NAME installed for the running kernel (in its modules.dep),
 * so that it can be loaded later?  '-' and '_' are the same in names.
 */
static int module_installed(const char *name)
{
	struct utsname u;
	char path[512], line[4096];
	FILE *f;
	int found = 0;

	uname(&u);
	snprintf(path, sizeof(path), "%s/%s/modules.dep",
		 env_or("KSPLICE_MODULES_DIR", "/lib/modules"), u.release);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *base, *dot;

		if (!colon)
			continue;
		*colon = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		dot = strstr(base, ".ko");
		if (dot)
			*dot = '\0';
		for (char *p = base; *p; p++)
			if (*p == '-')
				*p = '_';
		found = !strcmp(base, name);
	}
	fclose(f);
	return found;
}

int ks_apply(const char *tarball, const struct ks_apply_opts *opts,
	     char **idp, struct ks_outcome *out)
{
	char err[512];
	int rc;

	memset(out, 0, sizeof(*out));
	*idp = NULL;
	if (ks_state_lock(err, sizeof(err)))
		return ks_outcome_fail(out, KSPLICE_ABORT_UNEXPECTED, "%s", err);
	rc = apply_locked(tarball, opts, idp, out);
	ks_state_unlock();
	return rc;
}

/*
 * What apply_locked()'s steps share: the opened package, the running
 * kernel as read once, and per target what was resolved, skipped and
 * loaded, so that any step can end the apply and undo() and
 * apply_ctx_free() still know what exists.
 */
struct apply_ctx {
	const char *tarball;
	const struct ks_apply_opts *opts;
	char **idp;
	struct ks_outcome *out;
	struct ks_package pkg;
	const struct ks_manifest *m;	/* &pkg.manifest once it is open */
	struct ks_kallsyms ks;
	struct ks_kernel_text text;
	struct ks_resolution *res;	/* one per target */
	int *skip;			/* target left out (--partial) */
	int *loaded;			/* its new code is loaded */
	size_t active;			/* applied now or at module load */
	int have_pkg, have_ks, have_text;
	int prepared;			/* the kernel holds the update */
	char err[1024];
};

/*
 * The package, unpacked, and the per-target state: every later step
 * reads the manifest, and the caller reports the id even on failure.
 */
static int open_update(struct apply_ctx *ax)
{
	size_t n;

	if (ks_package_open(ax->tarball, env_or("TMPDIR", "/tmp"), &ax->pkg,
			    ax->err, sizeof(ax->err)))
		return ks_outcome_fail(ax->out, KSPLICE_ABORT_INVALID_UPDATE,
				       "%s", ax->err);
	ax->have_pkg = 1;
	ax->m = &ax->pkg.manifest;
	*ax->idp = strdup(ax->m->id);
	n = ax->m->nr_targets + 1;
	ax->res = calloc(n, sizeof(*ax->res));
	ax->skip = calloc(n, sizeof(*ax->skip));
	ax->loaded = calloc(n, sizeof(*ax->loaded));
	if (!ax->res || !ax->skip || !ax->loaded)
		return ks_outcome_fail(ax->out, KSPLICE_ABORT_OUT_OF_MEMORY,
				       "out of memory");
	return 0;
}

/* An update for another kernel, or without the core module, cannot go on. */
static int check_running_kernel(struct apply_ctx *ax)
{
	return check_kernel(ax->m, ax->out) || load_core(ax->out) ? -1 : 0;
}

/* A leftover of this update in the kernel is cleared, unless applied. */
static int clear_leftover(struct apply_ctx *ax)
{
	const char *id = ax->m->id;

	if (ks_sysfs_update_exists(id) && clear_stale(id, ax->out))
		return -1;
	return 0;
}

/* Read the running kernel once: all targets are matched against it. */
static int read_running_kernel(struct apply_ctx *ax)
{
	if (ks_kallsyms_load(env_or("KSPLICE_KALLSYMS", "/proc/kallsyms"),
			     &ax->ks, ax->err, sizeof(ax->err)))
		return ks_outcome_fail(ax->out, KSPLICE_ABORT_UNEXPECTED, "%s",
				       ax->err);
	ax->have_ks = 1;
	if (ks_text_open_kcore(&ax->text, env_or("KSPLICE_KCORE", "/proc/kcore"),
			       ax->err, sizeof(ax->err)))
		return ks_outcome_fail(ax->out, KSPLICE_ABORT_UNEXPECTED, "%s",
				       ax->err);
	ax->have_text = 1;
	return 0;
}

/*
 * Target i of a module that is not loaded: an error, unless --partial,
 * which skips it (not installed) or has the kernel splice it in when the
 * module loads (resolved now against what is loaded).
 */
static int resolve_pending(struct apply_ctx *ax, size_t i)
{
	const struct ks_target *t = &ax->m->targets[i];
	struct ks_outcome *out = ax->out;

	if (!ax->opts->partial)
		return ks_outcome_fail(out, KSPLICE_ABORT_TARGET_NOT_LOADED,
				       "the update changes module %s, "
				       "which is not loaded", t->name);
	if (!module_installed(t->name)) {
		ax->skip[i] = 1;
		ks_outcome_note(out, "Module %s is not loaded: its "
				"part of the update was skipped "
				"(--partial).", t->name);
		return 0;
	}
	/* The kernel splices it in when the module loads. */
	if (ks_pending_resolve_target(&ax->pkg, t, &ax->ks, &ax->res[i]))
		return ks_outcome_fail(out, ax->res[i].cause, "%s",
				       ax->res[i].message);
	if (ax->opts->debug)
		fprintf(ax->opts->debug, "== resolve lines for %s\n%s",
			t->name, ax->res[i].lines ? ax->res[i].lines : "");
	ks_outcome_note(out, "Module %s is not loaded: its part "
			"of the update will be spliced in when it "
			"is loaded (--partial).", t->name);
	ax->active++;
	return 0;
}

/*
 * Every target matched against the running kernel before the kernel is
 * asked for anything: a mismatch fails here, with nothing to undo.
 */
static int resolve_targets(struct apply_ctx *ax)
{
	const struct ks_apply_opts *opts = ax->opts;

	for (size_t i = 0; i < ax->m->nr_targets; i++) {
		const struct ks_target *t = &ax->m->targets[i];

		if (strcmp(t->name, "vmlinux") && !ks_module_loaded(t->name)) {
			if (resolve_pending(ax, i))
				return -1;
			continue;
		}
		if (ks_match_resolve_target(&ax->pkg, t, &ax->ks, &ax->text,
					    opts->debug, &ax->res[i]))
			return ks_outcome_fail(ax->out, ax->res[i].cause, "%s",
					       ax->res[i].message);
		if (opts->debug)
			fprintf(opts->debug, "== resolve lines for %s\n%s", t->name,
				ax->res[i].lines ? ax->res[i].lines : "");
		ax->active++;
	}
	if (!ax->active)
		return ks_outcome_fail(ax->out, KSPLICE_ABORT_TARGET_NOT_LOADED,
				       "none of the modules the update changes is loaded");
	return 0;
}

/*
 * The kernel's record of the update; from here on a failure must undo
 * what was done (prepared).
 */
static int prepare_in_kernel(struct apply_ctx *ax)
{
	const struct ks_manifest *m = ax->m;
	struct ks_outcome *out = ax->out;
	int e = ks_sysfs_control("prepare", m->id);

	if (e == -EEXIST) {
		/* someone outside our lock got there first */
		char *stage = ks_sysfs_read(m->id, "stage");

		if (stage && !strcmp(stage, "applied")) {
			out->already = 1;
			ks_outcome_fail(out, KSPLICE_ABORT_ALREADY_APPLIED,
					"Ksplice update %s already applied.", m->id);
		} else {
			ks_outcome_fail(out, KSPLICE_ABORT_UNEXPECTED,
					"update %s is being prepared by another "
					"program (stage %s); nothing was done",
					m->id, stage ? stage : "?");
		}
		free(stage);
		return -1;
	}
	if (e)
		return ks_outcome_fail(out, e == -ENOMEM ?
				       KSPLICE_ABORT_OUT_OF_MEMORY :
				       KSPLICE_ABORT_UNEXPECTED,
				       "cannot prepare update %s in the kernel: %s",
				       m->id, strerror(-e));
	ax->prepared = 1;
	return 0;
}

/* The addresses resolved here are what the new code is linked to. */
static int write_resolutions(struct apply_ctx *ax)
{
	for (size_t i = 0; i < ax->m->nr_targets; i++) {
		int e;

		if (ax->skip[i] || !ax->res[i].lines)
			continue;
		e = ks_sysfs_write_resolve(ax->m->id, ax->res[i].lines);
		if (e) {
			kernel_cause(ax->m->id, ax->out,
				     KSPLICE_ABORT_UNEXPECTED,
				     "the kernel refused the resolved addresses", e);
			return -1;
		}
	}
	return 0;
}

/* Each part's new-code module, loaded in the package's order. */
static int load_new_code(struct apply_ctx *ax)
{
	const struct ks_manifest *m = ax->m;

	for (size_t i = 0; i < m->nr_targets; i++) {
		char *path;
		int e;

		if (ax->skip[i])
			continue;
		path = ks_package_path(&ax->pkg, m->targets[i].module_path);
		e = path ? ks_module_load(path, NULL) : -ENOMEM;
		free(path);
		if (e) {
			char what[512];

			snprintf(what, sizeof(what), "loading the new code for "
				 "%s (%s) failed", m->targets[i].name,
				 m->targets[i].module_name);
			kernel_cause(m->id, ax->out, KSPLICE_ABORT_UNEXPECTED,
				     what, e);
			return -1;
		}
		ax->loaded[i] = 1;
	}
	return 0;
}

/* The switch itself: the kernel checks the stacks and patches. */
static int start_apply(struct apply_ctx *ax)
{
	char *err = ax->err;
	int e = ks_sysfs_write(strcat(strcpy(err, ax->m->id), "/stage"),
			       "apply\n");

	if (e) {
		kernel_cause(ax->m->id, ax->out, KSPLICE_ABORT_UNEXPECTED,
			     "applying the update failed", e == -EIO ? 0 : e);
		return -1;
	}
	return 0;
}

/*
 * What ksplice-view shows of the applied update; failing to keep it does
 * not undo a live update, it is only said.
 */
static int save_state(struct apply_ctx *ax)
{
	if (ks_state_save(ax->m->id, ax->tarball, ax->pkg.patch,
			  ax->m->description, ax->err, sizeof(ax->err)))
		ks_outcome_note(ax->out, "Warning: the update is applied, but %s; "
				"ksplice-view --id will not show its patch.",
				ax->err);
	return 0;
}

/* Everything apply_locked() holds, whichever step ended it. */
static void apply_ctx_free(struct apply_ctx *ax)
{
	for (size_t i = 0; ax->res && i < ax->m->nr_targets; i++)
		ks_resolution_free(&ax->res[i]);
	free(ax->res);
	free(ax->skip);
	free(ax->loaded);
	if (ax->have_text)
		ks_text_close(&ax->text);
	if (ax->have_ks)
		ks_kallsyms_free(&ax->ks);
	if (ax->have_pkg)
		ks_package_close(&ax->pkg);
}

static int apply_locked(const char *tarball, const struct ks_apply_opts *opts,
			char **idp, struct ks_outcome *out)
{
	struct apply_ctx ax = {
		.tarball = tarball, .opts = opts, .idp = idp, .out = out,
	};
	int ret = 0;

	memset(out, 0, sizeof(*out));
	*idp = NULL;
	ret = ret ?: open_update(&ax);
	ret = ret ?: check_running_kernel(&ax);
	ret = ret ?: clear_leftover(&ax);
	ret = ret ?: read_running_kernel(&ax);
	ret = ret ?: resolve_targets(&ax);
	/* from here on the kernel holds the update: a failure undoes it */
	ret = ret ?: prepare_in_kernel(&ax);
	ret = ret ?: write_resolutions(&ax);
	ret = ret ?: load_new_code(&ax);
	ret = ret ?: start_apply(&ax);
	ret = ret ?: save_state(&ax);
	/* all or nothing: a failure once prepared takes it all back */
	if (ret && ax.prepared)
		undo(ax.m->id, ax.m, ax.loaded);
	apply_ctx_free(&ax);
	return ret;
}

/* Unload a new-code module, waiting a little for its last users. */
static int unload(const char *name)
{
	int e = 0;

	for (int tries = 0; tries < 50; tries++) {
		e = ks_module_unload(name);
		if (!e || e == -ENOENT)
			return 0;
		if (e != -EAGAIN && e != -EBUSY)
			break;
		usleep(100000);
	}
	return e;
}

static int remove_locked(const char *id, struct ks_outcome *out);

int ks_remove(const char *id, struct ks_outcome *out)
{
	char err[512];
	int rc;

	if (ks_state_lock(err, sizeof(err)))
		return ks_outcome_fail(out, KSPLICE_ABORT_UNEXPECTED, "%s", err);
	rc = remove_locked(id, out);
	ks_state_unlock();
	return rc;
}

static int remove_locked(const char *id, struct ks_outcome *out)
{
	char rel[256], *stage, *targets, **lines = NULL;
	size_t nlines = 0;
	int e;

	if (!ks_sysfs_present() || !ks_sysfs_update_exists(id))
		return ks_outcome_fail(out, KSPLICE_ABORT_NOT_APPLIED,
				       "no update %s is loaded", id);
	stage = ks_sysfs_read(id, "stage");
	if (stage && !strcmp(stage, "applied")) {
		snprintf(rel, sizeof(rel), "%s/stage", id);
		e = ks_sysfs_write(rel, "reverse\n");
		if (e) {
			free(stage);
			kernel_cause(id, out, KSPLICE_ABORT_UNEXPECTED,
				     "reversing the update failed", e == -EIO ? 0 : e);
			return -1;
		}
	}
	free(stage);
	/*
	 * targets: "TARGET MODULE" per line.  A part may use an export of
	 * another (it is then among that one's holders), so the parts that
	 * nothing holds go first, round after round; what is still held
	 * after that is held from outside, and unload() says so.
	 */
	targets = ks_sysfs_read(id, "targets");
	for (char *save = NULL, *line = targets ? strtok_r(targets, "\n", &save) : NULL;
	     line; line = strtok_r(NULL, "\n", &save)) {
		char *mod = strchr(line, ' ');

		if (!mod)
			continue;
		lines = ks_xrealloc(lines, (nlines + 1) * sizeof(char *));
		lines[nlines++] = mod + 1;
	}
	for (size_t left = nlines, progress = 1; left;) {
		char *mod = NULL;

		/* one that nothing holds; if none is left, the first held */
		for (size_t i = 0; i < nlines && !mod; i++) {
			if (lines[i] && (!progress ||
					 !ks_module_has_holders(lines[i]))) {
				mod = lines[i];
				lines[i] = NULL;
			}
		}
		progress = mod != NULL;
		if (!mod)
			continue;
		left--;
		e = unload(mod);
		if (e) {
			ks_outcome_fail(out, KSPLICE_ABORT_MODULE_BUSY,
					"the update is reversed, but its module "
					"%s cannot be unloaded: %s", mod,
					strerror(-e));
			free(lines);
			free(targets);
			return -1;
		}
	}
	free(lines);
	free(targets);
	e = ks_sysfs_control("drop", id);
	if (e)
		return ks_outcome_fail(out, KSPLICE_ABORT_UNEXPECTED,
				       "the update is reversed, but the kernel "
				       "refused to drop it: %s", strerror(-e));
	ks_state_remove(id);
	return 0;
}

static int cmp_newest(const void *a, const void *b)
{
	unsigned long long x = ks_state_applied_at(*(char *const *)a);
	unsigned long long y = ks_state_applied_at(*(char *const *)b);

	return (x < y) - (x > y);
}

char **ks_updates_newest_first(size_t *n)
{
	char **ids = ks_sysfs_list(n);

	if (*n > 1)
		qsort(ids, *n, sizeof(*ids), cmp_newest);
	return ids;
}
