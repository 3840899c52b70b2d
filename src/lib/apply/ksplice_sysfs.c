// SPDX-License-Identifier: GPL-2.0
/* sysfs control of the core module; see ksplice_sysfs.h. */
#include "apply/ksplice_sysfs.h"
#include "util/array.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ksplice/abi.h>

const char *ks_sysfs_root(void)
{
	const char *r = getenv("KSPLICE_SYSFS");

	return r && *r ? r : KSPLICE_SYSFS_ROOT;
}

static void path_of(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", ks_sysfs_root(), rel);
}

int ks_sysfs_present(void)
{
	char p[4096];

	path_of(p, sizeof(p), "control");
	return access(p, F_OK) == 0;
}

/*
 * An update directory is recognised by its stage file.  (No <sys/stat.h>
 * here: with _GNU_SOURCE it brings the kernel's __u64, which clashes with
 * include/ksplice/abi.h's user-space definition.)
 */
int ks_sysfs_update_exists(const char *id)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s/stage", ks_sysfs_root(), id);
	return access(p, F_OK) == 0;
}

/* One write(2) per call: sysfs stores take one buffer at a time. */
int ks_sysfs_write(const char *rel, const char *text)
{
	char p[4096];
	size_t len = strlen(text);
	ssize_t n;
	int fd, e;

	path_of(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	e = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	if (close(fd) && !e)
		e = -errno;
	return e;
}

int ks_sysfs_control(const char *verb, const char *id)
{
	char line[128];

	snprintf(line, sizeof(line), "%s %s\n", verb, id);
	return ks_sysfs_write("control", line);
}

size_t ks_sysfs_chunk_len(const char *p)
{
	size_t len = 0;

	/* as many whole lines as fit in one page */
	for (;;) {
		const char *nl = strchr(p + len, '\n');
		size_t l = nl ? (size_t)(nl - (p + len)) + 1 : strlen(p + len);

		if (!l || len + l > 4096)
			break;
		len += l;
	}
	return len;
}

int ks_sysfs_write_resolve(const char *id, const char *lines)
{
	char rel[256], chunk[4097];
	const char *p = lines;

	snprintf(rel, sizeof(rel), "%s/resolve", id);
	while (*p) {
		size_t len = ks_sysfs_chunk_len(p);
		int e;

		if (!len)
			return -E2BIG;	/* a single line longer than a page */
		memcpy(chunk, p, len);
		chunk[len] = '\0';
		e = ks_sysfs_write(rel, chunk);
		if (e)
			return e;
		p += len;
	}
	return 0;
}

char *ks_sysfs_read(const char *id, const char *attr)
{
	char p[4096], *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s/%s", ks_sysfs_root(), id, attr);
	f = fopen(p, "r");
	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 8192 + 1);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 8192;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (!n)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **ks_sysfs_list(size_t *n)
{
	DIR *d = opendir(ks_sysfs_root());
	char **ids = NULL;
	struct dirent *e;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char **ni;

		if (e->d_name[0] == '.' || !ks_sysfs_update_exists(e->d_name))
			continue;
		ni = ks_try_grow(ids, *n, 1, sizeof(*ids));
		if (!ni)
			break;
		ids = ni;
		ids[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(ids, *n, sizeof(*ids), cmp_str);
	return ids;
}

void ks_sysfs_free_list(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}
