// SPDX-License-Identifier: GPL-2.0
/* The streaming JSON writer (json_writer.h). */
#include "util/json_writer.h"

#include <stdlib.h>
#include <string.h>

void jw_init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

static void jw_abort(const char *what)
{
	fprintf(stderr, "json_writer: %s\n", what);
	abort();
}

/* Before any value or key: the comma, and the check that one is due here. */
static void before_value(struct json_writer *w, int is_key)
{
	int d = w->depth;

	if (w->key_pending) {
		if (is_key)
			jw_abort("a key where its value is due");
		w->key_pending = 0;
		return;
	}
	if (d > 0 && w->kind[d - 1] == 'o' && !is_key)
		jw_abort("a value without a key inside an object");
	if (d > 0 && w->kind[d - 1] == 'a' && is_key)
		jw_abort("a key inside an array");
	if (d == 0 && is_key)
		jw_abort("a key outside an object");
	if (d > 0 && w->has_member[d - 1])
		fputs(", ", w->f);
	if (d > 0)
		w->has_member[d - 1] = 1;
}

/* After a value: the newline that ends a top-level value. */
static void after_value(struct json_writer *w)
{
	if (w->depth == 0)
		fputc('\n', w->f);
}

static void begin(struct json_writer *w, char kind)
{
	before_value(w, 0);
	if (w->depth == JW_MAX_DEPTH)
		jw_abort("nested too deeply");
	w->kind[w->depth] = kind;
	w->has_member[w->depth] = 0;
	w->depth++;
	fputc(kind == 'o' ? '{' : '[', w->f);
}

static void end(struct json_writer *w, char kind)
{
	if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->key_pending)
		jw_abort("an end that does not match its begin");
	w->depth--;
	fputc(kind == 'o' ? '}' : ']', w->f);
	after_value(w);
}

void jw_object_begin(struct json_writer *w) { begin(w, 'o'); }
void jw_object_end(struct json_writer *w) { end(w, 'o'); }
void jw_array_begin(struct json_writer *w) { begin(w, 'a'); }
void jw_array_end(struct json_writer *w) { end(w, 'a'); }

void jw_write_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void jw_key(struct json_writer *w, const char *key)
{
	before_value(w, 1);
	jw_write_escaped(w->f, key);
	fputs(": ", w->f);
	w->key_pending = 1;
}

void jw_string(struct json_writer *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	before_value(w, 0);
	jw_write_escaped(w->f, s);
	after_value(w);
}

void jw_int(struct json_writer *w, long long v)
{
	before_value(w, 0);
	fprintf(w->f, "%lld", v);
	after_value(w);
}

void jw_bool(struct json_writer *w, int v)
{
	before_value(w, 0);
	fputs(v ? "true" : "false", w->f);
	after_value(w);
}

void jw_null(struct json_writer *w)
{
	before_value(w, 0);
	fputs("null", w->f);
	after_value(w);
}

void jw_kv_string(struct json_writer *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kv_int(struct json_writer *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kv_bool(struct json_writer *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_kv_lines(struct json_writer *w, const char *key, const char *text)
{
	const char *p = text;

	jw_key(w, key);
	jw_array_begin(w);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);

		if (!line)
			jw_abort("out of memory");
		jw_string(w, line);
		free(line);
		p += len + (nl ? 1 : 0);
	}
	jw_array_end(w);
}
