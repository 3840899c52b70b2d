// SPDX-License-Identifier: GPL-2.0
/*
 * uptrack-upgrade: bring the running kernel up to date from the configured
 * repository (docs/uptrack-upgrade.8.md).  --init is the boot-time step:
 * re-apply what was installed before the reboot (install_on_reboot), then
 * upgrade if upgrade_on_reboot says so.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cli.h"
#include "uptrack/uptrack_client.h"
#include "uptrack/uptrack_json.h"
#include "util/fs.h"

static void usage(FILE *f)
{
	fputs("Usage: uptrack-upgrade [-y|-n] [-q|-v] [--all] [--cron] [--init]\n"
	      "                       [--json] [--config=FILE] [--progress-fd=FD] [ID...]\n"
	      "\n"
	      "Fetches the signed update index for the running kernel, downloads the\n"
	      "updates not yet installed, verifies them and applies them in order with\n"
	      "ksplice-apply.  If one fails, the updates applied in this run are removed.\n"
	      "With IDs, only those updates and the ones they require (not with\n"
	      "--all, --cron or --init).\n"
	      "\n"
	      "  -y, --yes          install without asking\n"
	      "  -n, --dry-run      only say what would be done\n"
	      "  -q, --quiet        print only errors\n"
	      "  -v, --verbose      say more\n"
	      "  --all              also install updates marked optional\n"
	      "  --cron             for timers: install only if autoinstall = yes,\n"
	      "                     otherwise report what is available\n"
	      "  --init             at boot: re-apply the updates installed before the\n"
	      "                     reboot (install_on_reboot), then upgrade if\n"
	      "                     upgrade_on_reboot = yes\n"
	      "  --json             print one JSON object at the end (docs/json.md);\n"
	      "                     never asks: without -y it only reports\n"
	      "  --config=FILE      configuration (default /etc/uptrack/uptrack.conf)\n"
	      "  --progress-fd=FD   write 'progress ID PERCENT STEP' lines to FD\n"
	      "  -h, --help         this text\n"
	      "  --version          print the name and version\n"
	      "\n"
	      "Exit status: 0 success (or nothing to do), 2 usage, 3 configuration,\n"
	      "4 locked, 5 unreachable, 6 no index for this kernel, 7 index for another\n"
	      "kernel, 8 bad signature, 9 hash mismatch, 10 truncated download,\n"
	      "11 apply failed (rolled back), 13 an ID not in the index, 14 unreadable\n"
	      "index; see uptrack(7).\n",
	      f);
}

/* Boot: re-apply the list of the previous boot from the kept copies. */
static int reapply(struct uptrack_ctx *c)
{
	int *plan, ret;
	size_t i, n = 0;

	if (!c->nr_prev_boot) {
		ut_say(c, "No updates to re-apply.\n");
		return UT_OK;
	}
	if (!c->cfg.install_on_reboot) {
		ut_note(c, "install_on_reboot = no: the %zu updates installed before the reboot are not re-applied.\n",
		       c->nr_prev_boot);
		uptrack_log(&c->paths, "boot: install_on_reboot = no, %zu updates dropped",
			    c->nr_prev_boot);
		return UT_OK;
	}
	c->mute = 1;
	ret = ut_cached_index(c);
	c->mute = 0;
	if (ret == UT_WRONG_KERNEL) {
		/* Booted into another kernel: those updates do not apply. */
		ut_note(c, "The %zu updates installed before the reboot were for kernel %s %s, not the running one: not re-applied.\n",
		       c->nr_prev_boot, c->idx.kernel_release,
		       c->idx.kernel_version);
		uptrack_log(&c->paths, "boot: running another kernel, %zu updates dropped",
			    c->nr_prev_boot);
		return UT_OK;
	}
	if (ret && ret != UT_NO_INDEX)
		return ut_fail(c, ret, "the kept index cannot be used to re-apply the updates");
	if (ret == UT_NO_INDEX)
		return ut_fail(c, UT_NO_INDEX,
			       "no kept index to re-apply the updates from");
	if (ret)
		return ret;
	plan = ks_xrealloc(NULL, c->idx.nr_updates * sizeof(int));
	for (i = 0; i < c->nr_prev_boot; i++) {
		int pos = repo_index_pos(&c->idx, c->prev_boot[i]);

		if (pos < 0) {
			fprintf(stderr, "%s: %s is not in the kept index; skipped\n",
				c->cmd, c->prev_boot[i]);
			if (c->json)
				ut_note(c, "%s is not in the kept index; skipped",
					c->prev_boot[i]);
			continue;
		}
		ut_plan_add(c, pos, plan, &n);
	}
	ut_say(c, "Re-applying %zu updates installed before the reboot.\n", n);
	uptrack_log(&c->paths, "boot: re-applying %zu updates", n);
	ret = ut_install(c, plan, n);
	free(plan);
	return ret;
}

static int ask(void)
{
	char line[64];

	printf("Go ahead [y/N]? ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/*
 * The plan and what the run did, read off the state (which follows the
 * kernel): "reapplied" by --init from the kept copies, "installed" from
 * the repository.  A rolled-back run installed nothing.
 */
static void print_json(struct uptrack_ctx *c, int ret, int dry,
		       const int *plan, size_t n,
		       const struct ut_id_list *before,
		       const struct ut_id_list *mid)
{
	struct json_writer w;
	const struct ut_id_list *from = mid->ids ? mid : before;

	ut_json_begin(&w, c, "upgrade", ret);
	jw_kv_bool(&w, "dry_run", dry);
	ut_json_plan(&w, c, "plan", plan, n);
	ut_json_ids_minus(&w, "reapplied", from->ids, from->n, before->ids,
			  before->n);
	ut_json_ids_minus(&w, "installed", c->state.installed,
			  c->state.nr_installed, from->ids, from->n);
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
		{ "all", no_argument, NULL, 'A' },
		{ "cron", no_argument, NULL, 'C' },
		{ "init", no_argument, NULL, 'I' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "progress-fd", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	int yes = 0, dry = 0, all = 0, cron = 0, init = 0;
	struct ut_cli cli = UT_CLI_INIT;
	struct ut_id_list before = { 0 }, mid = { 0 };
	struct uptrack_ctx c;
	int opt, ret, *plan = NULL;
	const char *why;
	size_t i, n = 0;

	while ((opt = getopt_long(argc, argv, "ynqvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'y': yes = 1; break;
		case 'n': dry = 1; break;
		case 'A': all = 1; break;
		case 'C': cron = 1; break;
		case 'I': init = 1; break;
		default:
			if ((ret = ut_cli_option(&cli, opt, optarg, usage)) >= 0)
				return ret;
		}
	}
	if ((optind < argc && (all || cron || init)) || (yes && dry))
		return ks_cli_usage(usage);
	ret = ut_init_cli(&c, "uptrack-upgrade", &cli, 1);
	if (ret)
		goto out;
	ret = ut_lock_and_load(&c);
	if (ret)
		goto out;
	ut_ids_copy(&before, c.state.installed, c.state.nr_installed);
	why = init || cron ? ut_automatic_disabled(&c) : NULL;
	if (why) {
		ut_note(&c, "Uptrack is disabled (%s): nothing is re-applied or installed automatically.\n",
			why);
		uptrack_log(&c.paths, "%s: disabled, %s", init ? "boot" : "cron", why);
		ut_ids_copy(&mid, c.state.installed, c.state.nr_installed);
		dry = 1;
		goto out;
	}
	if (init) {
		ret = reapply(&c);
		ut_ids_copy(&mid, c.state.installed, c.state.nr_installed);
		if (ret || !c.cfg.upgrade_on_reboot)
			goto out;
		yes = 1;
	} else {
		ut_ids_copy(&mid, c.state.installed, c.state.nr_installed);
	}
	ret = ut_fetch_index(&c);
	if (ret)
		goto out;
	plan = ks_xrealloc(NULL, (c.idx.nr_updates + 1) * sizeof(int));
	if (optind < argc) {
		ret = ut_plan_named(&c, argv + optind, (size_t)(argc - optind),
				    plan, &n, NULL, NULL);
		if (ret)
			goto out;
	} else {
		for (i = 0; i < c.idx.nr_updates; i++)
			if (all || !c.idx.updates[i].optional)
				ut_plan_add(&c, (int)i, plan, &n);
	}
	if (n == 0) {
		if (optind == argc)
			ut_say(&c, "Your kernel is fully up to date.\n");
		ut_say_effective(&c);
		goto out;
	}
	if (cron && !c.cfg.autoinstall) {
		/* Report only, as a cron mail or a journal line would. */
		ut_note(&c, "%zu updates are available (autoinstall = no):\n", n);
		dry = 1;
	} else if (cron) {
		yes = 1;
	}
	if (!(cron && dry))
		ut_say(&c, "The following steps %s be taken:\n",
		       dry ? "would" : "will");
	for (i = 0; i < n; i++)
		ut_say(&c, "Install [%s] %s\n", c.idx.updates[plan[i]].id,
		       c.idx.updates[plan[i]].title);
	if (!yes && !dry) {
		/* A prompt on stdout would break the JSON object there. */
		if (isatty(STDIN_FILENO) && c.verbosity >= 0 && !cli.json) {
			if (!ask()) {
				ut_say(&c, "Nothing was changed.\n");
				dry = 1;
				goto out;
			}
		} else {
			ut_note(&c, cli.json ? "Not installing without -y (--json does not ask)." :
				"Not installing without -y (standard input is not a terminal).\n");
			dry = 1;
		}
	}
	if (dry)
		goto out;
	uptrack_log(&c.paths, "upgrade: %zu updates to install", n);
	ret = ut_install(&c, plan, n);
	if (!ret) {
		if (optind == argc)
			ut_say(&c, "Your kernel is fully up to date.\n");
		ut_say_effective(&c);
	}
out:
	if (cli.json)
		print_json(&c, ret, dry, plan, n, &before, &mid);
	free(plan);
	ut_ids_free(&before);
	ut_ids_free(&mid);
	ut_done(&c);
	return ret;
}
