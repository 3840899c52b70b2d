// SPDX-License-Identifier: GPL-2.0
/*
 * Struct layouts from DWARF (type_layout.h): a member added in padding
 * and a grown typedef'd struct are both found and named, an unchanged
 * struct (with an anonymous union) is not, --allow-layout-change names
 * are honoured, and relocatable objects' strings are read right.
 */
#include "util/fs.h"
#include "diff/type_layout.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmp[] = "/tmp/test_layout.XXXXXX";

static void compile(const char *name, char *out, size_t len)
{
	char *cmd;

	snprintf(out, len, "%s/%s.o", tmp, name);
	cmd = ks_strfmt("gcc -O2 -g -ffunction-sections -fdata-sections -c -o %s tests/unit/fixtures/%s.c",
			out, name);
	if (system(cmd)) {
		fprintf(stderr, "cannot compile %s\n", name);
		exit(1);
	}
	free(cmd);
}

static const struct ks_layout *named(const struct ks_layouts *l,
				     const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

int main(void)
{
	struct ks_layouts pre, post;
	char a[512], b[512], err[512] = "", *what;
	char *allow[] = { "conn" };
	const struct ks_layout *s;
	size_t n;

	if (!mkdtemp(tmp))
		return 1;
	compile("layout_pre", a, sizeof(a));
	compile("layout_post", b, sizeof(b));
	CHECK(ks_layouts_read(a, &pre, err, sizeof(err)) == 0);
	CHECK(ks_layouts_read(b, &post, err, sizeof(err)) == 0);

	/* names come through the .debug_str relocations */
	s = named(&pre, "struct conn");
	CHECK(s && s->size == 24 && s->nr_members == 3 &&
	      !strcmp(s->members[1].name, "owner") &&
	      s->members[1].bit_offset == 64 &&
	      !strcmp(s->members[1].type, "*") && s->members[2].bit_size == 3);
	s = named(&pre, "struct same");
	CHECK(s && s->nr_members == 3 && !strcmp(s->members[1].name, "i"));
	CHECK(named(&pre, "typedef plain_t") != NULL);

	what = ks_layouts_compare(&pre, &post, NULL, 0, &n);
	CHECK(n == 2 && what);
	CHECK(what && strstr(what, "struct conn: member retries added at byte 4"));
	CHECK(what && strstr(what, "typedef plain_t: size 4 -> 8"));
	CHECK(what && !strstr(what, "struct same"));
	free(what);

	what = ks_layouts_compare(&pre, &post, allow, 1, &n);
	CHECK(n == 1 && what && !strstr(what, "struct conn"));
	free(what);

	what = ks_layouts_compare(&pre, &pre, NULL, 0, &n);
	CHECK(n == 0 && !what);

	ks_layouts_free(&pre);
	ks_layouts_free(&post);
	CHECK(ks_layouts_read("/nonexistent.o", &pre, err, sizeof(err)) != 0);
	ks_layouts_free(&pre);
	if (failures)
		fprintf(stderr, "test_type_layout: %d failure(s)\n", failures);
	else
		printf("test_type_layout: ok\n");
	return failures != 0;
}
