/* SPDX-License-Identifier: GPL-2.0 */
/* Downloads for Uptrack (file://, http://, https://) through libcurl. */
#ifndef UPTRACK_REPO_FETCH_H
#define UPTRACK_REPO_FETCH_H

#include <stddef.h>

enum repo_fetch_result {
	REPO_FETCH_OK = 0,
	REPO_FETCH_UNREACHABLE,	/* connection, DNS, timeout, other failure */
	REPO_FETCH_NOT_FOUND,	/* HTTP 404 / no such file */
	REPO_FETCH_TRUNCATED,	/* fewer bytes than announced */
	REPO_FETCH_TOO_BIG,	/* more than max_size bytes */
	REPO_FETCH_LOCAL,	/* cannot write the destination */
};

/* Called with bytes received so far and the total (0 if unknown). */
typedef void (*repo_progress_fn)(void *arg, long long now, long long total);

struct repo_fetch_opts {
	const char *proxy;	/* NULL: libcurl's environment; "none": no proxy */
	long timeout;		/* seconds, whole transfer */
	long long max_size;	/* 0: no limit */
	repo_progress_fn progress;
	void *progress_arg;
};

/*
 * Download URL into DEST (created/truncated; fsync'ed).  On anything but
 * REPO_FETCH_OK, err holds one sentence and DEST is removed.
 */
enum repo_fetch_result repo_fetch(const char *url, const char *dest,
				  const struct repo_fetch_opts *o,
				  char *err, size_t errlen);

#endif /* UPTRACK_REPO_FETCH_H */
