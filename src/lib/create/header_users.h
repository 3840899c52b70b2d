/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C files that may include a subsystem's own header (not include/ or
 * arch/.../include/): the candidates ksplice-create builds to learn, from
 * Kbuild's dependency lists, which objects a changed header affects.
 */
#ifndef KSPLICE_HEADER_USERS_H
#define KSPLICE_HEADER_USERS_H

#include <stddef.h>

/*
 * Tree-relative paths (owned, each and the array) of the C files under
 * header h's directory, and of those under the enclosing directory whose
 * #include lines reach h, directly or through headers of that scope.
 */
char **ks_local_header_users(const char *tree, const char *h, size_t *n);

#endif
