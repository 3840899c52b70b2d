// SPDX-License-Identifier: GPL-2.0
/*
 * uptrack-uname: uname(1) for the effective kernel, the one whose fixes
 * are live (docs/uptrack-uname.1.md defines it).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "util/cli.h"
#include "uptrack/uptrack_client.h"
#include "uptrack/uptrack_json.h"

static void usage(FILE *f)
{
	fputs("Usage: uptrack-uname [-a|-s|-n|-r|-v|-m|-o] [--json] [--config=FILE]\n"
	      "\n"
	      "Prints system information like uname(1), but with the effective kernel\n"
	      "release and version: those of the newest Debian kernel whose fixes are\n"
	      "all live through installed updates.  -a prints the effective line and,\n"
	      "below it, the real one.\n"
	      "\n"
	      "  -a, --all                all fields, effective line then real line\n"
	      "  -s, --kernel-name        kernel name\n"
	      "  -n, --nodename           network node name\n"
	      "  -r, --kernel-release     effective kernel release\n"
	      "  -v, --kernel-version     effective kernel version (build)\n"
	      "  -m, --machine            machine hardware name\n"
	      "  -o, --operating-system   operating system\n"
	      "  --json                   every field, effective and real, as one\n"
	      "                           JSON object (docs/json.md)\n"
	      "  --config=FILE            configuration (default /etc/uptrack/uptrack.conf)\n"
	      "  -h, --help               this text\n"
	      "  --version                print the name and version\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "kernel-name", no_argument, NULL, 's' },
		{ "nodename", no_argument, NULL, 'n' },
		{ "kernel-release", no_argument, NULL, 'r' },
		{ "kernel-version", no_argument, NULL, 'v' },
		{ "machine", no_argument, NULL, 'm' },
		{ "operating-system", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		KS_CLI_VERSION_OPTION,
		{ NULL, 0, NULL, 0 },
	};
	enum { S = 1, N = 2, R = 4, V = 8, M = 16, O = 32, ALL = 64 };
	struct ut_cli cli = UT_CLI_INIT;
	const char *rel, *ver;
	const struct repo_update *e;
	struct uptrack_ctx c;
	struct utsname u;
	int f = 0, opt, ret, first = 1;

	while ((opt = getopt_long(argc, argv, "asnrvmoh", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': f |= ALL | S | N | R | V | M | O; break;
		case 's': f |= S; break;
		case 'n': f |= N; break;
		case 'r': f |= R; break;
		case 'v': f |= V; break;
		case 'm': f |= M; break;
		case 'o': f |= O; break;
		default:
			/* --json, --config, --help (its -v is --kernel-version) */
			if ((ret = ut_cli_option(&cli, opt, optarg, usage)) >= 0)
				return ret;
		}
	}
	if (optind < argc)
		return ks_cli_usage(usage);
	if (!f)
		f = S;
	/* Reading only; without a configuration the real values stand. */
	ut_init_cli(&c, "uptrack-uname", &cli, 0);
	ut_load_readonly(&c);
	uname(&u);
	if (cli.json) {
		struct json_writer w;

		/* Exit 0 as without --json: the real values stand in. */
		ut_json_begin(&w, &c, "uname", 0);
		ut_json_kernels(&w, &c);
		jw_kv_string(&w, "kernel_name", u.sysname);
		jw_kv_string(&w, "nodename", u.nodename);
		jw_kv_string(&w, "machine", u.machine);
		jw_kv_string(&w, "operating_system", "GNU/Linux");
		ut_json_end(&w, &c);
		ut_done(&c);
		return 0;
	}
	e = ut_effective(&c);
	rel = e && e->brings_release ? e->brings_release : c.release;
	ver = e && e->brings_build ? e->brings_build : c.version;
#define OUT(flag, s) do { if (f & (flag)) { printf("%s%s", first ? "" : " ", s); first = 0; } } while (0)
	OUT(S, u.sysname);
	OUT(N, u.nodename);
	OUT(R, rel);
	OUT(V, ver);
	OUT(M, u.machine);
	OUT(O, "GNU/Linux");
	printf("\n");
	if (f & ALL)
		printf("%s %s %s %s %s GNU/Linux (real)\n", u.sysname,
		       u.nodename, c.release, c.version, u.machine);
	ut_done(&c);
	return 0;
}
