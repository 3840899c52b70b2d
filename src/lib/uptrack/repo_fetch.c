// SPDX-License-Identifier: GPL-2.0
/* Downloads through libcurl: no redirects, only file/http/https. */
#include "uptrack/repo_fetch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

struct sink {
	FILE *f;
	long long n;
	const struct repo_fetch_opts *o;
};

static size_t write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t w = fwrite(p, size, nmemb, s->f);

	s->n += (long long)(w * size);
	return w * size;
}

static int progress_cb(void *arg, curl_off_t total, curl_off_t now,
		       curl_off_t ut, curl_off_t un)
{
	struct sink *s = arg;

	(void)ut;
	(void)un;
	if (s->o->progress)
		s->o->progress(s->o->progress_arg, (long long)now,
			       (long long)total);
	return 0;
}

enum repo_fetch_result repo_fetch(const char *url, const char *dest,
				  const struct repo_fetch_opts *o,
				  char *err, size_t errlen)
{
	static int inited;
	enum repo_fetch_result r = REPO_FETCH_UNREACHABLE;
	char cerr[CURL_ERROR_SIZE] = "";
	struct sink s = { .o = o };
	long code = 0;
	CURLcode c;
	CURL *h;

	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = 1;
	}
	s.f = fopen(dest, "w");
	if (!s.f) {
		snprintf(err, errlen, "cannot write %s: %s", dest,
			 strerror(errno));
		return REPO_FETCH_LOCAL;
	}
	h = curl_easy_init();
	if (!h) {
		fclose(s.f);
		unlink(dest);
		snprintf(err, errlen, "cannot start a download (libcurl)");
		return REPO_FETCH_LOCAL;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "file,http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	if (o->timeout > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, o->timeout);
	if (o->max_size > 0)
		curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
				 (curl_off_t)o->max_size);
	if (o->proxy)
		curl_easy_setopt(h, CURLOPT_PROXY,
				 strcmp(o->proxy, "none") ? o->proxy : "");
	c = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (fflush(s.f) != 0 || fsync(fileno(s.f)) != 0) {
		if (c == CURLE_OK) {
			snprintf(err, errlen, "cannot write %s: %s", dest,
				 strerror(errno));
			c = CURLE_WRITE_ERROR;
			r = REPO_FETCH_LOCAL;
		}
	}
	fclose(s.f);
	if (c == CURLE_OK) {
		/* A size limit is exact: more than max_size is refused. */
		if (o->max_size > 0 && s.n > o->max_size) {
			unlink(dest);
			snprintf(err, errlen, "%s is larger than expected", url);
			return REPO_FETCH_TOO_BIG;
		}
		return REPO_FETCH_OK;
	}
	unlink(dest);
	if (r == REPO_FETCH_LOCAL)
		return r;
	switch (c) {
	case CURLE_HTTP_RETURNED_ERROR:
		if (code == 404 || code == 410) {
			snprintf(err, errlen, "%s: not found (HTTP %ld)", url,
				 code);
			return REPO_FETCH_NOT_FOUND;
		}
		snprintf(err, errlen, "%s: HTTP error %ld", url, code);
		return REPO_FETCH_UNREACHABLE;
	case CURLE_FILE_COULDNT_READ_FILE:
		snprintf(err, errlen, "%s: no such file", url);
		return REPO_FETCH_NOT_FOUND;
	case CURLE_PARTIAL_FILE:
		snprintf(err, errlen,
			 "%s: the transfer ended early (%lld bytes received)",
			 url, s.n);
		return REPO_FETCH_TRUNCATED;
	case CURLE_FILESIZE_EXCEEDED:
		snprintf(err, errlen, "%s is larger than expected", url);
		return REPO_FETCH_TOO_BIG;
	default:
		snprintf(err, errlen, "%s: %s", url,
			 *cerr ? cerr : curl_easy_strerror(c));
		return REPO_FETCH_UNREACHABLE;
	}
}
