// SPDX-License-Identifier: GPL-2.0
/* The tools' help and usage errors (util/cli.h). */
#include "util/cli.h"

int ks_cli_help(int opt, ks_usage_fn *usage)
{
	if (opt == 'h') {
		usage(stdout);
		return 0;
	}
	return ks_cli_usage(usage);
}

int ks_cli_usage(ks_usage_fn *usage)
{
	usage(stderr);
	return 2;
}
