/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Uptrack repository signing: Ed25519 key pairs, signatures of the index
 * and SHA-256 of packages, all through OpenSSL's libcrypto.
 * Key files are PEM (PKCS#8 private key, SubjectPublicKeyInfo public key).
 * A signature file holds one line: "ed25519 HEX" (64 bytes, 128 hex digits).
 */
#ifndef UPTRACK_REPO_SIGN_H
#define UPTRACK_REPO_SIGN_H

#include <stddef.h>

/* Generate a key pair; the private key file is created with mode 0600. */
int repo_keygen(const char *priv_path, const char *pub_path,
		char *err, size_t errlen);

/*
 * Sign DATA with the private key in PRIV_PATH; the signature line
 * (NUL-terminated, with '\n') is written to SIG (at least 144 bytes).
 */
int repo_sign(const char *priv_path, const void *data, size_t len,
	      char *sig, size_t siglen, char *err, size_t errlen);

/*
 * Verify the signature text SIG (contents of a signature file) of DATA
 * against the public key in PUB_PATH.  Returns 0 when valid, -1 when the
 * signature is malformed or does not verify, -2 when the key cannot be
 * used (err says why in both cases).
 */
int repo_verify(const char *pub_path, const void *data, size_t len,
		const char *sig, size_t siglen, char *err, size_t errlen);

/* SHA-256 of a buffer / of a file, as 64 lowercase hex digits + NUL. */
void repo_sha256_hex(const void *data, size_t len, char hex[65]);
int repo_sha256_file(const char *path, char hex[65], long long *size);

#endif /* UPTRACK_REPO_SIGN_H */
