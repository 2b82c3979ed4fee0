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

/* One message holds at most two 560-byte records (Linux 6.18); room to grow. */
#define DATAGRAM_MAX 16384

/* taskstats-query.c, for the listener too */
struct nl_sock;
/* A connected generic netlink socket and the id of family name. */
int garlic_taskstats_connect(const char *name, struct nl_sock **out, int *family);
/* Sends a TASKSTATS_CMD_GET with one attribute; *seq gets its number. */
int garlic_taskstats_send_get(struct nl_sock *sk, int family, int attr, const void *data,
			      size_t len, uint32_t *seq);
/*
 * Reads until the kernel answers request seq: with a record (into out,
 * when not NULL), an error, or the ACK. Returns 0 or a negative errno.
 */
int garlic_taskstats_read_answer(int fd, int family, uint32_t seq,
				 struct garlic_taskstats *out);

#endif /* GARLIC_TASKSTATS_PRIVATE_H */
