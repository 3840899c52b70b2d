// SPDX-License-Identifier: GPL-2.0
/* Uptrack's local state: atomic files, a lock, a log. */
#include "uptrack/uptrack_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "uptrack/repo_index.h"
#include "util/fs.h"

static char *env_or(const char *var, const char *def)
{
	const char *v = getenv(var);

	return ks_xstrdup(v && *v ? v : def);
}

void uptrack_paths_init(struct uptrack_paths *p)
{
	p->state_dir = env_or("UPTRACK_STATE_DIR", "/var/lib/uptrack");
	p->log_file = env_or("UPTRACK_LOG", "/var/log/uptrack.log");
	p->sysfs = env_or("KSPLICE_SYSFS", "/sys/kernel/ksplice");
	p->boot_id_file = env_or("UPTRACK_BOOT_ID_FILE",
				 "/proc/sys/kernel/random/boot_id");
	p->cmdline_file = env_or("UPTRACK_CMDLINE_FILE", "/proc/cmdline");
}

void uptrack_paths_free(struct uptrack_paths *p)
{
	free(p->state_dir);
	free(p->log_file);
	free(p->sysfs);
	free(p->boot_id_file);
	free(p->cmdline_file);
}

void uptrack_state_free(struct uptrack_state *s)
{
	size_t i;

	free(s->boot_id);
	for (i = 0; i < s->nr_installed; i++)
		free(s->installed[i]);
	free(s->installed);
	memset(s, 0, sizeof(*s));
}

int uptrack_state_has(const struct uptrack_state *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->nr_installed; i++)
		if (!strcmp(s->installed[i], id))
			return 1;
	return 0;
}

void uptrack_state_add(struct uptrack_state *s, const char *id)
{
	if (uptrack_state_has(s, id))
		return;
	s->installed = ks_xrealloc(s->installed,
				   (s->nr_installed + 1) * sizeof(char *));
	s->installed[s->nr_installed++] = ks_xstrdup(id);
}

void uptrack_state_del(struct uptrack_state *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->nr_installed; i++) {
		if (strcmp(s->installed[i], id))
			continue;
		free(s->installed[i]);
		memmove(&s->installed[i], &s->installed[i + 1],
			(s->nr_installed - i - 1) * sizeof(char *));
		s->nr_installed--;
		return;
	}
}

/*
 * Format:
 *   uptrack-state 1
 *   boot-id UUID
 *   serial N
 *   installed ID        (one a line, in order of application)
 *   end
 * The "end" line makes a torn file detectable, although the atomic rename
 * already prevents one.
 */
int uptrack_state_load(const struct uptrack_paths *p, struct uptrack_state *s,
		       char *err, size_t errlen)
{
	char *path = ks_strfmt("%s/installed", p->state_dir);
	char *text = ks_read_file(path, NULL), *line, *next;
	int seen_end = 0, first = 1;

	memset(s, 0, sizeof(*s));
	if (!text) {
		int e = errno;

		free(path);
		if (e == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read the uptrack state: %s",
			 strerror(e));
		return -1;
	}
	for (line = text; line && *line; line = next) {
		char *val;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		val = strchr(line, ' ');
		if (val)
			*val++ = 0;
		if (first) {
			if (strcmp(line, "uptrack-state") || !val ||
			    strcmp(val, "1"))
				break;
			first = 0;
		} else if (!strcmp(line, "boot-id") && val) {
			free(s->boot_id);
			s->boot_id = ks_xstrdup(val);
		} else if (!strcmp(line, "serial") && val) {
			s->serial = atoll(val);
		} else if (!strcmp(line, "installed") && val &&
			   repo_valid_id(val)) {
			uptrack_state_add(s, val);
		} else if (!strcmp(line, "end")) {
			seen_end = 1;
		} else {
			break;
		}
	}
	free(text);
	if (first || !seen_end) {
		snprintf(err, errlen, "%s is damaged", path);
		free(path);
		uptrack_state_free(s);
		return -1;
	}
	free(path);
	return 0;
}

int uptrack_state_save(const struct uptrack_paths *p,
		       const struct uptrack_state *s)
{
	char *path = ks_strfmt("%s/installed", p->state_dir);
	char *buf = ks_strfmt("uptrack-state 1\nboot-id %s\nserial %lld\n",
			   s->boot_id ? s->boot_id : "-", s->serial), *t;
	size_t i;
	int ret;

	for (i = 0; i < s->nr_installed; i++) {
		t = ks_strfmt("%sinstalled %s\n", buf, s->installed[i]);
		free(buf);
		buf = t;
	}
	t = ks_strfmt("%send\n", buf);
	free(buf);
	ret = ks_write_atomic(path, t, strlen(t), 0644);
	free(t);
	free(path);
	return ret;
}

char *uptrack_boot_id(const struct uptrack_paths *p)
{
	char *s = ks_read_file(p->boot_id_file, NULL);

	if (!s)
		return ks_xstrdup("unknown");
	ks_trim(s);
	return s;
}

int uptrack_lock(const struct uptrack_paths *p, int *busy, char *err,
		 size_t errlen)
{
	char *path = ks_strfmt("%s/lock", p->state_dir), pid[32] = "";
	int fd;

	*busy = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the lock %s: %s", path,
			 strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

		pid[n > 0 ? n : 0] = 0;
		ks_trim(pid);
		*busy = 1;
		snprintf(err, errlen,
			 "another uptrack command is running%s%s%s (lock %s); try again when it has finished",
			 *pid ? " (pid " : "", pid, *pid ? ")" : "", path);
		close(fd);
		free(path);
		return -1;
	}
	/* Who holds it, for the message above; the flock is what counts. */
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (pwrite(fd, pid, (size_t)n, 0) < 0)
			n = 0;
	}
	free(path);
	return fd;
}

int uptrack_kernel_applied(const struct uptrack_paths *p, const char *id)
{
	char *path = ks_strfmt("%s/%s/stage", p->sysfs, id);
	char *stage = ks_read_file(path, NULL);
	int applied = stage && !strcmp(ks_trim(stage), "applied");

	free(stage);
	free(path);
	return applied;
}

void uptrack_log(const struct uptrack_paths *p, const char *fmt, ...)
{
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	FILE *f = fopen(p->log_file, "a");

	if (!f)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "%s [%d] ", stamp, (int)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}
