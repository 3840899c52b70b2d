// SPDX-License-Identifier: GPL-2.0
/*
 * Uptrack repository primitives: Ed25519 sign/verify (good, one flipped
 * byte of data, of signature, another key, malformed signature), index
 * format round trip and refusals, uptrack.conf parsing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uptrack/repo_index.h"
#include "uptrack/repo_sign.h"
#include "uptrack/uptrack_config.h"
#include "util/fs.h"
#include "check.h"

static void test_sign(const char *dir)
{
	char *priv = ks_strfmt("%s/k.pem", dir), *pub = ks_strfmt("%s/k.pub", dir);
	char *priv2 = ks_strfmt("%s/k2.pem", dir), *pub2 = ks_strfmt("%s/k2.pub", dir);
	char sig[160], err[512], data[] = "uptrack-index 1\nend\n";
	size_t n;

	CHECK_MSG(!repo_keygen(priv, pub, err, sizeof(err)), "keygen: %s", err);
	CHECK_MSG(!repo_keygen(priv2, pub2, err, sizeof(err)), "keygen2: %s", err);
	CHECK_MSG(repo_keygen(priv, pub, err, sizeof(err)),
		  "keygen over an existing private key must fail");
	CHECK_MSG(!repo_sign(priv, data, strlen(data), sig, sizeof(sig), err,
			     sizeof(err)), "sign: %s", err);
	n = strlen(sig);
	CHECK_MSG(n == 8 + 128 + 1, "signature line length %zu", n);
	CHECK_MSG(!repo_verify(pub, data, strlen(data), sig, n, err, sizeof(err)),
		  "good signature refused: %s", err);
	data[3] ^= 1;
	CHECK_MSG(repo_verify(pub, data, strlen(data), sig, n, err, sizeof(err)) == -1,
		  "changed data accepted");
	data[3] ^= 1;
	sig[20] = sig[20] == '0' ? '1' : '0';
	CHECK_MSG(repo_verify(pub, data, strlen(data), sig, n, err, sizeof(err)) == -1,
		  "changed signature accepted");
	sig[20] = sig[20] == '0' ? '1' : '0';
	CHECK_MSG(repo_verify(pub2, data, strlen(data), sig, n, err, sizeof(err)) == -1,
		  "other key accepted");
	CHECK_MSG(repo_verify(pub, data, strlen(data), "ed25519 00", 10, err,
			      sizeof(err)) == -1, "short signature accepted");
	CHECK_MSG(repo_verify(priv, data, strlen(data), sig, n, err, sizeof(err)) == -2,
		  "a private key file used as public key");
	CHECK_MSG(repo_verify("/nonexistent", data, strlen(data), sig, n, err,
			      sizeof(err)) == -2, "missing key file");
	{
		char hex[65];

		repo_sha256_hex("abc", 3, hex);
		CHECK_MSG(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
			  "sha256(abc) = %s", hex);
	}
	free(priv); free(pub); free(priv2); free(pub2);
}

static void test_index(void)
{
	const char *good =
		"uptrack-index 1\nkernel-release 6.1.0-55-amd64\n"
		"kernel-version #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-1 (2026-11-14)\n"
		"base-version 6.1.192-1\nserial 7\n"
		"update a1\ntitle first\ncve CVE-2026-1\nbrings 6.1.192-2\n"
		"brings-release 6.1.0-56-amd64\nfile updates/ksplice-a1.tar.gz\n"
		"sha256 0000000000000000000000000000000000000000000000000000000000000000\n"
		"size 10\nend-update\n"
		"update b2\ntitle second\nrequires a1\noptional\n"
		"file updates/ksplice-b2.tar.gz\n"
		"sha256 1111111111111111111111111111111111111111111111111111111111111111\n"
		"size 20\nend-update\nend\n";
	static const char *const bad[] = {
		"uptrack-index 2\nend\n",
		"uptrack-index 1\nkernel-release r\nkernel-version v\n",	/* no end */
		"uptrack-index 1\nkernel-release r\nend\n",		/* no version */
		"uptrack-index 1\nkernel-release r\nkernel-version v\nupdate A!\nend\n",
		"uptrack-index 1\nkernel-release r\nkernel-version v\nupdate a\nfile ../x\n",
		"uptrack-index 1\nkernel-release r\nkernel-version v\nupdate a\nrequires b\n",
		"uptrack-index 1\nkernel-release r\nkernel-version v\nupdate a\nend-update\nend\n",
		"uptrack-index 1\nkernel-release r\nkernel-version v\nbogus x\nend\n",
		"uptrack-index 1\nkernel-release r\nkernel-version v\nend\nmore\n",
	};
	struct repo_index idx, again;
	char err[512], *text;
	size_t i;

	CHECK_MSG(!repo_index_parse(good, strlen(good), &idx, err, sizeof(err)),
		  "good index refused: %s", err);
	CHECK_MSG(idx.nr_updates == 2 && idx.serial == 7, "counts");
	CHECK_MSG(!strcmp(idx.updates[1].requires[0], "a1") && idx.updates[1].optional,
		  "requires/optional");
	CHECK_MSG(!strcmp(idx.updates[0].brings_release, "6.1.0-56-amd64"), "brings");
	text = repo_index_format(&idx);
	CHECK_MSG(!strcmp(text, good), "round trip differs:\n%s", text);
	CHECK_MSG(!repo_index_parse(text, strlen(text), &again, err, sizeof(err)),
		  "formatted index refused: %s", err);
	repo_index_free(&again);
	free(text);
	repo_index_free(&idx);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_MSG(repo_index_parse(bad[i], strlen(bad[i]), &idx, err,
					   sizeof(err)), "bad index %zu accepted", i);
	}
	text = repo_kernel_dir("6.1.0-55-amd64", "v");
	CHECK_MSG(!strncmp(text, "6.1.0-55-amd64/", 15) && strlen(text) == 15 + 16,
		  "kernel dir %s", text);
	free(text);
}

/*
 * Serials come from a counter with the clock as a floor: two signatures in
 * one second, or with the clock set back, still get increasing serials.
 */
static void test_next_serial(void)
{
	CHECK_MSG(repo_next_serial(0, 1800000000) == 1800000000, "first: the clock");
	CHECK_MSG(repo_next_serial(1800000000, 1800000000) == 1800000001,
		  "same second: one more");
	CHECK_MSG(repo_next_serial(1800000005, 1700000000) == 1800000006,
		  "clock set back: one more");
	CHECK_MSG(repo_next_serial(1800000000, 1800000100) == 1800000100,
		  "later: the clock");
}

static void test_config(void)
{
	struct uptrack_config c;
	char err[512];
	static const char *const bad[] = {
		"update_repo_url = ftp://x\nrepo_public_key = k\n",
		"update_repo_url = file:///r\n",			/* no key */
		"repo_public_key = k\n",				/* no url */
		"update_repo_url = file:///r\nrepo_public_key = k\nautoinstall = maybe\n",
		"[Settings]\nupdate_repo_url = file:///r\nrepo_public_key = k\n",
		"update_repo_url = file:///r\nrepo_public_key = k\ntimeout = -3\n",
		"update_repo_url = file:///r\nrepo_public_key = k\n[Broken\n",
		"update_repo_url file:///r\n",
	};
	size_t i;

	CHECK_MSG(!uptrack_config_parse(
			  "# comment\n[Repository]\nupdate_repo_url = https://updates.example/repo/\n"
			  "repo_public_key = /etc/uptrack/repo.pub\n\n[Network]\nproxy = http://127.0.0.1:3128\n"
			  "timeout = 30\n[Settings]\nautoinstall = YES\ninstall_on_reboot = no\n"
			  "upgrade_on_reboot = on\n", "t", &c, err, sizeof(err)),
		  "good config refused: %s", err);
	CHECK_MSG(!strcmp(c.repo_url, "https://updates.example/repo"), "url %s", c.repo_url);
	CHECK_MSG(c.autoinstall == 1 && c.install_on_reboot == 0 &&
		  c.upgrade_on_reboot == 1 && c.timeout == 30, "values");
	CHECK_MSG(!strcmp(c.proxy, "http://127.0.0.1:3128"), "proxy");
	uptrack_config_free(&c);
	CHECK_MSG(!uptrack_config_parse("update_repo_url = file:///r\nrepo_public_key = k\n",
					"t", &c, err, sizeof(err)), "minimal: %s", err);
	CHECK_MSG(c.install_on_reboot == 1 && c.autoinstall == 0 &&
		  c.upgrade_on_reboot == 0 && !c.proxy, "defaults");
	CHECK_MSG(c.nr_warnings == 0, "warnings for a minimal config");
	uptrack_config_free(&c);
	/* A key it does not know: a warning naming the line, not an error
	 * (a stray line must not stop the boot-time re-apply); ignored. */
	CHECK_MSG(!uptrack_config_parse("update_repo_url = file:///r\nrepo_public_key = k\n"
					"autoupgrade = yes\n", "t", &c, err, sizeof(err)),
		  "unknown key refused: %s", err);
	CHECK_MSG(c.nr_warnings == 1 && !strcmp(c.warnings[0],
		  "t line 3: unknown key 'autoupgrade' (ignored)"),
		  "unknown key: %zu warnings, '%s'", c.nr_warnings,
		  c.nr_warnings ? c.warnings[0] : "");
	CHECK_MSG(c.autoinstall == 0 && c.upgrade_on_reboot == 0, "unknown key changed a setting");
	uptrack_config_free(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = uptrack_config_parse(bad[i], "t", &c, err, sizeof(err));

		CHECK_MSG(r, "bad config %zu accepted", i);
		if (r)
			printf("ok: config %zu refused: %s\n", i, err);
	}
}

int main(void)
{
	char dir[] = "/tmp/test_uptrack_repo.XXXXXX";
	char *cmd;

	if (!mkdtemp(dir))
		return 1;
	test_sign(dir);
	test_index();
	test_next_serial();
	test_config();
	cmd = ks_strfmt("rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", dir);
	free(cmd);
	printf("%s\n", failures ? "FAILED" : "all uptrack repo tests passed");
	return failures != 0;
}
