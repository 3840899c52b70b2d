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

/* The core module: $KSPLICE_MODULE, /lib/ksplice, or the module tree. */
static int load_core(struct ks_outcome *out)
{
	struct utsname u;
	char tree[512];
	const char *cands[3];
	int n = 0, e = -ENOENT;

	if (ks_sysfs_present())
		return 0;
	uname(&u);
	snprintf(tree, sizeof(tree), "/lib/modules/%s/extra/ksplice.ko",
		 u.release);
	if (getenv("KSPLICE_MODULE"))
		cands[n++] = getenv("KSPLICE_MODULE");
	cands[n++] = "/lib/ksplice/ksplice.ko";
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
			       "/lib/ksplice/ksplice.ko and %s)", tree);
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

static int apply_locked(const char *tarball, const struct ks_apply_opts *opts,
			char **idp, struct ks_outcome *out)
{
	struct ks_package pkg;
	struct ks_kallsyms ks;
	struct ks_kernel_text text;
	struct ks_resolution *res = NULL;
	const struct ks_manifest *m;
	int *skip = NULL, *loaded = NULL, rc = -1, e, prepared = 0;
	int have_ks = 0, have_text = 0;
	size_t active = 0;
	char err[1024];

	memset(out, 0, sizeof(*out));
	*idp = NULL;
	if (ks_package_open(tarball, env_or("TMPDIR", "/tmp"), &pkg, err,
			    sizeof(err)))
		return ks_outcome_fail(out, KSPLICE_ABORT_INVALID_UPDATE, "%s", err);
	m = &pkg.manifest;
	*idp = strdup(m->id);
	res = calloc(m->nr_targets + 1, sizeof(*res));
	skip = calloc(m->nr_targets + 1, sizeof(*skip));
	loaded = calloc(m->nr_targets + 1, sizeof(*loaded));
	if (!res || !skip || !loaded) {
		ks_outcome_fail(out, KSPLICE_ABORT_OUT_OF_MEMORY, "out of memory");
		goto done;
	}
	if (check_kernel(m, out) || load_core(out))
		goto done;
	if (ks_sysfs_update_exists(m->id) && clear_stale(m->id, out))
		goto done;
	/* Read the running kernel once: all targets are matched against it. */
	if (ks_kallsyms_load(env_or("KSPLICE_KALLSYMS", "/proc/kallsyms"), &ks,
			     err, sizeof(err))) {
		ks_outcome_fail(out, KSPLICE_ABORT_UNEXPECTED, "%s", err);
		goto done;
	}
	have_ks = 1;
	if (ks_text_open_kcore(&text, env_or("KSPLICE_KCORE", "/proc/kcore"),
			       err, sizeof(err))) {
		ks_outcome_fail(out, KSPLICE_ABORT_UNEXPECTED, "%s", err);
		goto done;
	}
	have_text = 1;
	for (size_t i = 0; i < m->nr_targets; i++) {
		const struct ks_target *t = &m->targets[i];

		if (strcmp(t->name, "vmlinux") && !ks_module_loaded(t->name)) {
			if (!opts->partial) {
				ks_outcome_fail(out, KSPLICE_ABORT_TARGET_NOT_LOADED,
						"the update changes module %s, "
						"which is not loaded", t->name);
				goto done;
			}
			if (!module_installed(t->name)) {
				skip[i] = 1;
				ks_outcome_note(out, "Module %s is not loaded: its "
						"part of the update was skipped "
						"(--partial).", t->name);
				continue;
			}
			/* The kernel splices it in when the module loads. */
			if (ks_pending_resolve_target(&pkg, t, &ks, &res[i])) {
				ks_outcome_fail(out, res[i].cause, "%s",
						res[i].message);
				goto done;
			}
			if (opts->debug)
				fprintf(opts->debug, "== resolve lines for %s\n%s",
					t->name, res[i].lines ? res[i].lines : "");
			ks_outcome_note(out, "Module %s is not loaded: its part "
					"of the update will be spliced in when it "
					"is loaded (--partial).", t->name);
			active++;
			continue;
		}
		if (ks_match_resolve_target(&pkg, t, &ks, &text, opts->debug, &res[i])) {
			ks_outcome_fail(out, res[i].cause, "%s", res[i].message);
			goto done;
		}
		if (opts->debug)
			fprintf(opts->debug, "== resolve lines for %s\n%s", t->name,
				res[i].lines ? res[i].lines : "");
		active++;
	}
	if (!active) {
		ks_outcome_fail(out, KSPLICE_ABORT_TARGET_NOT_LOADED,
				"none of the modules the update changes is loaded");
		goto done;
	}
	e = ks_sysfs_control("prepare", m->id);
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
		goto done;
	}
	if (e) {
		ks_outcome_fail(out, e == -ENOMEM ? KSPLICE_ABORT_OUT_OF_MEMORY :
				KSPLICE_ABORT_UNEXPECTED,
				"cannot prepare update %s in the kernel: %s",
				m->id, strerror(-e));
		goto done;
	}
	prepared = 1;
	for (size_t i = 0; i < m->nr_targets; i++) {
		if (skip[i] || !res[i].lines)
			continue;
		e = ks_sysfs_write_resolve(m->id, res[i].lines);
		if (e) {
			kernel_cause(m->id, out, KSPLICE_ABORT_UNEXPECTED,
				     "the kernel refused the resolved addresses", e);
			goto done;
		}
	}
	for (size_t i = 0; i < m->nr_targets; i++) {
		char *path;

		if (skip[i])
			continue;
		path = ks_package_path(&pkg, m->targets[i].module_path);
		e = path ? ks_module_load(path, NULL) : -ENOMEM;
		free(path);
		if (e) {
			char what[512];

			snprintf(what, sizeof(what), "loading the new code for "
				 "%s (%s) failed", m->targets[i].name,
				 m->targets[i].module_name);
			kernel_cause(m->id, out, KSPLICE_ABORT_UNEXPECTED,
				     what, e);
			goto done;
		}
		loaded[i] = 1;
	}
	e = ks_sysfs_write(strcat(strcpy(err, m->id), "/stage"), "apply\n");
	if (e) {
		kernel_cause(m->id, out, KSPLICE_ABORT_UNEXPECTED,
			     "applying the update failed", e == -EIO ? 0 : e);
		goto done;
	}
	if (ks_state_save(m->id, tarball, pkg.patch, m->description, err,
			  sizeof(err)))
		ks_outcome_note(out, "Warning: the update is applied, but %s; "
				"ksplice-view --id will not show its patch.", err);
	rc = 0;
done:
	if (rc && prepared)
		undo(m->id, m, loaded);
	for (size_t i = 0; res && i < m->nr_targets; i++)
		ks_resolution_free(&res[i]);
	free(res);
	free(skip);
	free(loaded);
	if (have_text)
		ks_text_close(&text);
	if (have_ks)
		ks_kallsyms_free(&ks);
	ks_package_close(&pkg);
	return rc;
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
