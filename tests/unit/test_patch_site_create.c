// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-create's patch-site check (issue 23): a function the update
 * would replace whose first bytes hold a site the kernel rewrites after
 * boot is refused when the update is made, from the pre object, naming
 * the function, the offset and the kind of site.  The pre object is
 * tests/unit/fixtures/patchsite.c compiled here with the ftrace call
 * Kbuild gives every function (-pg -mfentry).
 */
#include "code/patch_site.h"
#include "util/fs.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static char tmp[] = "/tmp/test_patch_site_create.XXXXXX";

/* ks_patch_sites_check() on one function of the fixture. */
static int check(const char *obj, const char *name, char *err, size_t errlen)
{
	const char *names[] = { name };

	err[0] = '\0';
	return ks_patch_sites_check(obj, names, 1, err, errlen);
}

int main(void)
{
	char obj[512], err[1024];
	char *cmd;
	int rc;

	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(obj, sizeof(obj), "%s/patchsite.o", tmp);
	cmd = ks_strfmt("gcc -O2 -ffunction-sections -fdata-sections -fno-pic "
			"-mcmodel=kernel -fno-asynchronous-unwind-tables "
			"-mno-red-zone -pg -mfentry -c -o %s "
			"tests/unit/fixtures/patchsite.c", obj);
	rc = system(cmd);
	free(cmd);
	if (rc) {
		printf("FAIL: cannot compile the fixture\n");
		return 1;
	}

	rc = check(obj, "locked_first", err, sizeof(err));
	CHECK_MSG(rc == 1 && strstr(err, "locked_first: the jump at offset 5 "
				    "would overlap a lock prefix site at offset 5 "
				    "(1 byte)"),
		  "lock prefix at 5: rc %d: %s", rc, err);
	rc = check(obj, "keyed_late", err, sizeof(err));
	CHECK_MSG(rc == 1 && strstr(err, "keyed_late: the jump at offset 5 would "
				    "overlap a jump label site at offset 9 "
				    "(5 bytes)"),
		  "jump label at 9: rc %d: %s", rc, err);
	rc = check(obj, "alt_first", err, sizeof(err));
	CHECK_MSG(rc == 0, "an alternative at 5 (rewritten only at boot): rc %d: %s",
		  rc, err);
	rc = check(obj, "plain", err, sizeof(err));
	CHECK_MSG(rc == 0, "plain: rc %d: %s", rc, err);
	{
		/* the first refusal of several is reported */
		const char *names[] = { "plain", "keyed_late", "locked_first" };

		rc = ks_patch_sites_check(obj, names, 3, err, sizeof(err));
		CHECK_MSG(rc == 1 && strstr(err, "keyed_late:"),
			  "three functions: rc %d: %s", rc, err);
	}
	rc = check(obj, "no_such_function", err, sizeof(err));
	CHECK_MSG(rc == -1 && strstr(err, "no_such_function"),
		  "a name the object lacks: rc %d: %s", rc, err);
	rc = check("/nonexistent.o", "plain", err, sizeof(err));
	CHECK_MSG(rc == -1 && *err, "no object: rc %d: %s", rc, err);

	unlink(obj);
	rmdir(tmp);
	if (failures)
		return 1;
	printf("create-time patch-site checks passed\n");
	return 0;
}
