// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The capture's ring of snapshots under a long latency budget: it holds
 * every exec whose event waits (growing past its first 256 slots), and
 * does not grow for snapshots whose events the main socket lost. The
 * ring is the library's own, the same on every kernel: these run on the
 * host only (the QEMU guests' emulated CPUs are too slow for the storms).
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "capture-common.h"
#include "live.h"

/* lib/capture.c's CAPTURE_STALE_NS: twice the longest budget. */
#define CAPTURE_STALE_TEST_NS (2 * (uint64_t)GARLIC_MAX_LATENCY_BUDGET_US * 1000)

/* Lives 0.1 s by itself: long exited when a 1 s budget hands its exec out. */
static const char *const marked_argv[] = {
	"/bin/sh", "-c", "sleep 0.1; true", "garlic-capture-marker", NULL
};

/* Execs /bin/true 600 times, one after the other, from a shell; its pid. */
static pid_t exec_storm(void)
{
	pid_t storm = fork();

	g_assert_cmpint(storm, >=, 0);
	if (storm == 0) {
		/* exec at once: under valgrind a forked copy would report the test's leaks. */
		execl("/bin/sh", "/bin/sh", "-c",
		      "i=0; while [ $i -lt 600 ]; do /bin/true || exit 1; i=$((i + 1)); done",
		      (char *)NULL);
		_exit(127);
	}
	return storm;
}

/*
 * A long budget under an exec storm: far more execs wait for their events
 * than the ring first holds (256). None may be pushed out and read late:
 * the marked process, long exited at dispatch, would read as a zombie.
 */
static void test_budget_backlog(void)
{
	struct seen s = { 0 };
	struct garlic *g = open_capturing(&s, GARLIC_MAX_LATENCY_BUDGET_US);
	const struct garlic_process *p;
	pid_t storm;
	int status;

	make_busy(g);
	s.pid = fork();
	g_assert_cmpint(s.pid, >=, 0);
	if (s.pid == 0) {
		execv(marked_argv[0], (char **)marked_argv);
		_exit(127);
	}
	storm = exec_storm();
	loop_until(g, &s, 1);
	g_assert_true(s.zombie_at_dispatch);
	p = s.copy[0];
	g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->argc, ==, G_N_ELEMENTS(marked_argv) - 1);
	g_assert_cmpstr(p->argv + strlen(p->argv) + 1, ==, marked_argv[1]);
	g_assert_cmpint(waitpid(storm, &status, 0), ==, storm);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g_assert_cmpint(waitpid(s.pid, &status, 0), ==, s.pid);
	free_snapshot(s.copy[0]);
	garlic_close(g);
}

/*
 * Snapshots whose events the main socket lost (it overran while the
 * budget held it back) wait for nothing: once older than any budget,
 * their slots are taken again instead of the ring growing for them.
 */
static void test_budget_lost_events(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.flags = GARLIC_OPEN_NONBLOCK,
							.latency_budget_us = GARLIC_MAX_LATENCY_BUDGET_US,
							.capture = GARLIC_PROCESS_ARGV,
							.rcvbuf = 4096);
	struct garlic_counters k;
	struct garlic *g = NULL;
	struct seen s = { 0 };
	unsigned int grown = 0;
	int status;
	pid_t storm;

	g_assert_cmpint(garlic_open_opts(&g, &opts, on_event, &s), ==, 0);
	for (int round = 0; round < 2; round++) {
		uint64_t end;

		make_busy(g);
		storm = exec_storm();
		g_assert_cmpint(waitpid(storm, &status, 0), ==, storm);
		g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		/* Drained past the budget; the first round's execs aged past any. */
		end = garlic_monotonic_ns() + (round == 0 ? CAPTURE_STALE_TEST_NS : 0) +
		      (uint64_t)GARLIC_MAX_LATENCY_BUDGET_US * 1000 / 4;
		while (garlic_monotonic_ns() < end) {
			struct pollfd pfd = { .fd = garlic_fd(g), .events = POLLIN };

			if (poll(&pfd, 1, 50) > 0)
				garlic_receive(g);
		}
		if (round == 0)
			grown = garlic_test_capture_slots(g);
	}
	g_assert_cmpint(garlic_get_counters(g, &k, sizeof(k)), ==, 0);
	/* The scene: the main socket lost events, the capture kept them all. */
	g_assert_cmpuint(k.overruns, >, 0);
	g_assert_cmpuint(grown, >, 256);
	g_assert_cmpuint(garlic_test_capture_slots(g), ==, grown);
	garlic_close(g);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	live_require_connector();
	g_test_add_func("/capture-ring/budget-backlog", test_budget_backlog);
	g_test_add_func("/capture-ring/budget-lost-events", test_budget_lost_events);
	return g_test_run();
}
