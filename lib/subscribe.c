// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Subscription: the probe for the kernel's request format, LISTEN and its
 * ACK, and IGNORE when the handle goes.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "garlic-handle.h"
#include "wire.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * The kernel answers LISTEN synchronously, inside our send(2), so a
 * proc_input request a kernel understands has its ACK queued before the
 * send returns; this only covers scheduling noise before we conclude
 * the kernel predates proc_input.
 */
#define PROBE_TIMEOUT_MS 100

static int send_request(struct garlic *g, uint32_t op, uint32_t events,
			enum garlic_request_format format, uint32_t *ack_out)
{
	uint8_t req[GARLIC_REQUEST_MAX];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint32_t ack = g->sub.next_ack++;
	size_t len = garlic_request_encode(req, op, events, format,
					   nl_socket_get_local_port(g->sk), ack);
	ssize_t r;

	do
		r = sendto(g->fd, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (ack_out)
		*ack_out = ack;
	return 0;
}

/*
 * Reads until the kernel's ACK to request `ack` arrives. The ACK is
 * multicast, so other listeners' ACKs are skipped; events read before it
 * predate the subscription and are dropped.
 * Returns 0, the ACK's -err, -ETIMEDOUT, or -ENOBUFS (the ACK may have
 * been among the messages the kernel dropped).
 */
static int wait_ack(struct garlic *g, uint32_t ack, unsigned int timeout_ms)
{
	uint64_t deadline = garlic_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
	uint8_t *buf = g->batch.slots;

	for (;;) {
		struct sockaddr_nl src;
		int flags;
		ssize_t n = garlic_recv_until(g->fd, buf, GARLIC_SLOT_SIZE, deadline, &src,
					      &flags);

		if (n < 0)
			return (int)n;
		if (src.nl_pid != 0 || (flags & MSG_TRUNC))
			continue;
		for (size_t off = 0; off < (size_t)n;) {
			struct garlic_event ev;
			struct garlic_ack a;
			size_t used;

			if (garlic_parse_msg(buf + off, n - off, &ev, &a, &used) ==
				    GARLIC_MSG_ACK &&
			    a.ack == ack + 1)
				return -(int)a.err;
			off += used;
		}
	}
}

/*
 * Sends LISTEN and waits for its ACK, once more if an overrun ate it.
 * Each LISTEN the kernel took is counted in listens, so that close
 * can undo them: an ACKed one, and one whose ACK an overrun ate (the
 * kernel handles the request inside our send, ACK or not).
 */
static int listen_acked(struct garlic *g, enum garlic_request_format format,
			unsigned int timeout_ms)
{
	uint32_t ack;
	int r;

	for (int attempt = 0; attempt < 3; attempt++) {
		r = send_request(g, PROC_CN_MCAST_LISTEN, GARLIC_KNOWN_EVENTS, format, &ack);
		if (r < 0)
			return r;
		r = wait_ack(g, ack, timeout_ms);
		if (r == 0 || r == -ENOBUFS) {
			/* From 6.6 (proc_input) the kernel counts a socket once. */
			if (format == GARLIC_REQUEST_LEGACY || g->sub.listens == 0)
				g->sub.listens++;
		}
		if (r != -ENOBUFS)
			return r;
	}
	return r;
}

/*
 * Undoes the LISTENs the kernel counted (closing the socket alone leaves
 * the kernel's listener count raised). Never from a forked child: the
 * subscription is the parent's, on the socket they share.
 */
void garlic_unsubscribe(struct garlic *g)
{
	if (g->owner != getpid())
		return;
	for (; g->sub.listens > 0; g->sub.listens--)
		send_request(g, PROC_CN_MCAST_IGNORE, GARLIC_KNOWN_EVENTS, g->sub.format, NULL);
}

/*
 * Joins the group and subscribes. The kernel filter (proc_input, Linux
 * 6.6) is detected by asking for it: a kernel that understands the 8-byte
 * request ACKs it; an older one ignores it silently, and then the 4-byte
 * request is sent. The first request always asks for every kind, because
 * a filtered LISTEN gets no ACK (the kernel filters its own reply); the
 * BPF filter, attached before, keeps other kinds out meanwhile.
 */
int garlic_subscribe(struct garlic *g, uint32_t events, uint32_t flags,
		     unsigned int ack_timeout_ms)
{
	int group = CN_IDX_PROC;
	int r;

	r = garlic_loop_fd_init(&g->loop, g->fd);
	if (r < 0)
		return r;
	if (setsockopt(g->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)) < 0)
		return -errno;
	if (events != 0) {
		r = garlic_filter_attach(g->fd, events);
		if (r < 0)
			return r;
		g->sub.filter_mode = GARLIC_FILTER_BPF;
	}

	/* A failure from here on is undone by garlic_free(): see garlic_unsubscribe(). */
	g->sub.format = GARLIC_REQUEST_PROC_INPUT;
	r = listen_acked(g, g->sub.format,
			 PROBE_TIMEOUT_MS < ack_timeout_ms ? PROBE_TIMEOUT_MS : ack_timeout_ms);
	if (r == -ETIMEDOUT) {
		g->sub.format = GARLIC_REQUEST_LEGACY;
		r = listen_acked(g, g->sub.format, ack_timeout_ms);
	}
	if (r < 0)
		return r;

	if (events != 0 && g->sub.format == GARLIC_REQUEST_PROC_INPUT &&
	    !(flags & GARLIC_OPEN_FORCE_BPF)) {
		r = send_request(g, PROC_CN_MCAST_LISTEN, events, g->sub.format, NULL);
		if (r < 0)
			return r;
		g->sub.filter_mode = GARLIC_FILTER_KERNEL;
	}
	g->sub.events = events;
	garlic_loss_start(g);
	return 0;
}
