// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_selftest: a tiny module the harness loads in the guest to prove
 * that out-of-tree modules built against the stock headers work there.
 *
 * /sys/module/ksplice_selftest/parameters/answer reads back a value the
 * module computed when it loaded; writing 1 to .../parameters/warn
 * triggers a WARN() so that the harness' oops detection can be tested.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/bug.h>

static int answer;
module_param(answer, int, 0444);
MODULE_PARM_DESC(answer, "6 * 7, computed at load");

static int warn_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	WARN(on, "ksplice_selftest: warning requested from user space\n");
	return 0;
}

static const struct kernel_param_ops warn_ops = {
	.set = warn_set,
};
module_param_cb(warn, &warn_ops, NULL, 0200);
MODULE_PARM_DESC(warn, "write 1 to trigger a kernel warning");

static int __init selftest_init(void)
{
	answer = 6 * 7;
	return 0;
}

static void __exit selftest_exit(void)
{
}

module_init(selftest_init);
module_exit(selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksplice test-harness self test");
