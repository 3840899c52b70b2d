// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the Uptrack configuration parser
 * (uptrack_config_parse, /etc/uptrack/uptrack.conf).
 */
#include "fuzz_common.h"
#include "uptrack/uptrack_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uptrack_config c;
	char err[512], *text = fuzz_string(data, size);

	memset(&c, 0, sizeof(c));
	if (uptrack_config_parse(text, "fuzz.conf", &c, err, sizeof(err)) &&
	    !err[0])
		abort();	/* refused without a reason */
	uptrack_config_free(&c);
	free(text);
	return 0;
}
