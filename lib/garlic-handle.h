/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct garlic, each member marked with the file that owns it, and what
 * those files offer one another. Only lib/ includes this: tests and fuzz
 * targets reach a handle through garlic-test.h.
 */
#ifndef GARLIC_HANDLE_H
#define GARLIC_HANDLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "garlic-private.h"

/*
 * The layout is frozen: abi/libgarlic.abi records it (the struct is
 * opaque to applications, but its definition is in the library's debug
 * information), so members are not moved into per-owner structs. Each
 * member's owner is named instead.
 */
struct garlic {
	/* handle.c: the socket */
	struct nl_sock *sk;
	int fd;
	bool own_socket;
	pid_t owner;	  /* subscribe.c: a forked child must not unsubscribe */
	struct nl_cb *cb; /* libnl.c: registered with garlic_nl_register(), referenced */
	struct garlic_loop_fd loop; /* loop-fd.c */
	bool nonblocking;
	struct garlic_capture *capture; /* capture.c: exec snapshots; NULL: off */

	/* subscribe.c: what the kernel was asked for, and how */
	struct {
		uint32_t events;
		enum garlic_filter_mode filter_mode;
		enum garlic_request_format format;
		uint32_t next_ack;
		/*
		 * LISTENs the kernel counted: before 6.6 every LISTEN raises
		 * the global listener count, so each needs its IGNORE; from
		 * 6.6 on the count is per socket and one IGNORE undoes any
		 * number.
		 */
		unsigned int listens;
	} sub;

	/* handle.c: the application's callbacks (loss_fn: loss.c) */
	garlic_event_fn event_fn;
	void *event_data;
	garlic_loss_fn loss_fn;
	void *loss_data;

	struct garlic_counters counters; /* each file counts its own */

	/* receive.c: the latency budget */
	struct {
		uint64_t latency_budget_ns; /* 0: deliver at once */
		uint64_t last_wake_ns;	    /* when the last read began */
		uint64_t batch_due_ns;	    /* coalescing until then; 0: not */
	} budget;

	/* loss.c: the socket's drop counter and per-CPU sequences */
	struct {
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
	} loss;

	/* The hold across callbacks (garlic_hold() in garlic-private.h). */
	unsigned int dispatch_depth;
	bool close_requested;

	/* receive.c: datagrams read but not yet dispatched (a callback stopped early). */
	struct {
		unsigned int len;    /* datagrams in the batch */
		unsigned int next;   /* next datagram to dispatch */
		size_t offset;	     /* offset inside that datagram */
		struct mmsghdr *msgs;
		struct iovec *iov;
		struct sockaddr_nl *addrs;
		uint8_t *slots;
	} batch;
};

/* subscribe.c */
/*
 * Joins the group and subscribes to events (0: all), detecting the
 * request format the kernel speaks. Returns 0 or a negative errno; what
 * the kernel took is undone by garlic_unsubscribe() in any case.
 */
int garlic_subscribe(struct garlic *g, uint32_t events, uint32_t flags,
		     unsigned int ack_timeout_ms);
void garlic_unsubscribe(struct garlic *g);

/* loss.c */
/* The per-CPU sequence tables for ncpus CPUs (replacing any). */
int garlic_loss_init(struct garlic *g, unsigned int ncpus);
void garlic_loss_free(struct garlic *g);
/* Reads the drop counter's starting point, once subscribed. */
void garlic_loss_start(struct garlic *g);
/* Per-CPU sequence accounting of an event or (ack) an ACK. */
void garlic_loss_track_sequence(struct garlic *g, uint32_t cpu, uint32_t seq, bool ack);
/* An overrun (ENOBUFS) met: counted, and reported. */
enum garlic_step garlic_loss_overrun(struct garlic *g, int *err);
/*
 * The queue ran dry: an overrun's drops are final, and any new sequence
 * gap can be weighed against them.
 */
enum garlic_step garlic_loss_settle(struct garlic *g, int *err);
/* Whether an ENOBUFS is owed to the caller; it is no longer owed after. */
bool garlic_loss_take_owed(struct garlic *g);
/* Whether the caller has an ENOBUFS waiting that the socket cannot show. */
bool garlic_loss_owed(const struct garlic *g);

/* receive.c */
/* The buffers recvmmsg(2) reads a batch into. */
int garlic_batch_init(struct garlic *g);
void garlic_batch_free(struct garlic *g);
/*
 * A user callback's value, by garlic's contract: < 0 an error for the
 * caller (*err), > 0 stop, 0 go on; a close requested inside it stops too.
 */
enum garlic_step garlic_callback_step(struct garlic *g, int r, int *err);
/*
 * Ends a hold taken across callbacks: a close asked meanwhile is done
 * now (g is gone then), else the handle's fd is brought up to date.
 * Returns result.
 */
int garlic_handle_release(struct garlic *g, int result);
/*
 * Delivers one netlink message. *used says how far to advance; *err gets
 * a callback's negative return value (then the step is STOP).
 */
enum garlic_step garlic_dispatch_msg(struct garlic *g, const void *buf, size_t len,
				     uint32_t sender, size_t *used, int *err);
/*
 * Dispatches the datagrams of the current batch from where the last call
 * stopped. Returns the events delivered; *stopped says a callback
 * stopped or asked to close, *err a callback's negative return value.
 */
int garlic_dispatch_batch(struct garlic *g, bool *stopped, int *err);

/* libnl.c */
/* Takes garlic's handler off the nl_cb it registered with, if any. */
void garlic_nl_unregister(struct garlic *g);

#endif /* GARLIC_HANDLE_H */
