// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench/listener: the listeners bench/perf measures, one per mode, each
 * recording every event's (type, pid) in preallocated memory and writing
 * them to FILE on SIGTERM.
 *
 *   raw     a minimal recv() loop on a plain netlink socket, the kernel's
 *           default receive buffer: the baseline
 *   garlic  garlic_open() + garlic_receive() (library defaults)
 *   garlic10  the same with a 10 ms latency budget, non-blocking, waiting
 *             on garlic_fd() as an event loop does
 *   exec-kernel, exec-bpf, exec-skip  an exec-only listener filtering in
 *           the kernel (proc_input), with classic BPF, or in its callback
 *   libnl   the application's own nl_sock and nl_recvmsgs() loop, with
 *           garlic_attach() + garlic_nl_register()
 *
 * Each record also holds the delivery latency: CLOCK_MONOTONIC when the
 * event reached the listener minus the kernel's timestamp.
 *
 * usage: listener raw|garlic|garlic10|libnl FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/handlers.h>

#include <garlic/libnl.h>

#define MAX_RECORDS (64ul << 20)

struct record {
	uint32_t type;
	int32_t pid;
	uint32_t latency_us;
};

static struct record *records;
static volatile size_t nrecords;
static const char *out_path;

static void record(uint32_t type, pid_t pid, uint64_t timestamp_ns)
{
	size_t i = nrecords;
	struct timespec now;

	if (i < MAX_RECORDS) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		records[i].type = type;
		records[i].pid = pid;
		records[i].latency_us =
			((uint64_t)now.tv_sec * 1000000000u + now.tv_nsec - timestamp_ns) / 1000;
		nrecords = i + 1;
	}
}

/* Async-signal-safe: the records are written with write(2) and we leave. */
static void on_term(int sig)
{
	int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t bytes = nrecords * sizeof(struct record);
	const char *p = (const char *)records;

	while (fd >= 0 && bytes > 0) {
		ssize_t n = write(fd, p, bytes);

		if (n <= 0)
			break;
		p += n;
		bytes -= n;
	}
	_exit(fd >= 0 ? 0 : 1);
}

static int raw_loop(void)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	struct {
		struct nlmsghdr nlh;
		struct cn_msg cn;
		uint32_t op;
	} __attribute__((packed)) req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = NLMSG_DONE },
		.cn = { .id = { CN_IDX_PROC, CN_VAL_PROC }, .len = sizeof(uint32_t) },
		.op = PROC_CN_MCAST_LISTEN,
	};
	char buf[1024] __attribute__((aligned(8)));
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);

	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    send(fd, &req, sizeof(req), 0) < 0) {
		perror("raw");
		return 1;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct proc_event *ev = (struct proc_event *)(buf + NLMSG_HDRLEN +
							      sizeof(struct cn_msg));

		if (n < (ssize_t)(NLMSG_HDRLEN + sizeof(struct cn_msg) + 16))
			continue; /* ENOBUFS and short reads: the baseline just goes on */
		record(ev->what,
		       ev->what == PROC_EVENT_FORK ? ev->event_data.fork.child_pid
						   : ev->event_data.exec.process_pid,
		       ev->timestamp_ns);
	}
}

static int on_event(const struct garlic_event *ev, void *userdata)
{
	record(ev->type,
	       ev->type == GARLIC_EVENT_FORK ? ev->fork.child_pid : ev->exec.process_pid,
	       ev->timestamp_ns);
	return 0;
}

static int exec_only(const struct garlic_event *ev, void *userdata)
{
	return ev->type == GARLIC_EVENT_EXEC ? on_event(ev, userdata) : 0;
}

static int garlic_loop(unsigned int budget_us, uint32_t events, uint32_t flags,
		       garlic_event_fn fn)
{
	struct garlic_open_opts opts = { .sz = sizeof(opts), .latency_budget_us = budget_us,
					 .events = events, .flags = flags };
	struct garlic *g;
	int r = garlic_open_opts(&g, &opts, fn, NULL);

	if (r < 0) {
		fprintf(stderr, "garlic: %s\n", garlic_strerror(r));
		return 1;
	}
	for (;;) {
		/* An event loop's way: wait on the fd, then one call. */
		if (flags & GARLIC_OPEN_NONBLOCK) {
			struct pollfd pfd = { .fd = garlic_fd(g), .events = POLLIN };

			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return 1;
		}
		r = garlic_receive(g);
		if (r < 0 && r != -ENOBUFS && r != -EAGAIN) {
			fprintf(stderr, "garlic: %s\n", garlic_strerror(r));
			return 1;
		}
	}
}

static int libnl_loop(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	struct garlic *g;
	int r;

	if (!sk || !cb || nl_connect(sk, NETLINK_CONNECTOR) < 0)
		return 1;
	r = garlic_attach(&g, sk, NULL, on_event, NULL);
	if (r < 0) {
		fprintf(stderr, "libnl: %s\n", garlic_strerror(r));
		return 1;
	}
	garlic_nl_register(g, cb);
	for (;;) {
		r = nl_recvmsgs(sk, cb);
		if (r == -NLE_NOMEM)
			garlic_check_loss(g);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };

	if (argc != 3) {
		fprintf(stderr, "usage: listener raw|garlic|garlic10|libnl|exec-kernel|exec-bpf|exec-skip FILE\n");
		return 2;
	}
	out_path = argv[2];
	records = mmap(NULL, MAX_RECORDS * sizeof(*records), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (records == MAP_FAILED)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	if (strcmp(argv[1], "raw") == 0)
		return raw_loop();
	if (strcmp(argv[1], "garlic") == 0)
		return garlic_loop(0, 0, 0, on_event);
	if (strcmp(argv[1], "garlic10") == 0)
		return garlic_loop(10000, 0, GARLIC_OPEN_NONBLOCK, on_event);
	if (strcmp(argv[1], "exec-kernel") == 0)
		return garlic_loop(0, GARLIC_EVENT_EXEC, 0, on_event);
	if (strcmp(argv[1], "exec-bpf") == 0)
		return garlic_loop(0, GARLIC_EVENT_EXEC, GARLIC_OPEN_FORCE_BPF, on_event);
	if (strcmp(argv[1], "exec-skip") == 0)
		return garlic_loop(0, 0, 0, exec_only);
	if (strcmp(argv[1], "libnl") == 0)
		return libnl_loop();
	fprintf(stderr, "listener: unknown mode '%s'\n", argv[1]);
	return 2;
}
