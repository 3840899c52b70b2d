// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-apply: splice an update into the running kernel.
 * A thin front end over ks_apply() (src/lib/apply/apply.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cli.h"
#include "apply/apply.h"
#include "apply/tool_output.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ksplice-apply [--partial] [--debug[=FILE]] [--raw-errors|--json] UPDATE.tar.gz\n"
"\n"
"Applies a Ksplice update to the running kernel without a reboot.  The\n"
"update's original code is first matched against the running kernel; if\n"
"it does not match, nothing is changed.  Prints \"Done!\" on success.\n"
"\n"
"  --partial        apply the update even if some module it changes is not\n"
"                   loaded (that part is spliced in when the module loads,\n"
"                   or skipped if it is not installed; reported either way)\n"
"  --debug[=FILE]   write the match log to FILE (default: standard error)\n"
"  --raw-errors     on failure print the abort cause name, then the message\n"
"  --json           print the outcome as one JSON object\n"
"  -h, --help       this text\n"
"  --version        print the name and version\n"
"\n"
"Exit status: 0 success, 2 usage or an UPDATE that cannot be opened,\n"
"4 not root, 10 + abort cause otherwise\n"
"(see docs/abort-causes.md).\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "partial", no_argument, NULL, 'p' },
		{ "debug", optional_argument, NULL, 'd' },
		{ "raw-errors", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	struct ks_apply_opts opts = { 0 };
	enum ks_output_mode mode = KS_OUT_HUMAN;
	struct ks_outcome out = { 0 };
	char *id = NULL;
	int c, rc, status;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opts.partial = 1;
			break;
		case 'd':
			opts.debug = optarg ? fopen(optarg, "w") : stderr;
			if (!opts.debug) {
				perror(optarg);
				return 2;
			}
			break;
		default:
			/* --raw-errors, --json, --help, a usage error */
			rc = ks_output_option(c, &mode, usage);
			if (rc >= 0)
				return rc;
		}
	}
	if (optind != argc - 1)
		return ks_cli_usage(usage);
	if (geteuid() != 0)
		return ks_report_not_root(mode, "apply", NULL,
			"ksplice-apply: only root can apply updates "
			"(it loads kernel modules and writes /sys/kernel/ksplice); "
			"nothing was changed.");
	status = ks_report_unreadable(mode, "ksplice-apply", "apply",
				      argv[optind]);
	if (status)
		return status;
	ks_apply(argv[optind], &opts, &id, &out);
	status = ks_report(mode, "apply", id, &out, "Done!");
	if (opts.debug && opts.debug != stderr)
		fclose(opts.debug);
	ks_outcome_free(&out);
	free(id);
	return status;
}
