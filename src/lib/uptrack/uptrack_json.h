/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pieces of the uptrack-* commands' --json objects that more than one
 * command writes, so that an update, a kernel or an outcome has one shape
 * in every command (docs/json.md).  Written with util/json_writer.
 */
#ifndef UPTRACK_JSON_H
#define UPTRACK_JSON_H

#include <stddef.h>

#include "uptrack/uptrack_client.h"
#include "util/json_writer.h"

/*
 * Open the command's object with the outcome keys every uptrack command
 * starts with: "action", "result", "cause", "exit_status", and "message"
 * when STATUS is not 0.
 */
void ut_json_begin(struct json_writer *w, struct uptrack_ctx *c,
		   const char *action, int status);

/* "notes" (the ut_note lines) and the closing brace. */
void ut_json_end(struct json_writer *w, struct uptrack_ctx *c);

/*
 * One update as an object: what the index says of ID, or only its id (and
 * nulls) when no verified index knows it.
 */
void ut_json_update(struct json_writer *w, struct uptrack_ctx *c,
		    const char *id);
/* The same for the index entry U (NULL: not known) of update ID. */
void ut_json_repo_update(struct json_writer *w, const char *id,
			 const struct repo_update *u);

/* KEY: [ update objects ] for the updates at index positions POS[0..n). */
void ut_json_plan(struct json_writer *w, struct uptrack_ctx *c,
		  const char *key, const int *pos, size_t n);

/* KEY: [ "ID", ... ] */
void ut_json_ids(struct json_writer *w, const char *key, char *const *ids,
		 size_t n);

/*
 * "kernel": the running kernel {release, version}, and "effective": the
 * effective one {release, version, debian} (docs/uptrack.md).
 */
void ut_json_kernels(struct json_writer *w, struct uptrack_ctx *c);

/*
 * A copy of the installed list, to tell afterwards which updates a run
 * installed or removed: the ids of NOW not in BEFORE (or the reverse).
 */
struct ut_id_list {
	char **ids;
	size_t n;
};
void ut_ids_copy(struct ut_id_list *l, char *const *ids, size_t n);
/* The ids of A that B lacks, in A's order, as KEY: [ ... ]. */
void ut_json_ids_minus(struct json_writer *w, const char *key,
		       char *const *a, size_t na, char *const *b, size_t nb);
void ut_ids_free(struct ut_id_list *l);

#endif /* UPTRACK_JSON_H */
