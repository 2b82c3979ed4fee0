// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The event-loop contract: a handle's fd is readable exactly when its work
 * function has something to do; a non-blocking handle never sleeps, even
 * while a latency budget coalesces; callbacks stop, fail and close their
 * handle by one rule; a forked child's close leaves the parent listening.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "garlic-test.h"
#include "live.h"

#define TIMEOUT_MS 5000
/* Long enough that a call which slept through it could not hide. */
#define BUDGET_US 400000

static int64_t elapsed_ms(uint64_t since_ns)
{
	return (int64_t)((garlic_monotonic_ns() - since_ns) / 1000000);
}

static int readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms);
}

/* Polls the handle's fd and calls garlic_receive() until pid's exit is in. */
static void receive_until_exit(struct garlic *g, struct collector *c, pid_t pid)
{
	uint64_t start = garlic_monotonic_ns();

	while (!find_event(c, GARLIC_EVENT_EXIT, pid)) {
		g_assert_cmpint(elapsed_ms(start), <, TIMEOUT_MS);
		if (readable(garlic_fd(g), 100) > 0) {
			int r = garlic_receive(g);

			g_assert_true(r >= 0 || r == -EAGAIN || r == -ENOBUFS);
		}
	}
}

static void test_budget_never_sleeps(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.flags = GARLIC_OPEN_NONBLOCK,
							.latency_budget_us = BUDGET_US);
	struct collector c;
	struct garlic *g = NULL;
	uint64_t start;
	pid_t first, second;
	int r;

	collector_init(&c);
	g_assert_cmpint(garlic_open_opts(&g, &opts, collector_fn, &c), ==, 0);
	/* A fork and an exit in one read: events come faster than one per budget. */
	first = run_exit(1);
	receive_until_exit(g, &c, first);
	g_assert_cmpuint(garlic_test_batch_due_ns(g), >, 0);

	/* Coalescing: the socket has data, the handle's fd does not show it yet. */
	second = run_exit(2);
	g_assert_cmpint(readable(garlic_test_socket_fd(g), 0), ==, 1);
	g_assert_cmpint(readable(garlic_fd(g), 0), ==, 0);
	/* Called anyway, a non-blocking handle returns at once. */
	start = garlic_monotonic_ns();
	r = garlic_receive(g);
	g_assert_cmpint(r, ==, -EAGAIN);
	g_assert_cmpint(elapsed_ms(start), <, 50);
	g_assert_null(find_event(&c, GARLIC_EVENT_EXIT, second));

	/* Once the budget is up the fd turns readable by itself, and one call reads all. */
	g_assert_cmpint(readable(garlic_fd(g), TIMEOUT_MS), ==, 1);
	g_assert_cmpuint(garlic_monotonic_ns(), >=, garlic_test_batch_due_ns(g));
	receive_until_exit(g, &c, second);
	g_assert_nonnull(find_event(&c, GARLIC_EVENT_FORK, second));
	garlic_close(g);
	collector_clear(&c);
}

static void test_blocking_budget_waits(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.latency_budget_us = BUDGET_US);
	struct collector c;
	struct garlic *g = NULL;
	pid_t first, second;
	uint64_t due;

	collector_init(&c);
	g_assert_cmpint(garlic_open_opts(&g, &opts, collector_fn, &c), ==, 0);
	first = run_exit(1);
	while (!find_event(&c, GARLIC_EVENT_EXIT, first))
		g_assert_cmpint(garlic_receive(g), >=, 0);
	due = garlic_test_batch_due_ns(g);
	g_assert_cmpuint(due, >, 0);
	second = run_exit(2);
	/* A blocking handle may wait inside the call: until the budget is up. */
	while (!find_event(&c, GARLIC_EVENT_EXIT, second))
		g_assert_cmpint(garlic_receive(g), >=, 0);
	g_assert_cmpuint(garlic_monotonic_ns(), >=, due);
	garlic_close(g);
	collector_clear(&c);
}

/* A callback stopped early: the events read but not delivered are work. */
static void test_leftovers_keep_fd_readable(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.flags = GARLIC_OPEN_NONBLOCK);
	struct collector c;
	struct garlic *g = NULL;
	pid_t pid;

	collector_init(&c);
	g_assert_cmpint(garlic_open_opts(&g, &opts, collector_fn, &c), ==, 0);
	pid = run_exit(5);
	/* Two events at least (fork, exit); stop after each one. */
	c.stop_after = 1;
	while (!find_event(&c, GARLIC_EVENT_EXIT, pid)) {
		int r;

		/* Whatever is left, read or queued, the fd shows it. */
		g_assert_cmpint(readable(garlic_fd(g), TIMEOUT_MS), ==, 1);
		c.calls = 0;
		r = garlic_receive(g);
		/* Never more than the one event before the stop. */
		g_assert_true(r == 0 || r == 1 || r == -EAGAIN);
	}
	garlic_close(g);
	collector_clear(&c);
}

struct reentry {
	struct garlic *g;
	int receive_result, check_loss_result;
	int calls;
	int fail_with;
};

static int reenter(const struct garlic_event *ev, void *userdata)
{
	struct reentry *r = userdata;

	r->calls++;
	r->receive_result = garlic_receive(r->g);
	r->check_loss_result = garlic_check_loss(r->g);
	return r->fail_with;
}

static void test_callback_contract(void)
{
	struct reentry re = { .receive_result = 1, .check_loss_result = 1 };
	pid_t pid;
	int r;

	g_assert_cmpint(garlic_open(&re.g, 0, reenter, &re), ==, 0);
	pid = run_exit(0);
	(void)pid;
	while (re.calls == 0)
		g_assert_cmpint(garlic_receive(re.g), >=, 0);
	/* From inside a callback: refused, never the same event again. */
	g_assert_cmpint(re.receive_result, ==, -EBUSY);
	g_assert_cmpint(re.check_loss_result, ==, -EBUSY);
	/* A negative return stops the call and becomes its result. */
	re.fail_with = -ECANCELED;
	re.calls = 0;
	run_exit(0);
	do
		r = garlic_receive(re.g);
	while (re.calls == 0 && r >= 0);
	g_assert_cmpint(r, ==, -ECANCELED);
	g_assert_cmpint(re.calls, ==, 1);
	garlic_close(re.g);
}

struct closer {
	struct garlic *g;
	int losses, events_after_close;
	bool closed;
};

static int count_after_close(const struct garlic_event *ev, void *userdata)
{
	struct closer *cl = userdata;

	if (cl->closed)
		cl->events_after_close++;
	return 0;
}

static int close_on_loss(const struct garlic_loss *loss, void *userdata)
{
	struct closer *cl = userdata;

	cl->losses++;
	garlic_close(cl->g);
	cl->closed = true;
	return 0;
}

/* The loss callback closes the handle on the garlic_check_loss() path. */
static void test_close_from_check_loss(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.rcvbuf = 4096);
	struct closer cl = { 0 };
	int fd, r;

	g_assert_cmpint(garlic_open_opts(&cl.g, &opts, count_after_close, &cl), ==, 0);
	g_assert_cmpint(garlic_set_loss_fn(cl.g, close_on_loss, &cl), ==, 0);
	fd = garlic_fd(cl.g);
	/* A few KiB hold a handful of events: these children overrun it. */
	for (int i = 0; i < 50; i++)
		run_exit(0);
	r = garlic_check_loss(cl.g);
	g_assert_cmpint(r, >, 0);
	g_assert_cmpint(cl.losses, ==, 1);
	/* Honoured at once: the handle and its descriptors are gone. */
	g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
	g_assert_cmpint(errno, ==, EBADF);
	g_assert_cmpint(cl.events_after_close, ==, 0);
}

/* A child forked after garlic_open() closes its copy: the parent listens on. */
static void test_close_in_forked_child(void)
{
	struct collector c;
	struct garlic *g;
	int status;
	pid_t child, pid;

	collector_init(&c);
	g = live_open(0, &c);
	child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		garlic_close(g);
		_exit(0);
	}
	g_assert_cmpint(waitpid(child, &status, 0), ==, child);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pid = run_exit(7);
	g_assert_nonnull(wait_event(g, &c, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS));
	garlic_close(g);
	collector_clear(&c);
}

static void test_counters_size(void)
{
	struct {
		struct garlic_counters c;
		uint64_t newer[2];
	} big;
	struct garlic_counters small;
	struct collector c;
	struct garlic *g;

	collector_init(&c);
	g = live_open(0, &c);
	memset(&big, 0xff, sizeof(big));
	g_assert_cmpint(garlic_get_counters(g, &big.c, sizeof(big)), ==, 0);
	/* What this library does not know reads as 0, not as garbage. */
	g_assert_cmpuint(big.newer[0], ==, 0);
	g_assert_cmpuint(big.newer[1], ==, 0);
	g_assert_cmpuint(big.c.lost, ==, 0);
	/* An older, smaller struct gets what fits and nothing past it. */
	memset(&small, 0xff, sizeof(small));
	g_assert_cmpint(garlic_get_counters(g, &small, offsetof(struct garlic_counters, lost)),
			==, 0);
	g_assert_cmpuint(small.lost, ==, UINT64_MAX);
	garlic_close(g);
	collector_clear(&c);
}

/* The socket's 32-bit drop counter wraps; garlic's 64-bit total does not. */
static void test_drops_wrap(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS();
	struct closer cl = { 0 };
	struct garlic_counters c;
	uint32_t drops;

	g_assert_cmpint(garlic_open_opts(&cl.g, &opts, count_after_close, &cl), ==, 0);
	g_assert_true(garlic_test_drops_readable(cl.g));
	g_assert_cmpint(garlic_read_drops(cl.g, &drops), ==, 0);
	/* As if 2^32 - 16 drops had been read before: the next reading wrapped. */
	garlic_test_drops_rewind(cl.g, 16);
	g_assert_cmpint(garlic_check_loss(cl.g), ==, 16);
	g_assert_cmpint(garlic_get_counters(cl.g, &c, sizeof(c)), ==, 0);
	g_assert_cmpuint(c.lost, ==, 16);
	garlic_close(cl.g);
}

struct joined {
	int calls;
	int result;
};

static int joined_fn(const struct garlic_event *exit, const struct garlic_taskstats *stats,
		     void *userdata)
{
	struct joined *j = userdata;

	j->calls++;
	return j->result;
}

/* The joiner's callback follows the contract too; its fd shows due exits. */
static void test_joiner_contract(void)
{
	struct garlic_exit_joiner *j;
	struct joined out = { .result = -EIO };
	struct garlic_event ev = { .type = GARLIC_EVENT_EXIT, .pid = 10, .tgid = 10 };
	struct garlic_taskstats s = { .scope = GARLIC_TASKSTATS_TASK, .id = 10, .pid = 10,
				      .tgid = 10 };

	ev.exit.process_pid = ev.exit.process_tgid = 10;
	g_assert_cmpint(garlic_exit_joiner_new(&j, 20, joined_fn, &out), ==, 0);
	g_assert_true(fcntl(garlic_exit_joiner_fd(j), F_GETFD) & FD_CLOEXEC);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 0);
	g_assert_cmpint(readable(garlic_exit_joiner_fd(j), 0), ==, 0);
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, &s), ==, -EIO);
	g_assert_cmpint(readable(garlic_exit_joiner_fd(j), 0), ==, 0);
	/* Two exits due; a positive return stops the flush after the first. */
	out.result = 1;
	ev.pid = ev.exit.process_pid = ev.tgid = ev.exit.process_tgid = 11;
	garlic_exit_joiner_add_event(j, &ev);
	ev.pid = ev.exit.process_pid = ev.tgid = ev.exit.process_tgid = 12;
	garlic_exit_joiner_add_event(j, &ev);
	g_assert_cmpint(readable(garlic_exit_joiner_fd(j), TIMEOUT_MS), ==, 1);
	out.calls = 0;
	g_assert_cmpint(garlic_exit_joiner_flush(j, 0), ==, 1);
	g_assert_cmpint(out.calls, ==, 1);
	/*
	 * The other is still due: the fd still says so (a timer set in the
	 * past fires from the timer interrupt, a moment later: wait for it).
	 */
	g_assert_cmpint(readable(garlic_exit_joiner_fd(j), TIMEOUT_MS), ==, 1);
	out.result = 0;
	g_assert_cmpint(garlic_exit_joiner_flush(j, 0), ==, 1);
	g_assert_cmpint(readable(garlic_exit_joiner_fd(j), 0), ==, 0);
	garlic_exit_joiner_free(j);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/loop/joiner-contract", test_joiner_contract);
	live_require_connector();
	g_test_add_func("/loop/budget-never-sleeps", test_budget_never_sleeps);
	g_test_add_func("/loop/blocking-budget-waits", test_blocking_budget_waits);
	g_test_add_func("/loop/leftovers-keep-fd-readable", test_leftovers_keep_fd_readable);
	g_test_add_func("/loop/callback-contract", test_callback_contract);
	g_test_add_func("/loop/close-from-check-loss", test_close_from_check_loss);
	g_test_add_func("/loop/close-in-forked-child", test_close_in_forked_child);
	g_test_add_func("/loop/counters-size", test_counters_size);
	g_test_add_func("/loop/drops-wrap", test_drops_wrap);
	return g_test_run();
}
