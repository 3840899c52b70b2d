// SPDX-License-Identifier: GPL-2.0
/*
 * Which C files may include a subsystem's own header (header_users.h).
 *
 * Every C file of the header's directory and below is a candidate, as it
 * may be included in ways text does not show (ccflags' -include).  Files
 * of the enclosing directory (fs/ocfs2 for fs/ocfs2/cluster/tcp.h) are
 * candidates when an #include line of theirs names the header, or names a
 * header of that scope that does so in turn: fs/ocfs2/super.c includes
 * "cluster/nodemanager.h".  Kbuild's dependency lists have the final say
 * for every candidate; this only decides what is built to ask them.
 */
#include "create/header_users.h"
#include "util/fs.h"
#include "util/array.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>

struct scope_files {
	char **c, **h;		/* tree-relative paths */
	size_t nc, nh;
	size_t treelen;
};

static struct scope_files *scan_state;

static int scan_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	size_t len = strlen(path);
	struct scope_files *s = scan_state;

	(void)st;
	(void)ftw;
	if (flag != FTW_F || len < 3 || path[len - 2] != '.')
		return 0;
	if (path[len - 1] == 'c') {
		KS_PUSH(s->c, s->nc, ks_xstrdup(path + s->treelen + 1));
	} else if (path[len - 1] == 'h') {
		KS_PUSH(s->h, s->nh, ks_xstrdup(path + s->treelen + 1));
	}
	return 0;
}

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int in_list(char **v, size_t n, const char *x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], x))
			return 1;
	return 0;
}

/* Does an #include "..." line of text name a file whose base is in names? */
static int includes_any(const char *text, char **names, size_t n)
{
	const char *p = text;

	while (p && *p) {
		const char *q = p, *end;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '#') {
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (!strncmp(q, "include", 7)) {
				q += 7;
				while (*q == ' ' || *q == '\t')
					q++;
				if (*q == '"' && (end = strchr(q + 1, '"')) &&
				    !memchr(q, '\n', (size_t)(end - q))) {
					char *f = ks_strfmt("%.*s",
							    (int)(end - q - 1),
							    q + 1);
					int hit = in_list(names, n, base_of(f));

					free(f);
					if (hit)
						return 1;
				}
			}
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static int file_includes_any(const char *tree, const char *rel, char **names,
			     size_t n)
{
	char *abs = ks_strfmt("%s/%s", tree, rel);
	char *text = ks_read_file(abs, NULL);
	int ret = text && includes_any(text, names, n);

	free(text);
	free(abs);
	return ret;
}

static void scan(const char *tree, const char *dir, struct scope_files *s)
{
	char *abs = ks_strfmt("%s/%s", tree, dir);

	scan_state = s;
	nftw(abs, scan_one, 16, FTW_PHYS);
	scan_state = NULL;
	free(abs);
}

char **ks_local_header_users(const char *tree, const char *h, size_t *n)
{
	struct scope_files s = { .treelen = strlen(tree) };
	const char *slash = strrchr(h, '/');
	char *dir = ks_strfmt("%.*s", slash ? (int)(slash - h) : 0, h);
	const char *up = strrchr(dir, '/');
	/*
	 * The scope is dir's parent ("fs/ocfs2" for "fs/ocfs2/cluster"), but
	 * a directory right under the top (fs/ext4) is its own scope.
	 */
	char *scope = up && memchr(dir, '/', (size_t)(up - dir)) ?
		      ks_strfmt("%.*s", (int)(up - dir), dir) : ks_xstrdup(dir);
	char **names = ks_xrealloc(NULL, sizeof(char *));
	char **out = NULL;
	size_t nn = 1, no = 0, i, dl = strlen(dir);
	int grew = 1;

	names[0] = ks_xstrdup(base_of(h));
	scan(tree, *scope ? scope : ".", &s);
	/* The scope's headers that include the header, to a fixed point. */
	while (grew) {
		grew = 0;
		for (i = 0; i < s.nh; i++) {
			const char *b = base_of(s.h[i]);

			if (in_list(names, nn, b) ||
			    !file_includes_any(tree, s.h[i], names, nn))
				continue;
			KS_PUSH(names, nn, ks_xstrdup(b));
			grew = 1;
		}
	}
	for (i = 0; i < s.nc; i++) {
		int own = !strncmp(s.c[i], dir, dl) && s.c[i][dl] == '/';

		if (own || file_includes_any(tree, s.c[i], names, nn)) {
			KS_PUSH(out, no, s.c[i]);
		} else {
			free(s.c[i]);
		}
	}
	for (i = 0; i < s.nh; i++)
		free(s.h[i]);
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(s.c);
	free(s.h);
	free(dir);
	free(scope);
	*n = no;
	return out;
}
