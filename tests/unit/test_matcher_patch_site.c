// SPDX-License-Identifier: GPL-2.0
/*
 * Patch-site choice: offset 5 after the ftrace call, else 0; refused when
 * the 5-byte jump would cover a site the kernel rewrites after boot (jump
 * label, static call, lock prefix, another ftrace site) or a place the
 * function branches to, or does not fit.  Sites the kernel rewrites only
 * once, at boot or module load, before any jump can be written
 * (alternatives, paravirt, retpoline and return thunks), may be covered.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "code/patch_site.h"
#include "check.h"

static int choose(const uint8_t *code, size_t len, struct ks_site *sites,
		  size_t nr_sites, unsigned int *off, char *err, size_t errlen)
{
	struct ks_pre_section secs[2] = {
		{ .name = "" },
		{ .name = ".text.f", .flags = SHF_ALLOC | SHF_EXECINSTR,
		  .size = len, .data = code, .sites = sites,
		  .nr_sites = nr_sites },
	};
	struct ks_pre_code o = { .secs = secs, .nr_secs = 2, .altrepl_shndx = -1 };
	struct ks_code_fn fn = { .name = "f", .shndx = 1, .len = len };

	err[0] = '\0';
	return ks_patch_offset(&o, &fn, off, err, errlen);
}

int main(void)
{
	/* call __fentry__; push rbx; mov rbx,rdi; xor eax,eax; pop rbx; ret */
	static const uint8_t plain[] = {
		0xe8, 0, 0, 0, 0, 0x53, 0x48, 0x89, 0xfb, 0x31, 0xc0,
		0x5b, 0xc3,
	};
	/* no ftrace call: push rbx; mov rbx,rdi; xor eax,eax; pop rbx; ret */
	static const uint8_t notrace[] = {
		0x53, 0x48, 0x89, 0xfb, 0x31, 0xc0, 0x5b, 0xc3,
	};
	/* fentry; push rbx; nop; jne back to offset 7 (inside [5,10)) */
	static const uint8_t loop[] = {
		0xe8, 0, 0, 0, 0, 0x53, 0x90, 0x90, 0x90, 0x90, 0x90,
		0x75, 0xfa, 0x5b, 0xc3,
	};
	struct ks_site fentry = { .off = 0, .len = 5, .kind = KS_SITE_FENTRY };
	struct ks_site two[2] = {
		{ .off = 0, .len = 5, .kind = KS_SITE_FENTRY },
		{ .off = 6, .len = 5, .kind = KS_SITE_JUMP_LABEL },
	};
	unsigned int off = 99;
	char err[512];

	CHECK_MSG(!choose(plain, sizeof(plain), &fentry, 1, &off, err, sizeof(err)) &&
		  off == 5, "fentry function: %u %s", off, err);
	CHECK_MSG(!choose(notrace, sizeof(notrace), NULL, 0, &off, err, sizeof(err)) &&
		  off == 0, "notrace function: %u %s", off, err);
	CHECK_MSG(choose(plain, sizeof(plain), two, 2, &off, err, sizeof(err)) &&
		  strstr(err, "jump label"), "jump label under the jump: %s", err);
	CHECK_MSG(choose(loop, sizeof(loop), &fentry, 1, &off, err, sizeof(err)) &&
		  strstr(err, "branches to offset 7"), "branch into the jump: %s", err);
	CHECK_MSG(choose(plain, 8, &fentry, 1, &off, err, sizeof(err)) &&
		  strstr(err, "no room"), "too short: %s", err);
	/* Each kind of site at offset 6 (a lock prefix is 1 byte long). */
	static const struct {
		enum ks_site_kind kind;
		unsigned int len;
		int refused;
		const char *name;
	} kinds[] = {
		{ KS_SITE_JUMP_LABEL, 2, 1, "jump label" },
		{ KS_SITE_STATIC_CALL, 5, 1, "static call" },
		{ KS_SITE_SMP_LOCK, 1, 1, "lock prefix" },
		{ KS_SITE_FENTRY, 5, 1, "ftrace call" },
		{ KS_SITE_ALTERNATIVE, 3, 0, "alternative" },
		{ KS_SITE_PARAVIRT, 6, 0, "paravirt" },
		{ KS_SITE_RETPOLINE, 5, 0, "retpoline thunk" },
		{ KS_SITE_RETURN, 5, 0, "return thunk" },
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct ks_site s2[2] = {
			{ .off = 0, .len = 5, .kind = KS_SITE_FENTRY },
			{ .off = 6, .len = kinds[k].len, .kind = kinds[k].kind },
		};
		char want[128];
		int rc;

		off = 99;
		rc = choose(plain, sizeof(plain), s2, 2, &off, err, sizeof(err));
		snprintf(want, sizeof(want), "f: the jump at offset 5 would "
			 "overlap a %s site at offset 6 (%u byte%s)",
			 kinds[k].name, kinds[k].len, kinds[k].len == 1 ? "" : "s");
		if (kinds[k].refused)
			CHECK_MSG(rc && strstr(err, want), "%s under the jump: "
				  "refused with '%s', got: %s", kinds[k].name,
				  want, err);
		else
			CHECK_MSG(!rc && off == 5, "%s under the jump is rewritten "
				  "only at boot or load: allowed, got: %s",
				  kinds[k].name, err);
	}
	/* A lock prefix right at the patch site of a function without ftrace. */
	struct ks_site lock0 = { .off = 0, .len = 1, .kind = KS_SITE_SMP_LOCK };

	CHECK_MSG(choose(notrace, sizeof(notrace), &lock0, 1, &off, err, sizeof(err)) &&
		  strstr(err, "f: the jump at offset 0 would overlap a lock prefix "
			 "site at offset 0 (1 byte)"), "lock prefix at 0: %s", err);
	/*
	 * A sibling section (f.cold in .text.unlikely.f) that jumps back into
	 * f: into the middle of the jump is refused, to its start or past
	 * its end is not (issue 15).
	 */
	static const int64_t back[] = { 7, 5, 10 };

	for (size_t k = 0; k < sizeof(back) / sizeof(back[0]); k++) {
		/* f.cold: call g; jmp .text.f+TO */
		static const uint8_t cold[] = {
			0xe8, 0, 0, 0, 0, 0xe9, 0, 0, 0, 0,
		};
		struct ks_reloc relocs[2] = {
			{ .off = 1, .type = R_X86_64_PLT32, .sym = 3, .addend = -4 },
			{ .off = 6, .type = R_X86_64_PC32, .sym = 1,
			  .addend = back[k] - 4 },
		};
		struct ks_pre_section secs[3] = {
			{ .name = "" },
			{ .name = ".text.f", .flags = SHF_ALLOC | SHF_EXECINSTR,
			  .size = sizeof(plain), .data = plain, .sites = &fentry,
			  .nr_sites = 1 },
			{ .name = ".text.unlikely.f",
			  .flags = SHF_ALLOC | SHF_EXECINSTR, .size = sizeof(cold),
			  .data = cold, .relocs = relocs, .nr_relocs = 2 },
		};
		struct ks_pre_sym syms[4] = {
			{ .name = "" },
			{ .name = "", .shndx = 1, .type = STT_SECTION },
			{ .name = "f.cold", .shndx = 2, .size = sizeof(cold),
			  .type = STT_FUNC },
			{ .name = "g", .shndx = SHN_UNDEF, .type = STT_NOTYPE },
		};
		struct ks_pre_code o = { .secs = secs, .nr_secs = 3, .syms = syms,
					 .nr_syms = 4, .altrepl_shndx = -1 };
		struct ks_code_fn fn = { .name = "f", .shndx = 1,
					 .len = sizeof(plain) };
		int rc;

		off = 99;
		err[0] = '\0';
		rc = ks_patch_offset(&o, &fn, &off, err, sizeof(err));
		if (back[k] == 7)
			CHECK_MSG(rc && strstr(err, "f: .text.unlikely.f "
					       "(f.cold) branches to offset 7"),
				  "cold piece into the jump: %s", err);
		else
			CHECK_MSG(!rc && off == 5, "cold piece back to offset "
				  "%lld: allowed, got: %s", (long long)back[k],
				  err);
	}
	if (failures)
		return 1;
	printf("patch-site checks passed\n");
	return 0;
}
