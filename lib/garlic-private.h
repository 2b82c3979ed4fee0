/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_PRIVATE_H
#define GARLIC_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <garlic/garlic.h>
#include <garlic/libnl.h>
#include <garlic/taskstats.h>
#include <garlic/process.h>

#define GARLIC_EXPORT __attribute__((visibility("default")))

/* Every kind this library knows: the kernel's PROC_EVENT_ALL. */
#define GARLIC_KNOWN_EVENTS                                                   \
	(GARLIC_EVENT_FORK | GARLIC_EVENT_EXEC | GARLIC_EVENT_UID |            \
	 GARLIC_EVENT_GID | GARLIC_EVENT_SID | GARLIC_EVENT_PTRACE |           \
	 GARLIC_EVENT_COMM | GARLIC_EVENT_NONZERO_EXIT |                       \
	 GARLIC_EVENT_COREDUMP | GARLIC_EVENT_EXIT)

struct sock_filter;
struct nl_msg;

/*
 * The one descriptor a handle gives event loops: an epoll set holding
 * the handle's socket (while its data may be read now) and a timerfd
 * (armed for work that is due later, or at once). See loop-fd.c.
 */
struct garlic_loop_fd {
	int epfd;
	int timerfd;
	int sockfd;
	bool socket_watched;
	uint64_t timer_due_ns; /* CLOCK_MONOTONIC; 0: disarmed */
};

int garlic_loop_fd_init(struct garlic_loop_fd *l, int sockfd);
void garlic_loop_fd_close(struct garlic_loop_fd *l);
/* Another descriptor whose data is always the handle's work. */
int garlic_loop_fd_add(struct garlic_loop_fd *l, int fd);
/* Whether the fd turns readable when the socket has data. */
int garlic_loop_fd_watch_socket(struct garlic_loop_fd *l, bool watch);
/*
 * Arms timerfd fd (CLOCK_MONOTONIC) for due_ns, absolute: readable from
 * then on, at once for a time past (1), never for 0. *armed_ns caches
 * what it is set to, so an unchanged time costs no system call.
 */
int garlic_timerfd_arm(int fd, uint64_t *armed_ns, uint64_t due_ns);
/* Readable from due_ns (CLOCK_MONOTONIC) on; 1: at once; 0: never. */
int garlic_loop_fd_wake_at(struct garlic_loop_fd *l, uint64_t due_ns);

/* Datagrams read per recvmmsg(2): bounds one garlic_receive() call. */
#define GARLIC_BATCH 64
/* Batches one garlic_receive() may read with a latency budget (a burst). */
#define GARLIC_BUDGET_ROUNDS 64
/* A proc connector datagram is 76 bytes; anything past this is refused. */
#define GARLIC_SLOT_SIZE 512

/* What one netlink message turned out to be (garlic_parse_msg()). */
enum garlic_msg_kind {
	GARLIC_MSG_EVENT,
	GARLIC_MSG_ACK,
	GARLIC_MSG_MALFORMED,
	GARLIC_MSG_FOREIGN,
};

/* A PROC_EVENT_NONE reply to some listener's LISTEN/IGNORE. */
struct garlic_ack {
	uint32_t seq;
	uint32_t ack; /* the request's ack + 1 */
	uint32_t err; /* positive errno, 0 on success */
	uint32_t cpu;
};

/*
 * Parses the netlink message at the start of buf (len bytes available) into
 * *ev or *ack. *used is set to the bytes the message occupies, so that a
 * caller can walk a datagram; it is len when the header itself is unusable.
 * Pure: no I/O, no allocation.
 */
enum garlic_msg_kind garlic_parse_msg(const void *buf, size_t len,
				      struct garlic_event *ev,
				      struct garlic_ack *ack, size_t *used);

/* Request formats the kernel understands (see subscribe.c). */
enum garlic_request_format {
	GARLIC_REQUEST_PROC_INPUT, /* 8-byte struct proc_input, Linux >= 6.6 */
	GARLIC_REQUEST_LEGACY,	   /* 4-byte enum proc_cn_mcast_op */
};

/* Room garlic_request_encode() needs: nlmsghdr, cn_msg, proc_input. */
#define GARLIC_REQUEST_MAX 44
/*
 * Writes a LISTEN/IGNORE request (op) for events in format, from port,
 * numbered ack, into req (GARLIC_REQUEST_MAX bytes). Returns its length.
 * Pure.
 */
size_t garlic_request_encode(uint8_t *req, uint32_t op, uint32_t events,
			     enum garlic_request_format format, uint32_t port, uint32_t ack);

/* What one netlink message did to a walk over a datagram. */
enum garlic_step {
	GARLIC_STEP_GO_ON,
	GARLIC_STEP_STOP,
};

/*
 * The deferred close of a handle that runs callbacks, as sd-netlink
 * holds a ref across dispatch: every entry point that runs callbacks
 * holds the handle (depth); a close from inside a callback only marks it
 * (close_requested), and the last release says the caller must now close
 * it for real.
 */
static inline void garlic_hold(unsigned int *depth)
{
	(*depth)++;
}

/* Returns true when the handle must be closed now, by the caller. */
static inline bool garlic_release(unsigned int *depth, bool *close_requested)
{
	if (--*depth > 0 || !*close_requested)
		return false;
	*close_requested = false;
	return true;
}

/* In a close function: true when the close waits for the last release. */
static inline bool garlic_hold_defer_close(unsigned int depth, bool *close_requested)
{
	if (depth == 0)
		return false;
	*close_requested = true;
	return true;
}

/* netlink.c: the internal netlink layer every socket of the library uses. */
/*
 * Sets fd's receive buffer to bytes (beyond net.core.rmem_max where
 * CAP_NET_ADMIN allows). Returns the size granted, or a negative errno.
 */
int garlic_socket_set_rcvbuf(int fd, int bytes);
/*
 * Waits until deadline_ns (CLOCK_MONOTONIC) for one datagram, read into
 * buf (size bytes) with its sender in *src and recvmsg(2)'s flags in
 * *flags (MSG_TRUNC: cut short). Returns its length, or
 * -ETIMEDOUT once the deadline has passed (checked before every read,
 * so a steady stream cannot hold the caller past it), or -errno
 * (ENOBUFS included: what an overrun means is the caller's to say).
 */
ssize_t garlic_recv_until(int fd, void *buf, size_t size, uint64_t deadline_ns,
			  struct sockaddr_nl *src, int *flags);
/* One netlink message of a datagram, as garlic_nlmsg_next() finds it. */
struct garlic_nlmsg {
	struct nlmsghdr hdr; /* copied: the buffer need not be aligned */
	const uint8_t *data; /* the message, header first */
	size_t avail;	     /* bytes of the datagram from data on */
	bool whole;	     /* hdr.nlmsg_len <= avail */
};
/*
 * The one nlmsg walk: the message at *off of buf (len bytes), whose
 * header must be whole and sane (nlmsg_len >= NLMSG_HDRLEN); *off moves
 * past it. Returns false at the end, or at a header that cannot be walked.
 */
bool garlic_nlmsg_next(const uint8_t *buf, size_t len, size_t *off, struct garlic_nlmsg *m);

/* clock.c */
/* CLOCK_MONOTONIC in nanoseconds: the kernel's clock for event stamps. */
uint64_t garlic_monotonic_ns(void);

/* handle.c */
/* A handle with its buffers, not yet connected to anything. */
struct garlic *garlic_new(void);
void garlic_free(struct garlic *g);
/*
 * Copies a caller's options struct of size sz into ours (of size ours):
 * a shorter one is zero-extended; a longer one is refused (-EINVAL) when
 * any byte past ours is not zero, as the caller then asked for something
 * this library cannot do.
 */
int garlic_copy_opts(void *ours, size_t ours_size, const void *theirs, size_t sz,
		     size_t min_size);

/* loss.c */
/* The socket's drop counter (SO_MEMINFO) now. Returns 0 or a negative errno. */
int garlic_read_drops(struct garlic *g, uint32_t *drops);

/* capture.c */
struct garlic_capture;
/*
 * Starts taking exec snapshots of fields for g (nothing when fields is 0
 * or g does not listen to execs). Returns 0 or a negative errno.
 */
int garlic_capture_open(struct garlic *g, uint32_t fields, size_t argv_max);
void garlic_capture_close(struct garlic_capture *c);
/* Reads the exec-only subscription and snapshots what it brought. */
void garlic_capture_drain(struct garlic *g);
/* The snapshot of exec event ev (NULL: none), valid until the next take. */
const struct garlic_process *garlic_capture_take(struct garlic *g,
						 const struct garlic_event *ev);

/* filter.c */
/* Room garlic_filter_build() ever needs, in instructions. */
#define GARLIC_FILTER_MAX_INSNS 16
/*
 * Writes into insns (room for max instructions) a classic BPF socket
 * filter passing only the kinds in events, plus the kernel's ACKs. With
 * GARLIC_EVENT_NONZERO_EXIT but not GARLIC_EVENT_EXIT it passes only exits
 * whose exit_code is not 0. Returns the number of instructions, or
 * -EINVAL for unknown bits in events, 0 events, or NULL insns, or -ENOSPC
 * when max is too small.
 */
int garlic_filter_build(uint32_t events, struct sock_filter *insns, unsigned int max);
/*
 * Builds that filter and attaches it to fd; with events 0 it detaches any
 * filter instead. Returns 0 or a negative errno.
 */
int garlic_filter_attach(int fd, uint32_t events);

/* taskstats-parse.c */
/*
 * Parses one TASKSTATS message (nlmsghdr, genlmsghdr, attributes) into up
 * to max records (a task's and its process's). Returns the records, or
 * -EBADMSG (malformed) or -ENODATA (no statistics in it).
 */
int garlic_taskstats_parse(const void *buf, size_t len, struct garlic_taskstats *out,
			   unsigned int max);

/* error.c */
int garlic_errno_from_nl(int nlerr);

#endif /* GARLIC_PRIVATE_H */
