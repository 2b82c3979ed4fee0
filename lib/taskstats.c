// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The TASKSTATS listener: the stream of exit statistics for a cpumask,
 * registered and deregistered through taskstats-query.c's requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/* ~13 000 queued records: each costs 1.25 KiB of the doubled 16 MiB (measured). */
#define TASKSTATS_RCVBUF (8 * 1024 * 1024)
/* Datagrams read per garlic_taskstats_receive(): bounds one call. */
#define RECEIVE_BATCH 64

struct garlic_taskstats_listener {
	struct nl_sock *sk;
	int fd;
	pid_t owner; /* the registration is this process's, not a forked child's */
	struct garlic_loop_fd loop;
	int family;
	char *cpumask;
	garlic_taskstats_fn fn;
	void *userdata;
	int err_owed;	      /* an error met after records were delivered */
	int callback_err;     /* the callback's negative return value */
	/* The hold across callbacks (garlic_hold() in garlic-private.h). */
	unsigned int dispatch_depth;
	bool close_requested; /* garlic_taskstats_close() from the callback */
	uint8_t buf[DATAGRAM_MAX];
};

/*
 * Every CPU the kernel may ever bring up, as the list it accepts ("0-3");
 * a CPU outside it makes the registration fail with EINVAL.
 */
static char *possible_cpus(void)
{
	char line[4096];
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	long n;

	if (f) {
		char *ok = fgets(line, sizeof(line), f);

		fclose(f);
		if (ok) {
			line[strcspn(line, "\n")] = '\0';
			if (line[0])
				return strdup(line);
		}
	}
	n = sysconf(_SC_NPROCESSORS_CONF);
	snprintf(line, sizeof(line), "0-%ld", n > 1 ? n - 1 : 0);
	return strdup(line);
}

/*
 * The kernel sends exit records to our port number in the initial network
 * namespace whatever namespace registered, so a socket elsewhere would
 * register fine and hear nothing. Registration succeeds only in the
 * initial pid namespace, where pid 2 is kthreadd, a kernel thread and so
 * in the initial network namespace; pid 1 may deny us its namespace (a
 * non-dumpable init). When neither can be read, the caller is given the
 * benefit of the doubt.
 */
static bool in_initial_netns(void)
{
	static const char *const initial[] = { "/proc/2/ns/net", "/proc/1/ns/net" };
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) < 0)
		return true;
	for (size_t i = 0; i < sizeof(initial) / sizeof(initial[0]); i++) {
		if (stat(initial[i], &init) == 0)
			return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
	}
	return true;
}

static int register_cpumask(struct garlic_taskstats_listener *l)
{
	uint32_t seq;
	int r;

	r = garlic_taskstats_send_get(l->sk, l->family, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, l->cpumask,
		     strlen(l->cpumask) + 1, &seq);
	if (r < 0)
		return r;
	return garlic_taskstats_read_answer(l->fd, l->family, seq, NULL);
}

/*
 * The kernel would also drop a closed socket from its lists, but only
 * when its next record to it fails. The request is handled inside
 * send(2), so the ACK need not be awaited.
 */
static void deregister_cpumask(struct garlic_taskstats_listener *l)
{
	if (l->owner != getpid())
		return;
	garlic_taskstats_send_get(l->sk, l->family, TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, l->cpumask,
		 strlen(l->cpumask) + 1, NULL);
}

static void listener_free(struct garlic_taskstats_listener *l)
{
	garlic_loop_fd_close(&l->loop);
	if (l->sk)
		nl_socket_free(l->sk);
	free(l->cpumask);
	free(l);
}

GARLIC_EXPORT int garlic_taskstats_open(struct garlic_taskstats_listener **out,
					const struct garlic_taskstats_opts *opts,
					garlic_taskstats_fn fn, void *userdata)
{
	struct garlic_taskstats_opts o, defaults = GARLIC_TASKSTATS_OPTS();
	struct garlic_taskstats_listener *l;
	int r;

	if (!out || !fn)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	r = garlic_copy_opts(&o, sizeof(o), opts, opts->sz,
			     offsetof(struct garlic_taskstats_opts, cpumask) + sizeof(o.cpumask));
	if (r < 0)
		return r;
	if ((o.flags & ~GARLIC_OPEN_NONBLOCK) || (o.cpumask && !*o.cpumask) || o.rcvbuf < 0)
		return -EINVAL;
	/* An attribute cannot hold it; the kernel would refuse far less. */
	if (o.cpumask && strlen(o.cpumask) + 1 > UINT16_MAX - NLA_HDRLEN)
		return -E2BIG;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->loop.epfd = l->loop.timerfd = -1;
	l->owner = getpid();
	l->fn = fn;
	l->userdata = userdata;
	l->cpumask = o.cpumask ? strdup(o.cpumask) : possible_cpus();
	if (!l->cpumask) {
		r = -ENOMEM;
		goto fail;
	}
	r = garlic_taskstats_connect(TASKSTATS_GENL_NAME, &l->sk, &l->family);
	if (r < 0)
		goto fail;
	l->fd = nl_socket_get_fd(l->sk);
	/* Sized before registering, so that no record meets libnl's 32 KiB. */
	r = garlic_socket_set_rcvbuf(l->fd, o.rcvbuf ? o.rcvbuf : TASKSTATS_RCVBUF);
	if (r < 0)
		goto fail;
	/*
	 * Asked before registering: from another namespace our port number
	 * would name some other socket of the initial one until we left.
	 */
	if (!in_initial_netns()) {
		r = -ECONNREFUSED;
		goto fail;
	}
	if ((o.flags & GARLIC_OPEN_NONBLOCK) &&
	    fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	r = garlic_loop_fd_init(&l->loop, l->fd);
	if (r < 0)
		goto fail;
	r = register_cpumask(l);
	if (r < 0) {
		/* A timed-out request may have been carried out all the same. */
		if (r == -ETIMEDOUT)
			deregister_cpumask(l);
		goto fail;
	}
	*out = l;
	return 0;
fail:
	listener_free(l);
	return r;
}

GARLIC_EXPORT void garlic_taskstats_close(struct garlic_taskstats_listener *l)
{
	if (!l)
		return;
	/* Inside the callback: freed by garlic_taskstats_receive() once it returns. */
	if (garlic_hold_defer_close(l->dispatch_depth, &l->close_requested))
		return;
	deregister_cpumask(l);
	listener_free(l);
}

int garlic_taskstats_socket_fd(const struct garlic_taskstats_listener *l)
{
	return l->fd;
}

GARLIC_EXPORT int garlic_taskstats_fd(const struct garlic_taskstats_listener *l)
{
	return l ? l->loop.epfd : -EINVAL;
}

/*
 * Delivers the records of one datagram. A callback's request to stop
 * takes effect after the message it is in, so that a task's record and
 * its process's, which share one, are delivered together; the kernel
 * sends one message per datagram, so nothing else is cut off. Returns
 * true when receiving must stop.
 */
static bool deliver(struct garlic_taskstats_listener *l, size_t len, int *delivered)
{
	struct garlic_nlmsg m;
	size_t off = 0;
	bool stop = false;

	while (!stop && garlic_nlmsg_next(l->buf, len, &off, &m)) {
		struct garlic_taskstats records[2];
		int n;

		if (!m.whole)
			break; /* the rest of the datagram is unusable */
		/* ACKs, errors and malformed messages are not records. */
		n = m.hdr.nlmsg_type == l->family
			    ? garlic_taskstats_parse(m.data, m.hdr.nlmsg_len, records, 2)
			    : 0;
		for (int i = 0; i < n && !l->close_requested; i++) {
			int r;

			r = l->fn(&records[i], l->userdata);

			(*delivered)++;
			if (r < 0 && !l->callback_err)
				l->callback_err = r;
			stop |= r != 0;
		}
		stop |= l->close_requested;
	}
	return stop;
}
static int receive(struct garlic_taskstats_listener *l)
{
	int delivered = 0, err = 0;

	if (l->err_owed) {
		int r = l->err_owed;

		l->err_owed = 0;
		return r;
	}
	/* The first read may block (a blocking socket); the others never do. */
	for (int i = 0; i < RECEIVE_BATCH; i++) {
		struct sockaddr_nl src;
		struct iovec iov = { .iov_base = l->buf, .iov_len = sizeof(l->buf) };
		struct msghdr mh = {
			.msg_name = &src,
			.msg_namelen = sizeof(src),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(l->fd, &mh, i ? MSG_DONTWAIT : 0);

		if (n < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			if (errno != EAGAIN || i == 0)
				err = -errno;
			break;
		}
		/* Only the kernel sends records; a datagram cut short is useless. */
		if (src.nl_pid != 0 || (mh.msg_flags & MSG_TRUNC))
			continue;
		if (deliver(l, (size_t)n, &delivered))
			break;
	}
	if (l->callback_err) {
		err = l->callback_err;
		l->callback_err = 0;
		return err;
	}
	if (err && delivered > 0) {
		/* Told on the next call, so that neither it nor these records is lost. */
		l->err_owed = err;
		return delivered;
	}
	return delivered > 0 ? delivered : err;
}

GARLIC_EXPORT int garlic_taskstats_receive(struct garlic_taskstats_listener *l)
{
	int r;

	if (!l)
		return -EINVAL;
	if (l->dispatch_depth > 0)
		return -EBUSY;
	garlic_hold(&l->dispatch_depth);
	r = receive(l);
	if (garlic_release(&l->dispatch_depth, &l->close_requested)) {
		garlic_taskstats_close(l);
		return r;
	}
	/* An owed error is work the socket does not show. */
	garlic_loop_fd_wake_at(&l->loop, l->err_owed ? 1 : 0);
	return r;
}
