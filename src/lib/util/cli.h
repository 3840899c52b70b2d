/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every tool's option parsing ends the same way with: -h/--help
 * prints the usage text on standard output and exits 0; an option
 * getopt_long cannot take (unknown, or its argument missing) and a
 * usage error found after the options print it on standard error and
 * exit 2, the usage status of every ksplice-* and uptrack-* tool
 * (KB_USAGE, UT_USAGE).  Each tool keeps its own usage text, in a
 * function of type ks_usage_fn.
 */
#ifndef KSPLICE_UTIL_CLI_H
#define KSPLICE_UTIL_CLI_H

#include <stdio.h>

typedef void ks_usage_fn(FILE *f);

/*
 * --version: every tool's option table has KS_CLI_VERSION_OPTION, whose
 * getopt value is no character any tool uses; ks_cli_help() answers it
 * with "NAME VERSION" on standard output (the project's VERSION file).
 */
#define KS_OPT_VERSION 0x100
#define KS_CLI_VERSION_OPTION { "version", no_argument, NULL, KS_OPT_VERSION }

/* Print "NAME VERSION"; 0. */
int ks_cli_version(void);

/*
 * getopt_long's answer OPT that no case of the tool took: 'h' is help
 * (0), KS_OPT_VERSION the version (0), anything else a usage error (2).
 * The tool exits with the result.
 */
int ks_cli_help(int opt, ks_usage_fn *usage);

/* A usage error found after the options: USAGE on standard error; 2. */
int ks_cli_usage(ks_usage_fn *usage);

#endif
