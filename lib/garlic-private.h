/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_PRIVATE_H
#define GARLIC_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
/* Readable from due_ns (CLOCK_MONOTONIC) on; 1: at once; 0: never. */
int garlic_loop_fd_wake_at(struct garlic_loop_fd *l, uint64_t due_ns);
/* CLOCK_MONOTONIC in nanoseconds: the kernel's clock for event stamps. */
uint64_t garlic_monotonic_ns(void);

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

/* Request formats the kernel understands (see open.c). */
enum garlic_request_format {
	GARLIC_REQUEST_PROC_INPUT, /* 8-byte struct proc_input, Linux >= 6.6 */
	GARLIC_REQUEST_LEGACY,	   /* 4-byte enum proc_cn_mcast_op */
};

struct garlic {
	struct nl_sock *sk;
	int fd;
	bool own_socket;
	pid_t owner;	  /* the opener: a forked child must not unsubscribe */
	struct nl_cb *cb; /* registered with garlic_nl_register(), referenced */
	struct garlic_loop_fd loop;
	bool nonblocking;
	struct garlic_capture *capture; /* exec snapshots; NULL: off */

	uint32_t events;
	enum garlic_filter_mode filter_mode;
	enum garlic_request_format format;
	uint32_t next_ack;
	/*
	 * LISTENs the kernel counted: before 6.6 every LISTEN raises the
	 * global listener count, so each needs its IGNORE; from 6.6 on the
	 * count is per socket and one IGNORE undoes any number.
	 */
	unsigned int listens;

	garlic_event_fn event_fn;
	void *event_data;
	garlic_loss_fn loss_fn;
	void *loss_data;

	struct garlic_counters counters;
	uint64_t latency_budget_ns; /* 0: deliver at once */
	uint64_t last_wake_ns;	    /* when the last read began */
	uint64_t batch_due_ns;	    /* coalescing until then; 0: not */

	/* Loss accounting: the socket's drop counter and per-CPU sequences. */
	uint32_t drops_last;	  /* SO_MEMINFO drops at the last reading */
	uint64_t drops_total;	  /* drops since subscribing, widened to 64 bits */
	uint64_t drops_reported;  /* drops already added to counters.lost */
	uint64_t gaps_reported;	  /* gap excess already added to counters.lost */
	bool drops_readable;	  /* SO_MEMINFO works on this kernel */
	bool overrun_pending;	  /* ENOBUFS seen, drops not final yet */
	bool enobufs_owed;	  /* loss seen without a loss_fn: tell the caller */
	unsigned int ncpus;
	uint32_t *next_seq;	  /* per CPU; valid where seq_seen is set */
	bool *seq_seen;

	/* Dispatch state: closing from a callback is deferred to its end. */
	unsigned int dispatch_depth;
	bool close_requested;

	/* Datagrams read but not yet dispatched (a callback stopped early). */
	unsigned int batch_len;	   /* datagrams in the batch */
	unsigned int batch_next;   /* next datagram to dispatch */
	size_t batch_offset;	   /* offset inside that datagram */
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_nl *addrs;
	uint8_t *slots;
};

/* open.c */
/* A handle with its buffers, not yet connected to anything. */
struct garlic *garlic_new(void);
int garlic_send_request(struct garlic *g, uint32_t op, uint32_t events,
			enum garlic_request_format format, uint32_t *ack_out);
void garlic_free(struct garlic *g);
/*
 * Copies a caller's options struct of size sz into ours (of size ours):
 * a shorter one is zero-extended; a longer one is refused (-EINVAL) when
 * any byte past ours is not zero, as the caller then asked for something
 * this library cannot do.
 */
int garlic_copy_opts(void *ours, size_t ours_size, const void *theirs, size_t sz,
		     size_t min_size);

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

/* dispatch.c */
enum garlic_step {
	GARLIC_STEP_GO_ON,
	GARLIC_STEP_STOP,
};
/*
 * Delivers one netlink message. *used says how far to advance; *err gets
 * a callback's negative return value (then the step is STOP).
 */
enum garlic_step garlic_dispatch_msg(struct garlic *g, const void *buf,
				     size_t len, uint32_t sender,
				     size_t *used, int *err);
/* The libnl NL_CB_FINISH handler garlic_nl_register() installs. */
int garlic_nl_handler(struct nl_msg *msg, void *garlic);
int garlic_read_drops(struct garlic *g, uint32_t *drops);
/*
 * Dispatches the datagrams of the current batch (g->msgs[batch_next ..
 * batch_len)) from where the last call stopped. Returns the events
 * delivered; *stopped says a callback stopped or asked to close, *err
 * a callback's negative return value.
 */
int garlic_dispatch_batch(struct garlic *g, bool *stopped, int *err);

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
