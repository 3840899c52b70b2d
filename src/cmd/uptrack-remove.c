// SPDX-License-Identifier: GPL-2.0
/* uptrack-remove ID... | --all: take installed updates out again. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cli.h"
#include "uptrack/uptrack_client.h"
#include "uptrack/uptrack_json.h"
#include "util/fs.h"

static void usage(FILE *f)
{
	fputs("Usage: uptrack-remove [-q|-v] [-n] [--json] [--config=FILE] ID...\n"
	      "       uptrack-remove [-q|-v] [-n] [--json] [--config=FILE] --all\n"
	      "\n"
	      "Removes installed updates with ksplice-remove, the newest first.  An\n"
	      "update that another installed update requires is removed after it.\n"
	      "\n"
	      "  --all              remove every installed update\n"
	      "  -y, --yes          accepted for scripts: this command never asks\n"
	      "  -n, --dry-run      only say what would be done\n"
	      "  -q, --quiet        print only errors\n"
	      "  -v, --verbose      say more\n"
	      "  --json             print one JSON object at the end (docs/json.md)\n"
	      "  --config=FILE      configuration (default /etc/uptrack/uptrack.conf)\n"
	      "  -h, --help         this text\n"
	      "  --version          print the name and version\n"
	      "\n"
	      "Exit status: 0 success, 2 usage, 4 locked, 12 remove failed,\n"
	      "13 not installed.\n", f);
}

/* Does installed update A require B (directly or not)? */
static int requires(struct uptrack_ctx *c, const char *a, const char *b,
		    int depth)
{
	const struct repo_update *u;
	size_t i;

	if (!c->have_idx || depth > 64)
		return 0;
	u = repo_index_find(&c->idx, a);
	for (i = 0; u && i < u->nr_requires; i++)
		if (!strcmp(u->requires[i], b) ||
		    requires(c, u->requires[i], b, depth + 1))
			return 1;
	return 0;
}

/* What was asked, planned (newest first) and done. */
static void print_json(struct uptrack_ctx *c, int ret, int dry, int all,
		       char *const *req, size_t nr_req, char *const *ids,
		       size_t n)
{
	struct json_writer w;
	size_t i;

	ut_json_begin(&w, c, "remove", ret);
	jw_kv_bool(&w, "dry_run", dry);
	jw_kv_bool(&w, "all", all);
	ut_json_ids(&w, "requested", req, nr_req);
	jw_key(&w, "plan");
	jw_array_begin(&w);
	for (i = 0; i < n; i++)
		ut_json_update(&w, c, ids[i]);
	jw_array_end(&w);
	/* Read off the state, which follows the kernel: in the order of
	 * removal, and only what is really gone when one failed. */
	ut_json_ids_minus(&w, "removed", ids, n, c->state.installed,
			  c->state.nr_installed);
	jw_kv_string(&w, "failed", c->failed_id);
	ut_json_kernels(&w, c);
	ut_json_end(&w, c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'A' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	struct ut_cli cli = UT_CLI_INIT;
	int dry = 0, all = 0, opt, ret;
	struct uptrack_ctx c;
	char **ids = NULL;
	size_t n = 0, i, k;

	while ((opt = getopt_long(argc, argv, "ynqvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': all = 1; break;
		case 'y': break;	/* never asks: -y for scripts */
		case 'n': dry = 1; break;
		default:
			if ((ret = ut_cli_option(&cli, opt, optarg, usage)) >= 0)
				return ret;
		}
	}
	if (all == (optind < argc))
		return ks_cli_usage(usage);
	/* Removing needs no repository: a missing config is fine. */
	ret = ut_init_cli(&c, "uptrack-remove", &cli, 0);
	if (ret)
		goto out;
	ret = ut_lock_and_load(&c);
	if (ret)
		goto out;
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (!uptrack_state_has(&c.state, argv[i])) {
			ret = ut_fail(&c, UT_UNKNOWN_UPDATE,
				      "update '%s' is not installed (uptrack-show lists the installed ones)",
				      argv[i]);
			goto out;
		}
	/* Newest first: the reverse of the order of application. */
	ids = ks_xrealloc(NULL, (c.state.nr_installed + 1) * sizeof(char *));
	for (k = c.state.nr_installed; k > 0; k--) {
		char *id = c.state.installed[k - 1];
		int take = all;

		for (i = (size_t)optind; !take && i < (size_t)argc; i++)
			take = !strcmp(argv[i], id) || requires(&c, id, argv[i], 0);
		if (take)
			ids[n++] = ks_xstrdup(id);
	}
	if (n == 0)
		ut_say(&c, "No updates are installed.\n");
	for (i = 0; dry && i < n; i++)
		ut_say(&c, "Would remove [%s]\n", ids[i]);
	if (!dry && n) {
		uptrack_log(&c.paths, "remove: %zu updates", n);
		ret = ut_remove(&c, ids, n);
	}
	if (!ret && !dry)
		ut_say_effective(&c);
out:
	if (cli.json)
		print_json(&c, ret, dry, all, argv + optind,
			   (size_t)(argc - optind), ids, n);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	ut_done(&c);
	return ret;
}
