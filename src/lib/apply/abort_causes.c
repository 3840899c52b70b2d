// SPDX-License-Identifier: GPL-2.0
/* Abort-cause names and paragraphs; see abort_causes.h. */
#include "apply/abort_causes.h"

#include <ctype.h>
#include <string.h>

#define NAME_ENTRY(sym, str) [KSPLICE_ABORT_##sym] = str,
static const char *const names[KSPLICE_ABORT_COUNT] = {
	KSPLICE_ABORT_CAUSES(NAME_ENTRY)
};
#undef NAME_ENTRY

/* One paragraph per cause, indexed like the X-macro. */
static const char *const paragraphs[KSPLICE_ABORT_COUNT] = {
	[KSPLICE_ABORT_NONE] =
	"Nothing failed.",
	[KSPLICE_ABORT_NO_MATCH] =
	"The update's original code does not match the code of the running "
	"kernel, so the update was not built from this kernel's source and "
	"cannot safely be applied. The kernel was not changed. Build the "
	"update from the exact source, configuration and compiler of the "
	"running kernel (see /proc/version), or use an update made for it.",
	[KSPLICE_ABORT_CODE_BUSY] =
	"Some code that the update replaces was in use by a running task "
	"every time Ksplice tried, so it could not be replaced safely. The "
	"kernel was not changed. Try again later, when the listed tasks are "
	"doing something else; stopping them helps.",
	[KSPLICE_ABORT_MODULE_BUSY] =
	"A module that the update needs could not be loaded or unloaded "
	"because it is in use. Try again later, or stop what uses it.",
	[KSPLICE_ABORT_FAILED_TO_FIND] =
	"Ksplice could not tell where a function or variable that the update "
	"needs lives in the running kernel: it is missing, or several running "
	"copies fit and nothing tells them apart. The kernel was not changed. "
	"The update may not be meant for this kernel; its creator can use the "
	"message below to find out.",
	[KSPLICE_ABORT_TARGET_NOT_LOADED] =
	"The update changes a kernel module that is not loaded. Load the "
	"module and try again, or apply the rest of the update with "
	"--partial.",
	[KSPLICE_ABORT_CALL_FAILED] =
	"A step of the update that runs code in the kernel failed, so the "
	"update was undone. The message below says which step.",
	[KSPLICE_ABORT_ALREADY_APPLIED] =
	"This update is already applied. Nothing was changed.",
	[KSPLICE_ABORT_OUT_OF_MEMORY] =
	"The kernel ran out of memory while preparing the update, so it was "
	"not applied. Free some memory and try again.",
	[KSPLICE_ABORT_NOT_APPLIED] =
	"That update is not applied, so there is nothing to remove. "
	"ksplice-view lists the updates that are.",
	[KSPLICE_ABORT_INVALID_UPDATE] =
	"The update file is damaged, incomplete or not a Ksplice update (its "
	"contents do not match their recorded checksums, or it cannot be "
	"read). Nothing was changed. Fetch or build the update again.",
	[KSPLICE_ABORT_WRONG_KERNEL] =
	"The update was made for a different kernel than the one running "
	"(uname -r and uname -v differ from the update's). Nothing was "
	"changed. Use an update made for this kernel.",
	[KSPLICE_ABORT_UNEXPECTED] =
	"Something unexpected went wrong; the message below says what. The "
	"kernel was left as it was before the command. Please report this "
	"with the output of --debug.",
	[KSPLICE_ABORT_PATCH_SITE_OVERLAP] =
	"A function that the update replaces cannot take the jump that "
	"Ksplice writes at its start: the five bytes it needs hold a place "
	"that the kernel rewrites while it runs (a jump label, a static call, "
	"a lock prefix, an ftrace site) or that the function branches to, or "
	"the function is too short. This is a known limit, not a fault of the "
	"update or of this kernel. The kernel was not changed. The message "
	"below names the function, the offset and the site; such a fix can "
	"only be applied live if it leaves that function alone (by changing "
	"its callers instead, for example).",
	[KSPLICE_ABORT_UNSAFE_SITE] =
	"A function that the update replaces may run where no jump can be "
	"written or taken safely: in NMI or exception entry code (noinstr, "
	"entry or kprobes text) or on the kernel's kprobe blacklist. The "
	"kernel was not changed. The message below names the function and "
	"the reason; such a fix can only be applied live if it leaves that "
	"function alone (by changing its callers instead, for example).",
	[KSPLICE_ABORT_FTRACE_IPMODIFY] =
	"A function that the update replaces is already redirected by another "
	"live patching mechanism of the kernel (a livepatch, or a kprobe with "
	"a post handler, through ftrace): its redirection would run instead "
	"of the fix, so Ksplice refused. The kernel was not changed. The "
	"message below names the function. Disable the livepatch (see "
	"/sys/kernel/livepatch) or remove the probe, then try again.",
};

const char *ks_abort_name(enum ksplice_abort_cause c)
{
	if ((unsigned int)c >= KSPLICE_ABORT_COUNT)
		c = KSPLICE_ABORT_UNEXPECTED;
	return names[c];
}

const char *ks_abort_paragraph(enum ksplice_abort_cause c)
{
	if ((unsigned int)c >= KSPLICE_ABORT_COUNT)
		c = KSPLICE_ABORT_UNEXPECTED;
	return paragraphs[c];
}

int ks_abort_from_name(const char *name)
{
	size_t len;

	while (isspace((unsigned char)*name))
		name++;
	len = strlen(name);
	while (len && isspace((unsigned char)name[len - 1]))
		len--;
	for (int i = 0; i < KSPLICE_ABORT_COUNT; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], name, len))
			return i;
	return -1;
}

int ks_abort_exit_status(enum ksplice_abort_cause c)
{
	if ((unsigned int)c >= KSPLICE_ABORT_COUNT)
		c = KSPLICE_ABORT_UNEXPECTED;
	return KSPLICE_EXIT_BASE + (int)c;
}
