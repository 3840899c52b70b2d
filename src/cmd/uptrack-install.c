// SPDX-License-Identifier: GPL-2.0
/* uptrack-install ID...: install chosen updates (and what they require). */
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
	fputs("Usage: uptrack-install [-q|-v] [-n] [--json] [--config=FILE] [--progress-fd=FD] ID...\n"
	      "\n"
	      "Installs the named updates from the repository, with the updates they\n"
	      "require, after verifying the index signature and the package hashes.\n"
	      "\n"
	      "  -y, --yes          accepted for scripts: this command never asks\n"
	      "  -n, --dry-run      only say what would be done\n"
	      "  -q, --quiet        print only errors\n"
	      "  -v, --verbose      say more\n"
	      "  --json             print one JSON object at the end (docs/json.md)\n"
	      "  --config=FILE      configuration (default /etc/uptrack/uptrack.conf)\n"
	      "  --progress-fd=FD   write 'progress ID PERCENT STEP' lines to FD\n"
	      "  -h, --help         this text\n"
	      "  --version          print the name and version\n"
	      "\n"
	      "Exit status as uptrack-upgrade; 13 when an ID is not in the index.\n", f);
}

/*
 * What was asked, planned and done.  "installed" is read off the state
 * (which follows the kernel), so a rolled-back run reports none.
 */
static void print_json(struct uptrack_ctx *c, int ret, int dry,
		       char *const *req, size_t nr_req, char *const *already,
		       size_t nr_already, const struct ut_id_list *before,
		       const int *plan, size_t n)
{
	struct json_writer w;

	ut_json_begin(&w, c, "install", ret);
	jw_kv_bool(&w, "dry_run", dry);
	ut_json_ids(&w, "requested", req, nr_req);
	ut_json_ids(&w, "already_installed", already, nr_already);
	ut_json_plan(&w, c, "plan", plan, n);
	ut_json_ids_minus(&w, "installed", c->state.installed,
			  c->state.nr_installed, before->ids, before->n);
	jw_kv_string(&w, "failed", c->failed_id);
	ut_json_kernels(&w, c);
	ut_json_end(&w, c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "progress-fd", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	struct ut_cli cli = UT_CLI_INIT;
	int dry = 0, opt, ret, *plan = NULL;
	struct ut_id_list before = { 0 };
	struct uptrack_ctx c;
	char **already;
	size_t n = 0, nr_already = 0, i;

	while ((opt = getopt_long(argc, argv, "ynqvh", opts, NULL)) != -1) {
		if (opt == 'n')
			dry = 1;
		else if (opt == 'y')
			;	/* never asks: -y for scripts */
		else if ((ret = ut_cli_option(&cli, opt, optarg, usage)) >= 0)
			return ret;
	}
	if (optind >= argc)
		return ks_cli_usage(usage);
	already = ks_xrealloc(NULL, (size_t)argc * sizeof(char *));
	ret = ut_init_cli(&c, "uptrack-install", &cli, 1);
	if (ret)
		goto out;
	ret = ut_lock_and_load(&c);
	if (ret)
		goto out;
	ut_ids_copy(&before, c.state.installed, c.state.nr_installed);
	ret = ut_fetch_index(&c);
	if (ret)
		goto out;
	plan = ks_xrealloc(NULL, (c.idx.nr_updates + 1) * sizeof(int));
	ret = ut_plan_named(&c, argv + optind, (size_t)(argc - optind), plan,
			    &n, already, &nr_already);
	if (ret)
		goto out;
	for (i = 0; i < n; i++)
		ut_say(&c, "%s [%s] %s\n", dry ? "Would install" : "Install",
		       c.idx.updates[plan[i]].id, c.idx.updates[plan[i]].title);
	if (!dry && n)
		ret = ut_install(&c, plan, n);
	if (!ret && !dry)
		ut_say_effective(&c);
out:
	if (cli.json)
		print_json(&c, ret, dry, argv + optind, (size_t)(argc - optind),
			   already, nr_already, &before, plan, n);
	free(plan);
	free(already);
	ut_ids_free(&before);
	ut_done(&c);
	return ret;
}
