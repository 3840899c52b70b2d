// SPDX-License-Identifier: GPL-2.0
/*
 * The candidates for a changed subsystem header (header_users.h): every C
 * file under the header's directory, and the files of the enclosing
 * directory whose #include lines reach it, directly or through another
 * header; not the others, nor an #include that is commented out.
 */
#include "create/header_users.h"
#include "util/fs.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmp[] = "/tmp/test_hdrusers.XXXXXX";

static void put(const char *rel, const char *text)
{
	char *p = ks_strfmt("%s/%s", tmp, rel);

	if (ks_mkdir_parent(p) || ks_write_file(p, text, strlen(text)))
		exit(1);
	free(p);
}

static int has(char **v, size_t n, const char *x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], x))
			return 1;
	return 0;
}

int main(void)
{
	char **v;
	size_t n, i;

	if (!mkdtemp(tmp))
		return 1;
	put("fs/oc/cluster/tcp.h", "int f(void);\n");
	put("fs/oc/cluster/tcp.c", "int f(void) { return 0; }\n");
	put("fs/oc/cluster/deep/x.c", "int g;\n");
	put("fs/oc/super.c", "#include <linux/fs.h>\n#include \"cluster/tcp.h\"\n");
	put("fs/oc/wrap.h", "# include \"cluster/tcp.h\"\n");
	put("fs/oc/inode.c", "#include \"wrap.h\"\n");
	put("fs/oc/dir.c", "#include \"other.h\"\n// #include \"cluster/tcp.h\"\n");
	put("fs/other/far.c", "#include \"../oc/cluster/tcp.h\"\n");

	v = ks_local_header_users(tmp, "fs/oc/cluster/tcp.h", &n);
	CHECK(n == 4);
	CHECK(has(v, n, "fs/oc/cluster/tcp.c"));
	CHECK(has(v, n, "fs/oc/cluster/deep/x.c"));
	CHECK(has(v, n, "fs/oc/super.c"));
	CHECK(has(v, n, "fs/oc/inode.c"));
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);

	/* A directory at the top of its tree (fs/oc) is its own scope. */
	v = ks_local_header_users(tmp, "fs/oc/wrap.h", &n);
	CHECK(n == 5 && !has(v, n, "fs/other/far.c"));
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	ks_rmtree(tmp);
	if (failures)
		fprintf(stderr, "test_header_users: %d failure(s)\n", failures);
	else
		printf("test_header_users: ok\n");
	return failures != 0;
}
