// SPDX-License-Identifier: GPL-2.0
/*
 * The abort-cause table: every cause of include/ksplice/abi.h has a name,
 * a paragraph, an exit status of 10 + its number, survives a round trip
 * through its name, and appears in docs/abort-causes.md with that exit
 * status and the same paragraph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/abort_causes.h"
#include "check.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

int main(void)
{
	const char *doc = slurp("docs/abort-causes.md");

	if (!doc)
		doc = slurp("../docs/abort-causes.md");
	for (int c = 0; c < KSPLICE_ABORT_COUNT; c++) {
		const char *name = ks_abort_name(c), *para = ks_abort_paragraph(c);
		char row[128];

		if (!name || !*name || !para || strlen(para) < 10) {
			CHECK_MSG(0, "cause %d has no name or paragraph", c);
			continue;
		}
		CHECK_MSG(ks_abort_from_name(name) == c,
			  "%s does not round-trip", name);
		CHECK_MSG(ks_abort_exit_status(c) == 10 + c,
			  "exit status of %s", name);
		snprintf(row, sizeof(row), "| %d | `%s` | ", 10 + c, name);
		CHECK_MSG(doc && strstr(doc, row) &&
			  !strncmp(strstr(doc, row) + strlen(row), para,
				   strlen(para)),
			  "docs/abort-causes.md lacks the row for %s "
			  "with its paragraph", name);
	}
	CHECK_MSG(ks_abort_from_name(" code_busy\n") == KSPLICE_ABORT_CODE_BUSY &&
		  ks_abort_from_name("bogus") == -1 &&
		  !strcmp(ks_abort_name(KSPLICE_ABORT_COUNT + 3), "unexpected"),
		  "lookup edge cases");
	/*
	 * A jump that cannot be placed is a known limit with its own cause
	 * (issue 23), not "unexpected"; appended, so the causes the core
	 * module and older tools know keep their numbers and exit codes.
	 */
	CHECK_MSG(ks_abort_from_name("patch_site_overlap") == 13 &&
		  ks_abort_exit_status(13) == 23 &&
		  ks_abort_from_name("unexpected") == 12,
		  "patch_site_overlap is not cause 13 (exit 23) "
		  "after unexpected (12)");
	/* Appended after unsafe_site (issue 15, defects 3 and 7). */
	CHECK_MSG(ks_abort_from_name("unsafe_site") == 14 &&
		  ks_abort_exit_status(14) == 24,
		  "unsafe_site is not cause 14 (exit 24)");
	CHECK_MSG(ks_abort_from_name("ftrace_ipmodify") == 15 &&
		  ks_abort_exit_status(15) == 25,
		  "ftrace_ipmodify is not cause 15 (exit 25)");
	if (failures)
		return 1;
	printf("%d abort causes checked\n", KSPLICE_ABORT_COUNT);
	return 0;
}
