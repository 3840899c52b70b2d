/* SPDX-License-Identifier: GPL-2.0 */
/* x86-64 instruction helpers for the matcher, on top of capstone. */
#ifndef KS_X86_DECODE_H
#define KS_X86_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Length of the instruction at P (0 if it does not decode). */
unsigned int ks_x86_insn_len(const uint8_t *p, size_t avail);

/* Length of the instruction at P if it is a NOP of any encoding, else 0. */
unsigned int ks_x86_nop_len(const uint8_t *p, size_t avail);

/*
 * Disassemble LEN bytes at P (as if at ADDR) into OUT: "insn; insn".
 * Undecodable bytes are shown as "(bad)".
 */
void ks_x86_disasm(const uint8_t *p, size_t len, uint64_t addr, char *out,
		   size_t outlen);

/* Hex of LEN bytes, space separated ("e8 00 00 00 00"). */
void ks_hex(const uint8_t *p, size_t len, char *out, size_t outlen);

#endif /* KS_X86_DECODE_H */
