/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Line-number-only changes.  A patch that adds or removes lines moves
 * every line below it, and code that embeds __LINE__ (WARN, ext4_error
 * and friends pass it as an immediate) changes although it does the same
 * thing.  Given the patch's hunks for one source file, a function whose
 * only differences are immediates equal to a pre line number and the
 * same line moved by the patch is not a change.
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

/*
 * Do the bytes a (pre) and b (post) of one function, both size bytes,
 * differ only in instruction immediates that are moved line numbers?
 * Relocation fields must already be masked (zero) in both.
 */
int ks_only_lines_differ(const unsigned char *a, const unsigned char *b,
			 size_t size, const struct ks_line_map *m);

#endif
