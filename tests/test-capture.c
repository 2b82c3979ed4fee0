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

#include "garlic-test.h"
#include "live.h"

#define TIMEOUT_MS 5000
#define BUDGET_US 300000

struct seen {
	pid_t pid;		/* the exec to keep */
	int execs;		/* of pid, seen so far */
	struct garlic_process *copy[2]; /* their snapshots, copied */
	uint64_t dispatched_ns[2];
	bool zombie_at_dispatch; /* the first exec's process, when it was handed out */
};

/* The state letter of /proc/PID/stat, after the comm's last ')'. */
static char proc_state(pid_t pid)
{
	char path[64], *text = NULL, *close;
	char state = '?';

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (g_file_get_contents(path, &text, NULL, NULL) && (close = strrchr(text, ')')))
		state = close[2];
	g_free(text);
	return state;
}

/* Copies a snapshot: it is valid during the callback only. */
static struct garlic_process *copy_snapshot(const struct garlic_process *p)
{
	struct garlic_process *c;

	g_assert_nonnull(p);
	c = g_memdup2(p, sizeof(*p));
	c->argv = p->argv ? g_memdup2(p->argv, p->argv_len + 1) : NULL;
	c->exe = g_strdup(p->exe);
	c->cwd = g_strdup(p->cwd);
	c->cgroup = g_strdup(p->cgroup);
	return c;
}

static void free_snapshot(struct garlic_process *c)
{
	if (!c)
		return;
	g_free((char *)c->argv);
	g_free((char *)c->exe);
	g_free((char *)c->cwd);
	g_free((char *)c->cgroup);
	g_free(c);
}

static int on_event(const struct garlic_event *ev, void *userdata)
{
	struct seen *s = userdata;

	if (ev->type != GARLIC_EVENT_EXEC) {
		g_assert_null(ev->process);
		return 0;
	}
	if (ev->pid != s->pid || s->execs >= 2)
		return 0;
	if (s->execs == 0)
		s->zombie_at_dispatch = proc_state(ev->pid) == 'Z';
	s->copy[s->execs] = copy_snapshot(ev->process);
	s->dispatched_ns[s->execs] = garlic_monotonic_ns();
	s->execs++;
	return 0;
}

/* Polls and receives, as an event loop does, until n execs of s->pid are in. */
static void loop_until(struct garlic *g, struct seen *s, int n)
{
	uint64_t start = garlic_monotonic_ns();

	while (s->execs < n) {
		struct pollfd pfd = { .fd = garlic_fd(g), .events = POLLIN };
		int r;

		g_assert_cmpuint((garlic_monotonic_ns() - start) / 1000000, <, TIMEOUT_MS);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		r = garlic_receive(g);
		g_assert_true(r >= 0 || r == -EAGAIN || r == -ENOBUFS);
	}
}

static struct garlic *open_capturing(struct seen *s, unsigned int budget_us)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.flags = GARLIC_OPEN_NONBLOCK,
							.latency_budget_us = budget_us,
							.capture = GARLIC_PROCESS_ALL);
	struct garlic *g = NULL;

	g_assert_cmpint(garlic_open_opts(&g, &opts, on_event, s), ==, 0);
	return g;
}

/* Puts the handle under load: its next read waits for the budget. */
static void make_busy(struct garlic *g)
{
	run_exit(0);
	while (garlic_test_batch_due_ns(g) == 0) {
		struct pollfd pfd = { .fd = garlic_fd(g), .events = POLLIN };

		if (poll(&pfd, 1, TIMEOUT_MS) > 0)
			garlic_receive(g);
	}
}

static const char *const marked_argv[] = {
	"/bin/sh", "-c", "sleep 0.1; true", "garlic-capture-marker", "a b", "", "x\ny", "\xff\xfe", NULL
};

static void test_argv_during_budget(void)
{
	struct seen s = { 0 };
	struct garlic *g = open_capturing(&s, BUDGET_US);
	const struct garlic_process *p;
	size_t len = 0;
	const char *arg;
	int status;

	make_busy(g);
	s.pid = fork();
	g_assert_cmpint(s.pid, >=, 0);
	if (s.pid == 0) {
		execv(marked_argv[0], (char **)marked_argv);
		_exit(127);
	}
	/* sh forks sleep (two commands), waits ~0.1 s, and exits. */
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
