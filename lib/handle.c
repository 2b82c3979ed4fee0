// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The handle: its options, its socket (made here or the application's),
 * its three constructors, close, and the getters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "garlic-handle.h"

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
	r = garlic_socket_set_rcvbuf(fd, rcvbuf);
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

/* nl_connect() leaves 64 KiB, too small for a fork storm; a larger buffer is kept. */
static int raise_rcvbuf(int fd, int bytes)
{
	int current;
	socklen_t len = sizeof(current);

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &current, &len) < 0)
		return -errno;
	return current < 2 * bytes ? garlic_socket_set_rcvbuf(fd, bytes) : 0;
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
	if (garlic_loss_init(g, cpus > 0 ? (unsigned int)cpus : 1) < 0 ||
	    garlic_batch_init(g) < 0) {
		garlic_free(g);
		return NULL;
	}
	/* Distinct per handle and process, so our ACK is told from others'. */
	g->sub.next_ack = ((uint32_t)getpid() << 16) ^ (uint32_t)(uintptr_t)g ^
			  (uint32_t)(garlic_monotonic_ns() / 1000000);
	return g;
}

void garlic_free(struct garlic *g)
{
	if (!g)
		return;
	garlic_unsubscribe(g);
	garlic_capture_close(g->capture);
	garlic_loop_fd_close(&g->loop);
	if (g->sk && g->own_socket)
		nl_socket_free(g->sk);
	garlic_loss_free(g);
	garlic_batch_free(g);
	free(g);
}

static struct garlic *handle_new(const struct garlic_open_opts *o, garlic_event_fn fn,
				 void *userdata)
{
	struct garlic *g = garlic_new();

	if (!g)
		return NULL;
	g->event_fn = fn;
	g->event_data = userdata;
	g->budget.latency_budget_ns = (uint64_t)o->latency_budget_us * 1000;
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
	r = garlic_subscribe(g, o.events, o.flags, o.ack_timeout_ms);
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
	r = garlic_subscribe(g, o.events, o.flags, o.ack_timeout_ms);
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
	/* Inside a callback: closed by the dispatcher once it has returned. */
	if (garlic_hold_defer_close(g->dispatch_depth, &g->close_requested))
		return;
	garlic_nl_unregister(g);
	/* The application's socket, shared with a parent in a forked child. */
	if (!g->own_socket && g->owner == getpid())
		garlic_filter_attach(g->fd, 0);
	garlic_free(g);
}

GARLIC_EXPORT int garlic_set_rcvbuf(struct garlic *g, int bytes)
{
	if (!g || bytes <= 0)
		return -EINVAL;
	return garlic_socket_set_rcvbuf(g->fd, bytes);
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
	*mode = g->sub.filter_mode;
	return 0;
}

GARLIC_EXPORT int garlic_get_events(const struct garlic *g, uint32_t *events)
{
	if (!g || !events)
		return -EINVAL;
	*events = g->sub.events;
	return 0;
}

GARLIC_EXPORT int garlic_get_counters(const struct garlic *g,
				      struct garlic_counters *out, size_t size)
{
	if (!g || !out)
		return -EINVAL;
	/* A newer caller's members we do not know read as 0. */
	if (size > sizeof(g->counters))
		memset((char *)out + sizeof(g->counters), 0, size - sizeof(g->counters));
	memcpy(out, &g->counters,
	       size < sizeof(g->counters) ? size : sizeof(g->counters));
	return 0;
}
