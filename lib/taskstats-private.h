/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals of taskstats.c that tests reach through libgarlic-private. */
#ifndef GARLIC_TASKSTATS_PRIVATE_H
#define GARLIC_TASKSTATS_PRIVATE_H

/*
 * Resolves the generic netlink family called name, as garlic does for
 * "TASKSTATS". Returns its id, or -ENOENT when the kernel has no such
 * family, or another negative errno.
 */
int garlic_taskstats_resolve(const char *name);

/* The listener's netlink socket (garlic_taskstats_fd() is the loop's fd). */
int garlic_taskstats_socket_fd(const struct garlic_taskstats_listener *l);

#endif /* GARLIC_TASKSTATS_PRIVATE_H */
