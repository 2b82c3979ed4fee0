// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Exec snapshots (struct garlic_open_opts.capture): taken the moment the
 * exec is known, even while a latency budget holds the events back, with
 * argv byte for byte; a process that exec'd again before it could be read
 * never shows the later program's argv against the earlier exec.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "capture-common.h"
#include "live.h"

/*
 * The longest budget: a slow machine (the QEMU guests) still snapshots
 * the exec, and lets the process exit, well within it.
 */
#define BUDGET_US GARLIC_MAX_LATENCY_BUDGET_US

/* Holds until a line comes on its stdin, then exits. */
static const char *const marked_argv[] = {
	"/bin/sh", "-c", "read x; true", "garlic-capture-marker", "a b", "", "x\ny", "\xff\xfe", NULL
};

static pid_t snapped_pid;
static bool snapped;

static void note_snapshot(pid_t pid)
{
	if (pid == snapped_pid)
		snapped = true;
}

static void test_argv_during_budget(void)
{
	struct seen s = { 0 };
	struct garlic *g = open_capturing(&s, BUDGET_US);
	const struct garlic_process *p;
	uint64_t start = garlic_monotonic_ns();
	siginfo_t info = { 0 };
	size_t len = 0;
	const char *arg;
	int go[2], status;

	g_assert_cmpint(pipe(go), ==, 0);
	make_busy(g);
	s.pid = fork();
	g_assert_cmpint(s.pid, >=, 0);
	if (s.pid == 0) {
		dup2(go[0], STDIN_FILENO);
		close(go[0]);
		close(go[1]);
		execv(marked_argv[0], (char **)marked_argv);
		_exit(127);
	}
	close(go[0]);
	/* Runs the handle until the capture has read the process, alive. */
	snapped_pid = s.pid;
	snapped = false;
	garlic_test_before_snapshot = note_snapshot;
	while (!snapped) {
		struct pollfd pfd = { .fd = garlic_fd(g), .events = POLLIN };

		g_assert_cmpuint((garlic_monotonic_ns() - start) / 1000000, <, TIMEOUT_MS);
		if (poll(&pfd, 1, 100) > 0)
			garlic_receive(g);
	}
	garlic_test_before_snapshot = NULL;
	/* Then lets it exit while the budget still holds its exec back. */
	g_assert_cmpint(s.execs, ==, 0);
	g_assert_cmpint(write(go[1], "\n", 1), ==, 1);
	g_assert_cmpint(waitid(P_PID, (id_t)s.pid, &info, WEXITED | WNOWAIT), ==, 0);
	loop_until(g, &s, 1);
	/* The exec was handed out after the process had exited (budget)... */
	g_assert_true(s.zombie_at_dispatch);
	p = s.copy[0];
	g_assert_cmpint(p->pid, ==, s.pid);
	/* ...but the snapshot was taken at once. */
	g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_OK);
	arg = p->argv;
	for (int i = 0; marked_argv[i]; i++) {
		g_assert_cmpstr(arg, ==, marked_argv[i]);
		len += strlen(marked_argv[i]) + 1;
		arg += strlen(arg) + 1;
	}
	g_assert_cmpuint(p->argc, ==, G_N_ELEMENTS(marked_argv) - 1);
	g_assert_cmpuint(p->argv_len, ==, len);
	g_assert_false(p->argv_truncated);
	g_assert_cmpint(p->exe_state, ==, GARLIC_PROCESS_OK);
	g_assert_true(g_str_has_suffix(p->exe, "sh") || g_str_has_suffix(p->exe, "dash"));
	g_assert_cmpint(p->ids_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpuint(p->euid, ==, geteuid());
	g_assert_cmpint(p->stat_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpint(p->cgroup_state, !=, GARLIC_PROCESS_NOT_ASKED);
	g_assert_cmpint(waitpid(s.pid, &status, 0), ==, s.pid);
	close(go[1]);
	free_snapshot(s.copy[0]);
	garlic_close(g);
}

/*
 * A process that execs twice at once: each exec's snapshot is its own
 * program's, or says it was replaced; never the later argv for the first.
 */
static void test_double_exec(void)
{
	static const char *const first[] = { "/bin/sh", "-c", "exec /bin/sleep 0.3", "one",
					     NULL };
	struct seen s = { 0 };
	struct garlic *g = open_capturing(&s, 0);
	const struct garlic_process *p;
	int status;

	s.pid = fork();
	g_assert_cmpint(s.pid, >=, 0);
	if (s.pid == 0) {
		execv(first[0], (char **)first);
		_exit(127);
	}
	loop_until(g, &s, 2);
	p = s.copy[0];
	if (p->argv_state == GARLIC_PROCESS_OK) {
		g_assert_cmpstr(p->argv, ==, "/bin/sh");
		g_assert_cmpuint(p->argc, ==, 4);
	} else {
		g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_REPLACED);
		g_assert_null(p->argv);
		g_assert_cmpint(p->exe_state, ==, GARLIC_PROCESS_REPLACED);
	}
	p = s.copy[1];
	g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->argv, ==, "/bin/sleep");
	g_assert_cmpstr(p->argv + strlen("/bin/sleep") + 1, ==, "0.3");
	g_assert_cmpuint(p->argc, ==, 2);
	g_assert_true(g_str_has_suffix(p->exe, "/sleep"));
	g_assert_cmpint(waitpid(s.pid, &status, 0), ==, s.pid);
	free_snapshot(s.copy[0]);
	free_snapshot(s.copy[1]);
	garlic_close(g);
}

/* Only the fields asked for, and the option's bounds. */
static void test_fields_and_options(void)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.capture = GARLIC_PROCESS_ARGV,
							.capture_argv_max = 4);
	struct seen s = { 0 };
	struct garlic *g = NULL;
	const struct garlic_process *p;
	int status;

	g_assert_cmpint(garlic_open_opts(&g, &opts, on_event, &s), ==, 0);
	s.pid = fork();
	g_assert_cmpint(s.pid, >=, 0);
	if (s.pid == 0) {
		execl("/bin/sleep", "/bin/sleep", "0.2", (char *)NULL);
		_exit(127);
	}
	while (s.execs < 1)
		g_assert_cmpint(garlic_receive(g), >=, 0);
	p = s.copy[0];
	g_assert_cmpuint(p->fields, ==, GARLIC_PROCESS_ARGV);
	g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_OK);
	g_assert_true(p->argv_truncated);
	g_assert_cmpuint(p->argv_len, ==, 4);
	g_assert_cmpstr(p->argv, ==, "/bin");
	g_assert_cmpint(p->exe_state, ==, GARLIC_PROCESS_NOT_ASKED);
	g_assert_null(p->exe);
	g_assert_cmpint(waitpid(s.pid, &status, 0), ==, s.pid);
	free_snapshot(s.copy[0]);
	garlic_close(g);

	opts.capture = 1u << 20;
	g_assert_cmpint(garlic_open_opts(&g, &opts, on_event, &s), ==, -EINVAL);
}

/* The test's child, and the pipe its shell reads before it execs again. */
static pid_t moving_pid;
static int moving_go = -1;

/* Before the first exec's read: lets it exec /bin/true, and waits for its exit. */
static void exec_again_and_exit(pid_t pid)
{
	siginfo_t info = { 0 };

	if (pid != moving_pid)
		return;
	garlic_test_before_snapshot = NULL;
	g_assert_cmpint(write(moving_go, "\n", 1), ==, 1);
	g_assert_cmpint(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), ==, 0);
}

/*
 * A process whose first exec is read only after it exec'd again and
 * exited: what that read finds (the name) is the later program's, so the
 * first exec says REPLACED, even when the second exec came in a later
 * read of the socket (seen under load: setpriv's exec named "true").
 */
static void test_exec_again_then_exit(void)
{
	static const char *const first[] = { "/bin/sh", "-c", "read x; exec /bin/true", "two",
					     NULL };
	struct seen s = { 0 };
	struct garlic *g = open_capturing(&s, 0);
	const struct garlic_process *p;
	int go[2], status;

	g_assert_cmpint(pipe(go), ==, 0);
	s.pid = fork();
	g_assert_cmpint(s.pid, >=, 0);
	if (s.pid == 0) {
		dup2(go[0], STDIN_FILENO);
		close(go[0]);
		close(go[1]);
		execv(first[0], (char **)first);
		_exit(127);
	}
	close(go[0]);
	moving_pid = s.pid;
	moving_go = go[1];
	garlic_test_before_snapshot = exec_again_and_exit;
	loop_until(g, &s, 2);
	g_assert_null(garlic_test_before_snapshot);
	p = s.copy[0];
	g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_REPLACED);
	g_assert_null(p->argv);
	g_assert_cmpint(p->comm_state, ==, GARLIC_PROCESS_REPLACED);
	g_assert_cmpstr(p->comm, ==, "");
	/* The second exec's read found it exited, and names it rightly. */
	p = s.copy[1];
	g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_ZOMBIE);
	g_assert_cmpint(p->comm_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->comm, ==, "true");
	g_assert_cmpint(waitpid(s.pid, &status, 0), ==, s.pid);
	close(go[1]);
	free_snapshot(s.copy[0]);
	free_snapshot(s.copy[1]);
	garlic_close(g);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	live_require_connector();
	g_test_add_func("/capture/argv-during-budget", test_argv_during_budget);
	g_test_add_func("/capture/double-exec", test_double_exec);
	g_test_add_func("/capture/exec-again-then-exit", test_exec_again_then_exit);
	g_test_add_func("/capture/fields-and-options", test_fields_and_options);
	return g_test_run();
}
