// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-remove (alias ksplice-undo): take applied updates out of the
 * running kernel.  A thin front end over ks_remove() (src/lib/apply/apply.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cli.h"
#include "apply/apply.h"
#include "apply/ksplice_sysfs.h"
#include "apply/tool_output.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ksplice-remove [--raw-errors|--json] ID\n"
"       ksplice-remove [--raw-errors|--json] --all\n"
"\n"
"Reverses an applied Ksplice update (restores the original code) and\n"
"unloads it.  --all removes every update, the newest first.\n"
"\n"
"  --all            remove all updates\n"
"  --raw-errors     on failure print the abort cause name, then the message\n"
"  --json           print the outcome as JSON (one object per update)\n"
"  -h, --help       this text\n"
"  --version        print the name and version\n"
"\n"
"Exit status: 0 success, 2 usage, 4 not root, 10 + abort cause otherwise.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "raw-errors", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	enum ks_output_mode mode = KS_OUT_HUMAN;
	int c, rc, all = 0, status = 0;
	char **ids = NULL;
	size_t n = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = 1;
			break;
		default:
			/* --raw-errors, --json, --help, a usage error */
			rc = ks_output_option(c, &mode, usage);
			if (rc >= 0)
				return rc;
		}
	}
	if (all ? optind != argc : optind != argc - 1)
		return ks_cli_usage(usage);
	if (geteuid() != 0)
		return ks_report_not_root(mode, "remove", all ? NULL : argv[optind],
			"ksplice-remove: only root can remove updates "
			"(it writes /sys/kernel/ksplice and unloads kernel "
			"modules); nothing was changed.");
	if (all) {
		ids = ks_updates_newest_first(&n);
		if (!n && mode == KS_OUT_HUMAN)
			printf("No updates to remove.\n");
	} else {
		ids = malloc(sizeof(*ids));
		ids[0] = strdup(argv[optind]);
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct ks_outcome out = { 0 };
		char done[300];
		int s;

		snprintf(done, sizeof(done), "Done! (update %s removed)", ids[i]);
		ks_remove(ids[i], &out);
		s = ks_report(mode, "remove", ids[i], &out, n > 1 ? done : "Done!");
		ks_outcome_free(&out);
		if (s) {
			status = s;
			break;	/* older updates stay: they lie under this one */
		}
	}
	ks_sysfs_free_list(ids, n);
	return status;
}
