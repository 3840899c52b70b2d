// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-create: turn unified diffs against a kernel source tree into an
 * update package.  A thin front end over ks_create_update()
 * (src/lib/create/create_update.c); the manual is docs/ksplice-create.1.md.
 */
#include "create/create_update.h"
#include "util/json_writer.h"
#include "create/kbuild_driver.h"
#include "util/fs.h"
#include "util/array.h"
#include "util/cli.h"

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ksplice-create --patch=FILE [--patch=FILE]... [--id=ID]\n"
		"         [--description=TEXT] [--kernel=ABI | --config=DIR]\n"
		"         [--kernel-version=UNAME_V] [--core-symvers=FILE]\n"
		"         [--output-dir=DIR] [--prebuild] [--stacked-on=PATCH]...\n"
		"         [--allow-layout-change=TYPE]...\n"
		"         [-j N] [-v|-q] [--json] [--help] [--version]\n"
		"         SOURCE_DIR\n"
		"Exit: 0 written, 3 no changes, 4 patch does not apply,\n"
		"      5 source/config mismatch, 6 compiler mismatch,\n"
		"      7 refused, 8 a changed function cannot take the jump,\n"
		"      1 other error, 2 usage.\n");
}

/* Directory of this executable, to find the stub in a build tree. */
static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return strdup(".");
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return strdup(buf);
}

/* First existing path of candidates (owned), or the first one. */
static char *first_existing(char **cand, size_t n)
{
	size_t i;
	char *res = NULL;

	for (i = 0; i < n; i++) {
		if (!res && access(cand[i], R_OK) == 0)
			res = cand[i];
		else
			free(cand[i]);
	}
	return res ? res : strdup("(not found)");
}

static void print_json(const struct ks_create_result *r, int status,
		       const char *err)
{
	const struct ks_manifest *m = &r->manifest;
	struct json_writer w;
	size_t t, i;
	int k;

	jw_init(&w, stdout);
	jw_object_begin(&w);
	jw_kv_int(&w, "status", status);
	if (status)
		jw_kv_string(&w, "error", err);
	if (r->tarball) {
		jw_kv_string(&w, "tarball", r->tarball);
		jw_kv_string(&w, "id", m->id);
		jw_kv_string(&w, "kernel_release", m->kernel_release);
		jw_key(&w, "targets");
		jw_array_begin(&w);
		for (t = 0; t < m->nr_targets; t++) {
			const struct ks_target *tg = &m->targets[t];

			jw_object_begin(&w);
			jw_kv_string(&w, "name", tg->name);
			jw_kv_string(&w, "module", tg->module_name);
			/* "changed": [...], "new": [...], "deleted": [...] */
			for (k = 0; k < KS_FUNC_KIND_COUNT; k++) {
				jw_key(&w, ks_func_kind_name(k));
				jw_array_begin(&w);
				for (i = 0; i < tg->nr_funcs; i++)
					if ((int)tg->funcs[i].kind == k)
						jw_string(&w, tg->funcs[i].name);
				jw_array_end(&w);
			}
			jw_object_end(&w);
		}
		jw_array_end(&w);
	}
	jw_key(&w, "notes");
	jw_array_begin(&w);
	for (i = 0; i < r->nr_notes; i++)
		jw_string(&w, r->notes[i]);
	jw_array_end(&w);
	jw_object_end(&w);
}

/*
 * Patch files are applied from inside the build tree, so a relative name
 * must be made absolute against the directory the user ran us in.
 */
static char *absolute_path(const char *path)
{
	char cwd[4096];

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return ks_strfmt("%s", path);
	return ks_strfmt("%s/%s", cwd, path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "patch", required_argument, NULL, 'p' },
		{ "id", required_argument, NULL, 'i' },
		{ "description", required_argument, NULL, 'd' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "kernel-version", required_argument, NULL, 'V' },
		{ "core-symvers", required_argument, NULL, 's' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "prebuild", no_argument, NULL, 'P' },
		{ "stacked-on", required_argument, NULL, 'B' },
		{ "allow-layout-change", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	struct ks_create_opts o = { 0 };
	struct ks_create_result r;
	char err[4096] = "";
	char *dir = exe_dir(), *cand[4], *core_default;
	int c, json = 0, quiet = 0, verbose = isatty(2), status;
	struct timespec t0, t1;
	sigset_t sigs, pend;
	size_t t, i;

	o.jobs = 2;
	o.cache = getenv("KSPLICE_CACHE") ? getenv("KSPLICE_CACHE") :
		  "/var/cache/ksplice";
	while ((c = getopt_long(argc, argv, "j:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			KS_PUSH(o.patches, o.nr_patches, absolute_path(optarg));
			break;
		case 'B':
			KS_PUSH(o.base_patches, o.nr_base_patches,
				absolute_path(optarg));
			break;
		case 'L':
			KS_PUSH(o.allow_layout, o.nr_allow_layout, optarg);
			break;
		case 'i':
			o.id = optarg;
			break;
		case 'd':
			o.description = optarg;
			break;
		case 'k':
			o.kernel = optarg;
			break;
		case 'c':
			o.config_dir = optarg;
			break;
		case 'V':
			o.kernel_version = optarg;
			break;
		case 's':
			o.core_symvers = optarg;
			break;
		case 'o':
			o.outdir = optarg;
			break;
		case 'J':
			json = 1;
			break;
		case 'P':
			o.prebuild = 1;
			break;
		case 'j':
			o.jobs = atoi(optarg);
			break;
		case 'v':
			verbose = 2;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			return ks_cli_help(c, usage);
		}
	}
	if (optind != argc - 1 || !o.nr_patches || (o.kernel && o.config_dir) ||
	    o.jobs < 1)
		return ks_cli_usage(usage);
	o.source = argv[optind];
	o.verbose = quiet || json ? 0 : verbose;
	/* Installed layout first, then the build tree (build/bin/..). */
	/* KSPLICE_STUB_DIR holds ksplice_stub.c and ksplice_abi.h. */
	cand[0] = ks_strfmt("%s/ksplice_stub.c", getenv("KSPLICE_STUB_DIR") ?
			    getenv("KSPLICE_STUB_DIR") : "/nonexistent");
	cand[1] = ks_strfmt("%s/../share/ksplice/stub/ksplice_stub.c", dir);
	cand[2] = ks_strfmt("%s/../../src/create/stub/ksplice_stub.c", dir);
	o.stub_dir = first_existing(cand, 3);
	if (strrchr(o.stub_dir, '/') && strstr(o.stub_dir, "ksplice_stub.c"))
		*strrchr(o.stub_dir, '/') = '\0';
	cand[0] = ks_strfmt("%s/ksplice_abi.h", getenv("KSPLICE_STUB_DIR") ?
			    getenv("KSPLICE_STUB_DIR") : "/nonexistent");
	cand[1] = ks_strfmt("%s/../share/ksplice/stub/ksplice_abi.h", dir);
	cand[2] = ks_strfmt("%s/../../include/ksplice/abi.h", dir);
	o.abi_header = first_existing(cand, 3);
	core_default = NULL;
	if (!o.core_symvers && o.kernel) {
		cand[0] = ks_strfmt("%s/../kmod/%s/ksplice.symvers", dir, o.kernel);
		cand[1] = ks_strfmt("%s/../share/ksplice/kmod/%s/ksplice.symvers",
				    dir, o.kernel);
		cand[2] = ks_strfmt("/lib/ksplice/%s/ksplice.symvers", o.kernel);
		core_default = first_existing(cand, 3);
		if (access(core_default, R_OK) == 0)
			o.core_symvers = core_default;
	}
	/* Interrupts end the run cleanly (see create_update.c). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = ks_create_update(&o, &r, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!sigpending(&pend) && (sigismember(&pend, SIGINT) == 1 ||
				   sigismember(&pend, SIGTERM) == 1 ||
				   sigismember(&pend, SIGHUP) == 1)) {
		fprintf(stderr, "ksplice-create: interrupted; nothing was written\n");
		ks_create_result_free(&r);
		return 130;
	}
	if (json) {
		print_json(&r, status, err);
	} else if (status == KB_NO_CHANGES) {
		printf("No changes detected.\n");
	} else if (status) {
		fprintf(stderr, "ksplice-create: %s\n", err);
	} else {
		if (!quiet) {
			for (t = 0; t < r.manifest.nr_targets; t++) {
				const struct ks_target *tg = &r.manifest.targets[t];

				for (i = 0; i < tg->nr_funcs; i++)
					printf("%s: %s %s\n", tg->name,
					       ks_func_kind_name(tg->funcs[i].kind),
					       tg->funcs[i].name);
			}
			for (i = 0; i < r.nr_notes; i++)
				printf("note: %s\n", r.notes[i]);
		}
		printf("Ksplice update tarball written to %s\n",
		       strncmp(r.tarball, "./", 2) ? r.tarball : r.tarball + 2);
	}
	if (verbose == 2 && !json)
		fprintf(stderr, "time: %.1f s (pre %.1f s%s, post %.1f s, module %.1f s)\n",
			(double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			r.seconds_pre, r.pre_cached ? " cached" : "",
			r.seconds_post, r.seconds_module);
	ks_create_result_free(&r);
	for (size_t i = 0; i < o.nr_patches; i++)
		free(o.patches[i]);
	for (size_t i = 0; i < o.nr_base_patches; i++)
		free(o.base_patches[i]);
	free(o.patches);
	free(o.base_patches);
	free((char *)o.stub_dir);
	free((char *)o.abi_header);
	free(core_default);
	free(dir);
	return status;
}
