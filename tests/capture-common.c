// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The exec-capture tests' common part (tests/capture-common.h): a handle
 * that captures every field, its callback keeping one pid's snapshots,
 * and the loop that runs it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture-common.h"
#include "live.h"

/* The state letter of /proc/PID/stat, after the comm's last ')'. */
char proc_state(pid_t pid)
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
struct garlic_process *copy_snapshot(const struct garlic_process *p)
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

void free_snapshot(struct garlic_process *c)
{
	if (!c)
		return;
	g_free((char *)c->argv);
	g_free((char *)c->exe);
	g_free((char *)c->cwd);
	g_free((char *)c->cgroup);
	g_free(c);
}

int on_event(const struct garlic_event *ev, void *userdata)
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
void loop_until(struct garlic *g, struct seen *s, int n)
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

struct garlic *open_capturing(struct seen *s, unsigned int budget_us)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.flags = GARLIC_OPEN_NONBLOCK,
							.latency_budget_us = budget_us,
							.capture = GARLIC_PROCESS_ALL);
	struct garlic *g = NULL;

	g_assert_cmpint(garlic_open_opts(&g, &opts, on_event, s), ==, 0);
	return g;
}

/* Puts the handle under load: its next read waits for the budget. */
void make_busy(struct garlic *g)
{
	run_exit(0);
	while (garlic_test_batch_due_ns(g) == 0) {
		struct pollfd pfd = { .fd = garlic_fd(g), .events = POLLIN };

		if (poll(&pfd, 1, TIMEOUT_MS) > 0)
			garlic_receive(g);
	}
}

pid_t spawn_on_pipe(const char *path, char *const argv[], int *go)
{
	int fds[2];
	pid_t pid;

	g_assert_cmpint(pipe(fds), ==, 0);
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(path, argv);
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}
