// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Subscribing, against a fake kernel: the library's system calls on its
 * connector socket are taken at link time (-Wl,--wrap, see Makefile.am)
 * and answered the way a given kernel would (KERNEL-NOTES §1.2, §1.3):
 * one from Linux 6.6 that understands the 8-byte proc_input request and
 * filters in the kernel, an older one that ignores it and answers only
 * the 4-byte request, one that refuses (EPERM), one that never answers
 * (a LISTEN from another pid namespace). So the probe for the kernel
 * filter and the fallback to the legacy request are tested on whatever
 * kernel runs the tests. Only what can be seen from outside is checked:
 * return codes, garlic_get_filter_mode(), the bytes sent, and what the fake
 * kernel was left subscribed to.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>

#include <glib.h>

#include <garlic/garlic.h>
#include <garlic/process.h>

#include "live.h"
#include "messages.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

enum kernel {
	KERNEL_6_6,	/* proc_input (8 bytes) and the legacy request (4) */
	KERNEL_OLD,	/* before 6.6: the legacy request only */
	KERNEL_OLD_EPERM, /* before 6.6, without CAP_NET_ADMIN */
	KERNEL_SILENT,	/* never answers: a LISTEN from another pid namespace */
};

#define OP_LISTEN 1
#define OP_IGNORE 2
#define ALL_EVENTS 0xe00003c7u /* PROC_EVENT_ALL on 6.6 */

/* One request the library sent to the kernel. */
struct request {
	uint32_t ack;
	uint16_t cn_len;
	uint32_t op;
	uint32_t events; /* proc_input.event_type; ALL for a legacy request */
};

/* One datagram waiting to be received, and who it claims to be from. */
struct datagram {
	uint8_t buf[MSG_SIZE];
	uint32_t from_pid;
};

static struct fake {
	bool on;
	int fd;			/* the connector socket the library made */
	enum kernel kernel;
	bool foreign_first;	/* others' ACKs and an event before ours */
	bool enobufs_once;	/* the first receive overflows, losing the ACK */
	GArray *sent;		/* struct request */
	GQueue queue;		/* struct datagram * */
	uint32_t seq;
	/* What the kernel holds for this socket. */
	bool joined;
	bool listening;
	uint32_t mask;
	bool bpf;		/* a socket filter is attached */
	/*
	 * proc_event_num_listeners: before 6.6 every LISTEN raises it and
	 * every IGNORE lowers it; from 6.6 a socket counts once.
	 */
	int listeners;
} fake;

int __real_socket(int domain, int type, int protocol);
int __real_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
ssize_t __real_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen);
ssize_t __real_sendmsg(int fd, const struct msghdr *mh, int flags);
ssize_t __real_recvmsg(int fd, struct msghdr *mh, int flags);
int __real_poll(struct pollfd *fds, nfds_t n, int timeout);

int __wrap_socket(int domain, int type, int protocol);
int __wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *mh, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *mh, int flags);
int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);

static bool faked(int fd)
{
	return fake.on && fd >= 0 && fd == fake.fd;
}

static void queue_msg(const struct msg_spec *spec, uint32_t from_pid)
{
	struct datagram *d = g_new0(struct datagram, 1);

	g_assert_cmpuint(msg_build(d->buf, sizeof(d->buf), spec), ==, MSG_SIZE);
	d->from_pid = from_pid;
	g_queue_push_tail(&fake.queue, d);
}

/* The kernel's ACK (cn_proc_ack): a NONE event, ack + 1, a positive errno. */
static void queue_ack(uint32_t ack, uint32_t err, uint32_t from_pid)
{
	struct msg_spec s = { .what = 0, .seq = fake.seq++, .ack = ack, .data = { err } };

	queue_msg(&s, from_pid);
}

/*
 * cn_filter(): a socket listening to a mask other than ALL gets only
 * those kinds, so not the ACK (a NONE event); an ignoring one nothing.
 */
static bool delivered(uint32_t what)
{
	if (!fake.joined || !fake.listening)
		return false;
	return fake.mask == ALL_EVENTS || (fake.mask & what);
}

/* What the fake kernel does with one request (cn_proc_mcast_ctl). */
static void kernel_receive(const uint8_t *buf, size_t len)
{
	struct nlmsghdr nlh;
	struct cn_msg cn;
	struct request r = { 0 };
	uint32_t err = 0;

	g_assert_cmpuint(len, >=, sizeof(nlh) + sizeof(cn));
	memcpy(&nlh, buf, sizeof(nlh));
	memcpy(&cn, buf + sizeof(nlh), sizeof(cn));
	g_assert_cmpuint(nlh.nlmsg_len, ==, len);
	g_assert_cmpuint(nlh.nlmsg_type, ==, NLMSG_DONE);
	g_assert_cmpuint(cn.id.idx, ==, CN_IDX_PROC);
	g_assert_cmpuint(cn.id.val, ==, CN_VAL_PROC);
	g_assert_cmpuint(sizeof(nlh) + sizeof(cn) + cn.len, ==, len);
	r.ack = cn.ack;
	r.cn_len = cn.len;
	if (cn.len >= 4)
		memcpy(&r.op, buf + sizeof(nlh) + sizeof(cn), 4);
	r.events = ALL_EVENTS;
	if (cn.len == 8)
		memcpy(&r.events, buf + sizeof(nlh) + sizeof(cn) + 4, 4);
	g_array_append_val(fake.sent, r);

	if (fake.kernel == KERNEL_SILENT)
		return;
	/* Before 6.6 any length but 4 is ignored, silently. */
	if (cn.len != 4 && (cn.len != 8 || fake.kernel != KERNEL_6_6))
		return;
	if (fake.kernel == KERNEL_OLD_EPERM) {
		err = EPERM;
	} else {
		bool was = fake.listening;

		fake.listening = r.op == OP_LISTEN;
		fake.mask = r.events & ALL_EVENTS ? r.events : ALL_EVENTS;
		if (fake.kernel != KERNEL_6_6)
			fake.listeners += r.op == OP_LISTEN ? 1 : -1;
		else if (was != fake.listening)
			fake.listeners += fake.listening ? 1 : -1;
	}
	if (fake.foreign_first && fake.joined) {
		struct msg_spec fork_event = { .what = 1, .seq = fake.seq++,
					       .data = { 1, 1, 4242, 4242 } };

		/* Another listener's ACK, and one forged by a process. */
		queue_ack(cn.ack + 2, EPERM, 0);
		queue_ack(cn.ack + 1, EPERM, 4321);
		queue_msg(&fork_event, 0);
	}
	if (fake.joined && (fake.kernel != KERNEL_6_6 || delivered(0)))
		queue_ack(cn.ack + 1, err, 0);
}

int __wrap_socket(int domain, int type, int protocol)
{
	int fd = __real_socket(domain, type, protocol);

	if (fake.on && fd >= 0 && domain == AF_NETLINK && protocol == NETLINK_CONNECTOR)
		fake.fd = fd;
	return fd;
}

int __wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (faked(fd) && level == SOL_NETLINK && name == NETLINK_ADD_MEMBERSHIP) {
		/* Joined in the fake only: no real event may come in. */
		g_assert_cmpuint(*(const int *)val, ==, CN_IDX_PROC);
		fake.joined = true;
		return 0;
	}
	if (faked(fd) && level == SOL_SOCKET && name == SO_ATTACH_FILTER)
		fake.bpf = ((const struct sock_fprog *)val)->len > 0;
	if (faked(fd) && level == SOL_SOCKET && name == SO_DETACH_FILTER)
		fake.bpf = false;
	return __real_setsockopt(fd, level, name, val, len);
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen)
{
	if (!faked(fd))
		return __real_sendto(fd, buf, len, flags, to, tolen);
	g_assert_nonnull(to);
	g_assert_cmpuint(((const struct sockaddr_nl *)to)->nl_pid, ==, 0);
	kernel_receive(buf, len);
	return (ssize_t)len;
}

ssize_t __wrap_sendmsg(int fd, const struct msghdr *mh, int flags)
{
	uint8_t buf[256];
	size_t len = 0;

	if (!faked(fd))
		return __real_sendmsg(fd, mh, flags);
	for (size_t i = 0; i < mh->msg_iovlen; i++) {
		g_assert_cmpuint(len + mh->msg_iov[i].iov_len, <=, sizeof(buf));
		memcpy(buf + len, mh->msg_iov[i].iov_base, mh->msg_iov[i].iov_len);
		len += mh->msg_iov[i].iov_len;
	}
	kernel_receive(buf, len);
	return (ssize_t)len;
}

ssize_t __wrap_recvmsg(int fd, struct msghdr *mh, int flags)
{
	struct datagram *d;
	size_t done = 0;

	if (!faked(fd))
		return __real_recvmsg(fd, mh, flags);
	if (fake.enobufs_once && !g_queue_is_empty(&fake.queue)) {
		/* The queue overflowed: what was in it is gone. */
		fake.enobufs_once = false;
		while ((d = g_queue_pop_head(&fake.queue)))
			g_free(d);
		errno = ENOBUFS;
		return -1;
	}
	d = g_queue_pop_head(&fake.queue);
	if (!d) {
		errno = EAGAIN;
		return -1;
	}
	for (size_t i = 0; i < mh->msg_iovlen && done < sizeof(d->buf); i++) {
		size_t n = MIN(mh->msg_iov[i].iov_len, sizeof(d->buf) - done);

		memcpy(mh->msg_iov[i].iov_base, d->buf + done, n);
		done += n;
	}
	mh->msg_flags = done < sizeof(d->buf) ? MSG_TRUNC : 0;
	if (mh->msg_name && mh->msg_namelen >= sizeof(struct sockaddr_nl)) {
		struct sockaddr_nl src = { .nl_family = AF_NETLINK, .nl_pid = d->from_pid,
					   .nl_groups = d->from_pid ? 0 : 1u << (CN_IDX_PROC - 1) };

		memcpy(mh->msg_name, &src, sizeof(src));
		mh->msg_namelen = sizeof(src);
	}
	g_free(d);
	return (ssize_t)done;
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	for (nfds_t i = 0; i < n; i++)
		if (faked(fds[i].fd) && !g_queue_is_empty(&fake.queue)) {
			for (nfds_t j = 0; j < n; j++)
				fds[j].revents = j == i ? POLLIN : 0;
			return 1;
		}
	/* Nothing for it: the real socket, which joined no group, waits. */
	return __real_poll(fds, n, timeout);
}

static void fake_start(enum kernel kernel)
{
	struct datagram *d;

	while ((d = g_queue_pop_head(&fake.queue)))
		g_free(d);
	if (fake.sent)
		g_array_free(fake.sent, TRUE);
	memset(&fake, 0, sizeof(fake));
	g_queue_init(&fake.queue);
	fake.sent = g_array_new(FALSE, TRUE, sizeof(struct request));
	fake.kernel = kernel;
	fake.fd = -1;
	fake.on = true;
}

static const struct request *sent(guint i)
{
	g_assert_cmpuint(i, <, fake.sent->len);
	return &g_array_index(fake.sent, struct request, i);
}

static const struct request *last_sent(void)
{
	return sent(fake.sent->len - 1);
}

static int ignore_event(const struct garlic_event *ev, void *userdata)
{
	return 0;
}

static int open_fake(struct garlic **g, uint32_t events, uint32_t flags,
		     unsigned int ack_timeout_ms)
{
	struct garlic_open_opts opts = {
		.sz = sizeof(opts),
		.events = events,
		.flags = flags,
		.ack_timeout_ms = ack_timeout_ms,
	};

	*g = NULL;
	return garlic_open_opts(g, &opts, ignore_event, NULL);
}

/* Closing says IGNORE in the format the kernel understood. */
static void close_fake(struct garlic *g, uint16_t cn_len)
{
	guint before = fake.sent->len;

	garlic_close(g);
	g_assert_cmpuint(fake.sent->len, >=, before + 1);
	g_assert_cmpuint(last_sent()->op, ==, OP_IGNORE);
	g_assert_cmpuint(last_sent()->cn_len, ==, cn_len);
	g_assert_false(fake.listening);
	/* Every LISTEN the kernel counted is undone: no listener leaks. */
	g_assert_cmpint(fake.listeners, ==, 0);
	fake.on = false;
}

static void test_6_6_all(void)
{
	struct garlic *g;

	fake_start(KERNEL_6_6);
	g_assert_cmpint(open_fake(&g, 0, 0, 0), ==, 0);
	g_assert_true(fake.joined);
	g_assert_cmpuint(fake.sent->len, ==, 1);
	g_assert_cmpuint(sent(0)->op, ==, OP_LISTEN);
	g_assert_cmpuint(sent(0)->cn_len, ==, 8);
	g_assert_cmpuint(sent(0)->events, ==, ALL_EVENTS);
	g_assert_true(fake.listening);
	g_assert_cmpuint(fake.mask, ==, ALL_EVENTS);
	g_assert_cmpint(filter_mode(g), ==, GARLIC_FILTER_NONE);
	g_assert_false(fake.bpf);
	close_fake(g, 8);
}

/*
 * A filtered LISTEN gets no ACK (the kernel filters its own reply), so
 * the probe asks for everything and the mask follows in a second LISTEN.
 */
static void test_6_6_filtered(void)
{
	struct garlic *g;
	uint32_t events;

	fake_start(KERNEL_6_6);
	g_assert_cmpint(open_fake(&g, GARLIC_EVENT_EXEC | GARLIC_EVENT_EXIT, 0, 0), ==, 0);
	g_assert_cmpint(filter_mode(g), ==, GARLIC_FILTER_KERNEL);
	g_assert_cmpint(garlic_get_events(g, &events), ==, 0);
	g_assert_cmpuint(events, ==, GARLIC_EVENT_EXEC | GARLIC_EVENT_EXIT);
	g_assert_cmpuint(fake.sent->len, >=, 2);
	g_assert_cmpuint(last_sent()->op, ==, OP_LISTEN);
	g_assert_cmpuint(last_sent()->cn_len, ==, 8);
	g_assert_true(fake.listening);
	g_assert_cmpuint(fake.mask, ==, GARLIC_EVENT_EXEC | GARLIC_EVENT_EXIT);
	close_fake(g, 8);
}

static void test_6_6_force_bpf(void)
{
	struct garlic *g;

	fake_start(KERNEL_6_6);
	g_assert_cmpint(open_fake(&g, GARLIC_EVENT_EXEC, GARLIC_OPEN_FORCE_BPF, 0), ==, 0);
	g_assert_cmpint(filter_mode(g), ==, GARLIC_FILTER_BPF);
	g_assert_true(fake.bpf);
	g_assert_true(fake.listening);
	g_assert_cmpuint(fake.mask, ==, ALL_EVENTS);
	close_fake(g, 8);
}

/* Before 6.6: the 8-byte probe goes unanswered; the 4-byte request works. */
static void test_old_filtered(void)
{
	struct garlic *g;
	int64_t t0 = g_get_monotonic_time();

	fake_start(KERNEL_OLD);
	g_assert_cmpint(open_fake(&g, GARLIC_EVENT_EXEC, 0, 0), ==, 0);
	g_test_message("fell back after %" G_GINT64_FORMAT " ms",
		       (g_get_monotonic_time() - t0) / 1000);
	g_assert_cmpint(filter_mode(g), ==, GARLIC_FILTER_BPF);
	g_assert_true(fake.bpf);
	g_assert_cmpuint(fake.sent->len, >=, 2);
	g_assert_cmpuint(sent(0)->cn_len, ==, 8);
	g_assert_cmpuint(last_sent()->cn_len, ==, 4);
	g_assert_cmpuint(last_sent()->op, ==, OP_LISTEN);
	g_assert_true(fake.listening);
	g_assert_cmpuint(fake.mask, ==, ALL_EVENTS);
	close_fake(g, 4);
}

static void test_old_all(void)
{
	struct garlic *g;

	fake_start(KERNEL_OLD);
	g_assert_cmpint(open_fake(&g, 0, 0, 0), ==, 0);
	g_assert_cmpint(filter_mode(g), ==, GARLIC_FILTER_NONE);
	g_assert_false(fake.bpf);
	g_assert_cmpuint(last_sent()->cn_len, ==, 4);
	g_assert_true(fake.listening);
	close_fake(g, 4);
}

static void test_eperm(void)
{
	struct garlic *g;

	fake_start(KERNEL_OLD_EPERM);
	g_assert_cmpint(open_fake(&g, 0, 0, 0), ==, -EPERM);
	g_assert_null(g);
	g_assert_false(fake.listening);
	fake.on = false;
}

static void test_no_ack(void)
{
	struct garlic *g;
	int64_t t0 = g_get_monotonic_time(), ms;

	fake_start(KERNEL_SILENT);
	g_assert_cmpint(open_fake(&g, 0, 0, 300), ==, -ETIMEDOUT);
	ms = (g_get_monotonic_time() - t0) / 1000;
	g_test_message("gave up after %" G_GINT64_FORMAT " ms", ms);
	g_assert_null(g);
	/* The timeout asked for, give or take the probe: not the default 1 s. */
	g_assert_cmpint(ms, >=, 300);
	g_assert_cmpint(ms, <, 1000);
	fake.on = false;
}

/*
 * ACKs are multicast: another listener's, with another number, and one
 * with our number that a process forged, come before ours (with an
 * event from before the subscription); none of them is ours.
 */
static void test_foreign_acks(void)
{
	struct garlic *g;

	fake_start(KERNEL_6_6);
	fake.foreign_first = true;
	g_assert_cmpint(open_fake(&g, 0, 0, 0), ==, 0);
	g_assert_cmpuint(fake.sent->len, ==, 1);
	g_assert_cmpint(filter_mode(g), ==, GARLIC_FILTER_NONE);
	close_fake(g, 8);

	fake_start(KERNEL_OLD);
	fake.foreign_first = true;
	g_assert_cmpint(open_fake(&g, GARLIC_EVENT_FORK, 0, 0), ==, 0);
	g_assert_cmpint(filter_mode(g), ==, GARLIC_FILTER_BPF);
	close_fake(g, 4);
}

/* An overrun may have eaten the ACK: the request is sent again. */
static void test_ack_lost_in_overrun(void)
{
	struct garlic *g;

	fake_start(KERNEL_6_6);
	fake.enobufs_once = true;
	g_assert_cmpint(open_fake(&g, 0, 0, 0), ==, 0);
	g_assert_cmpuint(fake.sent->len, ==, 2);
	g_assert_cmpuint(sent(1)->cn_len, ==, 8);
	g_assert_cmpuint(sent(1)->ack, !=, sent(0)->ack);
	g_assert_true(fake.listening);
	close_fake(g, 8);
}

/* Before 6.6 each LISTEN counts: a retried one needs its own IGNORE. */
static void test_old_retry_no_leak(void)
{
	struct garlic *g;

	fake_start(KERNEL_OLD);
	fake.enobufs_once = true;
	g_assert_cmpint(open_fake(&g, 0, 0, 0), ==, 0);
	g_assert_cmpint(fake.listeners, ==, 2);
	close_fake(g, 4);
}

/* A failure after the kernel counted the LISTEN undoes it. */
static void test_failure_after_listen_unsubscribes(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.events = GARLIC_EVENT_EXEC,
							.capture = GARLIC_PROCESS_ARGV);
	struct garlic *g = NULL;
	struct rlimit old, one;

	fake_start(KERNEL_OLD);
	/* The exec capture's second socket cannot be made: no descriptor left. */
	g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &old), ==, 0);
	one = old;
	one.rlim_cur = (rlim_t)dup(0);
	close((int)one.rlim_cur);
	one.rlim_cur += 3;
	g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &one), ==, 0);
	g_assert_cmpint(garlic_open_opts(&g, &opts, ignore_event, NULL), <, 0);
	g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &old), ==, 0);
	g_assert_null(g);
	g_assert_cmpuint(fake.sent->len, >=, 2);
	g_assert_cmpuint(last_sent()->op, ==, OP_IGNORE);
	g_assert_cmpint(fake.listeners, ==, 0);
	fake.on = false;
}

int main(int argc, char **argv)
{
	int fd;

	g_test_init(&argc, &argv, NULL);
	/* The fake answers for the kernel, but the socket is a real one. */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0)
		live_skip_all("no NETLINK_CONNECTOR sockets here (CONFIG_CONNECTOR)");
	close(fd);

	g_test_add_func("/subscribe/6.6/all", test_6_6_all);
	g_test_add_func("/subscribe/6.6/filtered", test_6_6_filtered);
	g_test_add_func("/subscribe/6.6/force-bpf", test_6_6_force_bpf);
	g_test_add_func("/subscribe/old/filtered", test_old_filtered);
	g_test_add_func("/subscribe/old/all", test_old_all);
	g_test_add_func("/subscribe/eperm", test_eperm);
	g_test_add_func("/subscribe/no-ack", test_no_ack);
	g_test_add_func("/subscribe/foreign-acks", test_foreign_acks);
	g_test_add_func("/subscribe/ack-lost-in-overrun", test_ack_lost_in_overrun);
	g_test_add_func("/subscribe/old/retry-no-leak", test_old_retry_no_leak);
	g_test_add_func("/subscribe/failure-after-listen-unsubscribes",
			test_failure_after_listen_unsubscribes);
	return g_test_run();
}
