// SPDX-License-Identifier: GPL-2.0
/* Outcome reporting for the tools; see tool_output.h. */
#include "apply/tool_output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/abort_causes.h"
#include "util/error.h"
#include "util/json_writer.h"

int ks_output_option(int opt, enum ks_output_mode *mode, ks_usage_fn *usage)
{
	switch (opt) {
	case 'r':
		*mode = KS_OUT_RAW;
		return -1;
	case 'j':
		*mode = KS_OUT_JSON;
		return -1;
	default:
		return ks_cli_help(opt, usage);
	}
}

void ks_outcome_note(struct ks_outcome *o, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL, *n = NULL;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	if (asprintf(&n, "%s%s%s", o->notes ? o->notes : "",
		     o->notes ? "\n" : "", line) >= 0) {
		free(o->notes);
		o->notes = n;
	}
	free(line);
}

void ks_outcome_free(struct ks_outcome *o)
{
	free(o->message);
	free(o->conflicts);
	free(o->notes);
	memset(o, 0, sizeof(*o));
}

/* The fields every --json outcome starts with (the object left open). */
static void json_head(struct json_writer *w, const char *action,
		      const char *id, int ok, const char *cause, int status)
{
	jw_init(w, stdout);
	jw_object_begin(w);
	jw_kv_string(w, "action", action);
	jw_kv_string(w, "id", id ? id : "");
	jw_kv_string(w, "result", ok ? "ok" : "error");
	jw_kv_string(w, "cause", cause);
	jw_kv_int(w, "exit_status", status);
}

int ks_report(enum ks_output_mode mode, const char *action, const char *id,
	      const struct ks_outcome *o, const char *success_text)
{
	int status = o->cause == KSPLICE_ABORT_NONE ? 0 :
		     ks_abort_exit_status(o->cause);

	if (mode == KS_OUT_JSON) {
		struct json_writer w;

		json_head(&w, action, id, o->cause == KSPLICE_ABORT_NONE,
			  ks_abort_name(o->cause), status);
		if (o->message)
			jw_kv_string(&w, "message", o->message);
		jw_kv_lines(&w, "conflicts", o->conflicts);
		jw_kv_lines(&w, "notes", o->notes);
		jw_object_end(&w);
		return status;
	}
	if (o->notes)
		fprintf(mode == KS_OUT_RAW ? stderr : stdout, "%s\n", o->notes);
	if (o->cause == KSPLICE_ABORT_NONE) {
		if (mode == KS_OUT_HUMAN && success_text)
			printf("%s\n", success_text);
		return 0;
	}
	if (mode == KS_OUT_RAW) {
		fprintf(stderr, "%s\n", ks_abort_name(o->cause));
		if (o->message)
			fprintf(stderr, "%s\n", o->message);
		if (o->conflicts)
			fprintf(stderr, "%s\n", o->conflicts);
		return status;
	}
	if (o->already) {
		printf("%s\n", o->message);
		return status;
	}
	fprintf(stderr, "%s\n", ks_abort_paragraph(o->cause));
	if (o->message)
		fprintf(stderr, "\n%s\n", o->message);
	if (o->conflicts)
		fprintf(stderr, "\nTasks found inside code being changed "
			"(PID COMMAND FUNCTION):\n%s\n", o->conflicts);
	return status;
}

/* A failure decided before the kernel is asked: the head and a message. */
static int report_refusal(enum ks_output_mode mode, const char *action,
			  const char *id, const char *cause, int status,
			  const char *message)
{
	if (mode == KS_OUT_JSON) {
		struct json_writer w;

		json_head(&w, action, id, 0, cause, status);
		jw_kv_string(&w, "message", message);
		jw_object_end(&w);
	} else if (mode == KS_OUT_RAW) {
		fprintf(stderr, "%s\n%s\n", cause, message);
	} else {
		fprintf(stderr, "%s\n", message);
	}
	return status;
}

int ks_report_not_root(enum ks_output_mode mode, const char *action,
		       const char *id, const char *message)
{
	return report_refusal(mode, action, id, "not_root", KS_EXIT_NOT_ROOT,
			      message);
}

int ks_report_unreadable(enum ks_output_mode mode, const char *prog,
			 const char *action, const char *path)
{
	char message[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	snprintf(message, sizeof(message),
		 "%s: %s: %s; nothing was changed.", prog, path,
		 strerror(errno));
	return report_refusal(mode, action, path, "no_such_file",
			      KS_EXIT_NO_FILE, message);
}
