// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The TASKSTATS generic netlink family through libnl-genl-3: per-task
 * queries, and the stream of exit statistics for a cpumask.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/taskstats.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/handlers.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "garlic-private.h"

/* An exit storm of 16 000 records fits; each costs ~1.4 KiB of buffer. */
#define TASKSTATS_RCVBUF (16 * 1024 * 1024)

struct garlic_taskstats_listener {
	struct nl_sock *sk;
	int family;
	char cpumask[64];
	garlic_taskstats_fn fn;
	void *userdata;
	int delivered;
	uint8_t buf[8192]; /* a record is ~600 bytes */
};

/* A connected genl socket and the TASKSTATS family id. */
static int connect_family(struct nl_sock **out, int *family)
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
	*family = genl_ctrl_resolve(sk, TASKSTATS_GENL_NAME);
	if (*family < 0) {
		/* No such family: the kernel was built without CONFIG_TASKSTATS. */
		r = -ENOENT;
		goto fail;
	}
	*out = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return r;
}

/* Sends a TASKSTATS_CMD_GET with one attribute. */
static int send_get(struct nl_sock *sk, int family, int attr, const void *data,
		    size_t len)
{
	struct nl_msg *msg = nlmsg_alloc();
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
	nlmsg_free(msg);
	return r < 0 ? garlic_errno_from_nl(r) : 0;
}

struct query {
	struct garlic_taskstats *out;
	int result;
};

static int query_reply(struct nl_msg *msg, void *arg)
{
	struct query *q = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct garlic_taskstats records[2];
	int n = garlic_taskstats_parse(nlh, nlh->nlmsg_len, records, 2);

	if (n < 0) {
		q->result = n;
		return NL_STOP;
	}
	*q->out = records[0];
	q->result = 0;
	return NL_OK;
}

static int query_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct query *q = arg;

	q->result = err->error < 0 ? err->error : -err->error;
	return NL_STOP;
}

static int query(int attr, pid_t id, struct garlic_taskstats *out)
{
	struct query q = { .out = out, .result = -ENODATA };
	uint32_t value = (uint32_t)id;
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family, r;

	if (id <= 0 || !out)
		return -EINVAL;
	r = connect_family(&sk, &family);
	if (r < 0)
		return r;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nl_socket_free(sk);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, query_reply, &q);
	nl_cb_err(cb, NL_CB_CUSTOM, query_error, &q);
	r = send_get(sk, family, attr, &value, sizeof(value));
	if (r == 0) {
		/* The reply, then the ACK (or the error instead of both). */
		r = nl_recvmsgs(sk, cb);
		if (r >= 0 && q.result == 0)
			r = nl_wait_for_ack(sk);
		r = q.result < 0 ? q.result : r < 0 ? garlic_errno_from_nl(r) : 0;
	}
	nl_cb_put(cb);
	nl_socket_free(sk);
	return r;
}

GARLIC_EXPORT int garlic_taskstats_query_pid(pid_t pid, struct garlic_taskstats *out)
{
	return query(TASKSTATS_CMD_ATTR_PID, pid, out);
}

GARLIC_EXPORT int garlic_taskstats_query_tgid(pid_t tgid, struct garlic_taskstats *out)
{
	return query(TASKSTATS_CMD_ATTR_TGID, tgid, out);
}

/* Datagrams read per garlic_taskstats_receive(): bounds one call. */
#define RECEIVE_BATCH 64

static int deliver(struct garlic_taskstats_listener *l, const uint8_t *buf, size_t len)
{
	while (len >= NLMSG_HDRLEN) {
		struct nlmsghdr nlh;
		struct garlic_taskstats records[2];
		size_t step;
		int n;

		memcpy(&nlh, buf, sizeof(nlh));
		if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len)
			return 0; /* malformed: the rest of the datagram is unusable */
		/* Only the family's own messages; ACKs and errors are not records. */
		n = nlh.nlmsg_type == l->family
			    ? garlic_taskstats_parse(buf, nlh.nlmsg_len, records, 2)
			    : 0;
		for (int i = 0; i < n; i++) {
			l->delivered++;
			if (l->fn(&records[i], l->userdata))
				return 1;
		}
		step = NLMSG_ALIGN(nlh.nlmsg_len);
		if (step >= len)
			break;
		buf += step;
		len -= step;
	}
	return 0;
}

static int possible_cpus(char *buf, size_t size)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	snprintf(buf, size, "0-%ld", n > 1 ? n - 1 : 0);
	return 0;
}

GARLIC_EXPORT int garlic_taskstats_open(struct garlic_taskstats_listener **out,
					const char *cpumask, uint32_t flags,
					garlic_taskstats_fn fn, void *userdata)
{
	struct garlic_taskstats_listener *l;
	int rcvbuf = TASKSTATS_RCVBUF, r, fd;

	if (!out || !fn || (flags & ~GARLIC_OPEN_NONBLOCK) ||
	    (cpumask && (!*cpumask || strlen(cpumask) >= sizeof(l->cpumask))))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fn = fn;
	l->userdata = userdata;
	if (cpumask)
		snprintf(l->cpumask, sizeof(l->cpumask), "%s", cpumask);
	else
		possible_cpus(l->cpumask, sizeof(l->cpumask));
	r = connect_family(&l->sk, &l->family);
	if (r < 0)
		goto fail;
	fd = nl_socket_get_fd(l->sk);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	r = send_get(l->sk, l->family, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, l->cpumask,
		     strlen(l->cpumask) + 1);
	if (r == 0)
		r = garlic_errno_from_nl(nl_wait_for_ack(l->sk));
	if (r < 0)
		goto fail;
	if (flags & GARLIC_OPEN_NONBLOCK)
		nl_socket_set_nonblocking(l->sk);
	*out = l;
	return 0;
fail:
	if (l->sk)
		nl_socket_free(l->sk);
	free(l);
	return r;
}

GARLIC_EXPORT void garlic_taskstats_close(struct garlic_taskstats_listener *l)
{
	if (!l)
		return;
	/* Dead listeners are pruned by the kernel too, but only on its next send. */
	send_get(l->sk, l->family, TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, l->cpumask,
		 strlen(l->cpumask) + 1);
	nl_socket_free(l->sk);
	free(l);
}

GARLIC_EXPORT int garlic_taskstats_fd(struct garlic_taskstats_listener *l)
{
	return l ? nl_socket_get_fd(l->sk) : -EINVAL;
}

GARLIC_EXPORT int garlic_taskstats_receive(struct garlic_taskstats_listener *l)
{
	int fd;

	if (!l)
		return -EINVAL;
	fd = nl_socket_get_fd(l->sk);
	l->delivered = 0;
	/* The first read may block (a blocking socket); the rest never do. */
	for (int i = 0; i < RECEIVE_BATCH; i++) {
		ssize_t n = recv(fd, l->buf, sizeof(l->buf), i ? MSG_DONTWAIT : 0);

		if (n < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			if (errno == EAGAIN && (i > 0 || l->delivered))
				break;
			return l->delivered > 0 ? l->delivered : -errno;
		}
		if (deliver(l, l->buf, (size_t)n))
			break;
	}
	return l->delivered;
}
