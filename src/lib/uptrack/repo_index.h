/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Uptrack repository index: which updates exist for one kernel build,
 * in the order they are applied.  Format: docs/uptrack-repository.md.
 */
#ifndef UPTRACK_REPO_INDEX_H
#define UPTRACK_REPO_INDEX_H

#include <stddef.h>

#define REPO_INDEX_FORMAT 1

struct repo_update {
	char *id;		/* the ksplice update id (package top directory) */
	char *title;		/* one line for people */
	char **cves;		/* CVE ids, may be none */
	size_t nr_cves;
	char **requires;	/* ids that must be applied first */
	size_t nr_requires;
	char *brings;		/* Debian version whose fix this is, or NULL */
	char *brings_release;	/* uname -r of that version, or NULL */
	char *brings_build;	/* uname -v of that version, or NULL */
	int optional;		/* installed only on request (--all, install ID) */
	char *file;		/* package path relative to the index */
	char *sha256;		/* 64 hex digits */
	long long size;		/* bytes */
};

struct repo_index {
	char *kernel_release;	/* uname -r the updates apply to */
	char *kernel_version;	/* uname -v (build identity) */
	char *base_version;	/* Debian version of that kernel, or NULL */
	long long serial;	/* increases with every publication */
	struct repo_update *updates;
	size_t nr_updates;
};

int repo_index_parse(const char *text, size_t len, struct repo_index *idx,
		     char *err, size_t errlen);
char *repo_index_format(const struct repo_index *idx);
void repo_index_free(struct repo_index *idx);
void repo_update_free(struct repo_update *u);
struct repo_update *repo_index_find(const struct repo_index *idx,
				    const char *id);
/* Position of ID in the index, or -1. */
int repo_index_pos(const struct repo_index *idx, const char *id);

/*
 * Where the index of a kernel lives in a repository, relative to its root:
 * "RELEASE/BUILD" with BUILD the first 16 hex digits of SHA-256(uname -v).
 * Caller frees.
 */
char *repo_kernel_dir(const char *release, const char *version);

/*
 * The serial of the next signature of an index whose serial is PREV: one
 * more than PREV, or the clock NOW (seconds) if that is higher.  The
 * counter makes every signature of one repository newer than the last,
 * even twice in a second or with a clock set back; the clock only keeps
 * a rebuilt repository (PREV lost) above what clients saw of the old one.
 */
long long repo_next_serial(long long prev, long long now);

/* 1 if S is a valid update id ([a-z0-9_], 1 to 32 characters). */
int repo_valid_id(const char *s);

#endif /* UPTRACK_REPO_INDEX_H */
