/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the uptrack-* client commands share: configuration, lock, state
 * reconciled with the kernel, the verified index, verified downloads,
 * applying and removing through ksplice-apply / ksplice-remove.
 * Behaviour and exit codes: docs/uptrack.md.
 */
#ifndef UPTRACK_CLIENT_H
#define UPTRACK_CLIENT_H

#include <stddef.h>

#include "uptrack/repo_index.h"
#include "uptrack/uptrack_config.h"
#include "uptrack/uptrack_state.h"
#include "util/cli.h"

/* Exit codes of every uptrack-* client command (docs/uptrack.md). */
enum uptrack_exit {
	UT_OK = 0,
	UT_ERROR = 1,		/* local problem (files, permissions) */
	UT_USAGE = 2,
	UT_CONFIG = 3,		/* bad or missing configuration / key */
	UT_LOCKED = 4,		/* another uptrack command runs */
	UT_UNREACHABLE = 5,	/* repository cannot be reached */
	UT_NO_INDEX = 6,	/* no updates published for this kernel */
	UT_WRONG_KERNEL = 7,	/* the index is for another kernel */
	UT_BAD_SIGNATURE = 8,	/* index signature missing, bad, or stale */
	UT_HASH_MISMATCH = 9,	/* a package is not what the index says */
	UT_TRUNCATED = 10,	/* a download ended early */
	UT_APPLY_FAILED = 11,	/* ksplice-apply failed; run rolled back */
	UT_REMOVE_FAILED = 12,	/* ksplice-remove failed */
	UT_UNKNOWN_UPDATE = 13,	/* no such update / not installed */
	UT_BAD_INDEX = 14,	/* signed index that cannot be parsed */
};

struct uptrack_ctx {
	struct uptrack_paths paths;
	struct uptrack_config cfg;
	const char *config_path;
	int verbosity;		/* -1 quiet, 0 normal, 1 verbose */
	int progress_fd;	/* machine-readable progress, or -1 */
	int tty;		/* stdout is a terminal: draw progress bars */
	int lock_fd;
	char *release;		/* uname -r (or $UPTRACK_KERNEL_RELEASE) */
	char *version;		/* uname -v (or $UPTRACK_KERNEL_VERSION) */
	char *boot_id;
	struct uptrack_state state;	/* installed = applied, this boot */
	char **prev_boot;	/* state list of an earlier boot, if any */
	size_t nr_prev_boot;
	struct repo_index idx;
	int have_idx;
	const char *cmd;	/* program name for messages */
	int mute;		/* ut_fail only logs (background checks) */
	/*
	 * --json (docs/json.md): standard output carries one JSON object
	 * written at the end, so nothing else may be printed there; what
	 * the human text would say is kept here for that object instead.
	 */
	int json;
	char *error;		/* message of the first reported failure */
	char **notes;		/* ut_note lines, without their newline */
	size_t nr_notes;
	char *failed_id;	/* update whose apply or remove failed first */
};

/* The name of an exit code in --json output ("none" for UT_OK). */
const char *ut_exit_name(int code);

/* Read the configuration (unless NEED_CONFIG is 0 and it is missing). */
int ut_init(struct uptrack_ctx *c, const char *cmd, const char *config_path,
	    int need_config);

/*
 * The options the uptrack-* commands share: -q, -v, --json, --config,
 * --progress-fd (each command's table has those it takes).
 */
struct ut_cli {
	const char *config;	/* --config=FILE, or NULL */
	int verbosity;		/* -q: -1, -v: 1 */
	int json;		/* --json */
	int progress_fd;	/* --progress-fd=FD, or -1 */
};
#define UT_CLI_INIT { .progress_fd = -1 }

/*
 * getopt_long's answer OPT (with its ARG) that no case of the command
 * took: 'q', 'v', 'j' (--json), 'c' (--config) and 'P' (--progress-fd)
 * go into CLI and give -1 (go on parsing); anything else is
 * ks_cli_help()'s, an exit status.  uptrack-uname, whose -v is not
 * --verbose, takes its own -v first.
 */
int ut_cli_option(struct ut_cli *cli, int opt, const char *arg,
		  ks_usage_fn *usage);
/* ut_init() with CLI's --config; then CLI's other options set in C. */
int ut_init_cli(struct uptrack_ctx *c, const char *cmd,
		const struct ut_cli *cli, int need_config);
void ut_done(struct uptrack_ctx *c);

/* Lock, load the state and reconcile it with the kernel. */
int ut_lock_and_load(struct uptrack_ctx *c);
/* Load the state and reconcile it in memory only (no lock, no write). */
int ut_load_readonly(struct uptrack_ctx *c);

/* Fetch the index for the running kernel, verify it, keep a copy. */
int ut_fetch_index(struct uptrack_ctx *c);
/* Use the kept copy (signature re-checked).  UT_NO_INDEX if none. */
int ut_cached_index(struct uptrack_ctx *c);

/*
 * Add ID and what it requires (not yet installed) to PLAN, in index order.
 * PLAN is an array of index positions, *n its length.
 */
void ut_plan_add(struct uptrack_ctx *c, int pos, int *plan, size_t *n);

/*
 * Plan the updates named IDS[0..NR) and what they require (uptrack-install
 * ID..., uptrack-upgrade ID...), saying which are installed already and,
 * when ALREADY is not NULL, listing those there (room for NR).  An ID not
 * in the index refuses the whole run before anything is done: *n becomes
 * 0 and UT_UNKNOWN_UPDATE is returned.
 */
int ut_plan_named(struct uptrack_ctx *c, char *const *ids, size_t nr,
		  int *plan, size_t *n, char **already, size_t *nr_already);

/*
 * Download every planned update (or reuse a verified copy), verify them
 * all, then apply them in order.  If one fails, the updates this run
 * applied are removed again, newest first, and UT_APPLY_FAILED returned.
 */
int ut_install(struct uptrack_ctx *c, const int *plan, size_t n);

/* Remove the given installed updates, in the order given. */
int ut_remove(struct uptrack_ctx *c, char **ids, size_t n);

/*
 * The update whose effective version is live, or NULL (docs/uptrack.md):
 * the last of the longest run of complete releases, a release being
 * complete when every update that brings it is installed.
 */
const struct repo_update *ut_effective(struct uptrack_ctx *c);

/*
 * The first release after the effective one that is not complete, when
 * an update of it or of a later release is installed: its Debian version,
 * how many of its updates are installed of how many, and the missing ids
 * (pointers into the index).
 */
struct ut_partial {
	const char *debian;
	size_t installed, total;
	const char **missing;
	size_t nr_missing;
};

/* 1 and *p filled when there is such a release (ut_partial_free it), else 0. */
int ut_partial_release(struct uptrack_ctx *c, struct ut_partial *p);
void ut_partial_free(struct ut_partial *p);

/*
 * Messages: normal output (not with -q), verbose, errors (always).  With
 * --json ut_say and ut_verbose print nothing (the object says it);
 * ut_note is ut_say for a sentence the object has no field for, which
 * --json keeps in "notes".  ut_fail still writes to standard error.
 */
void ut_say(struct uptrack_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ut_note(struct uptrack_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ut_verbose(struct uptrack_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ut_fail(struct uptrack_ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Why the automatic runs (--init at boot, --cron) must do nothing, or
 * NULL: "nouptrack" on the kernel command line (this boot only), or the
 * file "disable" next to the configuration (/etc/uptrack/disable).  The
 * escape hatch for a machine an update made unusable.  Static storage.
 */
const char *ut_automatic_disabled(struct uptrack_ctx *c);

/* Print "Effective kernel version is ..." (not with -q). */
void ut_say_effective(struct uptrack_ctx *c);

#endif /* UPTRACK_CLIENT_H */
