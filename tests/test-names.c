// SPDX-License-Identifier: LGPL-2.1-or-later
/* Names, errors, clocks and argument checks: no kernel needed. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include <garlic/garlic.h>
#include <garlic/libnl.h>

static const struct {
	uint32_t type;
	const char *name;
} names[] = {
	{ GARLIC_EVENT_NONE, "none" },	   { GARLIC_EVENT_FORK, "fork" },
	{ GARLIC_EVENT_EXEC, "exec" },	   { GARLIC_EVENT_UID, "uid" },
	{ GARLIC_EVENT_GID, "gid" },	   { GARLIC_EVENT_SID, "sid" },
	{ GARLIC_EVENT_PTRACE, "ptrace" }, { GARLIC_EVENT_COMM, "comm" },
	{ GARLIC_EVENT_NONZERO_EXIT, "nonzero_exit" },
	{ GARLIC_EVENT_COREDUMP, "coredump" }, { GARLIC_EVENT_EXIT, "exit" },
};

static void test_event_name(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		g_assert_cmpstr(garlic_event_name(names[i].type), ==, names[i].name);
	g_assert_null(garlic_event_name(0x8));
	g_assert_null(garlic_event_name(GARLIC_EVENT_FORK | GARLIC_EVENT_EXEC));
}

static void test_from_name(void)
{
	uint32_t type = 12345;

	/* Every name garlic_event_name() gives comes back, "none" too. */
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *upper = g_ascii_strup(names[i].name, -1);

		type = 12345;
		g_assert_cmpint(garlic_event_from_name(names[i].name, &type), ==, 0);
		g_assert_cmpuint(type, ==, names[i].type);
		g_assert_cmpstr(garlic_event_name(type), ==, names[i].name);
		type = 12345;
		g_assert_cmpint(garlic_event_from_name(upper, &type), ==, 0);
		g_assert_cmpuint(type, ==, names[i].type);
		g_free(upper);
	}
	g_assert_cmpint(garlic_event_from_name("CoReDuMp", &type), ==, 0);
	g_assert_cmpuint(type, ==, GARLIC_EVENT_COREDUMP);
	type = 12345;
	g_assert_cmpint(garlic_event_from_name("bogus", &type), ==, -EINVAL);
	g_assert_cmpint(garlic_event_from_name("", &type), ==, -EINVAL);
	g_assert_cmpint(garlic_event_from_name("exe", &type), ==, -EINVAL);
	g_assert_cmpint(garlic_event_from_name("exec ", &type), ==, -EINVAL);
	g_assert_cmpint(garlic_event_from_name("fork,exec", &type), ==, -EINVAL);
	g_assert_cmpint(garlic_event_from_name("all", &type), ==, -EINVAL);
	g_assert_cmpint(garlic_event_from_name(NULL, &type), ==, -EINVAL);
	g_assert_cmpuint(type, ==, 12345);
}

static void test_events_parse(void)
{
	static const char *const bad[] = { "", "fork,", ",fork", "fork,,exec", "bogus",
					   "none", "fork,none", "forks",
					   "fork,all", "all,exec" };
	uint32_t mask = 0;

	g_assert_cmpint(garlic_events_parse("fork,exec", &mask), ==, 0);
	g_assert_cmpuint(mask, ==, GARLIC_EVENT_FORK | GARLIC_EVENT_EXEC);
	/* "all" is 0: every kind, later ones too, with no filter. */
	mask = 777;
	g_assert_cmpint(garlic_events_parse("all", &mask), ==, 0);
	g_assert_cmpuint(mask, ==, 0);
	g_assert_cmpint(garlic_events_parse("Exit,nonzero_exit", &mask), ==, 0);
	g_assert_cmpuint(mask, ==, GARLIC_EVENT_EXIT | GARLIC_EVENT_NONZERO_EXIT);
	g_assert_cmpint(garlic_events_parse("exec", &mask), ==, 0);
	g_assert_cmpuint(mask, ==, GARLIC_EVENT_EXEC);
	/* Repeats are harmless. */
	g_assert_cmpint(garlic_events_parse("exec,EXEC,fork", &mask), ==, 0);
	g_assert_cmpuint(mask, ==, GARLIC_EVENT_EXEC | GARLIC_EVENT_FORK);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		mask = 777;
		g_assert_cmpint(garlic_events_parse(bad[i], &mask), ==, -EINVAL);
		g_assert_cmpuint(mask, ==, 777);
	}
	g_assert_cmpint(garlic_events_parse(NULL, &mask), ==, -EINVAL);
}

static void test_strerror(void)
{
	static const int errs[] = { -EPERM, -EPROTONOSUPPORT, -ECONNREFUSED, -ETIMEDOUT,
				    -ENOBUFS, -EAGAIN, -EINVAL, -ENOMEM, EPERM, 0, 9999,
				    -9999 };

	for (size_t i = 0; i < G_N_ELEMENTS(errs); i++) {
		const char *s = garlic_strerror(errs[i]);

		g_assert_nonnull(s);
		g_assert_cmpuint(strlen(s), >, 0);
	}
	g_assert_nonnull(strstr(garlic_strerror(-EPERM), "CAP_NET_ADMIN"));
	g_assert_nonnull(strstr(garlic_strerror(-EPROTONOSUPPORT), "CONFIG_PROC_EVENTS"));
	g_assert_nonnull(strstr(garlic_strerror(-ECONNREFUSED), "namespace"));
	g_assert_cmpstr(garlic_strerror(EPERM), ==, garlic_strerror(-EPERM));
	g_assert_cmpstr(garlic_strerror(-ENOMEM), ==, strerror(ENOMEM));
	/* The sign is ignored for every value, not only the known ones. */
	g_assert_cmpstr(garlic_strerror(9999), ==, garlic_strerror(-9999));
	g_assert_cmpstr(garlic_strerror(-ETIMEDOUT), ==, garlic_strerror(ETIMEDOUT));
	g_assert_cmpstr(garlic_strerror(0), !=, garlic_strerror(-EPERM));
}

static void test_realtime(void)
{
	struct timespec mono, real;
	uint64_t mono_ns, real_ns, converted;
	int64_t delta;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	mono_ns = (uint64_t)mono.tv_sec * 1000000000u + mono.tv_nsec;
	real_ns = (uint64_t)real.tv_sec * 1000000000u + real.tv_nsec;
	converted = garlic_realtime_ns(mono_ns);
	g_assert_cmpuint(converted > real_ns ? converted - real_ns : real_ns - converted,
			 <, 1000000000u);
	/* An event one second older converts to one second earlier (each call
	   reads both clocks, a few ms apart under valgrind). */
	delta = (int64_t)(converted - garlic_realtime_ns(mono_ns - 1000000000u));
	g_assert_cmpint(delta, >, 950000000);
	g_assert_cmpint(delta, <, 1050000000);
}

static int never(const struct garlic_event *ev, void *userdata)
{
	return 0;
}

static void test_bad_arguments(void)
{
	struct garlic_open_opts opts = { .sz = sizeof(opts) };
	struct garlic *g = (struct garlic *)0x1;
	struct garlic_counters c;

	g_assert_cmpint(garlic_open(&g, 0, NULL, NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_open(&g, 0x8, never, NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_open(&g, GARLIC_EVENT_EXEC | 0x400, never, NULL), ==,
			-EINVAL);
	g_assert_cmpint(garlic_open(NULL, 0, never, NULL), ==, -EINVAL);
	g_assert_true(g == (struct garlic *)0x1);
	g_assert_cmpint(garlic_open_opts(&g, NULL, never, NULL), ==, -EINVAL);
	opts.sz = 0;
	g_assert_cmpint(garlic_open_opts(&g, &opts, never, NULL), ==, -EINVAL);
	opts.sz = sizeof(opts);
	opts.flags = 1u << 30;
	g_assert_cmpint(garlic_open_opts(&g, &opts, never, NULL), ==, -EINVAL);
	opts.flags = 0;
	opts.events = 0x8;
	g_assert_cmpint(garlic_open_opts(&g, &opts, never, NULL), ==, -EINVAL);
	opts.events = 0;
	g_assert_cmpint(garlic_open_opts(&g, &opts, NULL, NULL), ==, -EINVAL);
	opts.flags = 0;
	opts.rcvbuf = -1;
	g_assert_cmpint(garlic_open_opts(&g, &opts, never, NULL), ==, -EINVAL);
	opts.rcvbuf = 0;
	opts.ack_timeout_ms = GARLIC_MAX_ACK_TIMEOUT_MS + 1;
	g_assert_cmpint(garlic_open_opts(&g, &opts, never, NULL), ==, -EINVAL);
	opts.ack_timeout_ms = 0;
	opts.latency_budget_us = GARLIC_MAX_LATENCY_BUDGET_US + 1;
	g_assert_cmpint(garlic_open_opts(&g, &opts, never, NULL), ==, -EINVAL);
	g_assert_true(g == (struct garlic *)0x1);
	/* A newer caller's struct: a member this library does not know, set. */
	{
		struct {
			struct garlic_open_opts known;
			uint64_t newer;
		} longer = { .known = GARLIC_OPEN_OPTS(.ack_timeout_ms = 1), .newer = 1 };

		longer.known.sz = sizeof(longer);
		g_assert_cmpint(garlic_open_opts(&g, &longer.known, never, NULL), ==, -EINVAL);
		g_assert_true(g == (struct garlic *)0x1);
	}

	garlic_close(NULL);
	g_assert_cmpint(garlic_fd(NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_receive(NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_get_counters(NULL, &c, sizeof(c)), ==, -EINVAL);
	g_assert_cmpint(garlic_set_loss_fn(NULL, NULL, NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_check_loss(NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_get_filter_mode(NULL, NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_get_events(NULL, NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_set_rcvbuf(NULL, 1), ==, -EINVAL);
	g_assert_cmpint(garlic_set_latency_budget(NULL, 1), ==, -EINVAL);
	g_assert_cmpint(garlic_attach(&g, NULL, NULL, never, NULL), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/names/event-name", test_event_name);
	g_test_add_func("/names/from-name", test_from_name);
	g_test_add_func("/names/events-parse", test_events_parse);
	g_test_add_func("/names/strerror", test_strerror);
	g_test_add_func("/names/realtime", test_realtime);
	g_test_add_func("/names/bad-arguments", test_bad_arguments);
	return g_test_run();
}
