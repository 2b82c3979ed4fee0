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
	int go, status;

	make_busy(g);
	s.pid = spawn_on_pipe(marked_argv[0], (char *const *)marked_argv, &go);
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
	g_assert_cmpint(write(go, "\n", 1), ==, 1);
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
	close(go);
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

/* Starts the process the seam moves on: path with argv, waiting on moving_go. */
static pid_t spawn_moving(const char *path, char *const argv[])
{
	moving_pid = spawn_on_pipe(path, argv, &moving_go);
	return moving_pid;
}

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
	int status;

	s.pid = spawn_moving(first[0], (char *const *)first);
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
	close(moving_go);
	free_snapshot(s.copy[0]);
	free_snapshot(s.copy[1]);
	garlic_close(g);
}

/* The stage of test_exec_again_while_read's process; exit_second: its variant. */
static int stage;
static bool exit_second;

static void wait_for_argv(pid_t pid, const char *marker)
{
	uint64_t start = garlic_monotonic_ns();

	for (;;) {
		char path[64], *text = NULL;
		gsize len = 0;
		bool found;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		found = g_file_get_contents(path, &text, &len, NULL) &&
			memmem(text, len, marker, strlen(marker));
		g_free(text);
		if (found)
			return;
		g_assert_cmpuint((garlic_monotonic_ns() - start) / 1000000, <, TIMEOUT_MS);
		g_usleep(1000);
	}
}

/*
 * Before the first exec's read: lets the process exec the second program
 * and waits until its argv is in place, so the read sees it, as a read in
 * the instant between an exec and the kernel's event does. Before the
 * second's read (exit_second): lets that one exit too.
 */
static void exec_again_in_place(pid_t pid)
{
	siginfo_t info = { 0 };

	if (pid != moving_pid)
		return;
	if (stage == 0) {
		stage = 1;
		g_assert_cmpint(write(moving_go, "\n", 1), ==, 1);
		wait_for_argv(pid, "second-marker");
	} else if (stage == 1 && exit_second) {
		stage = 2;
		g_assert_cmpint(write(moving_go, "\n", 1), ==, 1);
		g_assert_cmpint(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), ==, 0);
	}
}

/*
 * A process whose first exec is read after it exec'd again, with both
 * execs' events already on their way: the first exec was handed out
 * before the second's snapshot was taken, and showed the second program's
 * argv (measured: 3 of 400 setpriv execs beside an exec loop). It says
 * REPLACED, whether the second program is still there to compare (argv)
 * or has exited (its name).
 */
static void exec_again_while_read(bool exit_2nd)
{
	static const char *const first[] = {
		"/bin/sh", "-c", "read x; m=second; exec /bin/sh -c 'read y' \"$m-marker\"", "first",
		NULL
	};
	struct seen s = { 0 };
	struct garlic *g = open_capturing(&s, 0);
	const struct garlic_process *p;
	int status;

	s.pid = spawn_moving(first[0], (char *const *)first);
	stage = 0;
	exit_second = exit_2nd;
	garlic_test_before_snapshot = exec_again_in_place;
	loop_until(g, &s, 2);
	garlic_test_before_snapshot = NULL;
	g_assert_cmpint(stage, ==, exit_2nd ? 2 : 1);
	p = s.copy[0];
	g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_REPLACED);
	g_assert_null(p->argv);
	g_assert_cmpint(p->exe_state, ==, GARLIC_PROCESS_REPLACED);
	p = s.copy[1];
	if (exit_2nd) {
		g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_ZOMBIE);
		g_assert_cmpstr(p->comm, ==, "sh");
	} else {
		g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_OK);
		g_assert_cmpuint(p->argc, ==, 4);
		g_assert_cmpstr(p->argv + p->argv_len - strlen("second-marker") - 1, ==, "second-marker");
		g_assert_cmpint(write(moving_go, "\n", 1), ==, 1);
	}
	g_assert_cmpint(waitpid(s.pid, &status, 0), ==, s.pid);
	close(moving_go);
	free_snapshot(s.copy[0]);
	free_snapshot(s.copy[1]);
	garlic_close(g);
}

static void test_exec_again_while_read(void)
{
	exec_again_while_read(false);
}

static void test_exec_again_while_read_exited(void)
{
	exec_again_while_read(true);
}

/* Reads of test_empty_argv_then_exit's process so far. */
static int empty_reads;

/* Before the second read (the first one again): lets the process exit. */
static void exit_on_second_read(pid_t pid)
{
	siginfo_t info = { 0 };

	if (pid != moving_pid || ++empty_reads != 2)
		return;
	g_assert_cmpint(write(moving_go, "exit 3\n", 7), ==, 7);
	g_assert_cmpint(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), ==, 0);
}

/*
 * An empty command line is read again (it may be a process between two
 * programs); a process that exits meanwhile was not replaced: its
 * snapshot says it exited, with its name. A shell exec'd with no
 * arguments at all (the kernel gives it one empty argument) reads its
 * commands from the pipe.
 */
static void test_empty_argv_then_exit(void)
{
	char *const no_argv[] = { NULL };
	struct seen s = { 0 };
	struct garlic *g = open_capturing(&s, 0);
	const struct garlic_process *p;
	int status;

	s.pid = spawn_moving("/bin/sh", no_argv);
	empty_reads = 0;
	garlic_test_before_snapshot = exit_on_second_read;
	loop_until(g, &s, 1);
	garlic_test_before_snapshot = NULL;
	g_assert_cmpint(empty_reads, >=, 2);
	p = s.copy[0];
	g_assert_cmpint(p->argv_state, ==, GARLIC_PROCESS_ZOMBIE);
	g_assert_cmpint(p->comm_state, ==, GARLIC_PROCESS_OK);
	g_assert_cmpstr(p->comm, ==, "sh");
	g_assert_cmpint(waitpid(s.pid, &status, 0), ==, s.pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	close(moving_go);
	free_snapshot(s.copy[0]);
	garlic_close(g);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	live_require_connector();
	g_test_add_func("/capture/argv-during-budget", test_argv_during_budget);
	g_test_add_func("/capture/double-exec", test_double_exec);
	g_test_add_func("/capture/exec-again-then-exit", test_exec_again_then_exit);
	g_test_add_func("/capture/exec-again-while-read", test_exec_again_while_read);
	g_test_add_func("/capture/exec-again-while-read-exited", test_exec_again_while_read_exited);
	g_test_add_func("/capture/empty-argv-then-exit", test_empty_argv_then_exit);
	g_test_add_func("/capture/fields-and-options", test_fields_and_options);
	return g_test_run();
}
