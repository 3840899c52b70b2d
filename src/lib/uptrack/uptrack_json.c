// SPDX-License-Identifier: GPL-2.0
/* Shared parts of the uptrack-* --json objects; see uptrack_json.h. */
#include "uptrack/uptrack_json.h"

#include <stdlib.h>
#include <string.h>

#include "util/fs.h"

void ut_json_begin(struct json_writer *w, struct uptrack_ctx *c,
		   const char *action, int status)
{
	jw_init(w, stdout);
	jw_object_begin(w);
	/* The same head as the ksplice-* outcomes (apply/tool_output.c). */
	jw_kv_string(w, "action", action);
	jw_kv_string(w, "result", status ? "error" : "ok");
	jw_kv_string(w, "cause", ut_exit_name(status));
	jw_kv_int(w, "exit_status", status);
	if (status)
		jw_kv_string(w, "message", c->error ? c->error : ut_exit_name(status));
}

void ut_json_end(struct json_writer *w, struct uptrack_ctx *c)
{
	size_t i;

	jw_key(w, "notes");
	jw_array_begin(w);
	for (i = 0; i < c->nr_notes; i++)
		jw_string(w, c->notes[i]);
	jw_array_end(w);
	jw_object_end(w);
	fflush(stdout);
}

static void strings(struct json_writer *w, const char *key, char *const *s,
		    size_t n)
{
	size_t i;

	jw_key(w, key);
	jw_array_begin(w);
	for (i = 0; i < n; i++)
		jw_string(w, s[i]);
	jw_array_end(w);
}

void ut_json_update(struct json_writer *w, struct uptrack_ctx *c,
		    const char *id)
{
	ut_json_repo_update(w, id, c->have_idx ? repo_index_find(&c->idx, id)
					       : NULL);
}

void ut_json_repo_update(struct json_writer *w, const char *id,
			 const struct repo_update *u)
{
	/*
	 * Every key is always there, null or [] when unknown, so that a
	 * reader never has to ask whether a key exists.
	 */
	jw_object_begin(w);
	jw_kv_string(w, "id", id);
	jw_kv_string(w, "title", u ? u->title : NULL);
	strings(w, "cves", u ? u->cves : NULL, u ? u->nr_cves : 0);
	strings(w, "requires", u ? u->requires : NULL, u ? u->nr_requires : 0);
	jw_kv_string(w, "brings", u ? u->brings : NULL);
	jw_kv_string(w, "brings_release", u ? u->brings_release : NULL);
	jw_kv_string(w, "brings_build", u ? u->brings_build : NULL);
	jw_kv_bool(w, "optional", u ? u->optional : 0);
	jw_kv_string(w, "sha256", u ? u->sha256 : NULL);
	jw_key(w, "size");
	if (u)
		jw_int(w, u->size);
	else
		jw_null(w);
	jw_object_end(w);
}

void ut_json_plan(struct json_writer *w, struct uptrack_ctx *c,
		  const char *key, const int *pos, size_t n)
{
	size_t i;

	jw_key(w, key);
	jw_array_begin(w);
	for (i = 0; i < n; i++)
		ut_json_update(w, c, c->idx.updates[pos[i]].id);
	jw_array_end(w);
}

void ut_json_ids(struct json_writer *w, const char *key, char *const *ids,
		 size_t n)
{
	strings(w, key, ids, n);
}

void ut_json_kernels(struct json_writer *w, struct uptrack_ctx *c)
{
	const struct repo_update *e = ut_effective(c);
	const char *debian = e ? e->brings :
		c->have_idx ? c->idx.base_version : NULL;
	struct ut_partial p;

	jw_key(w, "kernel");
	jw_object_begin(w);
	jw_kv_string(w, "release", c->release);
	jw_kv_string(w, "version", c->version);
	jw_object_end(w);
	/* As uptrack-uname and ut_say_effective decide it. */
	jw_key(w, "effective");
	jw_object_begin(w);
	jw_kv_string(w, "release", e && e->brings_release ? e->brings_release :
							     c->release);
	jw_kv_string(w, "version", e && e->brings_build ? e->brings_build :
							   c->version);
	jw_kv_string(w, "debian", debian);
	jw_object_end(w);
	/* A release begun but not complete, as uptrack-show says it. */
	jw_key(w, "partial");
	if (ut_partial_release(c, &p)) {
		jw_object_begin(w);
		jw_kv_string(w, "debian", p.debian);
		jw_kv_int(w, "installed", (long long)p.installed);
		jw_kv_int(w, "total", (long long)p.total);
		strings(w, "missing", (char *const *)p.missing, p.nr_missing);
		jw_object_end(w);
		ut_partial_free(&p);
	} else {
		jw_null(w);
	}
}

void ut_ids_copy(struct ut_id_list *l, char *const *ids, size_t n)
{
	size_t i;

	l->ids = ks_xrealloc(NULL, (n + 1) * sizeof(char *));
	for (i = 0; i < n; i++)
		l->ids[i] = ks_xstrdup(ids[i]);
	l->n = n;
}

void ut_json_ids_minus(struct json_writer *w, const char *key,
		       char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i, k;

	jw_key(w, key);
	jw_array_begin(w);
	for (i = 0; i < na; i++) {
		for (k = 0; k < nb && strcmp(a[i], b[k]); k++)
			;
		if (k == nb)
			jw_string(w, a[i]);
	}
	jw_array_end(w);
}

void ut_ids_free(struct ut_id_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->ids[i]);
	free(l->ids);
	l->ids = NULL;
	l->n = 0;
}
