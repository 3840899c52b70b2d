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

#include "abort_causes.h"
#include "apply.h"
#include "ksplice_sysfs.h"
#include "package.h"
#include "tool_output.h"
#include "update_state.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ksplice-view [--json]                     applied updates: ID: description\n"
"       ksplice-view [--json] --id=ID             one update: stage, targets,\n"
"                                                 functions, pause times, patch\n"
"       ksplice-view [--json] --file=UPDATE.tar.gz  what an update file holds\n"
"\n"
"Exit status: 0 success, 2 usage, 4 not root (except --file), 10 + abort\n"
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

	if (json)
		printf("[");
	for (size_t i = n; i-- > 0;) {	/* oldest first */
		char *stage = ks_sysfs_read(ids[i], "stage");
		char *desc;

		if (!stage || strcmp(stage, "applied")) {
			free(stage);
			continue;
		}
		desc = description_of(ids[i]);
		if (json) {
			printf("%s{\"id\": ", shown ? ", " : "");
			ks_json_string(stdout, ids[i]);
			printf(", \"description\": ");
			ks_json_string(stdout, desc);
			printf("}");
		} else {
			printf("%s: %s\n", ids[i], desc);
		}
		shown++;
		free(desc);
		free(stage);
	}
	if (json)
		printf("]\n");
	else if (!shown)
		printf("No Ksplice updates are applied.\n");
	ks_sysfs_free_list(ids, n);
	return 0;
}

static void json_field(const char *key, const char *val, int comma)
{
	printf("%s\"%s\": ", comma ? ", " : "", key);
	ks_json_string(stdout, val ? val : "");
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
		printf("{");
		json_field("id", id, 0);
		for (int i = 0; i < 8; i++)
			json_field(attrs[i], vals[i], 1);
		json_field("patch", patch, 1);
		printf("}\n");
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

static const char *kind_name(enum ks_func_kind k)
{
	return k == KS_FUNC_CHANGED ? "changed" :
	       k == KS_FUNC_NEW ? "new" : "deleted";
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
		printf("{");
		json_field("id", m->id, 0);
		json_field("description", m->description, 1);
		json_field("kernel_release", m->kernel_release, 1);
		json_field("kernel_version", m->kernel_version, 1);
		printf(", \"targets\": [");
		for (size_t i = 0; i < m->nr_targets; i++) {
			const struct ks_target *t = &m->targets[i];

			printf("%s{", i ? ", " : "");
			json_field("name", t->name, 0);
			json_field("module", t->module_name, 1);
			printf(", \"functions\": [");
			for (size_t f = 0; f < t->nr_funcs; f++) {
				printf("%s{", f ? ", " : "");
				json_field("name", t->funcs[f].name, 0);
				json_field("kind", kind_name(t->funcs[f].kind), 1);
				json_field("object", t->funcs[f].object, 1);
				printf("}");
			}
			printf("], \"symbols\": %zu}", t->nr_syms);
		}
		printf("]");
		json_field("patch", pkg.patch, 1);
		printf("}\n");
	} else {
		printf("Update %s: %s\n", m->id, m->description ? m->description : "");
		printf("Kernel: %s %s\n", m->kernel_release,
		       m->kernel_version ? m->kernel_version : "");
		for (size_t i = 0; i < m->nr_targets; i++) {
			const struct ks_target *t = &m->targets[i];

			printf("Target %s (new code: %s, %zu symbols to resolve)\n",
			       t->name, t->module_name, t->nr_syms);
			for (size_t f = 0; f < t->nr_funcs; f++)
				printf("  %-8s %s (%s)\n", kind_name(t->funcs[f].kind),
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (id && file)) {
		usage(stderr);
		return 2;
	}
	if (file)
		return show_file(file, json);
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
