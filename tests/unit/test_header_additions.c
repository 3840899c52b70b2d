// SPDX-License-Identifier: GPL-2.0
/*
 * Header changes that only add declarations of new names
 * (header_additions.h), taken from the kinds a fix makes to a header used
 * across the kernel: accepted with the names they declare; and every
 * change that could alter old code refused, with where and why.
 */
#include "create/header_additions.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const base =
	"#ifndef _X_H\n"
	"#define _X_H\n"
	"/* refs */\n"
	"struct fib_info {\n"
	"\tint ref;\n"
	"\tint (*cb)(int);\n"
	"};\n"
	"\n"
	"static inline void fib_info_hold(struct fib_info *fi)\n"
	"{\n"
	"\tfi->ref++;\n"
	"}\n"
	"\n"
	"__printf(3, 4) int dev_err_probe(const void *dev, int err, const char *fmt, ...);\n"
	"enum e { A, B };\n"
	"#ifdef CONFIG_X\n"
	"int x_on(void);\n"
	"#endif\n"
	"#endif\n";

/* base with text inserted before the line that starts with at */
static char *insert(const char *at, const char *text)
{
	const char *p = strstr(base, at);
	char *s = malloc(strlen(base) + strlen(text) + 1);

	if (!p || !s)
		exit(1);
	sprintf(s, "%.*s%s%s", (int)(p - base), base, text, p);
	return s;
}

static char *replace(const char *from, const char *to)
{
	const char *p = strstr(base, from);
	char *s = malloc(strlen(base) + strlen(to) + 1);

	if (!p || !s)
		exit(1);
	sprintf(s, "%.*s%s%s", (int)(p - base), base, to, p + strlen(from));
	return s;
}

static char why[256];

/* 1 when post is accepted and declares exactly the names (space separated) */
static int accepts(char *post, const char *want)
{
	char **names, got[512] = "";
	size_t n, i;
	int ok = ks_header_additions(base, post, &names, &n, why, sizeof(why));

	for (i = 0; i < n; i++) {
		strcat(got, i ? " " : "");
		strcat(got, names[i]);
		free(names[i]);
	}
	free(names);
	free(post);
	if (!ok)
		fprintf(stderr, "refused: %s\n", why);
	else if (strcmp(got, want))
		fprintf(stderr, "names: \"%s\", want \"%s\"\n", got, want);
	return ok && !strcmp(got, want);
}

/* 1 when post is refused with a reason that contains want */
static int refuses(char *post, const char *want)
{
	char **names;
	size_t n;
	int ok = ks_header_additions(base, post, &names, &n, why, sizeof(why));

	free(post);
	if (ok) {
		fprintf(stderr, "accepted, %zu names\n", n);
		while (n)
			free(names[--n]);
		free(names);
		return 0;
	}
	if (!strstr(why, want))
		fprintf(stderr, "reason \"%s\", want \"%s\"\n", why, want);
	return names == NULL && n == 0 && strstr(why, want) != NULL;
}

int main(void)
{
	/* what fixes add: an inline helper, prototypes, macros */
	CHECK(accepts(insert("__printf",
			     "static inline int fib_info_hold_safe(struct fib_info *fi)\n"
			     "{\n\treturn fi->ref ? fi->ref++ : 0;\n}\n\n"),
		      "fib_info_hold_safe"));
	CHECK(accepts(insert("enum e",
			     "__printf(3, 4) int dev_warn_probe(const void *dev, int err, const char *fmt, ...);\n"),
		      "dev_warn_probe"));
	CHECK(accepts(insert("enum e",
			     "struct usb_pd_desc;\nstruct pd *typec_pd_register(struct fib_info *p,\n\t\tstruct usb_pd_desc *d);\n"),
		      "typec_pd_register"));
	CHECK(accepts(insert("#endif\n#endif",
			     "#define SER_FULL 3\n#define to_x(p) \\\n\t((p) + 1)\nextern int x_count;\n"),
		      "SER_FULL to_x x_count"));
	/* a whole #if block, even right before the #endif it resembles */
	CHECK(accepts(insert("#endif\n#endif",
			     "#ifdef CONFIG_Y\nvoid y_on(void);\n#else\nstatic inline void y_on(void) { }\n#endif\n"),
		      "y_on"));
	/* a comment and blank lines add nothing */
	CHECK(accepts(insert("enum e", "/* nothing\n * at all */\n\n"), ""));
	CHECK(accepts(insert("enum e", "struct later;\n"), ""));

	/* what could alter old code */
	CHECK(refuses(insert("\tint (*cb)", "\tint gen;\n"),
		      "line 6 of the new header: the change is inside an existing declaration (of line 4)"));
	CHECK(refuses(replace("A, B }", "A, NEW, B }"),
		      "removes or alters old lines"));
	CHECK(refuses(insert("enum e", "#include <linux/other.h>\n"),
		      "#include (it may change the meaning of old code)"));
	CHECK(refuses(insert("enum e", "#undef dev_err_probe\n"), "#undef"));
	CHECK(refuses(insert("int x_on", "#else\n"),
		      "#else of an existing #if"));
	CHECK(refuses(insert("enum e", "#ifdef CONFIG_Z\nvoid z(void);\n"),
		      "an inserted #if is not closed"));
	CHECK(refuses(insert("enum e", "#define CONFIG_X 1\n"),
		      "configuration name"));
	CHECK(refuses(insert("enum e", "typedef int newint;\n"), "typedef"));
	CHECK(refuses(insert("enum e", "struct s2 { int a; };\n"),
		      "a definition of a struct"));
	CHECK(refuses(insert("enum e", "static int table[] = { 1 };\n"),
		      "a definition of a struct, enum, variable"));
	CHECK(refuses(insert("enum e", "enum f { C };\n"), "a definition"));
	/* an inserted comment opener that swallows old code */
	CHECK(refuses(insert("enum e", "/*\n"), "old code reads differently"));
	/* a declaration that runs into old lines */
	CHECK(refuses(insert("enum e", "int half_declared(void)\n"),
		      "inside an existing declaration"));
	{
		char *s = malloc(strlen(base) + 32);

		if (!s)
			return 1;
		sprintf(s, "%sint open_ended(void)\n", base);
		CHECK(refuses(s, "does not end"));
	}

	printf("test_header_additions: %s\n", failures ? "FAIL" : "ok");
	return failures != 0;
}
