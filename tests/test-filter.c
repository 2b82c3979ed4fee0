// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The classic BPF filter run by the kernel, without root: attached to
 * one end of an AF_UNIX datagram socketpair, fed synthetic connector
 * messages through the other end. Only the selected kinds arrive.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/filter.h>

#include <glib.h>

#include "garlic-private.h"
#include "messages.h"

struct pair {
	int rx, tx;
};

static struct pair pair_new(uint32_t events)
{
	int sv[2];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), ==, 0);
	g_assert_cmpint(garlic_filter_attach(sv[0], events), ==, 0);
	return (struct pair){ .rx = sv[0], .tx = sv[1] };
}

static void pair_free(struct pair p)
{
	close(p.rx);
	close(p.tx);
}

/*
 * Sends one message and says whether it came through the filter. The
 * socket is drained until EAGAIN, so a message cannot arrive twice or
 * late and be blamed on the next one.
 */
static bool passes_len(struct pair p, uint32_t what, uint32_t exit_code, size_t len)
{
	struct msg_spec s = { .what = what, .data = { 1, 1, exit_code, 17, 1, 1 } };
	uint8_t buf[MSG_SIZE], got[MSG_SIZE + 8];
	unsigned int arrived = 0;

	g_assert_cmpuint(len, <=, sizeof(buf));
	g_assert_cmpuint(msg_build(buf, sizeof(buf), &s), ==, MSG_SIZE);
	/* A shorter send is the datagram cut at len, headers unchanged. */
	g_assert_cmpint(send(p.tx, buf, len, 0), ==, (ssize_t)len);
	for (;;) {
		ssize_t n = recv(p.rx, got, sizeof(got), MSG_DONTWAIT);

		if (n < 0) {
			g_assert_cmpint(errno, ==, EAGAIN);
			break;
		}
		/* What passes passes whole and unchanged. */
		g_assert_cmpmem(got, n, buf, len);
		arrived++;
	}
	g_assert_cmpuint(arrived, <=, 1);
	return arrived == 1;
}

static bool passes(struct pair p, uint32_t what, uint32_t exit_code)
{
	return passes_len(p, what, exit_code, MSG_SIZE);
}

static const uint32_t kinds[] = {
	GARLIC_EVENT_FORK, GARLIC_EVENT_EXEC, GARLIC_EVENT_UID, GARLIC_EVENT_GID,
	GARLIC_EVENT_SID, GARLIC_EVENT_PTRACE, GARLIC_EVENT_COMM,
	GARLIC_EVENT_COREDUMP, GARLIC_EVENT_EXIT,
};

static void test_exec_only(void)
{
	struct pair p = pair_new(GARLIC_EVENT_EXEC);

	g_assert_true(passes(p, GARLIC_EVENT_EXEC, 0));
	/* The ACK always passes: garlic needs it to confirm the subscription. */
	g_assert_true(passes(p, GARLIC_EVENT_NONE, 0));
	g_assert_false(passes(p, GARLIC_EVENT_FORK, 0));
	g_assert_false(passes(p, GARLIC_EVENT_EXIT, 0));
	g_assert_false(passes(p, GARLIC_EVENT_EXIT, 768));
	g_assert_false(passes(p, GARLIC_EVENT_COMM, 0));
	g_assert_false(passes(p, 0x400, 0));
	pair_free(p);
}

static void test_each_kind(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		struct pair p = pair_new(kinds[i]);

		for (size_t j = 0; j < G_N_ELEMENTS(kinds); j++)
			g_assert_cmpint(passes(p, kinds[j], 0), ==, i == j);
		/* Any one kind: the ACK passes, a kind from the future does not. */
		g_assert_true(passes(p, GARLIC_EVENT_NONE, 0));
		g_assert_false(passes(p, 0x400, 0));
		pair_free(p);
	}
}

static void test_fork_exit(void)
{
	struct pair p = pair_new(GARLIC_EVENT_FORK | GARLIC_EVENT_EXIT);

	g_assert_true(passes(p, GARLIC_EVENT_FORK, 0));
	g_assert_true(passes(p, GARLIC_EVENT_EXIT, 0));
	g_assert_true(passes(p, GARLIC_EVENT_EXIT, 768));
	g_assert_false(passes(p, GARLIC_EVENT_EXEC, 0));
	g_assert_false(passes(p, GARLIC_EVENT_COREDUMP, 0));
	pair_free(p);
}

static void test_nonzero_exit(void)
{
	struct pair p = pair_new(GARLIC_EVENT_NONZERO_EXIT);

	g_assert_true(passes(p, GARLIC_EVENT_EXIT, 768));
	g_assert_true(passes(p, GARLIC_EVENT_EXIT, 9)); /* killed by SIGKILL */
	g_assert_false(passes(p, GARLIC_EVENT_EXIT, 0));
	g_assert_false(passes(p, GARLIC_EVENT_FORK, 0));
	g_assert_false(passes(p, GARLIC_EVENT_COREDUMP, 5));
	g_assert_true(passes(p, GARLIC_EVENT_NONE, 0));
	pair_free(p);

	/* With EXIT too, every exit passes (as the kernel's own filter does). */
	p = pair_new(GARLIC_EVENT_NONZERO_EXIT | GARLIC_EVENT_EXIT);
	g_assert_true(passes(p, GARLIC_EVENT_EXIT, 0));
	g_assert_true(passes(p, GARLIC_EVENT_EXIT, 768));
	pair_free(p);

	p = pair_new(GARLIC_EVENT_NONZERO_EXIT | GARLIC_EVENT_EXEC);
	g_assert_true(passes(p, GARLIC_EVENT_EXEC, 0));
	g_assert_true(passes(p, GARLIC_EVENT_EXIT, 256));
	g_assert_false(passes(p, GARLIC_EVENT_EXIT, 0));
	pair_free(p);
}

static void test_detach(void)
{
	struct pair p = pair_new(GARLIC_EVENT_EXEC);

	g_assert_false(passes(p, GARLIC_EVENT_FORK, 0));
	/* Every kind garlic knows is a mask like any other: unknown kinds stay out. */
	g_assert_cmpint(garlic_filter_attach(p.rx, GARLIC_KNOWN_EVENTS), ==, 0);
	g_assert_true(passes(p, GARLIC_EVENT_FORK, 0));
	g_assert_false(passes(p, 0x400, 0));
	/* 0, every kind: the filter comes off; unknown kinds pass again. */
	g_assert_cmpint(garlic_filter_attach(p.rx, 0), ==, 0);
	g_assert_true(passes(p, 0x400, 0));
	pair_free(p);
}

static void test_short_datagram(void)
{
	struct pair p = pair_new(GARLIC_EVENT_EXEC);

	/*
	 * Too short to hold `what` (bytes 36..39): the load is out of
	 * bounds, the program returns 0 and the kernel drops the datagram,
	 * even the empty one.
	 */
	for (size_t len = 0; len < 40; len++)
		g_assert_false(passes_len(p, GARLIC_EVENT_EXEC, 0, len));
	/* From 40 bytes `what` is read; the parser refuses the rest later. */
	g_assert_true(passes_len(p, GARLIC_EVENT_EXEC, 0, 40));
	g_assert_false(passes_len(p, GARLIC_EVENT_FORK, 0, 40));
	pair_free(p);

	/* NONZERO_EXIT reads the exit code (60..63): cut before it, dropped. */
	p = pair_new(GARLIC_EVENT_NONZERO_EXIT);
	for (size_t len = 40; len < 64; len++)
		g_assert_false(passes_len(p, GARLIC_EVENT_EXIT, 768, len));
	g_assert_true(passes_len(p, GARLIC_EVENT_EXIT, 768, 64));
	pair_free(p);

	/* Without a filter the kernel delivers anything; the parser judges it. */
	p = pair_new(0);
	g_assert_true(passes_len(p, GARLIC_EVENT_EXEC, 0, 10));
	pair_free(p);
}

static void test_build_errors(void)
{
	struct sock_filter insns[GARLIC_FILTER_MAX_INSNS];
	int n;

	g_assert_cmpint(garlic_filter_build(0, insns, G_N_ELEMENTS(insns)), ==, -EINVAL);
	g_assert_cmpint(garlic_filter_build(0x8, insns, G_N_ELEMENTS(insns)), ==, -EINVAL);
	g_assert_cmpint(garlic_filter_build(GARLIC_EVENT_EXEC, NULL, 16), ==, -EINVAL);
	n = garlic_filter_build(GARLIC_EVENT_NONZERO_EXIT | GARLIC_EVENT_EXEC, insns,
				G_N_ELEMENTS(insns));
	g_assert_cmpint(n, >, 0);
	g_assert_cmpint(n, <=, GARLIC_FILTER_MAX_INSNS);
	g_assert_cmpint(garlic_filter_build(GARLIC_EVENT_NONZERO_EXIT | GARLIC_EVENT_EXEC,
					    insns, n - 1), ==, -ENOSPC);
	g_assert_cmpint(garlic_filter_build(GARLIC_KNOWN_EVENTS, insns, G_N_ELEMENTS(insns)), >, 0);
	g_assert_cmpint(garlic_filter_attach(-1, GARLIC_EVENT_EXEC), ==, -EBADF);
	g_assert_cmpint(garlic_filter_attach(0x7fff, GARLIC_EVENT_EXEC), ==, -EBADF);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/filter/exec-only", test_exec_only);
	g_test_add_func("/filter/each-kind", test_each_kind);
	g_test_add_func("/filter/fork-exit", test_fork_exit);
	g_test_add_func("/filter/nonzero-exit", test_nonzero_exit);
	g_test_add_func("/filter/detach", test_detach);
	g_test_add_func("/filter/short-datagram", test_short_datagram);
	g_test_add_func("/filter/build-errors", test_build_errors);
	return g_test_run();
}
