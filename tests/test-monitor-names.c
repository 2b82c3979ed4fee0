// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * garlic-monitor's user and group name cache (tools/garlic-monitor/names.c),
 * with NSS replaced: getpwuid_r() and getgrgid_r() below take the place
 * of libc's for names.c, count their calls, and can hang as a dead LDAP
 * server would.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "names.h"

#define HANG_UID 666
#define MISSING_UID 404

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fake_cond = PTHREAD_COND_INITIALIZER;
static bool hang = true;	/* HANG_UID's lookup waits while this is set */
static bool hanging;		/* it is waiting */
static unsigned int calls[2][8192]; /* NSS calls per kind and id */

static int fake_lookup(int kind, uint32_t id, char *buf, size_t size, char **name)
{
	pthread_mutex_lock(&fake_lock);
	if (id < 8192)
		calls[kind][id]++;
	if (kind == 0 && id == HANG_UID) {
		hanging = true;
		pthread_cond_broadcast(&fake_cond);
		while (hang)
			pthread_cond_wait(&fake_cond, &fake_lock);
		hanging = false;
	}
	pthread_mutex_unlock(&fake_lock);
	if (id == MISSING_UID) {
		*name = NULL;
		return 0;
	}
	if (id == 999) /* a name longer than the cache keeps */
		snprintf(buf, size, "%s", "a-very-long-name-from-a-directory-server-that-goes-on-and-on-"
					  "and-on");
	else
		snprintf(buf, size, "%s%u", kind ? "group" : "user", id);
	*name = buf;
	return 0;
}

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t size, struct passwd **result)
{
	char *name;
	int r = fake_lookup(0, uid, buf, size, &name);

	memset(pw, 0, sizeof(*pw));
	pw->pw_name = name;
	pw->pw_uid = uid;
	*result = name ? pw : NULL;
	return r;
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **result)
{
	char *name;
	int r = fake_lookup(1, gid, buf, size, &name);

	memset(gr, 0, sizeof(*gr));
	gr->gr_name = name;
	gr->gr_gid = gid;
	*result = name ? gr : NULL;
	return r;
}

static unsigned int calls_of(int kind, uint32_t id)
{
	unsigned int n;

	pthread_mutex_lock(&fake_lock);
	n = calls[kind][id];
	pthread_mutex_unlock(&fake_lock);
	return n;
}

/* The first lookup of an id answers at once (the helper is free). */
static void test_once(void)
{
	g_assert_cmpstr(user_name(1000), ==, "user1000");
	g_assert_cmpstr(user_name(1000), ==, "user1000");
	g_assert_cmpstr(group_name(1000), ==, "group1000");
	for (int i = 0; i < 50; i++) {
		g_assert_cmpstr(user_name(1000), ==, "user1000");
		g_assert_cmpstr(group_name(1000), ==, "group1000");
	}
	g_assert_cmpuint(calls_of(0, 1000), ==, 1);
	g_assert_cmpuint(calls_of(1, 1000), ==, 1);
}

/* Names handed out stay valid over the next calls. */
static void test_ring(void)
{
	const char *a = user_name(1), *b = user_name(2), *c = group_name(3);

	g_assert_cmpstr(a, ==, "user1");
	g_assert_cmpstr(b, ==, "user2");
	g_assert_cmpstr(c, ==, "group3");
}

/* An id with no name is cached as such: NSS is not asked again. */
static void test_negative(void)
{
	g_assert_cmpstr(user_name(MISSING_UID), ==, "");
	g_assert_cmpstr(user_name(MISSING_UID), ==, "");
	g_assert_cmpuint(calls_of(0, MISSING_UID), ==, 1);
	/* Too long to show: the number is shown, and that is cached too. */
	g_assert_cmpstr(user_name(999), ==, "");
	g_assert_cmpstr(user_name(999), ==, "");
	g_assert_cmpuint(calls_of(0, 999), ==, 1);
}

/*
 * Bounded: 3000 ids through a cache of 1024 evict the old ones (asked
 * again), but an id used all along stays (clock: it is referenced).
 */
static void test_bounded(void)
{
	g_assert_cmpstr(group_name(7), ==, "group7");
	for (uint32_t id = 2000; id < 5000; id++) {
		char want[32];

		snprintf(want, sizeof(want), "group%u", id);
		g_assert_cmpstr(group_name(id), ==, want);
		g_assert_cmpstr(group_name(7), ==, "group7");
	}
	g_assert_cmpuint(calls_of(1, 7), ==, 1);
	/* The first ones were evicted: they cost a lookup again. */
	g_assert_cmpstr(group_name(2000), ==, "group2000");
	g_assert_cmpuint(calls_of(1, 2000), ==, 2);
	/* The last ones were not. */
	g_assert_cmpstr(group_name(4999), ==, "group4999");
	g_assert_cmpuint(calls_of(1, 4999), ==, 1);
}

/*
 * NSS hangs: the event that first meets the id gets the number after a
 * bounded wait, later ones get it without waiting (the helper is busy,
 * no other lookup starts), and the name shows once NSS answers.
 */
static void test_hang(void)
{
	unsigned long before;

	g_assert_cmpstr(user_name(HANG_UID), ==, "");
	pthread_mutex_lock(&fake_lock);
	while (!hanging)
		pthread_cond_wait(&fake_cond, &fake_lock);
	pthread_mutex_unlock(&fake_lock);
	before = names_lookups();
	/* While the helper is stuck: numbers, never a wait, no new lookup. */
	g_assert_cmpstr(user_name(HANG_UID), ==, "");
	g_assert_cmpstr(user_name(4242), ==, "");
	g_assert_cmpstr(user_name(4242), ==, "");
	g_assert_cmpuint(names_lookups(), ==, before);
	g_assert_cmpuint(calls_of(0, 4242), ==, 0);
	/* Known names still answer (group 7 stayed in test_bounded). */
	g_assert_cmpstr(group_name(7), ==, "group7");

	pthread_mutex_lock(&fake_lock);
	hang = false;
	pthread_cond_broadcast(&fake_cond);
	pthread_mutex_unlock(&fake_lock);
	/* The queued lookups happen in order; poll until the last answer is in. */
	for (int i = 0; i < 10000 && !*user_name(4242); i++)
		g_usleep(1000);
	g_assert_cmpstr(user_name(4242), ==, "user4242");
	g_assert_cmpstr(user_name(HANG_UID), ==, "user666");
	g_assert_cmpuint(calls_of(0, HANG_UID), ==, 1);
	g_assert_cmpuint(calls_of(0, 4242), ==, 1);
}

/* --numeric: no lookups at all. */
static void test_numeric(void)
{
	unsigned long before = names_lookups();

	names_numeric = true;
	g_assert_cmpstr(user_name(1000), ==, "");
	g_assert_cmpstr(group_name(6000), ==, "");
	g_assert_cmpuint(names_lookups(), ==, before);
	g_assert_cmpuint(calls_of(1, 6000), ==, 0);
	names_numeric = false;
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/monitor-names/once", test_once);
	g_test_add_func("/monitor-names/ring", test_ring);
	g_test_add_func("/monitor-names/negative", test_negative);
	g_test_add_func("/monitor-names/bounded", test_bounded);
	g_test_add_func("/monitor-names/hang", test_hang);
	g_test_add_func("/monitor-names/numeric", test_numeric);
	return g_test_run();
}
