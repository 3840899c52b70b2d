// SPDX-License-Identifier: GPL-2.0
/* The Uptrack repository index: parse and write. */
#include "uptrack/repo_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ksplice/abi.h>

#include "uptrack/repo_sign.h"
#include "util/array.h"
#include "util/fs.h"

int repo_valid_id(const char *s)
{
	return ksplice_id_valid(s);
}

static int valid_sha(const char *s)
{
	size_t i;

	if (strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* A package path: relative, no "..", no odd characters. */
static int valid_file(const char *s)
{
	const char *p;

	if (!*s || *s == '/' || strstr(s, ".."))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-/+", *p)))
			return 0;
	return 1;
}

void repo_update_free(struct repo_update *u)
{
	free(u->id);
	free(u->title);
	ks_free_strv(u->cves, u->nr_cves);
	ks_free_strv(u->requires, u->nr_requires);
	free(u->brings);
	free(u->brings_release);
	free(u->brings_build);
	free(u->file);
	free(u->sha256);
	memset(u, 0, sizeof(*u));
}

void repo_index_free(struct repo_index *idx)
{
	size_t i;

	free(idx->kernel_release);
	free(idx->kernel_version);
	free(idx->base_version);
	for (i = 0; i < idx->nr_updates; i++)
		repo_update_free(&idx->updates[i]);
	free(idx->updates);
	memset(idx, 0, sizeof(*idx));
}

struct repo_update *repo_index_find(const struct repo_index *idx,
				    const char *id)
{
	int i = repo_index_pos(idx, id);

	return i < 0 ? NULL : &idx->updates[i];
}

int repo_index_pos(const struct repo_index *idx, const char *id)
{
	size_t i;

	for (i = 0; i < idx->nr_updates; i++)
		if (!strcmp(idx->updates[i].id, id))
			return (int)i;
	return -1;
}

long long repo_next_serial(long long prev, long long now)
{
	return prev + 1 > now ? prev + 1 : now;
}

char *repo_kernel_dir(const char *release, const char *version)
{
	char hex[65];

	repo_sha256_hex(version, strlen(version), hex);
	hex[16] = 0;
	return ks_strfmt("%s/%s", release, hex);
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = ks_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = ks_xstrdup(s);
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto bad; } while (0)

static int set_once(char **field, const char *val, const char *key,
		    unsigned int lineno, char *err, size_t errlen)
{
	if (*field) {
		snprintf(err, errlen, "index line %u: '%s' given twice",
			 lineno, key);
		return -1;
	}
	*field = ks_xstrdup(val);
	return 0;
}

int repo_index_parse(const char *text, size_t len, struct repo_index *idx,
		     char *err, size_t errlen)
{
	char *copy, *line, *next;
	struct repo_update *u = NULL;
	unsigned int lineno = 0;
	int state = 0;		/* 0 header expected, 1 body, 2 after end */
	size_t i, j;

	memset(idx, 0, sizeof(*idx));
	if (memchr(text, 0, len)) {
		snprintf(err, errlen, "the index contains a NUL byte");
		return -1;
	}
	copy = ks_xrealloc(NULL, len + 1);
	memcpy(copy, text, len);
	copy[len] = 0;
	for (line = copy; line && *line; line = next) {
		char *key, *val, *sp;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		for (sp = line; *sp; sp++)
			if ((unsigned char)*sp < 0x20 && *sp != '\t')
				FAIL("index line %u: control character", lineno);
		if (!*line || *line == '#')
			continue;
		if (state == 2)
			FAIL("index line %u: text after 'end'", lineno);
		key = line;
		sp = strchr(line, ' ');
		val = sp ? (*sp = 0, sp + 1) : "";
		if (state == 0) {
			if (strcmp(key, "uptrack-index") ||
			    atoi(val) != REPO_INDEX_FORMAT)
				FAIL("not an uptrack index of format %d",
				     REPO_INDEX_FORMAT);
			state = 1;
			continue;
		}
		if (!strcmp(key, "end")) {
			if (u)
				FAIL("index line %u: 'end' inside an update",
				     lineno);
			state = 2;
			continue;
		}
		if (!u) {
			if (!strcmp(key, "kernel-release")) {
				if (set_once(&idx->kernel_release, val, key,
					     lineno, err, errlen))
					goto bad;
			} else if (!strcmp(key, "kernel-version")) {
				if (set_once(&idx->kernel_version, val, key,
					     lineno, err, errlen))
					goto bad;
			} else if (!strcmp(key, "base-version")) {
				if (set_once(&idx->base_version, val, key,
					     lineno, err, errlen))
					goto bad;
			} else if (!strcmp(key, "serial")) {
				idx->serial = atoll(val);
			} else if (!strcmp(key, "update")) {
				if (!repo_valid_id(val))
					FAIL("index line %u: bad update id '%s'",
					     lineno, val);
				if (repo_index_find(idx, val))
					FAIL("index line %u: update '%s' listed twice",
					     lineno, val);
				idx->updates = ks_xrealloc(idx->updates,
					(idx->nr_updates + 1) * sizeof(*u));
				u = &idx->updates[idx->nr_updates++];
				memset(u, 0, sizeof(*u));
				u->id = ks_xstrdup(val);
			} else {
				FAIL("index line %u: unknown record '%s'",
				     lineno, key);
			}
			continue;
		}
		if (!strcmp(key, "title")) {
			if (set_once(&u->title, val, key, lineno, err, errlen))
				goto bad;
		} else if (!strcmp(key, "cve")) {
			push(&u->cves, &u->nr_cves, val);
		} else if (!strcmp(key, "requires")) {
			if (!repo_index_find(idx, val) || !strcmp(val, u->id))
				FAIL("index line %u: '%s' requires '%s', which is not listed before it",
				     lineno, u->id, val);
			push(&u->requires, &u->nr_requires, val);
		} else if (!strcmp(key, "brings")) {
			if (set_once(&u->brings, val, key, lineno, err, errlen))
				goto bad;
		} else if (!strcmp(key, "brings-release")) {
			if (set_once(&u->brings_release, val, key, lineno, err,
				     errlen))
				goto bad;
		} else if (!strcmp(key, "brings-build")) {
			if (set_once(&u->brings_build, val, key, lineno, err,
				     errlen))
				goto bad;
		} else if (!strcmp(key, "optional")) {
			u->optional = 1;
		} else if (!strcmp(key, "file")) {
			if (!valid_file(val))
				FAIL("index line %u: bad package path '%s'",
				     lineno, val);
			if (set_once(&u->file, val, key, lineno, err, errlen))
				goto bad;
		} else if (!strcmp(key, "sha256")) {
			if (!valid_sha(val))
				FAIL("index line %u: bad sha256", lineno);
			if (set_once(&u->sha256, val, key, lineno, err, errlen))
				goto bad;
		} else if (!strcmp(key, "size")) {
			u->size = atoll(val);
		} else if (!strcmp(key, "end-update")) {
			if (!u->file || !u->sha256 || u->size <= 0)
				FAIL("index line %u: update '%s' lacks file, sha256 or size",
				     lineno, u->id);
			if (!u->title)
				u->title = ks_xstrdup(u->id);
			u = NULL;
		} else {
			FAIL("index line %u: unknown update record '%s'",
			     lineno, key);
		}
	}
	if (state != 2)
		FAIL("the index is incomplete (no 'end' line)");
	if (!idx->kernel_release || !idx->kernel_version)
		FAIL("the index names no kernel-release or kernel-version");
	for (i = 0; i < idx->nr_updates; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(idx->updates[i].file, idx->updates[j].file))
				FAIL("two updates share the package %s",
				     idx->updates[i].file);
	free(copy);
	return 0;
bad:
	free(copy);
	repo_index_free(idx);
	return -1;
}

static void add(char **buf, size_t *n, const char *key, const char *val)
{
	char *line;
	size_t l;

	if (!val)
		return;
	line = *val ? ks_strfmt("%s %s\n", key, val) : ks_strfmt("%s\n", key);
	l = strlen(line);
	*buf = ks_xrealloc(*buf, *n + l + 1);
	memcpy(*buf + *n, line, l + 1);
	*n += l;
	free(line);
}

char *repo_index_format(const struct repo_index *idx)
{
	char *buf = NULL, num[32];
	size_t n = 0, i, j;

	add(&buf, &n, "uptrack-index", "1");
	add(&buf, &n, "kernel-release", idx->kernel_release);
	add(&buf, &n, "kernel-version", idx->kernel_version);
	add(&buf, &n, "base-version", idx->base_version);
	snprintf(num, sizeof(num), "%lld", idx->serial);
	add(&buf, &n, "serial", num);
	for (i = 0; i < idx->nr_updates; i++) {
		const struct repo_update *u = &idx->updates[i];

		add(&buf, &n, "update", u->id);
		add(&buf, &n, "title", u->title);
		for (j = 0; j < u->nr_cves; j++)
			add(&buf, &n, "cve", u->cves[j]);
		for (j = 0; j < u->nr_requires; j++)
			add(&buf, &n, "requires", u->requires[j]);
		add(&buf, &n, "brings", u->brings);
		add(&buf, &n, "brings-release", u->brings_release);
		add(&buf, &n, "brings-build", u->brings_build);
		if (u->optional)
			add(&buf, &n, "optional", "");
		add(&buf, &n, "file", u->file);
		add(&buf, &n, "sha256", u->sha256);
		snprintf(num, sizeof(num), "%lld", u->size);
		add(&buf, &n, "size", num);
		add(&buf, &n, "end-update", "");
	}
	add(&buf, &n, "end", "");
	return buf;
}
