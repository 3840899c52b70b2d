// SPDX-License-Identifier: GPL-2.0
/*
 * Package round trip: manifest format/parse, ks_package_write then
 * ks_package_open, and the refusals (tampered file, extra file, unsafe
 * path, truncated manifest).
 */
#include "ksplice/abi.h"
#include "package/package.h"

#include <ksplice/abi.h>
#include "util/fs.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static char tmp[] = "/tmp/test_package.XXXXXX";

static void put(const char *rel, const char *text)
{
	char *p = ks_strfmt("%s/%s", tmp, rel);

	if (ks_mkdir_parent(p) || ks_write_file(p, text, strlen(text))) {
		perror(p);
		exit(1);
	}
	free(p);
}

static struct ks_manifest sample(void)
{
	static struct ks_pre_object objs[] = {
		{ "fs/ext4/mballoc.o", "pre/fs/ext4/mballoc.o" },
	};
	static struct ks_func_entry funcs[] = {
		{ "ext4_mb_load_buddy_gfp", KS_FUNC_CHANGED, "fs/ext4/mballoc.o", 0 },
		{ "helper_new", KS_FUNC_NEW, "fs/ext4/mballoc.o", -1 },
		{ "gone", KS_FUNC_DELETED, "fs/ext4/mballoc.o", -1 },
	};
	static struct ks_symref syms[] = {
		{ "mb_find_buddy", KSPLICE_SYM_LOCAL, "fs/ext4/mballoc.o" },
		{ "ext4_groupinfo_caches", KSPLICE_SYM_LOCAL | KSPLICE_SYM_DATA,
		  "fs/ext4/mballoc.o" },
		{ "some_global", KSPLICE_SYM_DATA, NULL },
		{ "func_global", 0, NULL },
	};
	static struct ks_target tg = {
		"ext4", "new/ksplice_ab12cd34_ext4.ko", "ksplice_ab12cd34_ext4",
		objs, 1, funcs, 3, syms, 4,
	};
	struct ks_manifest m = {
		KS_PACKAGE_FORMAT, "ab12cd34",
		"Fix a thing\nsecond line with \\ backslash\ttab",
		"6.1.0-55-amd64",
		"#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-1 (2026-01-01)",
		"gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0",
		&tg, 1,
	};
	return m;
}

static void test_manifest_roundtrip(void)
{
	struct ks_manifest m = sample(), p;
	char err[256] = "";
	char *text = ks_manifest_format(&m), *text2;

	CHECK(text != NULL);
	CHECK(ks_manifest_parse(text, &p, err, sizeof(err)) == 0);
	CHECK(!strcmp(p.id, "ab12cd34"));
	CHECK(!strcmp(p.description, m.description));
	CHECK(!strcmp(p.kernel_version, m.kernel_version));
	CHECK(p.nr_targets == 1);
	CHECK(p.targets[0].nr_funcs == 3 && p.targets[0].nr_syms == 4);
	CHECK(p.targets[0].funcs[0].desc_index == 0);
	CHECK(p.targets[0].funcs[1].kind == KS_FUNC_NEW);
	CHECK(p.targets[0].funcs[2].desc_index == -1);
	CHECK(p.targets[0].syms[1].flags ==
	      (KSPLICE_SYM_LOCAL | KSPLICE_SYM_DATA));
	CHECK(p.targets[0].syms[2].object == NULL);
	CHECK(p.targets[0].syms[3].flags == 0);
	text2 = ks_manifest_format(&p);
	CHECK(text2 && !strcmp(text, text2));
	ks_manifest_free(&p);

	/* Truncated text is refused. */
	text[strlen(text) - 4] = '\0';
	CHECK(ks_manifest_parse(text, &p, err, sizeof(err)) == -1);
	CHECK(strstr(err, "truncated") != NULL);
	CHECK(ks_manifest_parse("hello 1\n", &p, err, sizeof(err)) == -1);
	free(text);
	free(text2);
}

static void test_package_roundtrip(void)
{
	struct ks_manifest m = sample();
	struct ks_package pkg;
	char err[256] = "";
	char *text = ks_manifest_format(&m);
	char *tarball = ks_strfmt("%s/out.tar.gz", tmp);
	char *unpack = ks_strfmt("%s/unpack", tmp);
	char *cmd, *p, *body;

	ks_mkdir_p(unpack, 0755);
	put("pkg/manifest", text);
	put("pkg/patch", "--- a/x\n+++ b/x\n");
	put("pkg/pre/fs/ext4/mballoc.o", "pre object bytes");
	put("pkg/new/ksplice_ab12cd34_ext4.ko", "module bytes");
	p = ks_strfmt("%s/pkg", tmp);
	CHECK(ks_package_write(p, tarball, err, sizeof(err)) == 0);
	free(p);
	if (err[0])
		fprintf(stderr, "write: %s\n", err);

	CHECK(ks_package_open(tarball, unpack, &pkg, err, sizeof(err)) == 0);
	if (pkg.dir) {
		CHECK(!strcmp(pkg.manifest.id, "ab12cd34"));
		CHECK(!strcmp(pkg.patch, "--- a/x\n+++ b/x\n"));
		CHECK(!strcmp(pkg.manifest.targets[0].name, "ext4"));
		p = ks_package_path(&pkg, "new/ksplice_ab12cd34_ext4.ko");
		body = ks_read_file(p, NULL);
		CHECK(body && !strcmp(body, "module bytes"));
		free(body);
		free(p);
		ks_package_close(&pkg);
	} else {
		fprintf(stderr, "open: %s\n", err);
	}
	/* The unpack directory is left empty after close. */
	cmd = ks_strfmt("test -z \"$(ls -A %s)\"", unpack);
	CHECK(system(cmd) == 0);
	free(cmd);

	/* Tamper with one file and repack with tar: refused by hash. */
	cmd = ks_strfmt("cd %s && rm -rf t && mkdir t && tar -xzf out.tar.gz -C t"
			" && echo evil > t/ksplice-ab12cd34/new/ksplice_ab12cd34_ext4.ko"
			" && tar -czf bad.tar.gz -C t ksplice-ab12cd34", tmp);
	CHECK(system(cmd) == 0);
	free(cmd);
	p = ks_strfmt("%s/bad.tar.gz", tmp);
	CHECK(ks_package_open(p, unpack, &pkg, err, sizeof(err)) == -1);
	CHECK(strstr(err, "SHA-256") != NULL);

	/* An extra file not in SHA256SUMS: refused. */
	cmd = ks_strfmt("cd %s && rm -rf t && mkdir t && tar -xzf out.tar.gz -C t"
			" && echo x > t/ksplice-ab12cd34/extra"
			" && tar -czf bad.tar.gz -C t ksplice-ab12cd34", tmp);
	CHECK(system(cmd) == 0);
	free(cmd);
	CHECK(ks_package_open(p, unpack, &pkg, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not listed") != NULL);

	/* A symlink entry: refused. */
	cmd = ks_strfmt("cd %s && rm -rf t && mkdir t && tar -xzf out.tar.gz -C t"
			" && ln -s /etc/passwd t/ksplice-ab12cd34/link"
			" && tar -czf bad.tar.gz -C t ksplice-ab12cd34", tmp);
	CHECK(system(cmd) == 0);
	free(cmd);
	CHECK(ks_package_open(p, unpack, &pkg, err, sizeof(err)) == -1);
	CHECK(strstr(err, "unsafe") != NULL);
	free(p);

	cmd = ks_strfmt("test -z \"$(ls -A %s)\"", unpack);
	CHECK(system(cmd) == 0);
	free(cmd);
	free(text);
	free(tarball);
	free(unpack);
}

/* One id rule (include/ksplice/abi.h) for the kernel, create and Uptrack. */
static void test_id_rule(void)
{
	CHECK(ksplice_id_valid("ab12cd34"));
	CHECK(ksplice_id_valid("deb_1154101"));
	CHECK(ksplice_id_valid("a"));
	CHECK(ksplice_id_valid("abcdefghijklmnopqrstuvwxyz012345"));	/* 32 */
	CHECK(!ksplice_id_valid("abcdefghijklmnopqrstuvwxyz0123456"));	/* 33 */
	CHECK(!ksplice_id_valid(""));
	CHECK(!ksplice_id_valid("Ab12"));	/* upper case */
	CHECK(!ksplice_id_valid("ab-12"));	/* kbuild makes '-' a '_' */
	CHECK(!ksplice_id_valid("ab/12"));
	CHECK(!ksplice_id_valid("ab 12"));
	CHECK(!ksplice_id_valid("ab.12"));
}

/* Function kinds: one list makes the enum and the names. */
static void test_func_kinds(void)
{
	CHECK(!strcmp(ks_func_kind_name(KS_FUNC_CHANGED), "changed"));
	CHECK(!strcmp(ks_func_kind_name(KS_FUNC_NEW), "new"));
	CHECK(!strcmp(ks_func_kind_name(KS_FUNC_DELETED), "deleted"));
	CHECK(!strcmp(ks_func_kind_name((enum ks_func_kind)KS_FUNC_KIND_COUNT), "?"));
	for (int k = 0; k < KS_FUNC_KIND_COUNT; k++)
		CHECK(ks_func_kind_from_name(ks_func_kind_name(k)) == k);
	CHECK(ks_func_kind_from_name("replaced") == -1);
}

int main(void)
{
	test_id_rule();
	test_func_kinds();
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_manifest_roundtrip();
	test_package_roundtrip();
	ks_rmtree(tmp);
	if (failures) {
		fprintf(stderr, "test_package: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_package: ok\n");
	return 0;
}
