/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Object diff: which functions of one source file changed between the pre
 * object (unpatched) and the post object (patched), both compiled with
 * -ffunction-sections -fdata-sections.
 *
 * Symbols are correlated by name, then through GCC's renames (.isra.N,
 * .constprop.N, .part.N, .cold, numbered static locals foo.N) by their
 * name without the numbers and, where several candidates remain, by the
 * order in which a correlated function uses them.  A function changed if
 * its bytes (relocation fields masked) or any relocation (type, offset,
 * target, addend) differ, or any of its __bug_table entries (WARN and
 * BUG: place, flags, file, line); a target in a mergeable string section
 * is the string itself, a target in a section with a named symbol is
 * that symbol plus offset.
 */
#ifndef KSPLICE_OBJDIFF_H
#define KSPLICE_OBJDIFF_H

#include "diff/elf_object.h"
#include "diff/objdiff_lines.h"
#include "package/package.h"

struct ks_diff_func {
	const char *name;	/* post name (pre name for deleted) */
	const char *pre_name;	/* kallsyms name of the replaced function */
	size_t post_sym;	/* 0 for deleted */
	size_t pre_sym;		/* 0 for new */
	enum ks_func_kind kind;
};

struct ks_bug_table;

struct ks_diff {
	const struct ks_object *pre;
	const struct ks_object *post;
	size_t *map;		/* post symbol -> correlated pre symbol, or 0 */
	/*
	 * Per post symbol: 1 if the new code must carry its own copy
	 * (changed or new function, changed or new read-only object).
	 */
	unsigned char *carry;
	struct ks_diff_func *funcs;	/* changed, new, deleted entry points */
	size_t nr_funcs;
	char **notes;		/* human notes (__init ignored, ...) */
	size_t nr_notes;
	char *refusal;		/* set when the change cannot be done live */
	/* Only during the diff: */
	const struct ks_line_maps *lines;	/* the patches' hunks, or NULL */
	const struct ks_line_file *src_lines;	/* those of the source file */
	struct ks_bug_table *bugs[2];		/* __bug_table: pre, post */
};

/* 0, or -1 with err set (malformed input).  A refusal is not an error. */
int ks_diff_objects(const struct ks_object *pre, const struct ks_object *post,
		    struct ks_diff *d, char *err, size_t errlen);
/*
 * The same, knowing the patches' hunks (lines) and the object's source
 * file (src, tree-relative): functions whose only differences are
 * __LINE__s the patches moved are left out (with one note naming them),
 * see objdiff_lines.h.  Without hunks a moved line is a change.
 */
int ks_diff_objects_lines(const struct ks_object *pre,
			  const struct ks_object *post,
			  const struct ks_line_maps *lines, const char *src,
			  struct ks_diff *d, char *err, size_t errlen);
void ks_diff_free(struct ks_diff *d);

/* Is this section code (SHF_EXECINSTR)? */
int ks_sec_is_text(const struct ks_section *s);
/* Is this an __init/__exit section (code or data)? */
int ks_sec_is_init(const struct ks_section *s);
/* A mergeable string section (.rodata.str1.1 and friends)? */
int ks_sec_is_strings(const struct ks_section *s);
/* A GCC piece of another function (foo.cold, foo.cold.N)? */
int ks_sym_is_cold_piece(const char *name);

/*
 * Where a relocation points, in terms that survive recompilation:
 * the named symbol covering the target (sym != 0, off inside it), or a
 * string in a mergeable section (str != NULL), or a raw section offset.
 */
struct ks_reltarget {
	size_t sym;		/* named symbol, or 0 */
	GElf_Sxword off;	/* target offset relative to sym (or section);
				 * for a plain symbol reference the addend */
	const char *str;	/* string target */
	size_t sec;		/* section of the target (0 if undefined) */
	GElf_Sxword bias;	/* the relocation's symbol value + addend =
				 * target sym value + off + bias */
};

/* from: the section holding the relocation (code or data). */
void ks_resolve_target(const struct ks_object *o, const struct ks_section *from,
		       const struct ks_rela *r, struct ks_reltarget *t);

#endif
