// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The receive loop, the libnl handler, and loss accounting.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
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

/*
 * Calls a user callback. Its value follows garlic's contract: < 0 an
 * error for the caller, > 0 stop, 0 go on; a close requested inside it
 * stops too.
 */
static enum garlic_step callback_result(struct garlic *g, int r, int *err)
{
	if (r < 0) {
		*err = r;
		return GARLIC_STEP_STOP;
	}
	return r > 0 || g->close_requested ? GARLIC_STEP_STOP : GARLIC_STEP_GO_ON;
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
		g->enobufs_owed = true;
		return GARLIC_STEP_GO_ON;
	}
	return callback_result(g, g->loss_fn(&loss, g->loss_data), err);
}

/*
 * The socket's drop counter is 32 bits and wraps; differences between
 * readings, added up, keep counting past 2^32.
 */
static void read_drops(struct garlic *g)
{
	uint32_t drops;

	if (g->drops_readable && garlic_read_drops(g, &drops) == 0) {
		g->drops_total += (uint32_t)(drops - g->drops_last);
		g->drops_last = drops;
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
	if (g->drops_total > g->drops_reported || (overrun && !g->drops_readable)) {
		uint64_t lost = g->drops_total - g->drops_reported;

		g->drops_reported = g->drops_total;
		step = report_loss(g, GARLIC_LOSS_OVERRUN, lost, err);
	}
	/* Gaps beyond the drops: the kernel failed to send (skb allocation). */
	if (g->counters.seq_gaps > g->drops_reported)
		gap_excess = g->counters.seq_gaps - g->drops_reported;
	if (gap_excess > g->gaps_reported && step == GARLIC_STEP_GO_ON) {
		uint64_t lost = gap_excess - g->gaps_reported;

		g->gaps_reported = gap_excess;
		step = report_loss(g, GARLIC_LOSS_SEQUENCE, lost, err);
	}
	return step;
}

/*
 * What the handle's fd must show after a call: readable at once while
 * something read or owed waits, from the budget's end while a batch is
 * being coalesced, else when the socket has data.
 */
static void update_loop_fd(struct garlic *g)
{
	if (g->batch_next < g->batch_len || (g->enobufs_owed && !g->loss_fn)) {
		garlic_loop_fd_wake_at(&g->loop, 1);
	} else if (g->batch_due_ns) {
		garlic_loop_fd_watch_socket(&g->loop, false);
		garlic_loop_fd_wake_at(&g->loop, g->batch_due_ns);
	} else {
		garlic_loop_fd_watch_socket(&g->loop, true);
		garlic_loop_fd_wake_at(&g->loop, 0);
	}
}

/*
 * Every entry point that runs callbacks holds the handle across them
 * (dispatch_depth), so that a garlic_close() inside one only marks the
 * handle, and ends here, where it is done.
 */
static int finish(struct garlic *g, int result)
{
	if (--g->dispatch_depth > 0)
		return result;
	if (g->close_requested) {
		g->close_requested = false;
		garlic_close(g);
		return result;
	}
	update_loop_fd(g);
	return result;
}

GARLIC_EXPORT int garlic_check_loss(struct garlic *g)
{
	uint64_t before;
	int err = 0;

	if (!g)
		return -EINVAL;
	if (g->dispatch_depth > 0)
		return -EBUSY;
	g->dispatch_depth++;
	before = g->counters.lost;
	account_loss(g, false, &err);
	before = g->counters.lost - before;
	return finish(g, err ? err : before > INT_MAX ? INT_MAX : (int)before);
}

enum garlic_step garlic_dispatch_msg(struct garlic *g, const void *buf,
				     size_t len, uint32_t sender, size_t *used,
				     int *err)
{
	struct garlic_event ev;
	struct garlic_ack ack;

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
	ev.process = garlic_capture_take(g, &ev);
	return callback_result(g, g->event_fn(&ev, g->event_data), err);
}

int garlic_dispatch_batch(struct garlic *g, bool *stopped, int *err)
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
				g->addrs[g->batch_next].nl_pid, &used, err);

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

/*
 * Reads the next batch. An overrun (ENOBUFS) is counted and reported, and
 * reading goes on: the socket stays usable. Returns the datagrams read,
 * 0 when nothing was left after an overrun, or -errno; *step says whether
 * the loss callback asked to stop (*err: with an error).
 */
static int read_more(struct garlic *g, int flags, enum garlic_step *step, int *err)
{
	int n = read_batch(g, flags);

	*step = GARLIC_STEP_GO_ON;
	if (n != -ENOBUFS)
		return n;
	g->counters.overruns++;
	g->overrun_pending = true;
	*step = account_loss(g, true, err);
	if (*step == GARLIC_STEP_STOP)
		return 0;
	n = read_batch(g, MSG_WAITFORONE | MSG_DONTWAIT);
	return n == -EAGAIN ? 0 : n;
}

/*
 * A blocking handle waits out a budget here (a non-blocking one never
 * does), taking exec snapshots meanwhile: its fd shows the capture's
 * socket and the budget's timer, never the held-back main socket.
 */
static void sleep_until(struct garlic *g, uint64_t due_ns)
{
	uint64_t now;

	garlic_loop_fd_watch_socket(&g->loop, false);
	garlic_loop_fd_wake_at(&g->loop, due_ns);
	while ((now = garlic_monotonic_ns()) < due_ns) {
		struct pollfd pfd = { .fd = g->loop.epfd, .events = POLLIN };

		poll(&pfd, 1, (int)((due_ns - now + 999999) / 1000000));
		garlic_capture_drain(g);
	}
}

/*
 * Coalescing, the latency budget's saving: a read that found a backlog
 * (more than one event), or came within a budget of the previous one,
 * means events come faster than one per budget; then the next read waits
 * until a budget after this one, and meanwhile the fd does not show the
 * socket. The first event after a quiet spell is read at once.
 */
static void plan_next_read(struct garlic *g, uint64_t read_ns, int dispatched, bool drained)
{
	bool busy = dispatched > 1 || read_ns - g->last_wake_ns < g->latency_budget_ns;

	g->last_wake_ns = read_ns;
	/* A backlog left by the call's bound is read at once, not a budget later. */
	if (g->latency_budget_ns && dispatched > 0 && busy && drained)
		g->batch_due_ns = read_ns + g->latency_budget_ns;
}

/* garlic_receive() without the handle's hold; see finish(). */
static int receive(struct garlic *g)
{
	int dispatched, n, err = 0, flags = MSG_WAITFORONE;
	unsigned int rounds = 0;
	enum garlic_step step;
	uint64_t read_ns;
	bool stopped;

	/* Execs are read from /proc first, whatever else waits. */
	garlic_capture_drain(g);
	if (g->enobufs_owed && !g->loss_fn) {
		g->enobufs_owed = false;
		return -ENOBUFS;
	}
	g->enobufs_owed = false;

	/* Leftovers of a batch a callback stopped go first, without waiting. */
	dispatched = garlic_dispatch_batch(g, &stopped, &err);
	if (err)
		return err;
	if (stopped)
		return dispatched;
	if (g->batch_due_ns) {
		if (garlic_monotonic_ns() < g->batch_due_ns) {
			if (dispatched > 0)
				return dispatched;
			if (g->nonblocking)
				return -EAGAIN;
			sleep_until(g, g->batch_due_ns);
		}
		g->batch_due_ns = 0;
	}
	if (dispatched > 0 || g->nonblocking)
		flags |= MSG_DONTWAIT;

	n = read_more(g, flags, &step, &err);
	read_ns = garlic_monotonic_ns();
	/* Before any event of the batch is handed out. */
	if (n > 0)
		garlic_capture_drain(g);
	if (step == GARLIC_STEP_STOP)
		return err ? err : dispatched;
	if (n < 0) {
		if (dispatched > 0)
			return dispatched;
		if (n == -EAGAIN && g->enobufs_owed) {
			g->enobufs_owed = false;
			return -ENOBUFS;
		}
		return n;
	}

	for (;;) {
		dispatched += garlic_dispatch_batch(g, &stopped, &err);
		if (err)
			return err;
		if (stopped)
			return dispatched;
		/* Without a budget one batch per call; with one, the whole backlog. */
		if (n < GARLIC_BATCH || !g->latency_budget_ns ||
		    ++rounds >= GARLIC_BUDGET_ROUNDS)
			break;
		n = read_more(g, MSG_WAITFORONE | MSG_DONTWAIT, &step, &err);
		if (step == GARLIC_STEP_STOP)
			return err ? err : dispatched;
		if (n == -EAGAIN)
			n = 0;
		if (n > 0)
			garlic_capture_drain(g);
		if (n < 0)
			return dispatched > 0 ? dispatched : n;
	}
	plan_next_read(g, read_ns, dispatched, n < GARLIC_BATCH);

	/*
	 * A short batch means the queue ran dry: an overrun's drops are
	 * final now (the kernel drops until the queue is empty), and any
	 * new sequence gap can be weighed against them.
	 */
	if (n < GARLIC_BATCH &&
	    (g->overrun_pending || g->counters.seq_gaps > g->drops_reported + g->gaps_reported)) {
		g->overrun_pending = false;
		if (account_loss(g, false, &err) == GARLIC_STEP_STOP)
			return err ? err : dispatched;
	}
	if (dispatched == 0 && g->enobufs_owed) {
		g->enobufs_owed = false;
		return -ENOBUFS;
	}
	return dispatched;
}

GARLIC_EXPORT int garlic_receive(struct garlic *g)
{
	if (!g)
		return -EINVAL;
	if (g->dispatch_depth > 0)
		return -EBUSY;
	g->dispatch_depth++;
	return finish(g, receive(g));
}

GARLIC_EXPORT int garlic_set_latency_budget(struct garlic *g, unsigned int us)
{
	if (!g || us > GARLIC_MAX_LATENCY_BUDGET_US)
		return -EINVAL;
	g->latency_budget_ns = (uint64_t)us * 1000;
	if (!us && g->batch_due_ns && !g->dispatch_depth) {
		g->batch_due_ns = 0;
		update_loop_fd(g);
	}
	return 0;
}

int garlic_nl_handler(struct nl_msg *msg, void *arg)
{
	struct garlic *g = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct sockaddr_nl *src = nlmsg_get_src(msg);
	enum garlic_step step;
	bool closing;
	size_t used;
	int err = 0;

	g->dispatch_depth++;
	step = garlic_dispatch_msg(g, nlh, nlh->nlmsg_len, src ? src->nl_pid : 0,
				   &used, &err);
	closing = g->close_requested && g->dispatch_depth == 1;
	finish(g, 0); /* g is gone when closing */
	return closing || step == GARLIC_STEP_STOP ? NL_STOP : NL_OK;
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

GARLIC_EXPORT int garlic_get_counters(const struct garlic *g,
				      struct garlic_counters *out, size_t size)
{
	if (!g || !out)
		return -EINVAL;
	/* A newer caller's members we do not know read as 0. */
	if (size > sizeof(g->counters))
		memset((char *)out + sizeof(g->counters), 0, size - sizeof(g->counters));
	memcpy(out, &g->counters,
	       size < sizeof(g->counters) ? size : sizeof(g->counters));
	return 0;
}
