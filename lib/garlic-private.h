/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_PRIVATE_H
#define GARLIC_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <garlic/garlic.h>

#define GARLIC_EXPORT __attribute__((visibility("default")))

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
	struct nl_cb *cb; /* registered with garlic_nl_register(), referenced */

	uint32_t events;
	enum garlic_filter_mode filter_mode;
	enum garlic_request_format format;
	uint32_t next_ack;

	garlic_event_fn event_fn;
	void *event_data;
	garlic_loss_fn loss_fn;
	void *loss_data;

	struct garlic_counters counters;
	uint64_t latency_budget_ns; /* 0: deliver at once */
	uint64_t last_wake_ns;	    /* when the last burst began */

	/* Loss accounting: the socket's drop counter and per-CPU sequences. */
	uint32_t drops_base;	  /* SO_MEMINFO drops when subscribed */
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

/* dispatch.c */
enum garlic_step {
	GARLIC_STEP_GO_ON,
	GARLIC_STEP_STOP,
};
enum garlic_step garlic_dispatch_msg(struct garlic *g, const void *buf,
				     size_t len, uint32_t sender,
				     size_t *used);
int garlic_read_drops(struct garlic *g, uint32_t *drops);
/*
 * Dispatches the datagrams of the current batch (g->msgs[batch_next ..
 * batch_len)) from where the last call stopped. Returns the events
 * delivered; *stopped says a callback stopped or asked to close.
 */
int garlic_dispatch_batch(struct garlic *g, bool *stopped);

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
