// SPDX-License-Identifier: GPL-2.0
/* Ed25519 and SHA-256 for Uptrack repositories, via libcrypto. */
#include "uptrack/repo_sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#define ED25519_SIG_LEN 64

static void seterr(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "%s%s%s", what, path ? ": " : "", path ? path : "");
}

int repo_keygen(const char *priv_path, const char *pub_path,
		char *err, size_t errlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *key = NULL;
	FILE *f;
	int fd, ret = -1;

	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_keygen(ctx, &key) <= 0) {
		seterr(err, errlen, "cannot generate an Ed25519 key", NULL);
		goto out;
	}
	/* The private key is never readable by others, not even briefly. */
	fd = open(priv_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", priv_path,
			 strerror(errno));
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f || !PEM_write_PKCS8PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) ||
	    fclose(f) != 0) {
		seterr(err, errlen, "cannot write the private key", priv_path);
		goto out;
	}
	f = fopen(pub_path, "w");
	if (!f || !PEM_write_PUBKEY(f, key) || fclose(f) != 0) {
		seterr(err, errlen, "cannot write the public key", pub_path);
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

static EVP_PKEY *load_key(const char *path, int private, char *err,
			  size_t errlen)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;

	if (!f) {
		snprintf(err, errlen, "cannot open the %s key %s: %s",
			 private ? "private" : "public", path, strerror(errno));
		return NULL;
	}
	key = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL) :
			PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!key) {
		snprintf(err, errlen, "%s is not a PEM %s key", path,
			 private ? "private" : "public");
		return NULL;
	}
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s is not an Ed25519 key", path);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

int repo_sign(const char *priv_path, const void *data, size_t len,
	      char *sig, size_t siglen, char *err, size_t errlen)
{
	EVP_PKEY *key = load_key(priv_path, 1, err, errlen);
	EVP_MD_CTX *md;
	unsigned char raw[ED25519_SIG_LEN];
	size_t rawlen = sizeof(raw), i;
	int ret = -1;

	if (!key)
		return -1;
	md = EVP_MD_CTX_new();
	/* Ed25519 is a one-shot scheme: no digest, EVP_DigestSign only. */
	if (!md || EVP_DigestSignInit(md, NULL, NULL, NULL, key) <= 0 ||
	    EVP_DigestSign(md, raw, &rawlen, data, len) <= 0 ||
	    rawlen != ED25519_SIG_LEN) {
		seterr(err, errlen, "signing failed", NULL);
		goto out;
	}
	if (siglen < 8 + 2 * ED25519_SIG_LEN + 2) {
		seterr(err, errlen, "signature buffer too small", NULL);
		goto out;
	}
	strcpy(sig, "ed25519 ");
	for (i = 0; i < rawlen; i++)
		sprintf(sig + 8 + 2 * i, "%02x", raw[i]);
	strcat(sig, "\n");
	ret = 0;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return ret;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int repo_verify(const char *pub_path, const void *data, size_t len,
		const char *sig, size_t siglen, char *err, size_t errlen)
{
	unsigned char raw[ED25519_SIG_LEN];
	EVP_PKEY *key;
	EVP_MD_CTX *md;
	size_t i;
	int ret = -1;

	/* "ed25519 " + 128 hex digits, optionally one trailing newline. */
	if (siglen > 0 && sig[siglen - 1] == '\n')
		siglen--;
	if (siglen != 8 + 2 * ED25519_SIG_LEN || strncmp(sig, "ed25519 ", 8)) {
		seterr(err, errlen, "the signature file is malformed", NULL);
		return -1;
	}
	for (i = 0; i < ED25519_SIG_LEN; i++) {
		int hi = hexval(sig[8 + 2 * i]), lo = hexval(sig[9 + 2 * i]);

		if (hi < 0 || lo < 0) {
			seterr(err, errlen, "the signature file is malformed",
			       NULL);
			return -1;
		}
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	key = load_key(pub_path, 0, err, errlen);
	if (!key)
		return -2;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) <= 0) {
		seterr(err, errlen, "cannot set up signature verification",
		       NULL);
		ret = -2;
	} else if (EVP_DigestVerify(md, raw, sizeof(raw), data, len) == 1) {
		ret = 0;
	} else {
		seterr(err, errlen,
		       "bad signature for the key",
		       pub_path);
	}
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return ret;
}

static void to_hex(const unsigned char *d, unsigned int n, char *hex)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	hex[2 * n] = 0;
}

void repo_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
	to_hex(d, n, hex);
}

int repo_sha256_file(const char *path, char hex[65], long long *size)
{
	unsigned char buf[65536], d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	long long total = 0;
	EVP_MD_CTX *md;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) <= 0) {
		EVP_MD_CTX_free(md);
		close(fd);
		return -1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(md, buf, (size_t)r);
		total += r;
	}
	close(fd);
	if (r < 0 || EVP_DigestFinal_ex(md, d, &n) <= 0) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	EVP_MD_CTX_free(md);
	to_hex(d, n, hex);
	if (size)
		*size = total;
	return 0;
}
