// SPDX-License-Identifier: GPL-2.0
/*
 * util/array and util/error: pushes keep their elements, a count or size
 * that would overflow is refused (NULL, the array untouched) instead of
 * wrapping to a short buffer, and the error setters keep the semantics
 * their callers had (NULL, 0 ignored; cut short; a message replaced).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/error.h"
#include "check.h"

struct pair {
	int a;
	const char *b;
};

int main(void)
{
	int *v = NULL;
	size_t n = 0;
	struct pair *p = NULL, *z;
	size_t np = 0;
	char err[8], *msg = NULL;
	enum ksplice_abort_cause cause = KSPLICE_ABORT_NONE;

	for (int i = 0; i < 1000; i++)
		KS_PUSH(v, n, i * 2);
	CHECK(n == 1000 && v[0] == 0 && v[999] == 1998);
	KS_PUSH(p, np, (struct pair){ 1, "one" });
	z = KS_PUSH_ZERO(p, np);
	CHECK(np == 2 && z == &p[1] && p[0].a == 1 && !strcmp(p[0].b, "one"));
	CHECK(z->a == 0 && z->b == NULL);

	/* overflow: refused, the array left as it was */
	CHECK(ks_try_grow(v, SIZE_MAX, 1, sizeof(int)) == NULL);
	CHECK(ks_try_grow(v, SIZE_MAX / 2, 1, sizeof(int)) == NULL);
	CHECK(v[999] == 1998);
	v = ks_try_grow(v, 0, 0, sizeof(int));	/* never a freeing realloc */
	CHECK(v != NULL);
	free(v);
	free(p);

	ks_set_err(NULL, 0, "nothing %d", 1);
	ks_set_err(err, sizeof(err), "%s", "a long message");
	CHECK(!strcmp(err, "a long "));

	CHECK(ks_set_failure(&cause, &msg, KSPLICE_ABORT_NO_MATCH, "first %d",
			     1) == -1);
	CHECK(msg && !strcmp(msg, "first 1"));
	CHECK(cause == KSPLICE_ABORT_NO_MATCH);
	/* the old text may be an argument: formatted before it is freed */
	ks_set_failure(&cause, &msg, KSPLICE_ABORT_CODE_BUSY, "%s, then %s",
		       msg, "second");
	CHECK_MSG(msg && !strcmp(msg, "first 1, then second"), "got '%s'", msg);
	CHECK(cause == KSPLICE_ABORT_CODE_BUSY);
	free(msg);

	printf("test_util: %s\n", failures ? "FAIL" : "ok");
	return failures != 0;
}
