// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Loss accounting: what the socket dropped (its SO_MEMINFO counter), what
 * the per-CPU sequence numbers miss, and reporting both, to the loss
 * callback or, without one, as an ENOBUFS owed to the caller.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "garlic-handle.h"

/*
 * Per-CPU sequence accounting, meaningful only without a filter: filtered
 * events consume numbers too. A number behind the expected one (reordered
 * or stale) never moves the expectation back.
 *
 * ACKs (any listener's) consume numbers as well, so they move the
 * expectation on; but an ACK has been seen carrying a number millions
 * off its CPU's count, so one far ahead is ignored rather than believed.
 */
#define ACK_MAX_AHEAD 4096u

int garlic_loss_init(struct garlic *g, unsigned int ncpus)
{
	uint32_t *next_seq = calloc(ncpus, sizeof(*next_seq));
	bool *seq_seen = calloc(ncpus, sizeof(*seq_seen));

	if (!next_seq || !seq_seen) {
		free(next_seq);
		free(seq_seen);
		return -ENOMEM;
	}
	garlic_loss_free(g);
	g->loss.ncpus = ncpus;
	g->loss.next_seq = next_seq;
	g->loss.seq_seen = seq_seen;
	return 0;
}

void garlic_loss_free(struct garlic *g)
{
	free(g->loss.next_seq);
	free(g->loss.seq_seen);
	g->loss.next_seq = NULL;
	g->loss.seq_seen = NULL;
	g->loss.ncpus = 0;
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

void garlic_loss_start(struct garlic *g)
{
	uint32_t drops = 0;

	/* SO_MEMINFO (Linux 4.12) counts this socket's dropped events. */
	if (garlic_read_drops(g, &drops) == 0) {
		g->loss.drops_readable = true;
		g->loss.drops_last = drops;
	}
}

void garlic_loss_track_sequence(struct garlic *g, uint32_t cpu, uint32_t seq, bool ack)
{
	uint32_t delta;

	if (g->sub.filter_mode != GARLIC_FILTER_NONE || cpu >= g->loss.ncpus)
		return;
	if (!g->loss.seq_seen[cpu]) {
		if (ack)
			return;
		g->loss.seq_seen[cpu] = true;
		g->loss.next_seq[cpu] = seq + 1;
		return;
	}
	delta = seq - g->loss.next_seq[cpu];
	if (delta >= 0x80000000u || (ack && delta > ACK_MAX_AHEAD))
		return;
	g->counters.seq_gaps += delta;
	g->loss.next_seq[cpu] = seq + 1;
}

static enum garlic_step report_loss(struct garlic *g, uint32_t cause,
				    uint64_t lost, int *err)
{
	struct garlic_loss loss = {
		.cause = cause,
		.lost = lost,
	};

	g->counters.lost += lost;
	loss.total_lost = g->counters.lost;
	if (!g->loss_fn) {
		g->loss.enobufs_owed = true;
		return GARLIC_STEP_GO_ON;
	}
	return garlic_callback_step(g, g->loss_fn(&loss, g->loss_data), err);
}

/*
 * The socket's drop counter is 32 bits and wraps; differences between
 * readings, added up, keep counting past 2^32.
 */
static void read_drops(struct garlic *g)
{
	uint32_t drops;

	if (g->loss.drops_readable && garlic_read_drops(g, &drops) == 0) {
		g->loss.drops_total += (uint32_t)(drops - g->loss.drops_last);
		g->loss.drops_last = drops;
	}
}

/*
 * Compares what the socket dropped and what the sequence numbers miss
 * with what was reported, and reports the difference. An overrun is
 * reported even when the kernel cannot say how many events it cost.
 */
static enum garlic_step account_loss(struct garlic *g, bool overrun, int *err)
{
	uint64_t gap_excess = 0;
	enum garlic_step step = GARLIC_STEP_GO_ON;

	read_drops(g);
	if (g->loss.drops_total > g->loss.drops_reported || (overrun && !g->loss.drops_readable)) {
		uint64_t lost = g->loss.drops_total - g->loss.drops_reported;

		g->loss.drops_reported = g->loss.drops_total;
		step = report_loss(g, GARLIC_LOSS_OVERRUN, lost, err);
	}
	/* Gaps beyond the drops: the kernel failed to send (skb allocation). */
	if (g->counters.seq_gaps > g->loss.drops_reported)
		gap_excess = g->counters.seq_gaps - g->loss.drops_reported;
	if (gap_excess > g->loss.gaps_reported && step == GARLIC_STEP_GO_ON) {
		uint64_t lost = gap_excess - g->loss.gaps_reported;

		g->loss.gaps_reported = gap_excess;
		step = report_loss(g, GARLIC_LOSS_SEQUENCE, lost, err);
	}
	return step;
}

enum garlic_step garlic_loss_overrun(struct garlic *g, int *err)
{
	g->counters.overruns++;
	g->loss.overrun_pending = true;
	return account_loss(g, true, err);
}

enum garlic_step garlic_loss_settle(struct garlic *g, int *err)
{

	if (!g->loss.overrun_pending &&
	    g->counters.seq_gaps <= g->loss.drops_reported + g->loss.gaps_reported)
		return GARLIC_STEP_GO_ON;
	g->loss.overrun_pending = false;
	return account_loss(g, false, err);
}

bool garlic_loss_take_owed(struct garlic *g)
{
	bool owed = g->loss.enobufs_owed;

	g->loss.enobufs_owed = false;
	return owed;
}

bool garlic_loss_owed(const struct garlic *g)
{
	return g->loss.enobufs_owed && !g->loss_fn;
}

GARLIC_EXPORT int garlic_check_loss(struct garlic *g)
{
	uint64_t before;
	int err = 0;

	if (!g)
		return -EINVAL;
	if (g->dispatch_depth > 0)
		return -EBUSY;
	garlic_hold(&g->dispatch_depth);
	before = g->counters.lost;
	account_loss(g, false, &err);
	before = g->counters.lost - before;
	return garlic_handle_release(g, err ? err : before > INT_MAX ? INT_MAX : (int)before);
}

GARLIC_EXPORT int garlic_set_loss_fn(struct garlic *g, garlic_loss_fn fn, void *userdata)
{
	if (!g)
		return -EINVAL;
	g->loss_fn = fn;
	g->loss_data = userdata;
	return 0;
}
