// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The internal netlink layer every socket of the library stands on: the
 * receive buffer, a deadline-bounded receive, and the nlmsg walk.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "garlic-private.h"

int garlic_socket_set_rcvbuf(int fd, int bytes)
{
	int granted;
	socklen_t len = sizeof(granted);

	/* SO_RCVBUFFORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len) < 0)
		return -errno;
	return granted;
}

ssize_t garlic_recv_until(int fd, void *buf, size_t size, uint64_t deadline_ns,
			  struct sockaddr_nl *src, int *flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_name = src,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = garlic_monotonic_ns();
		ssize_t n;

		if (now >= deadline_ns)
			return -ETIMEDOUT;
		mh.msg_namelen = sizeof(*src);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n >= 0) {
			*flags = mh.msg_flags;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		/* Rounded up: a wait cut to 0 ms would spin. */
		if (poll(&pfd, 1, (int)((deadline_ns - now + 999999) / 1000000)) < 0 &&
		    errno != EINTR)
			return -errno;
	}
}

bool garlic_nlmsg_next(const uint8_t *buf, size_t len, size_t *off, struct garlic_nlmsg *m)
{
	size_t step;

	if (*off >= len || len - *off < NLMSG_HDRLEN)
		return false;
	memcpy(&m->hdr, buf + *off, sizeof(m->hdr));
	if (m->hdr.nlmsg_len < NLMSG_HDRLEN)
		return false;
	m->data = buf + *off;
	m->avail = len - *off;
	m->whole = m->hdr.nlmsg_len <= m->avail;
	step = NLMSG_ALIGN(m->hdr.nlmsg_len);
	*off = step < m->avail ? *off + step : len;
	return true;
}
