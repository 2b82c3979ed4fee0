/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one seam through which tests and fuzz targets reach a handle's
 * internals: a handle without a socket, a datagram fed to it as
 * recvmmsg(2) would leave it, and read-only views of what it counted.
 * Built into libgarlic-private only; nothing here is exported.
 */
#ifndef GARLIC_TEST_H
#define GARLIC_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "garlic-private.h"

/*
 * A handle as garlic_open() builds one, minus the socket: it dispatches
 * what it is fed to fn. ncpus: CPUs whose sequences it tracks (0: this
 * machine's), so per-CPU cases do not depend on the machine.
 */
struct garlic *garlic_test_new(enum garlic_filter_mode mode, unsigned int ncpus,
			       garlic_event_fn fn, void *userdata);
void garlic_test_free(struct garlic *g);
void garlic_test_set_event_fn(struct garlic *g, garlic_event_fn fn, void *userdata);
void garlic_test_set_filter_mode(struct garlic *g, enum garlic_filter_mode mode);

/*
 * Puts one datagram of len bytes (at most GARLIC_SLOT_SIZE) from
 * port sender in the batch, as recvmmsg(2) would (truncated: with
 * MSG_TRUNC), and dispatches it. Returns the events delivered; *stopped
 * says a callback stopped, *err gets its negative return value.
 */
int garlic_test_feed(struct garlic *g, const void *buf, size_t len, uint32_t sender,
		     bool truncated, bool *stopped, int *err);
/* Dispatches what a stopped feed left, as the next garlic_receive() would. */
int garlic_test_dispatch_pending(struct garlic *g, bool *stopped, int *err);
/* Datagrams of the batch not yet dispatched. */
unsigned int garlic_test_pending(const struct garlic *g);
/* One message of a datagram, alone: *used says how far it reaches. */
enum garlic_step garlic_test_dispatch_msg(struct garlic *g, const void *buf, size_t len,
					  uint32_t sender, size_t *used, int *err);

const struct garlic_counters *garlic_test_counters(const struct garlic *g);
unsigned int garlic_test_ncpus(const struct garlic *g);
bool garlic_test_seq_seen(const struct garlic *g, unsigned int cpu);
/* When a coalesced read is due (CLOCK_MONOTONIC); 0: not coalescing. */
uint64_t garlic_test_batch_due_ns(const struct garlic *g);
/* The connector socket itself (garlic_fd() is the epoll set). */
int garlic_test_socket_fd(const struct garlic *g);
/* Whether SO_MEMINFO reads the socket's drops on this kernel. */
bool garlic_test_drops_readable(const struct garlic *g);
/* As if the last reading of the drop counter had been n drops ago. */
void garlic_test_drops_rewind(struct garlic *g, uint32_t n);
/*
 * Called with the pid just before each read of an exec's snapshot (an
 * empty command line is read again), when set (libgarlic-private only):
 * a test makes the process move on between the exec's event and a read.
 */
extern void (*garlic_test_before_snapshot)(pid_t pid);
/* The slots of the capture's ring of snapshots (0: no capture). */
unsigned int garlic_test_capture_slots(const struct garlic *g);

#endif /* GARLIC_TEST_H */
