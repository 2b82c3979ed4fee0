// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "env.h"
#include "live.h"

void collector_init(struct collector *c)
{
	c->events = g_array_new(FALSE, TRUE, sizeof(struct garlic_event));
	c->stop_after = 0;
	c->calls = 0;
}

void collector_clear(struct collector *c)
{
	g_array_free(c->events, TRUE);
	c->events = NULL;
}

int collector_fn(const struct garlic_event *ev, void *userdata)
{
	struct collector *c = userdata;

	g_assert_cmpuint(ev->type, !=, GARLIC_EVENT_NONE);
	g_array_append_val(c->events, *ev);
	c->calls++;
	return c->stop_after && c->calls >= c->stop_after;
}

void live_skip_all(const char *reason)
{
	if (env_require_live()) {
		printf("Bail out! %s (a skip, and GARLIC_REQUIRE_LIVE=1)\n", reason);
		exit(1);
	}
	printf("1..0 # SKIP %s\n", reason);
	exit(77);
}

void live_skip(const char *reason)
{
	if (env_require_live()) {
		g_test_message("%s (a skip, and GARLIC_REQUIRE_LIVE=1)", reason);
		g_test_fail();
	} else
		g_test_skip(reason);
}

void live_require_connector(void)
{
	const char *why = env_connector_missing();

	if (why)
		live_skip_all(why);
}

struct garlic *live_open(uint32_t events, struct collector *c)
{
	struct garlic *g = NULL;
	int r = garlic_open(&g, events, collector_fn, c);

	g_assert_cmpint(r, ==, 0);
	g_assert_nonnull(g);
	return g;
}

enum garlic_filter_mode filter_mode(const struct garlic *g)
{
	enum garlic_filter_mode mode;

	g_assert_cmpint(garlic_get_filter_mode(g, &mode), ==, 0);
	return mode;
}

/* The subject, as garlic's parser and the kernel's layout both say. */
static pid_t event_pid(const struct garlic_event *ev)
{
	pid_t subject = ev->type == GARLIC_EVENT_FORK ? ev->fork.child_pid
						      : ev->exec.process_pid;

	g_assert_cmpint(ev->pid, ==, subject);
	return ev->pid;
}

const struct garlic_event *find_event(const struct collector *c, uint32_t type,
				      pid_t pid)
{
	for (guint i = 0; i < c->events->len; i++) {
		const struct garlic_event *ev =
			&g_array_index(c->events, struct garlic_event, i);

		if (ev->type == type && event_pid(ev) == pid)
			return ev;
	}
	return NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct garlic_event *wait_event(struct garlic *g, struct collector *c,
				      uint32_t type, pid_t pid, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	const struct garlic_event *ev;

	while (!(ev = find_event(c, type, pid))) {
		struct pollfd pfd = { .fd = garlic_fd(g), .events = POLLIN };
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return NULL;
		/* The fd is readable exactly when garlic_receive() has work. */
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		r = garlic_receive(g);
		g_assert_true(r >= 0 || r == -EAGAIN || r == -ENOBUFS);
	}
	return ev;
}

pid_t run_child(int (*fn)(void *), void *arg, int *status)
{
	pid_t pid = fork();

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(fn(arg));
	g_assert_cmpint(waitpid(pid, status, 0), ==, pid);
	return pid;
}

static int exit_with(void *arg)
{
	return GPOINTER_TO_INT(arg);
}

pid_t run_exit(int code)
{
	int status;

	return run_child(exit_with, GINT_TO_POINTER(code), &status);
}
