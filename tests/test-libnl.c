// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The libnl application path: the application owns the nl_sock, the
 * nl_cb and the nl_recvmsgs() loop; garlic subscribes the socket and its
 * handler parses what libnl receives.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/handlers.h>

#include <garlic/libnl.h>

#include "env.h"
#include "live.h"

#define TIMEOUT_MS 5000

struct app {
	struct nl_sock *sk;
	struct nl_cb *cb;
	struct garlic *g;
	struct collector c;
	unsigned int valid_calls;
};

/* garlic_attach() with only the kinds set. */
static int attach(struct garlic **g, struct nl_sock *sk, uint32_t events, garlic_event_fn fn,
		  void *userdata)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.events = events);

	return garlic_attach(g, sk, &opts, fn, userdata);
}

static int count_valid(struct nl_msg *msg, void *arg)
{
	struct app *app = arg;

	app->valid_calls++;
	return NL_OK;
}

static void app_open(struct app *app, bool connect, uint32_t events)
{
	app->sk = nl_socket_alloc();
	app->cb = nl_cb_alloc(NL_CB_DEFAULT);
	app->valid_calls = 0;
	g_assert_nonnull(app->sk);
	g_assert_nonnull(app->cb);
	if (connect)
		g_assert_cmpint(nl_connect(app->sk, NETLINK_CONNECTOR), ==, 0);
	/* An application's own VALID hook must never see connector messages. */
	nl_cb_set(app->cb, NL_CB_VALID, NL_CB_CUSTOM, count_valid, app);
	collector_init(&app->c);
	g_assert_cmpint(attach(&app->g, app->sk, events, collector_fn,
				      &app->c), ==, 0);
	g_assert_cmpint(garlic_nl_register(app->g, app->cb), ==, 0);
}

static void app_close(struct app *app)
{
	garlic_close(app->g);
	nl_cb_put(app->cb);
	nl_socket_free(app->sk);
	collector_clear(&app->c);
}

/* The application's loop: nl_recvmsgs() until the event shows up. */
static const struct garlic_event *app_wait(struct app *app, uint32_t type,
					   pid_t pid)
{
	const struct garlic_event *ev;

	for (int waited = 0; !(ev = find_event(&app->c, type, pid)); ) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(app->sk), .events = POLLIN };
		int r;

		if (waited >= TIMEOUT_MS)
			return NULL;
		if (poll(&pfd, 1, 100) == 0) {
			waited += 100;
			continue;
		}
		r = nl_recvmsgs(app->sk, app->cb);
		if (r == -NLE_NOMEM)
			garlic_check_loss(app->g);
		else
			g_assert_cmpint(r, >=, 0);
	}
	return ev;
}

static int exec_true(void *arg)
{
	execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
	return 127;
}

static void check_fork_exec_exit(bool connect)
{
	struct app app;
	const struct garlic_event *ev;
	int status;
	pid_t pid;

	app_open(&app, connect, 0);
	pid = run_child(exec_true, NULL, &status);

	ev = app_wait(&app, GARLIC_EVENT_FORK, pid);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->fork.parent_tgid, ==, getpid());
	g_assert_cmpint(ev->fork.child_tgid, ==, pid);
	ev = app_wait(&app, GARLIC_EVENT_EXEC, pid);
	g_assert_nonnull(ev);
	g_assert_cmpint(ev->exec.process_tgid, ==, pid);
	ev = app_wait(&app, GARLIC_EVENT_EXIT, pid);
	g_assert_nonnull(ev);
	g_assert_cmpuint(ev->exit.exit_code, ==, (uint32_t)status);
	g_assert_cmpuint(ev->exit.exit_code, ==, 768);
	g_assert_cmpint(ev->exit.parent_pid, ==, getpid());
	/* Connector messages are NLMSG_DONE: libnl never calls VALID for them. */
	g_assert_cmpuint(app.valid_calls, ==, 0);
	app_close(&app);
}

static void test_connected(void)
{
	check_fork_exec_exit(true);
}

static void test_unconnected(void)
{
	check_fork_exec_exit(false);
}

static void test_filter(void)
{
	struct app app;
	int status;
	pid_t pid, marker;

	app_open(&app, true, GARLIC_EVENT_EXEC | GARLIC_EVENT_NONZERO_EXIT);
	pid = run_child(exec_true, NULL, &status);
	marker = run_exit(0);
	(void)marker;
	g_assert_nonnull(app_wait(&app, GARLIC_EVENT_EXIT, pid));
	g_assert_nonnull(find_event(&app.c, GARLIC_EVENT_EXEC, pid));
	for (guint i = 0; i < app.c.events->len; i++) {
		const struct garlic_event *ev =
			&g_array_index(app.c.events, struct garlic_event, i);

		g_assert_true(ev->type == GARLIC_EVENT_EXEC ||
			      (ev->type == GARLIC_EVENT_EXIT && ev->exit.exit_code != 0));
	}
	app_close(&app);
}

static void test_close_reattach(void)
{
	struct app app;
	socklen_t len = 0;
	pid_t pid;

	app_open(&app, true, GARLIC_EVENT_EXEC);
	/* garlic leaves the application's socket open, without its filter. */
	garlic_close(app.g);
	g_assert_cmpint(nl_socket_get_fd(app.sk), >=, 0);
	g_assert_cmpint(getsockopt(nl_socket_get_fd(app.sk), SOL_SOCKET, SO_GET_FILTER,
				   NULL, &len), ==, 0);
	g_assert_cmpuint(len, ==, 0);
	/* The same socket and nl_cb take a new subscription. */
	g_assert_cmpint(attach(&app.g, app.sk, GARLIC_EVENT_EXIT, collector_fn,
				      &app.c), ==, 0);
	g_assert_cmpint(garlic_nl_register(app.g, app.cb), ==, 0);
	pid = run_exit(4);
	g_assert_nonnull(app_wait(&app, GARLIC_EVENT_EXIT, pid));
	app_close(&app);
}

static void test_close_sends_ignore(void)
{
	struct app app;
	struct collector c;
	struct garlic *other;
	struct pollfd pfd;
	pid_t pid;
	char buf[256];

	if (!env_kernel_at_least(6, 6)) {
		live_skip("before Linux 6.6 the kernel keeps no per-socket IGNORE state");
		return;
	}
	app_open(&app, true, GARLIC_EVENT_EXIT);
	g_assert_cmpint(filter_mode(app.g), ==, GARLIC_FILTER_KERNEL);
	garlic_close(app.g);
	app.g = NULL;
	/* Drain what came before the IGNORE. */
	while (recv(nl_socket_get_fd(app.sk), buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	collector_init(&c);
	other = live_open(GARLIC_EVENT_EXIT, &c);
	pid = run_exit(6);
	g_assert_nonnull(wait_event(other, &c, GARLIC_EVENT_EXIT, pid, TIMEOUT_MS));
	/* Still a member of the group, but unsubscribed: nothing arrives. */
	pfd = (struct pollfd){ .fd = nl_socket_get_fd(app.sk), .events = POLLIN };
	g_assert_cmpint(poll(&pfd, 1, 200), ==, 0);
	garlic_close(other);
	collector_clear(&c);
	nl_cb_put(app.cb);
	nl_socket_free(app.sk);
	collector_clear(&app.c);
}

static void test_register_twice(void)
{
	struct app app;
	struct nl_cb *first;
	struct garlic *again;
	struct collector c;
	pid_t pid;

	app_open(&app, true, GARLIC_EVENT_EXIT);
	first = app.cb;
	/* Move the handler to another nl_cb, then close the handle. */
	app.cb = nl_cb_alloc(NL_CB_DEFAULT);
	g_assert_cmpint(garlic_nl_register(app.g, app.cb), ==, 0);
	garlic_close(app.g);
	/* A new subscription on the same socket; messages read through the first
	   nl_cb must not reach the freed handle (ASan would see it). */
	collector_init(&c);
	g_assert_cmpint(attach(&again, app.sk, GARLIC_EVENT_EXIT, collector_fn, &c),
			==, 0);
	pid = run_exit(8);
	(void)pid;
	g_assert_cmpint(nl_recvmsgs(app.sk, first), >=, 0);
	g_assert_cmpuint(app.c.events->len, ==, 0);
	garlic_close(again);
	collector_clear(&c);
	nl_cb_put(first);
	app.g = NULL;
	nl_cb_put(app.cb);
	nl_socket_free(app.sk);
	collector_clear(&app.c);
}

static void test_wrong_protocol(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct collector c;
	struct garlic *g = NULL;

	collector_init(&c);
	g_assert_cmpint(nl_connect(sk, NETLINK_ROUTE), ==, 0);
	g_assert_cmpint(attach(&g, sk, 0, collector_fn, &c), ==, -EINVAL);
	g_assert_null(g);
	g_assert_cmpint(attach(&g, NULL, 0, collector_fn, &c), ==, -EINVAL);
	g_assert_cmpint(garlic_nl_register(NULL, NULL), ==, -EINVAL);
	nl_socket_free(sk);
	collector_clear(&c);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	live_require_connector();

	g_test_add_func("/libnl/connected", test_connected);
	g_test_add_func("/libnl/unconnected", test_unconnected);
	g_test_add_func("/libnl/filter", test_filter);
	g_test_add_func("/libnl/close-reattach", test_close_reattach);
	g_test_add_func("/libnl/close-sends-ignore", test_close_sends_ignore);
	g_test_add_func("/libnl/register-twice", test_register_twice);
	g_test_add_func("/libnl/wrong-protocol", test_wrong_protocol);
	return g_test_run();
}
