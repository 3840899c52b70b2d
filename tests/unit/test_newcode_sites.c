// SPDX-License-Identifier: GPL-2.0
/*
 * The site-table check of a new-code module (newcode_sites.h) on an
 * assembled fixture (tests/unit/fixtures/sites.S): every table right is
 * accepted with its entries counted, and so is an ORC entry inside an
 * instruction (a paravirt site's replacement); each kind of wrong entry
 * (no relocation, a ksplice relocation, the wrong instruction, inside
 * an instruction, outside the module, in data, a static call's tail
 * flag, a torn table) is refused with a sentence naming the table, the
 * entry and what was found.
 */
#include "newcode/newcode_sites.h"
#include "util/fs.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmp[] = "/tmp/test_newcode_sites.XXXXXX";

/* Assemble the fixture with -DDEF (or none) and check it. */
static int check(const char *def, size_t *checked, char *err, size_t errlen)
{
	char *out = ks_strfmt("%s/%s.o", tmp, def ? def : "good");
	char *cmd = ks_strfmt("gcc -c %s%s -o %s tests/unit/fixtures/sites.S",
			      def ? "-D" : "", def ? def : "", out);
	int ret;

	if (system(cmd)) {
		fprintf(stderr, "cannot assemble the fixture with %s\n",
			def ? def : "nothing");
		exit(1);
	}
	err[0] = '\0';
	ret = ks_check_sites(out, checked, err, errlen);
	if (err[0])
		printf("%s: %s\n", def ? def : "good", err);
	free(cmd);
	free(out);
	return ret;
}

/* DEF must be refused with a message that holds each of the words. */
static void refused(const char *def, const char *w1, const char *w2,
		    const char *w3)
{
	char err[1024];
	size_t n;
	int ret = check(def, &n, err, sizeof(err));

	CHECK(ret == 1);
	CHECK(strstr(err, w1) != NULL);
	CHECK(!w2 || strstr(err, w2) != NULL);
	CHECK(!w3 || strstr(err, w3) != NULL);
	if (ret != 1 || !strstr(err, w1) || (w2 && !strstr(err, w2)) ||
	    (w3 && !strstr(err, w3)))
		fprintf(stderr, "  (for %s)\n", def);
}

int main(void)
{
	char err[1024];
	size_t n = 0;

	if (!mkdtemp(tmp))
		return 1;

	/* mcount 1, smp_locks 1, retpolines 2, static calls 2, jump label
	 * 1, bug 1, orc 1, call 1, return 1 */
	CHECK(check(NULL, &n, err, sizeof(err)) == 0);
	CHECK(n == 11);
	/* a jump target that ksplice fills is fine: read after it is */
	CHECK(check("GOOD_KSPLICE_TARGET", &n, err, sizeof(err)) == 0);
	CHECK(n == 12);
	/* objtool's ORC entries for the replacement of a paravirt site */
	CHECK(check("GOOD_ORC_INSIDE", &n, err, sizeof(err)) == 0);
	CHECK(n == 12);

	/* the entry of issue 23: zero, no relocation */
	refused("BAD_NORELOC", "entry 1 of .return_sites", "no relocation",
		"00 00 00 00");
	refused("BAD_KSPLICE", "entry 1 of .return_sites",
		"filled by a ksplice relocation", "running kernel");
	refused("BAD_NOTRET", "entry 1 of .return_sites",
		"e8 00 00 00 00", "not a return");
	refused("BAD_INSIDE", "entry 1 of .return_sites",
		"inside an instruction", NULL);
	refused("BAD_OUTSIDE", "entry 1 of .return_sites",
		"outside the module, at some_func", NULL);
	refused("BAD_DATA", "entry 1 of .return_sites", "not code", NULL);
	refused("BAD_SIZE", ".return_sites is 6 bytes",
		"not a whole number", NULL);
	refused("BAD_RETPOLINE", "entry 2 of .retpoline_sites",
		"not a call or jump through a retpoline thunk", NULL);
	refused("BAD_MCOUNT", "entry 1 of __mcount_loc", "not an ftrace site",
		NULL);
	refused("BAD_JUMP_LABEL", "entry 1 of __jump_table", "lock",
		"not a jump label");
	refused("BAD_JUMP_TARGET", "jump target of entry 1 of __jump_table",
		"no relocation", "into the table");
	refused("BAD_ORC_OUTSIDE", "entry 1 of .orc_unwind_ip", "not code",
		NULL);
	refused("BAD_STATIC_TAIL", "entry 2 of .static_call_sites",
		"tail call", "the site is a call");

	{
		char *cmd = ks_strfmt("rm -rf %s", tmp);

		if (system(cmd))
			failures++;
		free(cmd);
	}
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
