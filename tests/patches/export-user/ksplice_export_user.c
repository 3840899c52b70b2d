// SPDX-License-Identifier: GPL-2.0
/*
 * Calls ksplice_test_uptime_seconds(), which no stock kernel has: the
 * update of tests/patches/export-uptime.patch adds and exports it.  So
 * this module loads only while that update is applied; its parameter
 * `value` shows what the function returned.
 */
#include <linux/module.h>

int ksplice_test_uptime_seconds(void);

static int value;
module_param(value, int, 0444);
MODULE_PARM_DESC(value, "what ksplice_test_uptime_seconds() returned");

static int __init ksplice_export_user_init(void)
{
	value = ksplice_test_uptime_seconds();
	return 0;
}

static void __exit ksplice_export_user_exit(void)
{
}

module_init(ksplice_export_user_init);
module_exit(ksplice_export_user_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Ksplice test: a user of an export an update adds");
