// SPDX-License-Identifier: GPL-2.0
/* uptrack-show [--available]: installed (and available) updates. */
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
	fputs("Usage: uptrack-show [-v] [--available] [--json] [--config=FILE]\n"
	      "\n"
	      "Lists the updates installed in the running kernel (as the kernel reports\n"
	      "them), and with --available also the updates of the repository that are\n"
	      "not installed (this fetches and verifies the index).\n"
	      "\n"
	      "  --available        also list available updates (needs the repository)\n"
	      "  -v, --verbose      show CVEs, the Debian version each update brings, the\n"
	      "                     package hash\n"
	      "  --json             print one JSON object instead (docs/json.md)\n"
	      "  --config=FILE      configuration (default /etc/uptrack/uptrack.conf)\n"
	      "  -h, --help         this text\n"
	      "  --version          print the name and version\n"
	      "\n"
	      "Exit status as uptrack-upgrade (0 success).\n", f);
}

static void show(struct uptrack_ctx *c, const char *id)
{
	const struct repo_update *u =
		c->have_idx ? repo_index_find(&c->idx, id) : NULL;
	size_t i;

	if (!u) {
		printf("[%s]\n", id);
		return;
	}
	printf("[%s] %s\n", id, u->title);
	if (c->verbosity < 1)
		return;
	for (i = 0; i < u->nr_cves; i++)
		printf("    %s\n", u->cves[i]);
	if (u->brings)
		printf("    brings Debian %s%s%s\n", u->brings,
		       u->brings_release ? ", " : "",
		       u->brings_release ? u->brings_release : "");
	printf("    sha256 %s\n", u->sha256);
}

/*
 * The same lists as the text.  On a failure the object still comes, with
 * what is known: the installed updates if the state was read, "available"
 * null unless the index was fetched.
 */
static void print_json(struct uptrack_ctx *c, int avail, int ret)
{
	struct json_writer w;
	size_t i;

	ut_json_begin(&w, c, "show", ret);
	ut_json_kernels(&w, c);
	jw_key(&w, "installed");
	jw_array_begin(&w);
	for (i = 0; i < c->state.nr_installed; i++)
		ut_json_update(&w, c, c->state.installed[i]);
	jw_array_end(&w);
	jw_key(&w, "available");
	if (avail && !ret) {
		jw_array_begin(&w);
		for (i = 0; i < c->idx.nr_updates; i++)
			if (!uptrack_state_has(&c->state, c->idx.updates[i].id))
				ut_json_update(&w, c, c->idx.updates[i].id);
		jw_array_end(&w);
	} else {
		jw_null(&w);
	}
	ut_json_end(&w, c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "available", no_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	struct ut_cli cli = UT_CLI_INIT;
	int avail = 0, opt, ret;
	struct uptrack_ctx c;
	size_t i, n = 0;

	while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		if (opt == 'a')
			avail = 1;
		else if ((ret = ut_cli_option(&cli, opt, optarg, usage)) >= 0)
			return ret;
	}
	if (optind < argc)
		return ks_cli_usage(usage);
	ret = ut_init_cli(&c, "uptrack-show", &cli, avail);
	if (ret)
		goto out;
	ret = avail ? ut_lock_and_load(&c) : ut_load_readonly(&c);
	if (!ret && avail)
		ret = ut_fetch_index(&c);
	if (ret)
		goto out;
	if (cli.json)
		goto out;
	printf("Installed updates:\n");
	for (i = 0; i < c.state.nr_installed; i++)
		show(&c, c.state.installed[i]);
	if (!c.state.nr_installed)
		printf("None\n");
	if (avail) {
		printf("\nAvailable updates:\n");
		for (i = 0; i < c.idx.nr_updates; i++) {
			if (uptrack_state_has(&c.state, c.idx.updates[i].id))
				continue;
			show(&c, c.idx.updates[i].id);
			n++;
		}
		if (!n)
			printf("None\n");
	}
	printf("\n");
	ut_say_effective(&c);
out:
	if (cli.json)
		print_json(&c, avail, ret);
	ut_done(&c);
	return ret;
}
