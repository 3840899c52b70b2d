/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ksplice-apply keeps about each applied update, under
 * $KSPLICE_STATE_DIR (default /var/lib/ksplice)/ID/: update.tar.gz (the
 * package as applied), patch, description and applied-at (nanoseconds
 * since the epoch; orders ksplice-remove --all, newest first).
 */
#ifndef KS_UPDATE_STATE_H
#define KS_UPDATE_STATE_H

#include <stddef.h>

const char *ks_state_root(void);

/* Save the state of update ID.  0, or -1 with a reason in err. */
int ks_state_save(const char *id, const char *tarball, const char *patch,
		  const char *description, char *err, size_t errlen);

/* Remove the state of update ID (missing is fine). */
void ks_state_remove(const char *id);

/* A state file of update ID, NUL-terminated (caller frees), or NULL. */
char *ks_state_read(const char *id, const char *file);

/* When update ID was applied (0 if unknown). */
unsigned long long ks_state_applied_at(const char *id);

/*
 * One ksplice-apply or ksplice-remove at a time: an flock on
 * STATE_DIR/lock, held for the whole operation (the kernel drops it if the
 * process dies).  Nested calls in one process share it.  0, or -1 with a
 * reason in err.
 */
int ks_state_lock(char *err, size_t errlen);
void ks_state_unlock(void);

#endif /* KS_UPDATE_STATE_H */
