// SPDX-License-Identifier: GPL-2.0
/*
 * The matcher on synthetic byte buffers: one pre function holding one
 * site of every rewrite kind, compared with running bytes in each form the
 * kernel may give that site, and in forms it never gives.  Then
 * ambiguity: two running copies of a static function told apart only by
 * a caller's relocation.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "match/kallsyms.h"
#include "match/kernel_text.h"
#include "match/matcher.h"
#include "code/pre_object.h"
#include "check.h"

#define RUN_ADDR	0xffffffff81000000ULL
#define THUNK_RAX	0xffffffff81001000ULL
#define RET_THUNK	0xffffffff81002000ULL
#define CALLEE		0xffffffff81003000ULL
#define ANYWHERE	0xffffffff81005000ULL

/* The pre function, offsets of its sites: */
enum {
	FENTRY = 0,	/* e8 rel32 __fentry__                   5 */
	CALL = 5,	/* e8 rel32 callee                       5 */
	RETPO = 10,	/* 2e e8 rel32 __x86_indirect_thunk_rax  6 */
	JLABEL = 16,	/* 0f 1f 44 00 00 -> target RET          5 */
	ALT = 21,	/* 48 89 c7 90 90, repl 48 89 f8         5 */
	SCALL = 26,	/* e8 rel32 __SCT__foo                   5 */
	LOCK = 31,	/* f0 ff 07                              3 */
	PLAIN = 34,	/* 48 31 c0 90 90 90                     6 */
	RET = 40,	/* e9 rel32 __x86_return_thunk           5 */
	PV = 45,	/* ff 15 rel32 pv_ops                    6 */
	END = 51,	/* c3                                    1 */
	LEN = 52
};

static const uint8_t pre_code[LEN] = {
	0xe8, 0, 0, 0, 0,
	0xe8, 0, 0, 0, 0,
	0x2e, 0xe8, 0, 0, 0, 0,
	0x0f, 0x1f, 0x44, 0x00, 0x00,
	0x48, 0x89, 0xc7, 0x90, 0x90,
	0xe8, 0, 0, 0, 0,
	0xf0, 0xff, 0x07,
	0x48, 0x31, 0xc0, 0x90, 0x90, 0x90,
	0xe9, 0, 0, 0, 0,
	0xff, 0x15, 0, 0, 0, 0,
	0xc3,
};
static const uint8_t repl_code[] = { 0x48, 0x89, 0xf8 };

static struct ks_pre_section secs[3];
static struct ks_pre_sym syms[] = {
	{ .name = "" },
	{ .name = "myfn", .shndx = 1, .size = LEN, .type = STT_FUNC, .bind = STB_GLOBAL },
	{ .name = "__fentry__" },
	{ .name = "callee" },
	{ .name = "__x86_indirect_thunk_rax" },
	{ .name = "__x86_return_thunk" },
	{ .name = "__SCT__foo" },
	{ .name = "pv_ops" },
};
static struct ks_reloc relocs[] = {
	{ FENTRY + 1, R_X86_64_PLT32, 2, -4 },
	{ CALL + 1, R_X86_64_PLT32, 3, -4 },
	{ RETPO + 2, R_X86_64_PLT32, 4, -4 },
	{ SCALL + 1, R_X86_64_PLT32, 6, -4 },
	{ RET + 1, R_X86_64_PLT32, 5, -4 },
	{ PV + 2, R_X86_64_PC32, 7, 0x10 - 4 },
};
static struct ks_site sites[] = {
	{ .off = FENTRY, .len = 5, .kind = KS_SITE_FENTRY },
	{ .off = RETPO, .len = 6, .kind = KS_SITE_RETPOLINE, .reg = 0 },
	{ .off = JLABEL, .len = 5, .kind = KS_SITE_JUMP_LABEL,
	  .target_shndx = 1, .target_off = RET },
	{ .off = ALT, .len = 5, .kind = KS_SITE_ALTERNATIVE, .repl_off = 0,
	  .repl_len = 3 },
	{ .off = SCALL, .len = 5, .kind = KS_SITE_STATIC_CALL },
	{ .off = LOCK, .len = 1, .kind = KS_SITE_SMP_LOCK },
	{ .off = RET, .len = 5, .kind = KS_SITE_RETURN },
	{ .off = PV, .len = 6, .kind = KS_SITE_PARAVIRT },
};

static struct ks_pre_code pre = {
	.path = "synthetic.o", .secs = secs, .nr_secs = 3, .syms = syms,
	.nr_syms = sizeof(syms) / sizeof(syms[0]), .altrepl_shndx = 2,
};

static void put32(uint8_t *b, int off, int64_t v)
{
	int32_t x = (int32_t)v;

	memcpy(b + off, &x, 4);
}

/* The running code the kernel makes of pre_code in a typical boot. */
static void typical_run(uint8_t *r)
{
	static const uint8_t nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

	memcpy(r, pre_code, LEN);
	memcpy(r + FENTRY, nop5, 5);
	put32(r, CALL + 1, CALLEE - (RUN_ADDR + CALL + 5));
	put32(r, RETPO + 2, THUNK_RAX - (RUN_ADDR + RETPO + 6));
	put32(r, SCALL + 1, ANYWHERE - (RUN_ADDR + SCALL + 5));
	memcpy(r + RET, "\xc3\xcc\xcc\xcc\xcc", 5);
	memcpy(r + PV, "\xfa\x0f\x1f\x44\x00\x00", 6);	/* cli; nop5 */
}

static int compare(struct ks_match *m, const uint8_t *run, char *diff,
		   size_t len)
{
	struct ks_fn_match fn = {
		.sym = 1, .name = "myfn", .shndx = 1, .off = 0, .len = LEN,
	};

	m->nr_cand_facts = 0;
	return ks_match_compare(m, &fn, run, RUN_ADDR, diff, len);
}

/* Apply BYTES at OFF to a typical run and expect EQUAL. */
static void variant(struct ks_match *m, const char *what, int off,
		    const char *bytes, size_t n, int equal)
{
	uint8_t run[LEN];
	char diff[1024];
	int r;

	typical_run(run);
	memcpy(run + off, bytes, n);
	r = compare(m, run, diff, sizeof(diff));
	CHECK_MSG(r == equal, "%s: expected %s, got %s %s", what,
		  equal ? "equal" : "different", r ? "equal" : "different", diff);
	if (!equal && r == 0)
		CHECK_MSG(strstr(diff, "myfn+0x") != NULL, "%s: report without "
			  "function and offset: %s", what, diff);
}

static void write_kallsyms(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void test_sites(void)
{
	char path[] = "/tmp/test_matcher_ksyms.XXXXXX", err[256], diff[1024];
	struct ks_kallsyms ks;
	struct ks_match m = { 0 };
	uint8_t run[LEN];
	uint8_t jmp[5] = { 0xe9 };
	int fd = mkstemp(path);

	close(fd);
	write_kallsyms(path,
		       "ffffffff81000000 T myfn\n"
		       "ffffffff81001000 T __x86_indirect_thunk_rax\n"
		       "ffffffff81001020 T __x86_indirect_thunk_rcx\n"
		       "ffffffff81002000 T __x86_return_thunk\n"
		       "ffffffff81003000 T callee\n"
		       "ffffffff81004000 T unrelated\n"
		       "ffffffff81005000 T foo_impl\n"
		       "ffffffff81006000 T end\n");
	CHECK_MSG(!ks_kallsyms_load(path, &ks, err, sizeof(err)), "%s", err);
	unlink(path);
	secs[1] = (struct ks_pre_section){
		.name = ".text.myfn", .type = SHT_PROGBITS,
		.flags = SHF_ALLOC | SHF_EXECINSTR, .size = LEN,
		.data = pre_code, .relocs = relocs,
		.nr_relocs = sizeof(relocs) / sizeof(relocs[0]),
		.sites = sites, .nr_sites = sizeof(sites) / sizeof(sites[0]),
	};
	secs[2] = (struct ks_pre_section){
		.name = ".altinstr_replacement", .type = SHT_PROGBITS,
		.flags = SHF_ALLOC | SHF_EXECINSTR, .size = sizeof(repl_code),
		.data = repl_code,
	};
	m.pre = &pre;
	m.ks = &ks;
	m.scope = "vmlinux";

	typical_run(run);
	CHECK_MSG(compare(&m, run, diff, sizeof(diff)) == 1, "typical: %s", diff);
	/* it learned callee's address from the call */
	int learned = 0;
	for (size_t i = 0; i < m.nr_cand_facts; i++)
		if (!m.cand_facts[i].shndx && !strcmp(m.cand_facts[i].name, "callee"))
			learned = m.cand_facts[i].addr == CALLEE;
	CHECK_MSG(learned, "callee not learned at %llx", (unsigned long long)CALLEE);

	/* ftrace: nop, or a call to a trampoline anywhere */
	variant(&m, "fentry call", FENTRY, "\xe8\x11\x22\x33\x44", 5, 1);
	variant(&m, "fentry 5x nop1", FENTRY, "\x90\x90\x90\x90\x90", 5, 0);
	variant(&m, "fentry jmp", FENTRY, "\xe9\x11\x22\x33\x44", 5, 0);
	/* an ordinary call must go to the kallsyms symbol of its name */
	put32(jmp, 1, 0x1000);
	variant(&m, "call elsewhere", CALL + 1, (char *)jmp + 1, 4, 0);
	/* retpolines: unchanged thunk call, call *%rax + NOPs, lfence form */
	variant(&m, "retpoline call *rax", RETPO, "\xff\xd0\x90\x90\x90\x90", 6, 1);
	variant(&m, "retpoline lfence", RETPO, "\x0f\xae\xe8\xff\xd0\x90", 6, 1);
	variant(&m, "retpoline wrong reg", RETPO, "\xff\xd1\x90\x90\x90\x90", 6, 0);
	put32(jmp, 1, THUNK_RAX + 0x20 - (RUN_ADDR + RETPO + 6));
	variant(&m, "retpoline other thunk", RETPO + 2, (char *)jmp + 1, 4, 0);
	/* jump labels: NOP or jmp to the entry's target, 2 or 5 bytes */
	put32(jmp, 1, RET - (JLABEL + 5));
	variant(&m, "jump label on", JLABEL, (char *)jmp, 5, 1);
	put32(jmp, 1, RET - (JLABEL + 5) + 1);
	variant(&m, "jump label wrong target", JLABEL, (char *)jmp, 5, 0);
	variant(&m, "jump label 3+2 nops", JLABEL, "\x0f\x1f\x00\x66\x90", 5, 0);
	/* alternatives: original (NOPs re-encoded) or replacement + NOPs */
	variant(&m, "alt original nop2", ALT, "\x48\x89\xc7\x66\x90", 5, 1);
	variant(&m, "alt replacement", ALT, "\x48\x89\xf8\x66\x90", 5, 1);
	variant(&m, "alt replacement 90 90", ALT, "\x48\x89\xf8\x90\x90", 5, 1);
	variant(&m, "alt neither", ALT, "\x48\x89\xc0\x66\x90", 5, 0);
	variant(&m, "alt replacement no pad", ALT, "\x48\x89\xf8\x31\xc0", 5, 0);
	/* static calls: call anywhere, NOP; ret only for tail calls */
	variant(&m, "static call other", SCALL, "\xe8\x00\x10\x00\x00", 5, 1);
	variant(&m, "static call nop", SCALL, "\x0f\x1f\x44\x00\x00", 5, 1);
	variant(&m, "static call ret (not tail)", SCALL, "\xc3\xcc\xcc\xcc\xcc", 5, 0);
	variant(&m, "static call inlined return0", SCALL, "\x2e\x2e\x2e\x31\xc0", 5, 1);
	variant(&m, "static call other 5-byte insn", SCALL, "\x2e\x2e\x2e\x31\xdb", 5, 0);
	/* lock prefix: lock, or ds on a uniprocessor */
	variant(&m, "smp lock ds", LOCK, "\x3e", 1, 1);
	variant(&m, "smp lock nop", LOCK, "\x90", 1, 0);
	/* return thunk: ret; int3 padding, or jmp to a return thunk */
	put32(jmp, 1, RET_THUNK - (RUN_ADDR + RET + 5));
	variant(&m, "return thunk jmp", RET, (char *)jmp, 5, 1);
	put32(jmp, 1, CALLEE - (RUN_ADDR + RET + 5));
	variant(&m, "return jmp elsewhere", RET, (char *)jmp, 5, 0);
	variant(&m, "return ret nops", RET, "\xc3\x90\x90\x90\x90", 5, 0);
	/* paravirt: whatever the kernel put there, of the site's length */
	variant(&m, "paravirt call", PV, "\xff\x15\x12\x34\x56\x78", 6, 1);
	/* anything else is a difference */
	variant(&m, "plain byte", PLAIN + 1, "\x29", 1, 0);
	variant(&m, "nop padding outside a site", PLAIN + 3, "\x66\x90\x90", 3, 0);
	variant(&m, "final ret", END, "\xcc", 1, 0);

	free(m.cand_facts);
	ks_kallsyms_free(&ks);
}

/*
 * Ambiguity: helper() exists twice in the running kernel with identical
 * code; only caller()'s call tells which one is this object's.
 */
static void test_ambiguity(int with_caller)
{
	static const uint8_t helper_code[] = { 0x31, 0xc0, 0xc3 };
	static const uint8_t caller_code[] = { 0xe8, 0, 0, 0, 0, 0xc3 };
	static struct ks_reloc call = { 1, R_X86_64_PLT32, 3, -4 };
	struct ks_pre_section s[3] = {
		{ .name = "" },
		{ .name = ".text.helper", .flags = SHF_ALLOC | SHF_EXECINSTR,
		  .size = 3, .data = helper_code },
		{ .name = ".text.caller", .flags = SHF_ALLOC | SHF_EXECINSTR,
		  .size = 6, .data = caller_code, .relocs = &call,
		  .nr_relocs = 1 },
	};
	struct ks_pre_sym sy[] = {
		{ .name = "" },
		{ .name = "helper", .shndx = 1, .size = 3, .type = STT_FUNC,
		  .bind = STB_LOCAL },
		{ .name = "caller", .shndx = 2, .size = 6, .type = STT_FUNC,
		  .bind = STB_GLOBAL },
		{ .name = ".text.helper", .shndx = 1, .type = STT_SECTION },
	};
	struct ks_pre_code o = {
		.path = "ambiguous.o", .secs = s, .nr_secs = 3, .syms = sy,
		.nr_syms = 4, .altrepl_shndx = -1,
	};
	uint8_t text[0x40] = { 0 };
	struct ks_text_segment seg = { .vaddr = RUN_ADDR, .len = sizeof(text),
				       .data = text };
	struct ks_kernel_text kt = { .fd = -1, .segs = &seg, .nr_segs = 1 };
	char path[] = "/tmp/test_matcher_ksyms.XXXXXX", err[256];
	struct ks_kallsyms ks;
	struct ks_match m;
	struct ks_fn_match *h;
	uint64_t addr = 0;
	int fd = mkstemp(path);

	close(fd);
	/* helper at +0x10 (other file's) and +0x20 (ours), caller at +0x30 */
	write_kallsyms(path,
		       "ffffffff81000010 t helper\n"
		       "ffffffff81000020 t helper\n"
		       "ffffffff81000030 T caller\n"
		       "ffffffff81000040 T end\n");
	CHECK_MSG(!ks_kallsyms_load(path, &ks, err, sizeof(err)), "%s", err);
	unlink(path);
	memcpy(text + 0x10, helper_code, 3);
	memcpy(text + 0x20, helper_code, 3);
	memcpy(text + 0x30, caller_code, 6);
	put32(text, 0x31, 0x20 - 0x35);
	if (!with_caller)
		sy[2].type = STT_NOTYPE;	/* caller not in the object */
	CHECK_MSG(!ks_match_object(&m, &o, &ks, &kt, "vmlinux", NULL, err,
				   sizeof(err)), "%s", err);
	h = ks_match_fn(&m, "helper");
	CHECK_MSG(h != NULL, "helper not listed");
	if (with_caller) {
		CHECK_MSG(h && h->status == KS_FN_MATCHED &&
			  h->run->addr == RUN_ADDR + 0x20,
			  "helper should be resolved to +0x20 by the call: %s",
			  h ? ks_fn_status_name(h->status) : "-");
		CHECK_MSG(!ks_match_sym_addr(&m, "helper", &addr) &&
			  addr == RUN_ADDR + 0x20, "helper address %llx",
			  (unsigned long long)addr);
	} else {
		CHECK_MSG(h && h->status == KS_FN_AMBIGUOUS && h->report &&
			  strstr(h->report, "0xffffffff81000010") &&
			  strstr(h->report, "0xffffffff81000020"),
			  "helper should be ambiguous: %s",
			  h && h->report ? h->report : "-");
		CHECK_MSG(ks_match_sym_addr(&m, "helper", &addr),
			  "an ambiguous symbol must not resolve");
	}
	ks_match_free(&m);
	ks_kallsyms_free(&ks);
}

/*
 * Jump relaxation: the stock kernel (no -ffunction-sections) has a short
 * jmp to a neighbouring static function where the pre object has a long
 * one with a relocation; everything after it sits 3 bytes earlier, and an
 * internal branch across it has a shorter displacement.
 */
static void test_relaxed(void)
{
	static const uint8_t pre_fn[] = {
		0x31, 0xc0,			/* 0: xor eax,eax          */
		0x74, 0x07,			/* 2: je 11                */
		0xe9, 0, 0, 0, 0,		/* 4: jmp neighbour (reloc) */
		0xff, 0xc0,			/* 9: inc eax              */
		0xc3,				/* 11: ret                 */
	};
	static struct ks_reloc jmp = { 5, R_X86_64_PC32, 1, -4 };
	struct ks_pre_section s[3] = {
		{ .name = "" },
		{ .name = ".text.fn", .flags = SHF_ALLOC | SHF_EXECINSTR,
		  .size = sizeof(pre_fn), .data = pre_fn, .relocs = &jmp,
		  .nr_relocs = 1 },
		{ .name = ".text.neighbour", .flags = SHF_ALLOC | SHF_EXECINSTR,
		  .size = 16 },
	};
	struct ks_pre_sym sy[] = {
		{ .name = "" },
		{ .name = ".text.neighbour", .shndx = 2, .type = STT_SECTION },
	};
	struct ks_pre_code o = {
		.path = "relaxed.o", .secs = s, .nr_secs = 3, .syms = sy,
		.nr_syms = 2, .altrepl_shndx = -1,
	};
	struct ks_kallsyms ks = { 0 };
	struct ks_match m = { .pre = &o, .ks = &ks, .scope = "vmlinux" };
	struct ks_fn_match fn = { .name = "fn", .shndx = 1, .len = sizeof(pre_fn) };
	/* run: neighbour at RUN_ADDR - 0x40 */
	uint8_t run[sizeof(pre_fn)] = {
		0x31, 0xc0, 0x74, 0x04, 0xeb, (uint8_t)(-0x40 - 6),
		0xff, 0xc0, 0xc3, 0xcc, 0xcc, 0xcc,
	};
	char diff[1024];
	int r, learned = 0;

	r = ks_match_compare(&m, &fn, run, RUN_ADDR, diff, sizeof(diff));
	CHECK_MSG(r == 1, "relaxed jmp: %s", diff);
	for (size_t i = 0; i < m.nr_cand_facts; i++)
		if (m.cand_facts[i].shndx == 2)
			learned = m.cand_facts[i].addr == RUN_ADDR - 0x40;
	CHECK_MSG(learned, "neighbour not learned from the short jmp");
	/* the internal je must still land on the same instruction */
	run[3] = 0x05;
	m.nr_cand_facts = 0;
	r = ks_match_compare(&m, &fn, run, RUN_ADDR, diff, sizeof(diff));
	CHECK_MSG(r == 0, "je to the wrong place accepted");
	run[3] = 0x04;
	/* a short jmp is not a call */
	run[4] = 0xe8;
	m.nr_cand_facts = 0;
	r = ks_match_compare(&m, &fn, run, RUN_ADDR, diff, sizeof(diff));
	CHECK_MSG(r == 0, "call accepted for jmp");
	free(m.cand_facts);
}

int main(void)
{
	test_sites();
	test_relaxed();
	test_ambiguity(1);
	test_ambiguity(0);
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("all matcher checks passed\n");
	return 0;
}
