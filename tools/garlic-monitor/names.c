// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * User and group names, kept off the event path. NSS may read a file or
 * ask a daemon (LDAP, sssd) that answers late or never, so lookups run
 * on one helper thread and answers are kept in a bounded cache:
 *  - an id met once costs one lookup; "no such id" (and a failed
 *    lookup) is cached too, for less long than a name;
 *  - at most CACHE_SIZE ids; the clock algorithm (a referenced bit and a
 *    hand) evicts one not used since the hand last passed it; ids still
 *    waiting for their lookup are never evicted;
 *  - an id not in the cache waits for its lookup at most WAIT_MS, and
 *    only when the helper is free: behind a hung server, the events show
 *    numbers at once until answers come;
 *  - an entry past its time is asked again, its old answer shown meanwhile.
 * Only the main thread calls user_name() and group_name().
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "names.h"

#define CACHE_SIZE 1024
#define BUCKETS 2048		/* a power of two */
#define WAIT_MS 100
#define NAME_TTL_S 600
#define MISSING_TTL_S 60
#define RING 8			/* names handed out that stay valid */

enum kind { USER, GROUP };

struct entry {
	uint32_t id;
	uint8_t kind;
	bool used;
	bool resolved;		/* name[] holds the answer ("" for none) */
	bool queued;		/* waiting for, or in, a lookup: not evictable */
	bool referenced;	/* used since the clock hand last passed */
	int next;		/* the bucket's next entry + 1; 0 ends it */
	uint64_t expires_ns;
	char name[NAMES_MAX];
};

static struct entry table[CACHE_SIZE];
static int buckets[BUCKETS];	/* first entry + 1; 0: empty */
static unsigned int hand;
/* Entries waiting for the helper, in order; each is queued at most once. */
static int queue[CACHE_SIZE];
static unsigned int queue_head, queue_len;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work;	/* main -> helper: something is queued */
static pthread_cond_t done;	/* helper -> main: an entry was resolved */
static pthread_t helper;
static bool helper_started, helper_failed, helper_busy, quitting;
static unsigned long lookups;

bool names_numeric;

static unsigned int bucket_of(enum kind kind, uint32_t id)
{
	return ((id ^ (uint32_t)kind << 31) * 2654435761u) & (BUCKETS - 1);
}

static struct entry *find(enum kind kind, uint32_t id)
{
	for (int i = buckets[bucket_of(kind, id)]; i; i = table[i - 1].next) {
		struct entry *e = &table[i - 1];

		if (e->id == id && e->kind == kind)
			return e;
	}
	return NULL;
}

static void unlink_entry(struct entry *e)
{
	int *link = &buckets[bucket_of(e->kind, e->id)];
	int index = (int)(e - table) + 1;

	while (*link && *link != index)
		link = &table[*link - 1].next;
	if (*link)
		*link = e->next;
	e->used = false;
}

/* A free entry, or the clock's victim; NULL when every one is queued. */
static struct entry *take_entry(void)
{
	for (unsigned int steps = 0; steps < 2 * CACHE_SIZE; steps++) {
		struct entry *e = &table[hand];

		hand = (hand + 1) % CACHE_SIZE;
		if (!e->used)
			return e;
		if (e->queued)
			continue;
		if (e->referenced) {
			e->referenced = false;
			continue;
		}
		unlink_entry(e);
		return e;
	}
	return NULL;
}

/*
 * One NSS lookup, in the helper (or, when no thread could be started,
 * in the caller). Its buffer grows on ERANGE, to 1 MiB at most.
 */
static void resolve(enum kind kind, uint32_t id, char *name)
{
	size_t size = 1024;
	char *buf = NULL;
	int r;

	name[0] = '\0';
	do {
		char *bigger = realloc(buf, size);

		if (!bigger)
			break;
		buf = bigger;
		if (kind == USER) {
			struct passwd pw, *result = NULL;

			r = getpwuid_r(id, &pw, buf, size, &result);
			/* A name that does not fit is shown as the number. */
			if (!r && result && strlen(pw.pw_name) < NAMES_MAX)
				strcpy(name, pw.pw_name);
		} else {
			struct group gr, *result = NULL;

			r = getgrgid_r(id, &gr, buf, size, &result);
			if (!r && result && strlen(gr.gr_name) < NAMES_MAX)
				strcpy(name, gr.gr_name);
		}
		size *= 2;
	} while (r == ERANGE && size <= 1 << 20);
	free(buf);
}

static void store(struct entry *e, const char *name)
{
	strcpy(e->name, name);
	e->resolved = true;
	e->queued = false;
	e->expires_ns = monotonic_ns() + (uint64_t)(*name ? NAME_TTL_S : MISSING_TTL_S) * 1000000000u;
}

static void *helper_main(void *unused)
{
	char name[NAMES_MAX];

	pthread_mutex_lock(&lock);
	for (;;) {
		struct entry *e;
		enum kind kind;
		uint32_t id;

		while (!queue_len && !quitting)
			pthread_cond_wait(&work, &lock);
		if (quitting)
			break;
		e = &table[queue[queue_head]];
		queue_head = (queue_head + 1) % CACHE_SIZE;
		queue_len--;
		kind = e->kind;
		id = e->id;
		helper_busy = true;
		lookups++;
		pthread_mutex_unlock(&lock);
		resolve(kind, id, name);
		pthread_mutex_lock(&lock);
		helper_busy = false;
		/* A queued entry is never evicted: e is still (kind, id). */
		store(e, name);
		pthread_cond_broadcast(&done);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* At exit: an idle helper is joined, one stuck in NSS is left to exit(). */
static void stop_helper(void)
{
	bool busy;

	pthread_mutex_lock(&lock);
	quitting = true;
	busy = helper_busy;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&lock);
	if (!busy)
		pthread_join(helper, NULL);
}

/*
 * The helper takes no signals: SIGINT and SIGTERM must interrupt the
 * main thread's system calls (signals.c), never land here.
 */
static void start_helper(void)
{
	pthread_condattr_t attr;
	sigset_t all, old;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&done, &attr);
	pthread_cond_init(&work, NULL);
	pthread_condattr_destroy(&attr);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	helper_started = pthread_create(&helper, NULL, helper_main, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	helper_failed = !helper_started;
	if (helper_started)
		atexit(stop_helper);
}

static void enqueue(struct entry *e)
{
	e->queued = true;
	queue[(queue_head + queue_len) % CACHE_SIZE] = (int)(e - table);
	queue_len++;
	pthread_cond_signal(&work);
}

/* Waits until e is resolved or WAIT_MS have passed. */
static void wait_for(struct entry *e)
{
	uint64_t deadline = monotonic_ns() + (uint64_t)WAIT_MS * 1000000u;
	struct timespec ts = { .tv_sec = deadline / 1000000000u,
			       .tv_nsec = deadline % 1000000000u };

	while (!e->resolved && pthread_cond_timedwait(&done, &lock, &ts) != ETIMEDOUT)
		;
}

/* The name of (kind, id) copied into the next ring slot; "" if none. */
static const char *lookup(enum kind kind, uint32_t id)
{
	static char ring[RING][NAMES_MAX];
	static unsigned int next;
	char *out = ring[next++ % RING];
	struct entry *e;
	bool idle;

	out[0] = '\0';
	if (names_numeric)
		return out;
	if (!helper_started && !helper_failed)
		start_helper();
	if (helper_failed) {
		/* No thread: the lookup is the caller's, but still cached. */
		e = find(kind, id);
		if (!e || !e->resolved || monotonic_ns() >= e->expires_ns) {
			if (!e && (e = take_entry())) {
				*e = (struct entry){ .id = id, .kind = kind, .used = true,
						     .next = buckets[bucket_of(kind, id)] };
				buckets[bucket_of(kind, id)] = (int)(e - table) + 1;
			}
			resolve(kind, id, out);
			lookups++;
			if (e)
				store(e, out);
		}
		if (e)
			strcpy(out, e->name);
		return out;
	}

	pthread_mutex_lock(&lock);
	idle = !helper_busy && !queue_len;
	e = find(kind, id);
	if (!e) {
		e = take_entry();
		if (!e) {
			/* Every entry waits for a lookup: the server is stuck. */
			pthread_mutex_unlock(&lock);
			return out;
		}
		*e = (struct entry){ .id = id, .kind = kind, .used = true,
				     .next = buckets[bucket_of(kind, id)] };
		buckets[bucket_of(kind, id)] = (int)(e - table) + 1;
		enqueue(e);
		if (idle)
			wait_for(e);
	} else if (e->resolved && !e->queued && monotonic_ns() >= e->expires_ns) {
		enqueue(e);	/* asked again; the old answer meanwhile */
	}
	e->referenced = true;
	if (e->resolved)
		strcpy(out, e->name);
	pthread_mutex_unlock(&lock);
	return out;
}

const char *user_name(uint32_t uid)
{
	return lookup(USER, uid);
}

const char *group_name(uint32_t gid)
{
	return lookup(GROUP, gid);
}

unsigned long names_lookups(void)
{
	unsigned long n;

	pthread_mutex_lock(&lock);
	n = lookups;
	pthread_mutex_unlock(&lock);
	return n;
}
