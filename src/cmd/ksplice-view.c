// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-view: what is applied, one update in detail, or what an update
 * file holds.  Reads the core module's sysfs files, the state kept by
 * ksplice-apply, and packages (ks_package_open).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cli.h"
#include "apply/abort_causes.h"
#include "apply/apply.h"
#include "apply/ksplice_sysfs.h"
#include "package/package.h"
#include "util/json_writer.h"
#include "apply/tool_output.h"
#include "apply/update_state.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ksplice-view [--json]                     applied updates: ID: description\n"
"       ksplice-view [--json] --id=ID             one update: stage, targets,\n"
"                                                 functions, pause times, patch\n"
"       ksplice-view [--json] --file=UPDATE.tar.gz  what an update file holds\n"
"       ksplice-view --help | --version\n"
"\n"
"Exit status: 0 success, 2 usage or a --file that cannot be opened, 4 not\n"
"root (except --file), 10 + abort "
"cause otherwise.\n");
}

static char *description_of(const char *id)
{
	char *d = ks_sysfs_read(id, "description");

	if (!d || !*d) {
		free(d);
		d = ks_state_read(id, "description");
	}
	return d ? d : strdup("");
}

static int list_applied(int json)
{
	size_t n = 0, shown = 0;
	char **ids = ks_sysfs_present() ? ks_updates_newest_first(&n) : NULL;
	struct json_writer w;

	jw_init(&w, stdout);
	if (json)
		jw_array_begin(&w);
	for (size_t i = n; i-- > 0;) {	/* oldest first */
		char *stage = ks_sysfs_read(ids[i], "stage");
		char *desc;

		if (!stage || strcmp(stage, "applied")) {
			free(stage);
			continue;
		}
		desc = description_of(ids[i]);
		if (json) {
			jw_object_begin(&w);
			jw_kv_string(&w, "id", ids[i]);
			jw_kv_string(&w, "description", desc);
			jw_object_end(&w);
		} else {
			printf("%s: %s\n", ids[i], desc);
		}
		shown++;
		free(desc);
		free(stage);
	}
	if (json)
		jw_array_end(&w);
	else if (!shown)
		printf("No Ksplice updates are applied.\n");
	ks_sysfs_free_list(ids, n);
	return 0;
}

/* Absent attributes read as "" (what scripts have always been given). */
static void json_field(struct json_writer *w, const char *key, const char *val)
{
	jw_kv_string(w, key, val ? val : "");
}

static int show_id(const char *id, int json)
{
	static const char *const attrs[] = {
		"stage", "description", "targets", "functions", "pause_ns",
		"tries", "abort_cause", "message",
	};
	char *vals[8], *patch;

	if (!ks_sysfs_present() || !ks_sysfs_update_exists(id)) {
		struct ks_outcome o = { 0 };

		ks_outcome_fail(&o, KSPLICE_ABORT_NOT_APPLIED,
				"no update %s is loaded", id);
		int s = ks_report(json ? KS_OUT_JSON : KS_OUT_HUMAN, "view",
				  id, &o, NULL);
		ks_outcome_free(&o);
		return s;
	}
	for (int i = 0; i < 8; i++)
		vals[i] = ks_sysfs_read(id, attrs[i]);
	patch = ks_state_read(id, "patch");
	if (json) {
		struct json_writer w;

		jw_init(&w, stdout);
		jw_object_begin(&w);
		json_field(&w, "id", id);
		for (int i = 0; i < 8; i++)
			json_field(&w, attrs[i], vals[i]);
		json_field(&w, "patch", patch);
		jw_object_end(&w);
	} else {
		printf("Update %s: %s\n", id, vals[1] ? vals[1] : "");
		printf("Stage: %s\n", vals[0] ? vals[0] : "?");
		if (vals[6] && strcmp(vals[6], "none"))
			printf("Last abort: %s%s%s\n", vals[6],
			       vals[7] && *vals[7] ? ": " : "",
			       vals[7] ? vals[7] : "");
		printf("Targets (TARGET MODULE):\n%s\n", vals[2] ? vals[2] : "");
		printf("Functions (TARGET NAME OLD_ADDR NEW_ADDR):\n%s\n",
		       vals[3] ? vals[3] : "");
		printf("Pause time in the stopped window (ns):\n%s\n",
		       vals[4] ? vals[4] : "");
		printf("Tries: %s\n", vals[5] ? vals[5] : "?");
		printf("Patch:\n%s", patch ? patch : "(not kept)\n");
	}
	for (int i = 0; i < 8; i++)
		free(vals[i]);
	free(patch);
	return 0;
}

static int show_file(const char *path, int json)
{
	struct ks_package pkg;
	const struct ks_manifest *m;
	char err[1024];

	if (ks_package_open(path, getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
			    &pkg, err, sizeof(err))) {
		struct ks_outcome o = { 0 };
		int s;

		ks_outcome_fail(&o, KSPLICE_ABORT_INVALID_UPDATE, "%s", err);
		s = ks_report(json ? KS_OUT_JSON : KS_OUT_HUMAN, "view", path,
			      &o, NULL);
		ks_outcome_free(&o);
		return s;
	}
	m = &pkg.manifest;
	if (json) {
		struct json_writer w;

		jw_init(&w, stdout);
		jw_object_begin(&w);
		json_field(&w, "id", m->id);
		json_field(&w, "description", m->description);
		json_field(&w, "kernel_release", m->kernel_release);
		json_field(&w, "kernel_version", m->kernel_version);
		jw_key(&w, "targets");
		jw_array_begin(&w);
		for (size_t i = 0; i < m->nr_targets; i++) {
			const struct ks_target *t = &m->targets[i];

			jw_object_begin(&w);
			json_field(&w, "name", t->name);
			json_field(&w, "module", t->module_name);
			jw_key(&w, "functions");
			jw_array_begin(&w);
			for (size_t f = 0; f < t->nr_funcs; f++) {
				jw_object_begin(&w);
				json_field(&w, "name", t->funcs[f].name);
				json_field(&w, "kind", ks_func_kind_name(t->funcs[f].kind));
				json_field(&w, "object", t->funcs[f].object);
				jw_object_end(&w);
			}
			jw_array_end(&w);
			jw_kv_int(&w, "symbols", (long long)t->nr_syms);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		json_field(&w, "patch", pkg.patch);
		jw_object_end(&w);
	} else {
		printf("Update %s: %s\n", m->id, m->description ? m->description : "");
		printf("Kernel: %s %s\n", m->kernel_release,
		       m->kernel_version ? m->kernel_version : "");
		for (size_t i = 0; i < m->nr_targets; i++) {
			const struct ks_target *t = &m->targets[i];

			printf("Target %s (new code: %s, %zu symbols to resolve)\n",
			       t->name, t->module_name, t->nr_syms);
			for (size_t f = 0; f < t->nr_funcs; f++)
				printf("  %-8s %s (%s)\n", ks_func_kind_name(t->funcs[f].kind),
				       t->funcs[f].name,
				       t->funcs[f].object ? t->funcs[f].object : "");
		}
		printf("Patch:\n%s", pkg.patch ? pkg.patch : "");
	}
	ks_package_close(&pkg);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "file", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "raw-errors", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	const char *id = NULL, *file = NULL;
	int c, json = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			id = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'r':
			break;	/* accepted for symmetry with the other tools */
		default:
			return ks_cli_help(c, usage);
		}
	}
	if (optind != argc || (id && file))
		return ks_cli_usage(usage);
	if (file) {
		int s = ks_report_unreadable(json ? KS_OUT_JSON : KS_OUT_HUMAN,
					     "ksplice-view", "view", file);

		return s ? s : show_file(file, json);
	}
	/*
	 * The core module's files hold kernel addresses and are root's
	 * alone: another user would see no update at all, which is wrong.
	 */
	if (geteuid() != 0 && ks_sysfs_present())
		return ks_report_not_root(json ? KS_OUT_JSON : KS_OUT_HUMAN,
			"view", id,
			"ksplice-view: only root can read the state of the "
			"updates in the kernel (/sys/kernel/ksplice: its files "
			"hold kernel addresses); --file works for anyone.");
	if (id)
		return show_id(id, json);
	return list_applied(json);
}
