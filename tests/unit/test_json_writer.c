// SPDX-License-Identifier: GPL-2.0
/* The streaming JSON writer: commas, nesting, escapes, lines. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/json_writer.h"
#include "check.h"

/* What the writer calls in FN print, as a string (caller frees). */
#define CAPTURE(out, body) do { \
	char *buf_ = NULL; size_t len_ = 0; \
	FILE *f_ = open_memstream(&buf_, &len_); \
	struct json_writer w_; \
	jw_init(&w_, f_); \
	{ struct json_writer *w = &w_; body; } \
	fclose(f_); \
	(out) = buf_; \
} while (0)

/* 1 if BODY, run in a child writing to /dev/null, aborts. */
static int aborts(void (*body)(struct json_writer *w))
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct json_writer w;
		FILE *f = fopen("/dev/null", "w");

		freopen("/dev/null", "w", stderr);
		jw_init(&w, f);
		body(&w);
		_exit(0);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
	       WTERMSIG(st) == SIGABRT;
}

static void key_in_array(struct json_writer *w)
{
	jw_array_begin(w);
	jw_key(w, "k");
}

static void value_without_key(struct json_writer *w)
{
	jw_object_begin(w);
	jw_int(w, 1);
}

static void mismatched_end(struct json_writer *w)
{
	jw_object_begin(w);
	jw_array_end(w);
}

static void two_keys(struct json_writer *w)
{
	jw_object_begin(w);
	jw_key(w, "a");
	jw_key(w, "b");
}

static void fine(struct json_writer *w)
{
	jw_object_begin(w);
	jw_kv_int(w, "a", 1);
	jw_object_end(w);
}

int main(void)
{
	char *s;

	CAPTURE(s, { jw_object_begin(w); jw_object_end(w); });
	CHECK(!strcmp(s, "{}\n"));
	free(s);

	CAPTURE(s, {
		jw_object_begin(w);
		jw_kv_string(w, "action", "apply");
		jw_kv_int(w, "exit_status", 11);
		jw_kv_bool(w, "ok", 0);
		jw_kv_string(w, "id", NULL);
		jw_object_end(w);
	});
	CHECK(!strcmp(s, "{\"action\": \"apply\", \"exit_status\": 11, \"ok\": false, \"id\": null}\n"));
	free(s);

	/* Nested arrays and objects: commas only between members. */
	CAPTURE(s, {
		jw_object_begin(w);
		jw_key(w, "targets");
		jw_array_begin(w);
		jw_object_begin(w);
		jw_kv_string(w, "name", "vmlinux");
		jw_key(w, "changed");
		jw_array_begin(w);
		jw_string(w, "a");
		jw_string(w, "b");
		jw_array_end(w);
		jw_object_end(w);
		jw_object_begin(w);
		jw_object_end(w);
		jw_array_end(w);
		jw_key(w, "empty");
		jw_array_begin(w);
		jw_array_end(w);
		jw_object_end(w);
	});
	CHECK(!strcmp(s, "{\"targets\": [{\"name\": \"vmlinux\", \"changed\": [\"a\", \"b\"]}, {}], \"empty\": []}\n"));
	free(s);

	/* Escapes: quotes, backslash, newline, tab, other controls, DEL. */
	CAPTURE(s, { jw_string(w, "a\"b\\c\nd\te\001f\177g"); });
	CHECK(!strcmp(s, "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u007fg\"\n"));
	free(s);

	/* UTF-8 passes through unchanged. */
	CAPTURE(s, { jw_string(w, "caf\xc3\xa9"); });
	CHECK(!strcmp(s, "\"caf\xc3\xa9\"\n"));
	free(s);

	/* Lines: one string per line, none for NULL or "", no empty last. */
	CAPTURE(s, {
		jw_object_begin(w);
		jw_kv_lines(w, "conflicts", "1 a f\n2 b g\n");
		jw_kv_lines(w, "notes", NULL);
		jw_kv_lines(w, "more", "");
		jw_kv_lines(w, "one", "x");
		jw_object_end(w);
	});
	CHECK(!strcmp(s, "{\"conflicts\": [\"1 a f\", \"2 b g\"], \"notes\": [], \"more\": [], \"one\": [\"x\"]}\n"));
	free(s);

	/* Two top-level values: two lines (what --json of remove --all prints). */
	CAPTURE(s, {
		jw_object_begin(w); jw_kv_int(w, "n", 1); jw_object_end(w);
		jw_object_begin(w); jw_kv_int(w, "n", 2); jw_object_end(w);
	});
	CHECK(!strcmp(s, "{\"n\": 1}\n{\"n\": 2}\n"));
	free(s);

	/* Misuse is a bug of the caller: the writer stops at once. */
	CHECK(aborts(key_in_array));
	CHECK(aborts(value_without_key));
	CHECK(aborts(mismatched_end));
	CHECK(aborts(two_keys));
	CHECK(!aborts(fine));

	printf("%s\n", failures ? "FAILED" : "all json writer tests passed");
	return failures != 0;
}
