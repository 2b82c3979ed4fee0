// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The TASKSTATS generic netlink family, the request side: the family
 * resolved, a TASKSTATS_CMD_GET sent, its answer read, and the per-task
 * queries built on them.
 *
 * Answers are read from the socket directly rather than through
 * nl_recvmsgs(): exit records carry the kernel's per-CPU sequence numbers
 * and can arrive before a registration's ACK, which libnl's sequence
 * check would take for an error, and libnl folds the kernel's errno
 * (ESRCH, EPERM, ...) into codes that lose it.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/taskstats.h>
#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "garlic-private.h"
#include "taskstats-private.h"

/* The kernel answers inside our send(2); this only covers a stalled reader. */
#define ANSWER_TIMEOUT_MS 1000

/* A connected generic netlink socket and the TASKSTATS family id. */
int garlic_taskstats_connect(const char *name, struct nl_sock **out, int *family)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = genl_connect(sk);
	if (r < 0) {
		r = garlic_errno_from_nl(r);
		goto fail;
	}
	/*
	 * Errors otherwise echo the whole request, which for a long cpumask
	 * outgrows any buffer. Linux 4.3; older kernels echo, which is met
	 * below by reading the header of a cut datagram.
	 */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &(int){ 1 },
		   sizeof(int));
	r = genl_ctrl_resolve(sk, name);
	if (r < 0) {
		/* No such family: a kernel built without CONFIG_TASKSTATS. */
		r = r == -NLE_OBJ_NOTFOUND ? -ENOENT : garlic_errno_from_nl(r);
		goto fail;
	}
	*family = r;
	*out = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return r;
}

int garlic_taskstats_resolve(const char *name)
{
	struct nl_sock *sk;
	int family, r;

	r = garlic_taskstats_connect(name, &sk, &family);
	if (r < 0)
		return r;
	nl_socket_free(sk);
	return family;
}

/* Sends a TASKSTATS_CMD_GET with one attribute; *seq gets its number. */
int garlic_taskstats_send_get(struct nl_sock *sk, int family, int attr, const void *data,
		    size_t len, uint32_t *seq)
{
	/* Sized for the attribute: a long cpumask outgrows the default page. */
	struct nl_msg *msg = nlmsg_alloc_size(nlmsg_total_size(GENL_HDRLEN) +
					      nla_total_size(len));
	int r;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
			 TASKSTATS_CMD_GET, TASKSTATS_GENL_VERSION) ||
	    nla_put(msg, attr, len, data) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	r = nl_send_auto(sk, msg);
	/* nl_send_auto() numbered the message in place. */
	if (seq)
		*seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	return r < 0 ? garlic_errno_from_nl(r) : 0;
}

/*
 * Whether message m answers request seq: with a record (when out is not
 * NULL), an error, or the ACK; *r then says which. cut: the datagram was
 * cut short, which leaves an error's header readable.
 */
static bool answers(const struct garlic_nlmsg *m, int family, uint32_t seq,
		    struct garlic_taskstats *out, bool cut, int *r)
{
	if (m->hdr.nlmsg_seq == seq && m->hdr.nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr err;

		if (m->hdr.nlmsg_len < NLMSG_HDRLEN + sizeof(err) ||
		    NLMSG_HDRLEN + sizeof(err) > m->avail) {
			*r = -EBADMSG;
			return true;
		}
		memcpy(&err, m->data + NLMSG_HDRLEN, sizeof(err));
		/* An ACK without a record: the reply went missing. */
		*r = err.error > 0 ? -EBADMSG : err.error < 0 ? err.error : out ? -EBADMSG : 0;
		return true;
	}
	if (!m->whole || cut || !out || m->hdr.nlmsg_seq != seq ||
	    m->hdr.nlmsg_type != family)
		return false;
	{
		struct garlic_taskstats records[2];

		if (garlic_taskstats_parse(m->data, m->hdr.nlmsg_len, records, 2) < 1) {
			*r = -EBADMSG;
			return true;
		}
		*out = records[0];
		*r = 0;
		return true;
	}
}

/*
 * Reads until the kernel answers request seq: with a record (when out is
 * not NULL; the first one of the reply is kept), an error, or the ACK.
 * Anything else, such as exit records of a registered socket, is skipped:
 * records that beat the ACK describe exits older than the subscription's
 * confirmation, as garlic_open() drops events read before its ACK.
 */
int garlic_taskstats_read_answer(int fd, int family, uint32_t seq, struct garlic_taskstats *out)
{
	uint64_t deadline = garlic_monotonic_ns() + (uint64_t)ANSWER_TIMEOUT_MS * 1000000;
	uint8_t buf[DATAGRAM_MAX];

	for (;;) {
		struct sockaddr_nl src;
		struct garlic_nlmsg m;
		size_t off = 0;
		int flags, r;
		ssize_t n = garlic_recv_until(fd, buf, sizeof(buf), deadline, &src, &flags);

		/* An overrun may only have cost records; the answer can follow. */
		if (n == -ENOBUFS)
			continue;
		if (n < 0)
			return (int)n;
		if (src.nl_pid != 0)
			continue;
		/* A cut datagram (MSG_TRUNC): an error's header is still whole. */
		while (garlic_nlmsg_next(buf, (size_t)n, &off, &m)) {
			if (answers(&m, family, seq, out, flags & MSG_TRUNC, &r))
				return r;
			if (!m.whole || (flags & MSG_TRUNC))
				break;
		}
	}
}

/*
 * The struct as GARLIC_1 shipped it: callers built against it pass at
 * least this much. Fields are only ever added at the end.
 */
#define TASKSTATS_SIZE_GARLIC_1 (offsetof(struct garlic_taskstats, exe_inode) + sizeof(uint64_t))

static int query(int attr, pid_t id, struct garlic_taskstats *out, size_t size)
{
	uint32_t value = (uint32_t)id, seq;
	struct garlic_taskstats record;
	struct nl_sock *sk;
	int family, r;

	if (id <= 0 || !out || size < TASKSTATS_SIZE_GARLIC_1)
		return -EINVAL;
	r = garlic_taskstats_connect(TASKSTATS_GENL_NAME, &sk, &family);
	if (r < 0)
		return r;
	r = garlic_taskstats_send_get(sk, family, attr, &value, sizeof(value), &seq);
	if (r == 0)
		r = garlic_taskstats_read_answer(nl_socket_get_fd(sk), family, seq, &record);
	nl_socket_free(sk);
	if (r < 0)
		return r;
	/* A caller built against a newer, longer struct: what we cannot know is 0. */
	if (size > sizeof(record)) {
		memset((char *)out + sizeof(record), 0, size - sizeof(record));
		size = sizeof(record);
	}
	memcpy(out, &record, size);
	return 0;
}

GARLIC_EXPORT int garlic_taskstats_query_pid(pid_t pid, struct garlic_taskstats *out, size_t size)
{
	return query(TASKSTATS_CMD_ATTR_PID, pid, out, size);
}

GARLIC_EXPORT int garlic_taskstats_query_tgid(pid_t tgid, struct garlic_taskstats *out,
					      size_t size)
{
	return query(TASKSTATS_CMD_ATTR_TGID, tgid, out, size);
}
