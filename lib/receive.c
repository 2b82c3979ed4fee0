// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Receive and dispatch: the batch read with recvmmsg(2), each message
 * delivered, the latency budget, and what the handle's fd shows after.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "garlic-handle.h"

int garlic_batch_init(struct garlic *g)
{
	g->batch.msgs = calloc(GARLIC_BATCH, sizeof(*g->batch.msgs));
	g->batch.iov = calloc(GARLIC_BATCH, sizeof(*g->batch.iov));
	g->batch.addrs = calloc(GARLIC_BATCH, sizeof(*g->batch.addrs));
	g->batch.slots = malloc((size_t)GARLIC_BATCH * GARLIC_SLOT_SIZE);
	if (!g->batch.msgs || !g->batch.iov || !g->batch.addrs || !g->batch.slots)
		return -ENOMEM;
	for (unsigned int i = 0; i < GARLIC_BATCH; i++) {
		g->batch.iov[i].iov_base = g->batch.slots + (size_t)i * GARLIC_SLOT_SIZE;
		g->batch.iov[i].iov_len = GARLIC_SLOT_SIZE;
		g->batch.msgs[i].msg_hdr.msg_iov = &g->batch.iov[i];
		g->batch.msgs[i].msg_hdr.msg_iovlen = 1;
		g->batch.msgs[i].msg_hdr.msg_name = &g->batch.addrs[i];
		g->batch.msgs[i].msg_hdr.msg_namelen = sizeof(g->batch.addrs[i]);
	}
	return 0;
}

void garlic_batch_free(struct garlic *g)
{
	free(g->batch.msgs);
	free(g->batch.iov);
	free(g->batch.addrs);
	free(g->batch.slots);
}

enum garlic_step garlic_callback_step(struct garlic *g, int r, int *err)
{
	if (r < 0) {
		*err = r;
		return GARLIC_STEP_STOP;
	}
	return r > 0 || g->close_requested ? GARLIC_STEP_STOP : GARLIC_STEP_GO_ON;
}

/*
 * What the handle's fd must show after a call: readable at once while
 * something read or owed waits, from the budget's end while a batch is
 * being coalesced, else when the socket has data.
 */
static void update_loop_fd(struct garlic *g)
{
	if (g->batch.next < g->batch.len || garlic_loss_owed(g)) {
		garlic_loop_fd_wake_at(&g->loop, 1);
	} else if (g->budget.batch_due_ns) {
		garlic_loop_fd_watch_socket(&g->loop, false);
		garlic_loop_fd_wake_at(&g->loop, g->budget.batch_due_ns);
	} else {
		garlic_loop_fd_watch_socket(&g->loop, true);
		garlic_loop_fd_wake_at(&g->loop, 0);
	}
}

int garlic_handle_release(struct garlic *g, int result)
{
	if (garlic_release(&g->dispatch_depth, &g->close_requested)) {
		garlic_close(g);
		return result;
	}
	if (g->dispatch_depth == 0)
		update_loop_fd(g);
	return result;
}

enum garlic_step garlic_dispatch_msg(struct garlic *g, const void *buf, size_t len,
				     uint32_t sender, size_t *used, int *err)
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
		garlic_loss_track_sequence(g, ack.cpu, ack.seq, true);
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
	garlic_loss_track_sequence(g, ev.cpu, ev.seq, false);
	g->counters.events++;
	ev.process = garlic_capture_take(g, &ev);
	return garlic_callback_step(g, g->event_fn(&ev, g->event_data), err);
}

int garlic_dispatch_batch(struct garlic *g, bool *stopped, int *err)
{
	uint64_t before = g->counters.events;

	*stopped = false;
	while (g->batch.next < g->batch.len) {
		struct mmsghdr *m = &g->batch.msgs[g->batch.next];
		const uint8_t *data = g->batch.iov[g->batch.next].iov_base;
		size_t len = m->msg_len;

		if (m->msg_hdr.msg_flags & MSG_TRUNC) {
			g->counters.malformed++;
			len = g->batch.offset = 0;
		}
		while (g->batch.offset < len) {
			size_t used;
			enum garlic_step step = garlic_dispatch_msg(
				g, data + g->batch.offset, len - g->batch.offset,
				g->batch.addrs[g->batch.next].nl_pid, &used, err);

			g->batch.offset += used;
			if (step == GARLIC_STEP_STOP) {
				*stopped = true;
				if (g->batch.offset >= len) {
					g->batch.next++;
					g->batch.offset = 0;
				}
				return (int)(g->counters.events - before);
			}
		}
		g->batch.next++;
		g->batch.offset = 0;
	}
	return (int)(g->counters.events - before);
}

static int read_batch(struct garlic *g, int flags)
{
	int n;

	for (unsigned int i = 0; i < GARLIC_BATCH; i++)
		g->batch.msgs[i].msg_hdr.msg_namelen = sizeof(g->batch.addrs[i]);
	do
		n = recvmmsg(g->fd, g->batch.msgs, GARLIC_BATCH, flags, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	g->batch.len = n;
	g->batch.next = 0;
	g->batch.offset = 0;
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
	*step = garlic_loss_overrun(g, err);
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
	bool busy = dispatched > 1 || read_ns - g->budget.last_wake_ns < g->budget.latency_budget_ns;

	g->budget.last_wake_ns = read_ns;
	/* A backlog left by the call's bound is read at once, not a budget later. */
	if (g->budget.latency_budget_ns && dispatched > 0 && busy && drained)
		g->budget.batch_due_ns = read_ns + g->budget.latency_budget_ns;
}

/*
 * What comes before any read: an owed ENOBUFS, the leftovers of a batch
 * a callback stopped, and the budget's wait. Returns true when the call
 * ends there, with *result.
 */
static bool before_read(struct garlic *g, int *dispatched, int *result)
{
	bool stopped;
	int err = 0;

	/* Execs are read from /proc first, whatever else waits. */
	garlic_capture_drain(g);
	if (garlic_loss_take_owed(g) && !g->loss_fn) {
		*result = -ENOBUFS;
		return true;
	}
	/* Leftovers of a batch a callback stopped go first, without waiting. */
	*dispatched = garlic_dispatch_batch(g, &stopped, &err);
	if (stopped) {
		*result = err ? err : *dispatched;
		return true;
	}
	if (!g->budget.batch_due_ns)
		return false;
	if (garlic_monotonic_ns() < g->budget.batch_due_ns) {
		if (*dispatched > 0 || g->nonblocking) {
			*result = *dispatched > 0 ? *dispatched : -EAGAIN;
			return true;
		}
		sleep_until(g, g->budget.batch_due_ns);
	}
	g->budget.batch_due_ns = 0;
	return false;
}

/*
 * Dispatches the batch just read; with a budget, reads on through the
 * backlog, bounded. *n is the last batch's size. Returns true when the
 * call ends there, with *result.
 */
static bool dispatch_rounds(struct garlic *g, int *n, int *dispatched, int *result)
{
	unsigned int rounds = 0;
	enum garlic_step step;
	bool stopped;
	int err = 0;

	for (;;) {
		*dispatched += garlic_dispatch_batch(g, &stopped, &err);
		if (stopped) {
			*result = err ? err : *dispatched;
			return true;
		}
		/* Without a budget one batch per call; with one, the whole backlog. */
		if (*n < GARLIC_BATCH || !g->budget.latency_budget_ns || ++rounds >= GARLIC_BUDGET_ROUNDS)
			return false;
		*n = read_more(g, MSG_WAITFORONE | MSG_DONTWAIT, &step, &err);
		if (step == GARLIC_STEP_STOP) {
			*result = err ? err : *dispatched;
			return true;
		}
		if (*n == -EAGAIN)
			*n = 0;
		if (*n > 0)
			garlic_capture_drain(g);
		if (*n < 0) {
			*result = *dispatched > 0 ? *dispatched : *n;
			return true;
		}
	}
}

/* garlic_receive() without the handle's hold; see garlic_handle_release(). */
static int receive(struct garlic *g)
{
	int dispatched, n, result, err = 0, flags = MSG_WAITFORONE;
	enum garlic_step step;
	uint64_t read_ns;

	if (before_read(g, &dispatched, &result))
		return result;
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
		return n == -EAGAIN && garlic_loss_take_owed(g) ? -ENOBUFS : n;
	}
	if (dispatch_rounds(g, &n, &dispatched, &result))
		return result;
	plan_next_read(g, read_ns, dispatched, n < GARLIC_BATCH);
	/* A short batch means the queue ran dry: the kernel drops until it is empty. */
	if (n < GARLIC_BATCH && garlic_loss_settle(g, &err) == GARLIC_STEP_STOP)
		return err ? err : dispatched;
	if (dispatched == 0 && garlic_loss_take_owed(g))
		return -ENOBUFS;
	return dispatched;
}

GARLIC_EXPORT int garlic_receive(struct garlic *g)
{
	if (!g)
		return -EINVAL;
	if (g->dispatch_depth > 0)
		return -EBUSY;
	garlic_hold(&g->dispatch_depth);
	return garlic_handle_release(g, receive(g));
}

GARLIC_EXPORT int garlic_set_latency_budget(struct garlic *g, unsigned int us)
{
	if (!g || us > GARLIC_MAX_LATENCY_BUDGET_US)
		return -EINVAL;
	g->budget.latency_budget_ns = (uint64_t)us * 1000;
	if (!us && g->budget.batch_due_ns && !g->dispatch_depth) {
		g->budget.batch_due_ns = 0;
		update_loop_fd(g);
	}
	return 0;
}
