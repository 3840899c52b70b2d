// SPDX-License-Identifier: GPL-2.0
/*
 * badpkg_gen GOOD.tar.gz OUTDIR OUTSIDE: hand-made bad update packages for
 * tests/host/badpkg_refused.sh, each a variation of one good package:
 *   wrong-hash      the manifest changed after SHA256SUMS was written
 *   dotdot          an entry ksplice-ID/../NAME (escapes the work dir)
 *   dotdot-deep     an entry ksplice-ID/pre/../../../NAME
 *   absolute        an entry OUTSIDE/NAME (absolute path)
 *   symlink         ksplice-ID/new/link -> OUTSIDE, then ksplice-ID/new/link/NAME
 *   hardlink        ksplice-ID/pre/hard, a hard link to OUTSIDE/NAME
 *   device          a character device entry
 *   fifo            a FIFO entry
 *   huge-header     the manifest's header claims 8 GiB (data absent)
 *   huge-entry      a 300 MiB entry of zeros (above the per-file limit)
 *   duplicate       the manifest twice
 *   two-tops        a second top directory
 *   not-ksplice     the top directory is not ksplice-ID
 *   empty           a valid gzip'd tar without entries
 * NAME is "badpkg-escaped": the test checks it never appears in OUTSIDE.
 * Every other entry is copied from GOOD unchanged.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <zlib.h>

#define ESCAPED "badpkg-escaped"

struct entry {
	char *name;
	mode_t type;
	char *data;
	size_t len;
};

static struct entry entries[256];
static size_t nr_entries;
static char top[64];

static void die(const char *what)
{
	fprintf(stderr, "badpkg_gen: %s\n", what);
	exit(1);
}

static void read_good(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
		die("cannot open the good package");
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		struct entry *n = &entries[nr_entries++];
		la_int64_t size = archive_entry_size(e);

		if (nr_entries == 256)
			die("too many entries");
		n->name = strdup(archive_entry_pathname(e));
		n->type = archive_entry_filetype(e);
		n->len = size > 0 ? (size_t)size : 0;
		n->data = malloc(n->len + 1);
		if (!n->name || !n->data ||
		    archive_read_data(a, n->data, n->len) != (la_ssize_t)n->len)
			die("cannot read the good package");
	}
	archive_read_free(a);
	snprintf(top, sizeof(top), "%s", entries[0].name);
	*strchrnul(top, '/') = '\0';
}

static struct archive *open_out(const char *dir, const char *name)
{
	struct archive *a = archive_write_new();
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.tar.gz", dir, name);
	archive_write_add_filter_gzip(a);
	archive_write_set_filter_option(a, "gzip", "compression-level", "1");
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK)
		die(archive_error_string(a));
	return a;
}

/* One entry; for links, data is the target. */
static void put(struct archive *a, const char *name, mode_t type,
		const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_mtime(e, 0, 0);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, data);
	else if (type == AE_IFREG && strcmp(data ? data : "", "@hardlink"))
		archive_entry_set_size(e, (la_int64_t)len);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(e, makedev(1, 3));
	if (archive_write_header(a, e) != ARCHIVE_OK)
		die(archive_error_string(a));
	if (type == AE_IFREG && len && data)
		archive_write_data(a, data, len);
	archive_entry_free(e);
}

static void put_hardlink(struct archive *a, const char *name,
			 const char *target)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_hardlink(e, target);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		die(archive_error_string(a));
	archive_entry_free(e);
}

static void put_good(struct archive *a, const char *skip)
{
	for (size_t i = 0; i < nr_entries; i++)
		if (!skip || strcmp(entries[i].name, skip))
			put(a, entries[i].name, entries[i].type,
			    entries[i].data, entries[i].len);
}

static void close_out(struct archive *a)
{
	if (archive_write_close(a) != ARCHIVE_OK)
		die(archive_error_string(a));
	archive_write_free(a);
}

static const struct entry *find(const char *suffix)
{
	for (size_t i = 0; i < nr_entries; i++) {
		size_t n = strlen(entries[i].name), m = strlen(suffix);

		if (n >= m && !strcmp(entries[i].name + n - m, suffix))
			return &entries[i];
	}
	die("entry not found in the good package");
	return NULL;
}

/* A ustar header by hand: libarchive would write the data it claims. */
static void huge_header(const char *dir, const char *name)
{
	unsigned char h[512] = { 0 };
	unsigned int sum = 0;
	char path[4096];
	gzFile gz;

	if (snprintf((char *)h, 100, "%.80s/manifest", top) >= 100)
		die("top directory name too long");
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	memcpy(h + 124, "77777777777", 11);	/* 8 GiB - 1 */
	memcpy(h + 136, "00000000000", 11);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	snprintf(path, sizeof(path), "%s/%s.tar.gz", dir, name);
	gz = gzopen(path, "wb");
	if (!gz || gzwrite(gz, h, 512) != 512 || gzwrite(gz, h, 512) != 512)
		die("cannot write the huge-header package");
	gzclose(gz);
}

int main(int argc, char **argv)
{
	const char *out, *outside;
	struct archive *a;
	char name[4096], *data;
	const struct entry *m;

	if (argc != 4)
		die("usage: badpkg_gen GOOD.tar.gz OUTDIR OUTSIDE");
	read_good(argv[1]);
	out = argv[2];
	outside = argv[3];

	m = find("/manifest");
	a = open_out(out, "wrong-hash");
	put_good(a, m->name);
	data = malloc(m->len + 64);
	memcpy(data, m->data, m->len);
	memcpy(data + m->len, "description changed\n", 20);
	put(a, m->name, AE_IFREG, data, m->len + 20);
	free(data);
	close_out(a);

	a = open_out(out, "dotdot");
	put_good(a, NULL);
	snprintf(name, sizeof(name), "%s/../" ESCAPED, top);
	put(a, name, AE_IFREG, "evil\n", 5);
	close_out(a);

	a = open_out(out, "dotdot-deep");
	snprintf(name, sizeof(name), "%s/pre/../../../" ESCAPED, top);
	put(a, name, AE_IFREG, "evil\n", 5);
	put_good(a, NULL);
	close_out(a);

	a = open_out(out, "absolute");
	snprintf(name, sizeof(name), "%s/" ESCAPED, outside);
	put(a, name, AE_IFREG, "evil\n", 5);
	put_good(a, NULL);
	close_out(a);

	a = open_out(out, "symlink");
	put_good(a, NULL);
	snprintf(name, sizeof(name), "%s/new/link", top);
	put(a, name, AE_IFLNK, outside, 0);
	snprintf(name, sizeof(name), "%s/new/link/" ESCAPED, top);
	put(a, name, AE_IFREG, "evil\n", 5);
	close_out(a);

	a = open_out(out, "hardlink");
	put_good(a, NULL);
	snprintf(name, sizeof(name), "%s/pre/hard", top);
	{
		char target[4096];

		snprintf(target, sizeof(target), "%s/" ESCAPED, outside);
		put_hardlink(a, name, target);
	}
	close_out(a);

	a = open_out(out, "device");
	put_good(a, NULL);
	snprintf(name, sizeof(name), "%s/pre/null", top);
	put(a, name, AE_IFCHR, NULL, 0);
	close_out(a);

	a = open_out(out, "fifo");
	put_good(a, NULL);
	snprintf(name, sizeof(name), "%s/pre/fifo", top);
	put(a, name, AE_IFIFO, NULL, 0);
	close_out(a);

	huge_header(out, "huge-header");

	a = open_out(out, "huge-entry");
	snprintf(name, sizeof(name), "%s/pre/zeros", top);
	{
		struct archive_entry *e = archive_entry_new();
		static char zeros[1 << 20];

		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, 300 << 20);
		if (archive_write_header(a, e) != ARCHIVE_OK)
			die(archive_error_string(a));
		for (int i = 0; i < 300; i++)
			archive_write_data(a, zeros, sizeof(zeros));
		archive_entry_free(e);
	}
	put_good(a, NULL);
	close_out(a);

	a = open_out(out, "duplicate");
	put_good(a, NULL);
	put(a, m->name, AE_IFREG, m->data, m->len);
	close_out(a);

	a = open_out(out, "two-tops");
	put_good(a, NULL);
	put(a, "other/manifest", AE_IFREG, m->data, m->len);
	close_out(a);

	a = open_out(out, "not-ksplice");
	for (size_t i = 0; i < nr_entries; i++) {
		snprintf(name, sizeof(name), "update%s",
			 entries[i].name + strlen(top));
		put(a, name, entries[i].type, entries[i].data, entries[i].len);
	}
	close_out(a);

	a = open_out(out, "empty");
	close_out(a);
	return 0;
}
