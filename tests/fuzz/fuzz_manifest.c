// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the update manifest parser (ks_manifest_parse, the
 * one ksplice-apply and ksplice-view use).  A manifest it accepts must
 * survive a round trip: format it, parse that, format again: same text.
 */
#include "fuzz_common.h"
#include "package/package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_manifest m, m2;
	char err[512], *text = fuzz_string(data, size), *out, *out2;

	if (ks_manifest_parse(text, &m, err, sizeof(err)) == 0) {
		out = ks_manifest_format(&m);
		if (!out || ks_manifest_parse(out, &m2, err, sizeof(err)))
			abort();	/* accepted once, refused re-formatted */
		out2 = ks_manifest_format(&m2);
		if (!out2 || strcmp(out, out2))
			abort();	/* the round trip changed it */
		free(out);
		free(out2);
		ks_manifest_free(&m2);
		ks_manifest_free(&m);
	} else if (!err[0]) {
		abort();	/* refused without a reason */
	}
	free(text);
	return 0;
}
