// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * garlic-monitor's process table (tools/garlic-monitor/proc.c): followed
 * processes stay however many others come and go. No kernel needed: the
 * table only stores numbers.
 */
#include <glib.h>

#include "proc.h"

#define FOLLOWED 50
#define OTHERS 70000

/*
 * Pids as a machine with pid_max 4194304 gives them: many more than the
 * table's slots, none of them ever exiting (--events without exit). The
 * others share the followed ones' home slots (the same pid modulo 65536),
 * so that their probe runs fill up.
 */
static void test_followed_stay(void)
{
	pid_t base = 1000;

	proc_table_init();
	for (pid_t i = 0; i < FOLLOWED; i++) {
		struct proc *p = proc_add(base + i * 7);

		g_assert_nonnull(p);
		proc_follow(p);
	}
	g_assert_cmpuint(proc_followed_alive(), ==, FOLLOWED);
	for (pid_t i = 0; i < OTHERS; i++)
		proc_add(base + (i % FOLLOWED) * 7 + 65536 * (1 + i / FOLLOWED));
	for (pid_t i = 0; i < FOLLOWED; i++) {
		struct proc *p = proc_find(base + i * 7);

		g_assert_nonnull(p);
		g_assert_true(p->tracked);
	}
	g_assert_cmpuint(proc_followed_alive(), ==, FOLLOWED);
	g_assert_cmpuint(proc_full, ==, 0);
}

/* An exited followed process stays for its late thread exits, but gives way. */
static void test_gone(void)
{
	struct proc *p;

	proc_table_init();
	p = proc_add(4242);
	proc_follow(p);
	proc_gone(p);
	g_assert_cmpuint(proc_followed_alive(), ==, 0);
	p = proc_find(4242);
	g_assert_nonnull(p);
	g_assert_true(p->tracked && p->exited);
	/* The pid reused: a fresh entry, not followed. */
	p = proc_add(4242);
	g_assert_false(p->tracked || p->exited);
	g_assert_cmpuint(proc_followed_alive(), ==, 0);
	/* A process not followed leaves the table at once. */
	p = proc_add(4343);
	proc_gone(p);
	g_assert_null(proc_find(4343));
}

/* A reused pid whose exit was never seen: no longer counted as alive. */
static void test_reused(void)
{
	struct proc *p;

	proc_table_init();
	p = proc_add(777);
	proc_follow(p);
	g_assert_cmpuint(proc_followed_alive(), ==, 1);
	proc_add(777);
	g_assert_cmpuint(proc_followed_alive(), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/monitor-proc/followed-stay", test_followed_stay);
	g_test_add_func("/monitor-proc/gone", test_gone);
	g_test_add_func("/monitor-proc/reused", test_reused);
	return g_test_run();
}
