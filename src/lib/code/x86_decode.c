// SPDX-License-Identifier: GPL-2.0
/* Capstone wrappers; see x86_decode.h. */
#include "code/x86_decode.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

static csh handle(void)
{
	static csh h;
	static int state;	/* 0 untried, 1 open, -1 failed */

	if (!state)
		state = cs_open(CS_ARCH_X86, CS_MODE_64, &h) == CS_ERR_OK ? 1 : -1;
	return state == 1 ? h : 0;
}

static int decode(const uint8_t *p, size_t avail, uint64_t addr, cs_insn **insn)
{
	csh h = handle();

	if (!h || !avail)
		return 0;
	return cs_disasm(h, p, avail < 16 ? avail : 16, addr, 1, insn) == 1;
}

unsigned int ks_x86_insn_len(const uint8_t *p, size_t avail)
{
	cs_insn *insn;
	unsigned int len;

	if (!decode(p, avail, 0, &insn))
		return 0;
	len = insn->size;
	cs_free(insn, 1);
	return len;
}

unsigned int ks_x86_nop_len(const uint8_t *p, size_t avail)
{
	cs_insn *insn;
	unsigned int len = 0;

	if (!decode(p, avail, 0, &insn))
		return 0;
	/* "xchg %ax,%ax" (66 90) is the kernel's 2-byte NOP. */
	if (insn->id == X86_INS_NOP ||
	    (insn->size == 2 && p[0] == 0x66 && p[1] == 0x90))
		len = insn->size;
	cs_free(insn, 1);
	return len;
}

void ks_x86_disasm(const uint8_t *p, size_t len, uint64_t addr, char *out,
		   size_t outlen)
{
	size_t used = 0, i = 0;

	if (outlen)
		out[0] = '\0';
	while (i < len && used + 1 < outlen) {
		cs_insn *insn;
		int n;

		if (!decode(p + i, len - i, addr + i, &insn)) {
			n = snprintf(out + used, outlen - used, "%s(bad)",
				     i ? "; " : "");
			i = len;
		} else {
			n = snprintf(out + used, outlen - used, "%s%s%s%s",
				     i ? "; " : "", insn->mnemonic,
				     insn->op_str[0] ? " " : "", insn->op_str);
			i += insn->size;
			cs_free(insn, 1);
		}
		if (n < 0 || (size_t)n >= outlen - used)
			break;
		used += n;
	}
}

void ks_hex(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	size_t used = 0;

	if (outlen)
		out[0] = '\0';
	for (size_t i = 0; i < len && used + 4 <= outlen; i++)
		used += snprintf(out + used, outlen - used, "%s%02x",
				 i ? " " : "", p[i]);
}
