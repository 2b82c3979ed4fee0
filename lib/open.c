// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Socket set-up, subscription (LISTEN and its ACK), and close (IGNORE).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/handlers.h>

#include "garlic-private.h"
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

static int64_t now_ms(void)
{
	return (int64_t)(garlic_monotonic_ns() / 1000000);
}

int garlic_send_request(struct garlic *g, uint32_t op, uint32_t events,
			enum garlic_request_format format, uint32_t *ack_out)
{
	/* Built byte by byte: struct cn_msg ends in a flexible array. */
	uint8_t req[GARLIC_OFF_EVENT + sizeof(struct garlic_proc_input)];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct garlic_proc_input input = { .mcast_op = op, .event_type = events };
	size_t payload = format == GARLIC_REQUEST_PROC_INPUT ? sizeof(input)
							     : sizeof(input.mcast_op);
	struct nlmsghdr nlh = {
		.nlmsg_len = GARLIC_OFF_EVENT + payload,
		.nlmsg_type = NLMSG_DONE,
		.nlmsg_pid = nl_socket_get_local_port(g->sk),
	};
	struct cn_msg cn = {
		.id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
		.ack = g->next_ack++,
		.len = payload,
	};
	ssize_t r;

	memcpy(req, &nlh, sizeof(nlh));
	memcpy(req + GARLIC_OFF_CN, &cn, sizeof(cn));
	memcpy(req + GARLIC_OFF_EVENT, &input, payload);
	do
		r = sendto(g->fd, req, nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (ack_out)
		*ack_out = cn.ack;
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
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t *buf = g->slots;
	struct sockaddr_nl src;
	struct iovec iov = { .iov_base = buf, .iov_len = GARLIC_SLOT_SIZE };
	struct msghdr mh = {
		.msg_name = &src,
		.msg_namelen = sizeof(src),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	for (;;) {
		struct pollfd pfd = { .fd = g->fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		mh.msg_namelen = sizeof(src);
		n = recvmsg(g->fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if (left <= 0)
				return -ETIMEDOUT;
			if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (src.nl_pid != 0 || (mh.msg_flags & MSG_TRUNC))
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
 * Each LISTEN the kernel took is counted in g->listens, so that close
 * can undo them: an ACKed one, and one whose ACK an overrun ate (the
 * kernel handles the request inside our send, ACK or not).
 */
static int listen_acked(struct garlic *g, enum garlic_request_format format,
			unsigned int timeout_ms)
{
	uint32_t ack;
	int r;

	for (int attempt = 0; attempt < 3; attempt++) {
		r = garlic_send_request(g, PROC_CN_MCAST_LISTEN, GARLIC_KNOWN_EVENTS,
					format, &ack);
		if (r < 0)
			return r;
		r = wait_ack(g, ack, timeout_ms);
		if (r == 0 || r == -ENOBUFS) {
			/* From 6.6 (proc_input) the kernel counts a socket once. */
			if (format == GARLIC_REQUEST_LEGACY || g->listens == 0)
				g->listens++;
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
static void unsubscribe(struct garlic *g)
{
	if (g->owner != getpid())
		return;
	for (; g->listens > 0; g->listens--)
		garlic_send_request(g, PROC_CN_MCAST_IGNORE, GARLIC_KNOWN_EVENTS,
				    g->format, NULL);
}

int garlic_copy_opts(void *ours, size_t ours_size, const void *theirs, size_t sz,
		     size_t min_size)
{
	if (!theirs || sz < min_size)
		return -EINVAL;
	/* What the caller set past the members we know, we cannot honour. */
	for (size_t i = ours_size; i < sz; i++) {
		if (((const uint8_t *)theirs)[i])
			return -EINVAL;
	}
	memset(ours, 0, ours_size);
	memcpy(ours, theirs, sz < ours_size ? sz : ours_size);
	return 0;
}

int garlic_read_drops(struct garlic *g, uint32_t *drops)
{
	uint32_t meminfo[SK_MEMINFO_VARS];
	socklen_t len = sizeof(meminfo);

	if (getsockopt(g->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len) < 0)
		return -errno;
	if (len < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t))
		return -EOPNOTSUPP;
	*drops = meminfo[SK_MEMINFO_DROPS];
	return 0;
}

static int set_rcvbuf(int fd, int bytes)
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

GARLIC_EXPORT int garlic_set_rcvbuf(struct garlic *g, int bytes)
{
	if (!g || bytes <= 0)
		return -EINVAL;
	return set_rcvbuf(g->fd, bytes);
}

/*
 * Gives sk a NETLINK_CONNECTOR socket of our own making: socket(2) and
 * bind(2) report the precise errno (EPROTONOSUPPORT, EPERM) that
 * nl_connect() would fold into libnl codes, and the receive buffer is
 * sized before the group is joined, so no event meets libnl's 64 KiB.
 */
static int connect_socket(struct nl_sock *sk, int rcvbuf, bool nonblock)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int fd, r;

	fd = socket(AF_NETLINK,
		    SOCK_RAW | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0),
		    NETLINK_CONNECTOR);
	if (fd < 0)
		return -errno;
	r = set_rcvbuf(fd, rcvbuf);
	if (r < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		r = -errno;
		goto fail;
	}
	r = nl_socket_set_fd(sk, NETLINK_CONNECTOR, fd);
	if (r < 0) {
		r = garlic_errno_from_nl(r);
		goto fail;
	}
	return 0;
fail:
	close(fd);
	return r;
}

static int check_protocol(int fd)
{
	int protocol;
	socklen_t len = sizeof(protocol);

	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0)
		return -errno;
	return protocol == NETLINK_CONNECTOR ? 0 : -EINVAL;
}

struct garlic *garlic_new(void)
{
	struct garlic *g = calloc(1, sizeof(*g));
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	if (!g)
		return NULL;
	g->fd = -1;
	g->loop.epfd = g->loop.timerfd = -1;
	g->owner = getpid();
	g->ncpus = cpus > 0 ? (unsigned int)cpus : 1;
	g->next_seq = calloc(g->ncpus, sizeof(*g->next_seq));
	g->seq_seen = calloc(g->ncpus, sizeof(*g->seq_seen));
	g->msgs = calloc(GARLIC_BATCH, sizeof(*g->msgs));
	g->iov = calloc(GARLIC_BATCH, sizeof(*g->iov));
	g->addrs = calloc(GARLIC_BATCH, sizeof(*g->addrs));
	g->slots = malloc((size_t)GARLIC_BATCH * GARLIC_SLOT_SIZE);
	if (!g->next_seq || !g->seq_seen || !g->msgs || !g->iov || !g->addrs ||
	    !g->slots) {
		garlic_free(g);
		return NULL;
	}
	for (unsigned int i = 0; i < GARLIC_BATCH; i++) {
		g->iov[i].iov_base = g->slots + (size_t)i * GARLIC_SLOT_SIZE;
		g->iov[i].iov_len = GARLIC_SLOT_SIZE;
		g->msgs[i].msg_hdr.msg_iov = &g->iov[i];
		g->msgs[i].msg_hdr.msg_iovlen = 1;
		g->msgs[i].msg_hdr.msg_name = &g->addrs[i];
		g->msgs[i].msg_hdr.msg_namelen = sizeof(g->addrs[i]);
	}
	/* Distinct per handle and process, so our ACK is told from others'. */
	g->next_ack = ((uint32_t)getpid() << 16) ^ (uint32_t)(uintptr_t)g ^
		      (uint32_t)now_ms();
	return g;
}

void garlic_free(struct garlic *g)
{
	if (!g)
		return;
	unsubscribe(g);
	garlic_capture_close(g->capture);
	garlic_loop_fd_close(&g->loop);
	if (g->sk && g->own_socket)
		nl_socket_free(g->sk);
	free(g->next_seq);
	free(g->seq_seen);
	free(g->msgs);
	free(g->iov);
	free(g->addrs);
	free(g->slots);
	free(g);
}

/*
 * Joins the group and subscribes. The kernel filter (proc_input, Linux
 * 6.6) is detected by asking for it: a kernel that understands the 8-byte
 * request ACKs it; an older one ignores it silently, and then the 4-byte
 * request is sent. The first request always asks for every kind, because
 * a filtered LISTEN gets no ACK (the kernel filters its own reply); the
 * BPF filter, attached before, keeps other kinds out meanwhile.
 */
static int subscribe(struct garlic *g, uint32_t events, uint32_t flags,
		     unsigned int ack_timeout_ms)
{
	int group = CN_IDX_PROC;
	uint32_t drops;
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
		g->filter_mode = GARLIC_FILTER_BPF;
	}

	/* A failure from here on is undone by garlic_free(): see unsubscribe(). */
	g->format = GARLIC_REQUEST_PROC_INPUT;
	r = listen_acked(g, g->format,
			 PROBE_TIMEOUT_MS < ack_timeout_ms ? PROBE_TIMEOUT_MS
							   : ack_timeout_ms);
	if (r == -ETIMEDOUT) {
		g->format = GARLIC_REQUEST_LEGACY;
		r = listen_acked(g, g->format, ack_timeout_ms);
	}
	if (r < 0)
		return r;

	if (events != 0 &&
	    g->format == GARLIC_REQUEST_PROC_INPUT &&
	    !(flags & GARLIC_OPEN_FORCE_BPF)) {
		r = garlic_send_request(g, PROC_CN_MCAST_LISTEN, events,
					g->format, NULL);
		if (r < 0)
			return r;
		g->filter_mode = GARLIC_FILTER_KERNEL;
	}
	g->events = events;

	/* SO_MEMINFO (Linux 4.12) counts this socket's dropped events. */
	if (garlic_read_drops(g, &drops) == 0) {
		g->drops_readable = true;
		g->drops_last = drops;
	}
	return 0;
}

/* The options, checked, with their defaults filled in. */
static int check_opts(struct garlic_open_opts *o, const struct garlic_open_opts *opts)
{
	const uint32_t known_flags = GARLIC_OPEN_NONBLOCK | GARLIC_OPEN_FORCE_BPF;
	int r;

	if (!opts)
		return -EINVAL;
	r = garlic_copy_opts(o, sizeof(*o), opts, opts->sz,
			     offsetof(struct garlic_open_opts, events) + sizeof(o->events));
	if (r < 0)
		return r;
	if (o->events & ~GARLIC_KNOWN_EVENTS || o->flags & ~known_flags || o->rcvbuf < 0 ||
	    o->capture & ~GARLIC_PROCESS_ALL ||
	    o->ack_timeout_ms > GARLIC_MAX_ACK_TIMEOUT_MS ||
	    o->latency_budget_us > GARLIC_MAX_LATENCY_BUDGET_US)
		return -EINVAL;
	if (!o->rcvbuf)
		o->rcvbuf = GARLIC_DEFAULT_RCVBUF;
	if (!o->ack_timeout_ms)
		o->ack_timeout_ms = GARLIC_DEFAULT_ACK_TIMEOUT_MS;
	return 0;
}

static struct garlic *handle_new(const struct garlic_open_opts *o, garlic_event_fn fn,
				 void *userdata)
{
	struct garlic *g = garlic_new();

	if (!g)
		return NULL;
	g->event_fn = fn;
	g->event_data = userdata;
	g->latency_budget_ns = (uint64_t)o->latency_budget_us * 1000;
	g->nonblocking = o->flags & GARLIC_OPEN_NONBLOCK;
	return g;
}

GARLIC_EXPORT int garlic_open_opts(struct garlic **out,
				   const struct garlic_open_opts *opts,
				   garlic_event_fn fn, void *userdata)
{
	struct garlic_open_opts o;
	struct garlic *g;
	int r;

	if (!out || !fn)
		return -EINVAL;
	r = check_opts(&o, opts);
	if (r < 0)
		return r;
	g = handle_new(&o, fn, userdata);
	if (!g)
		return -ENOMEM;
	g->own_socket = true;
	g->sk = nl_socket_alloc();
	if (!g->sk) {
		r = -ENOMEM;
		goto fail;
	}
	r = connect_socket(g->sk, o.rcvbuf, g->nonblocking);
	if (r < 0)
		goto fail;
	g->fd = nl_socket_get_fd(g->sk);
	nl_socket_disable_seq_check(g->sk);
	r = subscribe(g, o.events, o.flags, o.ack_timeout_ms);
	if (r == 0)
		r = garlic_capture_open(g, o.capture, o.capture_argv_max);
	if (r < 0)
		goto fail;
	*out = g;
	return 0;
fail:
	garlic_free(g);
	return r;
}

GARLIC_EXPORT int garlic_open(struct garlic **out, uint32_t events,
			      garlic_event_fn fn, void *userdata)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.events = events);

	return garlic_open_opts(out, &opts, fn, userdata);
}

/* nl_connect() leaves 64 KiB, too small for a fork storm; a larger buffer is kept. */
static int raise_rcvbuf(int fd, int bytes)
{
	int current;
	socklen_t len = sizeof(current);

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &current, &len) < 0)
		return -errno;
	return current < 2 * bytes ? set_rcvbuf(fd, bytes) : 0;
}

GARLIC_EXPORT int garlic_attach(struct garlic **out, struct nl_sock *sk,
				const struct garlic_open_opts *opts,
				garlic_event_fn fn, void *userdata)
{
	struct garlic_open_opts o, all = GARLIC_OPEN_OPTS();
	struct garlic *g;
	int r;

	if (!out || !sk || !fn)
		return -EINVAL;
	r = check_opts(&o, opts ? opts : &all);
	if (r < 0)
		return r;
	/* The socket's blocking mode is the application's. */
	if (o.flags & GARLIC_OPEN_NONBLOCK)
		return -EINVAL;
	if (nl_socket_get_fd(sk) < 0)
		r = connect_socket(sk, o.rcvbuf, false);
	else if ((r = check_protocol(nl_socket_get_fd(sk))) == 0)
		r = raise_rcvbuf(nl_socket_get_fd(sk), o.rcvbuf);
	if (r < 0)
		return r;

	g = handle_new(&o, fn, userdata);
	if (!g)
		return -ENOMEM;
	g->sk = sk;
	g->fd = nl_socket_get_fd(sk);
	g->nonblocking = fcntl(g->fd, F_GETFL) & O_NONBLOCK;
	nl_socket_disable_seq_check(sk);
	r = subscribe(g, o.events, o.flags, o.ack_timeout_ms);
	if (r == 0)
		r = garlic_capture_open(g, o.capture, o.capture_argv_max);
	if (r < 0) {
		garlic_filter_attach(g->fd, 0);
		garlic_free(g);
		return r;
	}
	*out = g;
	return 0;
}

GARLIC_EXPORT void garlic_close(struct garlic *g)
{
	if (!g)
		return;
	if (g->dispatch_depth > 0) {
		/* Freed by the dispatcher once the callback has returned. */
		g->close_requested = true;
		return;
	}
	if (g->cb) {
		nl_cb_set(g->cb, NL_CB_FINISH, NL_CB_DEFAULT, NULL, NULL);
		nl_cb_put(g->cb);
	}
	/* The application's socket, shared with a parent in a forked child. */
	if (!g->own_socket && g->owner == getpid())
		garlic_filter_attach(g->fd, 0);
	garlic_free(g);
}

GARLIC_EXPORT int garlic_fd(const struct garlic *g)
{
	return g ? g->loop.epfd : -EINVAL;
}

GARLIC_EXPORT int garlic_get_filter_mode(const struct garlic *g,
					 enum garlic_filter_mode *mode)
{
	if (!g || !mode)
		return -EINVAL;
	*mode = g->filter_mode;
	return 0;
}

GARLIC_EXPORT int garlic_get_events(const struct garlic *g, uint32_t *events)
{
	if (!g || !events)
		return -EINVAL;
	*events = g->events;
	return 0;
}
