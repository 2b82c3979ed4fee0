// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The receive loop, the libnl handler, and loss accounting.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/handlers.h>

#include "garlic-private.h"
#include "wire.h"

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

static void track_sequence(struct garlic *g, uint32_t cpu, uint32_t seq, bool ack)
{
	uint32_t delta;

	if (g->filter_mode != GARLIC_FILTER_NONE || cpu >= g->ncpus)
		return;
	if (!g->seq_seen[cpu]) {
		if (ack)
			return;
		g->seq_seen[cpu] = true;
		g->next_seq[cpu] = seq + 1;
		return;
	}
	delta = seq - g->next_seq[cpu];
	if (delta >= 0x80000000u || (ack && delta > ACK_MAX_AHEAD))
		return;
	g->counters.seq_gaps += delta;
	g->next_seq[cpu] = seq + 1;
}

static enum garlic_step report_loss(struct garlic *g, uint32_t cause,
				    uint64_t lost)
{
	struct garlic_loss loss = {
		.cause = cause,
		.lost = lost,
	};
	int r;

	g->counters.lost += lost;
	loss.total_lost = g->counters.lost;
	if (!g->loss_fn) {
		g->enobufs_owed = true;
		return GARLIC_STEP_GO_ON;
	}
	g->dispatch_depth++;
	r = g->loss_fn(&loss, g->loss_data);
	g->dispatch_depth--;
	return r || g->close_requested ? GARLIC_STEP_STOP : GARLIC_STEP_GO_ON;
}

/*
 * Compares what the socket dropped and what the sequence numbers miss
 * with what was reported, and reports the difference. An overrun is
 * reported even when the kernel cannot say how many events it cost.
 */
static enum garlic_step account_loss(struct garlic *g, bool overrun)
{
	uint64_t dropped = 0, gap_excess = 0;
	uint32_t drops;
	enum garlic_step step = GARLIC_STEP_GO_ON;

	if (g->drops_readable && garlic_read_drops(g, &drops) == 0)
		dropped = (uint32_t)(drops - g->drops_base);
	if (dropped > g->drops_reported || (overrun && !g->drops_readable)) {
		uint64_t lost = dropped - g->drops_reported;

		g->drops_reported = dropped;
		step = report_loss(g, GARLIC_LOSS_OVERRUN, lost);
	}
	/* Gaps beyond the drops: the kernel failed to send (skb allocation). */
	if (g->counters.seq_gaps > g->drops_reported)
		gap_excess = g->counters.seq_gaps - g->drops_reported;
	if (gap_excess > g->gaps_reported && step == GARLIC_STEP_GO_ON) {
		uint64_t lost = gap_excess - g->gaps_reported;

		g->gaps_reported = gap_excess;
		step = report_loss(g, GARLIC_LOSS_SEQUENCE, lost);
	}
	return step;
}

GARLIC_EXPORT int garlic_check_loss(struct garlic *g)
{
	uint64_t before;

	if (!g)
		return -EINVAL;
	before = g->counters.lost;
	account_loss(g, false);
	return (int)(g->counters.lost - before);
}

/* Delivers one netlink message; *used says how far to advance. */
enum garlic_step garlic_dispatch_msg(struct garlic *g, const void *buf,
				     size_t len, uint32_t sender, size_t *used)
{
	struct garlic_event ev;
	struct garlic_ack ack;
	int r;

	switch (garlic_parse_msg(buf, len, &ev, &ack, used)) {
	case GARLIC_MSG_ACK:
		/* A process can forge an ACK too: it counts as foreign, and moves nothing. */
		if (sender != 0) {
			g->counters.foreign++;
			return GARLIC_STEP_GO_ON;
		}
		g->counters.acks++;
		track_sequence(g, ack.cpu, ack.seq, true);
		return GARLIC_STEP_GO_ON;
	case GARLIC_MSG_MALFORMED:
		g->counters.malformed++;
		return GARLIC_STEP_GO_ON;
	case GARLIC_MSG_FOREIGN:
		g->counters.foreign++;
		return GARLIC_STEP_GO_ON;
	case GARLIC_MSG_EVENT:
		break;
	}
	/* Only the kernel (port 0) may speak for the proc connector. */
	if (sender != 0) {
		g->counters.foreign++;
		return GARLIC_STEP_GO_ON;
	}
	track_sequence(g, ev.cpu, ev.seq, false);
	g->counters.events++;
	g->dispatch_depth++;
	r = g->event_fn(&ev, g->event_data);
	g->dispatch_depth--;
	return r || g->close_requested ? GARLIC_STEP_STOP : GARLIC_STEP_GO_ON;
}

int garlic_dispatch_batch(struct garlic *g, bool *stopped)
{
	uint64_t before = g->counters.events;

	*stopped = false;
	while (g->batch_next < g->batch_len) {
		struct mmsghdr *m = &g->msgs[g->batch_next];
		const uint8_t *data = g->iov[g->batch_next].iov_base;
		size_t len = m->msg_len;

		if (m->msg_hdr.msg_flags & MSG_TRUNC) {
			g->counters.malformed++;
			len = g->batch_offset = 0;
		}
		while (g->batch_offset < len) {
			size_t used;
			enum garlic_step step = garlic_dispatch_msg(
				g, data + g->batch_offset, len - g->batch_offset,
				g->addrs[g->batch_next].nl_pid, &used);

			g->batch_offset += used;
			if (step == GARLIC_STEP_STOP) {
				*stopped = true;
				if (g->batch_offset >= len) {
					g->batch_next++;
					g->batch_offset = 0;
				}
				return (int)(g->counters.events - before);
			}
		}
		g->batch_next++;
		g->batch_offset = 0;
	}
	return (int)(g->counters.events - before);
}

static int read_batch(struct garlic *g, int flags)
{
	int n;

	for (unsigned int i = 0; i < GARLIC_BATCH; i++)
		g->msgs[i].msg_hdr.msg_namelen = sizeof(g->addrs[i]);
	do
		n = recvmmsg(g->fd, g->msgs, GARLIC_BATCH, flags, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	g->batch_len = n;
	g->batch_next = 0;
	g->batch_offset = 0;
	return n;
}

/* Ends a receive: a close requested from a callback happens here. */
static int finish(struct garlic *g, int result)
{
	if (g->close_requested) {
		g->close_requested = false;
		garlic_close(g);
	}
	return result;
}

/*
 * Reads the next batch. An overrun (ENOBUFS) is counted and reported, and
 * reading goes on: the socket stays usable. Returns the datagrams read,
 * 0 when nothing was left after an overrun, or -errno; *step says whether
 * the loss callback asked to stop.
 */
static int read_more(struct garlic *g, int flags, enum garlic_step *step)
{
	int n = read_batch(g, flags);

	*step = GARLIC_STEP_GO_ON;
	if (n != -ENOBUFS)
		return n;
	g->counters.overruns++;
	g->overrun_pending = true;
	*step = account_loss(g, true);
	if (*step == GARLIC_STEP_STOP)
		return 0;
	n = read_batch(g, MSG_WAITFORONE | MSG_DONTWAIT);
	return n == -EAGAIN ? 0 : n;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/*
 * Coalescing: once the first event of a burst is in, wait until it is
 * latency_budget old, so that one wake-up reads everything that came
 * meanwhile. The stamp is the kernel's CLOCK_MONOTONIC time of the event.
 */
static void wait_for_budget(struct garlic *g)
{
	const uint8_t *first = g->iov[0].iov_base;
	uint64_t stamp = monotonic_ns(), deadline;
	struct timespec ts;

	if (g->msgs[0].msg_len >= GARLIC_OFF_DATA &&
	    !(g->msgs[0].msg_hdr.msg_flags & MSG_TRUNC)) {
		uint64_t event_stamp;

		memcpy(&event_stamp, first + GARLIC_OFF_TIMESTAMP, sizeof(event_stamp));
		if (event_stamp <= stamp)
			stamp = event_stamp;
	}
	deadline = stamp + g->latency_budget_ns;
	if (deadline <= monotonic_ns())
		return;
	ts.tv_sec = deadline / 1000000000u;
	ts.tv_nsec = deadline % 1000000000u;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

GARLIC_EXPORT int garlic_receive(struct garlic *g)
{
	int dispatched, n, flags = MSG_WAITFORONE;
	unsigned int rounds = 0;
	enum garlic_step step;
	bool stopped;

	if (!g)
		return -EINVAL;
	if (g->enobufs_owed && !g->loss_fn) {
		g->enobufs_owed = false;
		return -ENOBUFS;
	}
	g->enobufs_owed = false;

	/* Leftovers of a batch a callback stopped go first, without blocking. */
	dispatched = garlic_dispatch_batch(g, &stopped);
	if (stopped || g->close_requested)
		return finish(g, dispatched);
	if (dispatched > 0)
		flags |= MSG_DONTWAIT;

	n = read_more(g, flags, &step);
	if (step == GARLIC_STEP_STOP)
		return finish(g, dispatched);
	if (n < 0) {
		if (dispatched > 0)
			return dispatched;
		if (n == -EAGAIN && g->enobufs_owed) {
			g->enobufs_owed = false;
			return -ENOBUFS;
		}
		return n;
	}
	if (n > 0 && g->latency_budget_ns && dispatched == 0) {
		/* Only under load: an event after a quiet spell goes out at once. */
		uint64_t now = monotonic_ns();

		if (now - g->last_wake_ns < g->latency_budget_ns)
			wait_for_budget(g);
		g->last_wake_ns = now;
	}

	for (;;) {
		dispatched += garlic_dispatch_batch(g, &stopped);
		if (stopped || g->close_requested)
			return finish(g, dispatched);
		/* Without a budget one batch per call; with one, the whole burst. */
		if (n < GARLIC_BATCH || !g->latency_budget_ns ||
		    ++rounds >= GARLIC_BUDGET_ROUNDS)
			break;
		n = read_more(g, MSG_WAITFORONE | MSG_DONTWAIT, &step);
		if (step == GARLIC_STEP_STOP)
			return finish(g, dispatched);
		if (n == -EAGAIN)
			n = 0;
		if (n < 0)
			return dispatched > 0 ? dispatched : n;
	}

	/*
	 * A short batch means the queue ran dry: an overrun's drops are
	 * final now (the kernel drops until the queue is empty), and any
	 * new sequence gap can be weighed against them.
	 */
	if (n < GARLIC_BATCH &&
	    (g->overrun_pending || g->counters.seq_gaps > g->drops_reported + g->gaps_reported)) {
		g->overrun_pending = false;
		if (account_loss(g, false) == GARLIC_STEP_STOP)
			return finish(g, dispatched);
	}
	if (dispatched == 0 && g->enobufs_owed) {
		g->enobufs_owed = false;
		return -ENOBUFS;
	}
	return dispatched;
}

GARLIC_EXPORT int garlic_set_latency_budget(struct garlic *g, unsigned int us)
{
	if (!g || us > GARLIC_MAX_LATENCY_BUDGET_US)
		return -EINVAL;
	g->latency_budget_ns = (uint64_t)us * 1000;
	return 0;
}

GARLIC_EXPORT int garlic_pending(struct garlic *g)
{
	if (!g)
		return -EINVAL;
	return (int)(g->batch_len - g->batch_next);
}

GARLIC_EXPORT int garlic_nl_handler(struct nl_msg *msg, void *arg)
{
	struct garlic *g = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct sockaddr_nl *src = nlmsg_get_src(msg);
	enum garlic_step step;
	size_t used;

	step = garlic_dispatch_msg(g, nlh, nlh->nlmsg_len, src ? src->nl_pid : 0,
				   &used);
	if (g->close_requested) {
		g->close_requested = false;
		garlic_close(g);
		return NL_STOP;
	}
	return step == GARLIC_STEP_STOP ? NL_STOP : NL_OK;
}

/* The kernel numbers connector messages per CPU, not per request. */
static int accept_any_seq(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

GARLIC_EXPORT int garlic_nl_register(struct garlic *g, struct nl_cb *cb)
{
	if (!g || !cb)
		return -EINVAL;
	if (g->cb) {
		/* The hook on a previous nl_cb would outlive the handle. */
		if (g->cb != cb)
			nl_cb_set(g->cb, NL_CB_FINISH, NL_CB_DEFAULT, NULL, NULL);
		nl_cb_put(g->cb);
	}
	g->cb = nl_cb_get(cb);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_seq, NULL);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, garlic_nl_handler, g);
	return 0;
}

GARLIC_EXPORT int garlic_set_loss_fn(struct garlic *g, garlic_loss_fn fn,
				     void *userdata)
{
	if (!g)
		return -EINVAL;
	g->loss_fn = fn;
	g->loss_data = userdata;
	return 0;
}

GARLIC_EXPORT int garlic_get_counters(struct garlic *g,
				      struct garlic_counters *out, size_t size)
{
	if (!g || !out)
		return -EINVAL;
	memcpy(out, &g->counters,
	       size < sizeof(g->counters) ? size : sizeof(g->counters));
	return 0;
}
