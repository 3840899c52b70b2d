/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Uptrack's local state under /var/lib/uptrack (docs/uptrack.md):
 *   installed          which updates uptrack installed, and in which boot
 *   index, index.sig   the last verified index of the repository
 *   updates/ID.tar.gz  verified packages (for re-applying at boot)
 *   lock               flock'ed by the command that runs
 * Every file is replaced atomically (temp + fsync + rename).
 */
#ifndef UPTRACK_STATE_H
#define UPTRACK_STATE_H

#include <stddef.h>

struct uptrack_paths {
	char *state_dir;	/* $UPTRACK_STATE_DIR or /var/lib/uptrack */
	char *log_file;		/* $UPTRACK_LOG or /var/log/uptrack.log */
	char *sysfs;		/* $KSPLICE_SYSFS or /sys/kernel/ksplice */
	char *boot_id_file;	/* $UPTRACK_BOOT_ID_FILE or the kernel's */
	char *cmdline_file;	/* $UPTRACK_CMDLINE_FILE or /proc/cmdline */
};

void uptrack_paths_init(struct uptrack_paths *p);
void uptrack_paths_free(struct uptrack_paths *p);

struct uptrack_state {
	char *boot_id;		/* boot the list below is true for */
	char **installed;	/* ids, in the order they were applied */
	size_t nr_installed;
	long long serial;	/* highest index serial seen (anti-rollback) */
};

/* Read the state; a missing file is an empty state.  -1 on a bad file. */
int uptrack_state_load(const struct uptrack_paths *p, struct uptrack_state *s,
		       char *err, size_t errlen);
int uptrack_state_save(const struct uptrack_paths *p,
		       const struct uptrack_state *s);
void uptrack_state_free(struct uptrack_state *s);
int uptrack_state_has(const struct uptrack_state *s, const char *id);
void uptrack_state_add(struct uptrack_state *s, const char *id);
void uptrack_state_del(struct uptrack_state *s, const char *id);

/* The current boot's id (kernel random boot_id), caller frees. */
char *uptrack_boot_id(const struct uptrack_paths *p);

/*
 * Take the lock (non-blocking).  Returns the fd, or -1 if another uptrack
 * command holds it (err names its pid) or it cannot be created.
 */
int uptrack_lock(const struct uptrack_paths *p, int *busy, char *err,
		 size_t errlen);

/* 1 if /sys/kernel/ksplice/ID is in stage "applied". */
int uptrack_kernel_applied(const struct uptrack_paths *p, const char *id);

/* Append one time-stamped line to the log (errors ignored). */
void uptrack_log(const struct uptrack_paths *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* UPTRACK_STATE_H */
