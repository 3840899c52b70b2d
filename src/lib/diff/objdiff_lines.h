/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Line-number-only changes.  A patch that adds or removes lines moves
 * every line below it, and what embeds __LINE__ changes although the
 * code does the same thing.  In a Linux 6.1 x86-64 object __LINE__ ends
 * up in three places (tests/unit/fixtures/kbug.h has the forms):
 *   - an instruction immediate: an argument (__might_sleep, ext4_error,
 *     printk of __LINE__; pushed when it is a stack argument) or a store
 *     (a struct initialised on the stack, KUNIT_CURRENT_LOC);
 *   - the line field of the function's __bug_table entries (WARN*,
 *     BUG*), next to its flags and __FILE__;
 *   - a string "FILE:LINE" (fortify's field-spanning-write warning).
 * Given the patches' hunks, a function whose only differences are such
 * lines, each moved exactly as the hunks of its file move it, is not a
 * change.
 */
#ifndef KSPLICE_OBJDIFF_LINES_H
#define KSPLICE_OBJDIFF_LINES_H

#include <stddef.h>

struct ks_line_hunk {
	long old_start, old_len;
	long new_start, new_len;
	long *old_to_new;	/* per old line of the hunk: its new line
				 * (a context line), or -1 (removed) */
};

struct ks_line_map {
	struct ks_line_hunk *hunks;	/* in order */
	size_t n;
};

/*
 * The hunks of file (tree-relative path, e.g. fs/ext4/inode.c) in a
 * unified diff with a/ b/ prefixes.  0, or -1 if the file is not there.
 */
int ks_line_map_parse(const char *patch, const char *file,
		      struct ks_line_map *m);
void ks_line_map_free(struct ks_line_map *m);

/*
 * Where pre line old_line is in the post file: *shift is new - old.
 * Returns 0, or -1 if the line is inside a hunk (changed or gone).
 */
int ks_line_shift(const struct ks_line_map *m, long old_line, long *shift);

/* One file the patches touch, with each patch's hunks for it in order. */
struct ks_line_file {
	char *file;			/* tree-relative, as in the patch */
	struct ks_line_map *steps;	/* one per patch touching it */
	size_t n;
};

/* Every file the patches touch. */
struct ks_line_maps {
	struct ks_line_file *files;
	size_t n;
};

/* Add the files of one more patch (applied after the ones added). */
void ks_line_maps_add(struct ks_line_maps *ms, const char *patch);
void ks_line_maps_free(struct ks_line_maps *ms);

/*
 * The hunks of the file __FILE__ names: "fs/x.c" or "./fs/x.c" (a
 * tree-relative name must be the patch's exactly), or an absolute path
 * ending in "/fs/x.c".  NULL if the patches do not touch it.
 */
const struct ks_line_file *ks_line_maps_find(const struct ks_line_maps *ms,
					     const char *file);

/* Do the patches, one after the other, move pre line a to post line b? */
int ks_line_moved(const struct ks_line_file *f, long a, long b);

/*
 * Do the bytes a (pre) and b (post) of one function, both size bytes,
 * differ only in immediates of mov and push that are lines of f moved by
 * its hunks?  Relocation fields must already be masked (zero) in both.
 * 0 when nothing differs.
 */
int ks_only_lines_differ(const unsigned char *a, const unsigned char *b,
			 size_t size, const struct ks_line_file *f);

/*
 * Do the strings a (pre) and b (post) differ, and only in numbers that
 * follow "FILE:" and are lines of that FILE moved by its hunks?
 */
int ks_strings_lines_moved(const char *a, const char *b,
			   const struct ks_line_maps *ms);

#endif
