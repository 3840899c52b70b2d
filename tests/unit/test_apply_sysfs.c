// SPDX-License-Identifier: GPL-2.0
/*
 * The sysfs side of ksplice-apply against a fake tree ($KSPLICE_SYSFS):
 * resolve tables longer than a page go out in several writes of whole
 * lines, each at most 4096 bytes; control lines, attribute reads and the
 * list of updates.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/ksplice_sysfs.h"
#include "check.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

int main(void)
{
	char root[] = "/tmp/test_apply_sysfs.XXXXXX", path[8192], *lines, *v;
	size_t len = 0, n, chunks = 0, done = 0, max_chunk = 0;
	int bad_chunk = 0;
	char **ids;

	if (!mkdtemp(root))
		return 1;
	setenv("KSPLICE_SYSFS", root, 1);
	snprintf(path, sizeof(path), "%s/u1", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/u1/stage", root);
	write_file(path, "applied\n");
	snprintf(path, sizeof(path), "%s/control", root);
	write_file(path, "");
	snprintf(path, sizeof(path), "%s/u1/resolve", root);
	write_file(path, "");

	CHECK_MSG(ks_sysfs_present(), "control not seen");
	CHECK_MSG(ks_sysfs_update_exists("u1") && !ks_sysfs_update_exists("u2"),
		  "update_exists");
	v = ks_sysfs_read("u1", "stage");
	CHECK_MSG(v && !strcmp(v, "applied"), "read trims the newline: '%s'", v);
	free(v);
	CHECK_MSG(!ks_sysfs_control("prepare", "u9"), "control write");
	snprintf(path, sizeof(path), "%s/control", root);
	{
		FILE *f = fopen(path, "r");
		char buf[64] = "";

		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
		}
		CHECK_MSG(!strcmp(buf, "prepare u9\n"), "control line '%s'", buf);
	}
	ids = ks_sysfs_list(&n);
	CHECK_MSG(n == 1 && !strcmp(ids[0], "u1"), "list: %zu", n);
	ks_sysfs_free_list(ids, n);

	lines = malloc(20000);
	for (int i = 0; i < 300; i++)
		len += sprintf(lines + len, "sym vmlinux %d 0xffffffff8%07x\n", i,
			       i * 4099);
	/* how the table is cut into writes */
	while (done < len) {
		size_t c = ks_sysfs_chunk_len(lines + done);

		if (!c || lines[done + c - 1] != '\n')
			bad_chunk = 1;
		if (!c)
			break;
		chunks++;
		max_chunk = c > max_chunk ? c : max_chunk;
		done += c;
	}
	CHECK_MSG(done == len && chunks >= 3 && max_chunk <= 4096 && !bad_chunk,
		  "%zu chunks, largest %zu, partial line %d", chunks, max_chunk,
		  bad_chunk);
	CHECK_MSG(ks_sysfs_chunk_len("") == 0, "empty text");
	{
		char *longline = malloc(5000);

		memset(longline, 'x', 4999);
		longline[4999] = '\0';
		CHECK_MSG(ks_sysfs_chunk_len(longline) == 0, "a line over a page");
		CHECK_MSG(ks_sysfs_write_resolve("u1", longline) == -E2BIG,
			  "a line over a page must be refused");
		free(longline);
	}
	/* the last write lands in the (regular) file: whole last chunk */
	CHECK_MSG(!ks_sysfs_write_resolve("u1", lines), "resolve write");
	free(lines);

	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path))
		return 1;
	if (failures)
		return 1;
	printf("sysfs checks passed (%zu bytes of resolve lines in %zu writes)\n",
	       len, chunks);
	return 0;
}
