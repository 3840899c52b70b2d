/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One streaming JSON writer for every tool's --json output: the writer
 * places the commas and escapes the strings, so no caller counts fields.
 * Output is one line, "key": value pairs separated by ", ", and a newline
 * after the outermost value closes (what scripts and tests read).
 *
 * Nesting deeper than JW_MAX_DEPTH, a value where a key is due, or a key
 * outside an object are programming errors: the writer aborts.
 */
#ifndef KS_JSON_WRITER_H
#define KS_JSON_WRITER_H

#include <stdio.h>

#define JW_MAX_DEPTH 16

struct json_writer {
	FILE *f;
	int depth;
	/* per level: 'o' object or 'a' array, and whether a member was written */
	char kind[JW_MAX_DEPTH];
	char has_member[JW_MAX_DEPTH];
	int key_pending;	/* a key was written; its value comes next */
};

void jw_init(struct json_writer *w, FILE *f);
void jw_object_begin(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array_begin(struct json_writer *w);
void jw_array_end(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);

/* Values; a NULL string is written as null. */
void jw_string(struct json_writer *w, const char *s);
void jw_int(struct json_writer *w, long long v);
void jw_bool(struct json_writer *w, int v);
void jw_null(struct json_writer *w);

/* A key and its value in one call. */
void jw_kv_string(struct json_writer *w, const char *key, const char *s);
void jw_kv_int(struct json_writer *w, const char *key, long long v);
void jw_kv_bool(struct json_writer *w, const char *key, int v);

/* An array of the lines of TEXT (none for NULL or ""), under KEY. */
void jw_kv_lines(struct json_writer *w, const char *key, const char *text);

/* S as a JSON string literal, quotes included, to F. */
void jw_write_escaped(FILE *f, const char *s);

#endif /* KS_JSON_WRITER_H */
