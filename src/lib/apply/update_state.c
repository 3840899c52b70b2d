// SPDX-License-Identifier: GPL-2.0
/* The applied-update state directory; see update_state.h. */
#include "apply/update_state.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *ks_state_root(void)
{
	const char *r = getenv("KSPLICE_STATE_DIR");

	return r && *r ? r : "/var/lib/ksplice";
}

static int mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

static int write_file(const char *dir, const char *name, const void *data,
		      size_t len)
{
	char path[4096], tmp[4200];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	ok = !fclose(f) && ok;
	if (!ok || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static char *read_all(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 65536) {
			char *nb = realloc(buf, cap + 65536 + 1);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

int ks_state_save(const char *id, const char *tarball, const char *patch,
		  const char *description, char *err, size_t errlen)
{
	char dir[4096], stamp[64];
	struct timespec ts;
	size_t len;
	char *pkg;

	snprintf(dir, sizeof(dir), "%s/%s", ks_state_root(), id);
	if (mkdirs(dir)) {
		ks_set_err(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	pkg = read_all(tarball, &len);
	if (!pkg) {
		ks_set_err(err, errlen, "cannot read %s: %s", tarball, strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(stamp, sizeof(stamp), "%llu\n",
		 (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
	if (write_file(dir, "update.tar.gz", pkg, len) ||
	    write_file(dir, "patch", patch ? patch : "", patch ? strlen(patch) : 0) ||
	    write_file(dir, "description", description ? description : "",
		       description ? strlen(description) : 0) ||
	    write_file(dir, "applied-at", stamp, strlen(stamp))) {
		ks_set_err(err, errlen, "cannot write into %s: %s", dir,
			   strerror(errno));
		free(pkg);
		return -1;
	}
	free(pkg);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void ks_state_remove(const char *id)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/%s", ks_state_root(), id);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *ks_state_read(const char *id, const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s", ks_state_root(), id, file);
	return read_all(path, NULL);
}

unsigned long long ks_state_applied_at(const char *id)
{
	char *s = ks_state_read(id, "applied-at");
	unsigned long long v = s ? strtoull(s, NULL, 10) : 0;

	free(s);
	return v;
}

static int lock_fd = -1, lock_depth;

int ks_state_lock(char *err, size_t errlen)
{
	char path[4096];

	if (lock_depth++)
		return 0;
	if (mkdirs(ks_state_root())) {
		ks_set_err(err, errlen, "cannot create %s: %s", ks_state_root(),
			   strerror(errno));
		lock_depth = 0;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/lock", ks_state_root());
	lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX)) {
		ks_set_err(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		if (lock_fd >= 0)
			close(lock_fd);
		lock_fd = -1;
		lock_depth = 0;
		return -1;
	}
	return 0;
}

void ks_state_unlock(void)
{
	if (lock_depth > 0 && --lock_depth == 0 && lock_fd >= 0) {
		close(lock_fd);
		lock_fd = -1;
	}
}
