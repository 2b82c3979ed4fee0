// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pairs exit events with their tasks' exit statistics. The kernel makes
 * the statistics first, but the two come on different sockets and are
 * read in either order (measured: the statistics are read first for 97%
 * or more of paced exits, ~75% in a fork storm, the other up to ~30 ms
 * later), so each side waits a while for the other. An exit is always
 * delivered, with NULL when its statistics did not come in time.
 *
 * Each side waits in a queue of its own: oldest first, because the
 * oldest exit is the next one due and the oldest record the next one to
 * expire, and hashed by pid, because the other side looks an entry up by
 * pid and takes it out wherever it is. A fork storm keeps hundreds
 * waiting, so both are O(1): a fixed pool of entries, doubly linked in
 * arrival order, with chained buckets over them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include "garlic-private.h"

#define WAITING_MAX 1024
/* Twice the entries, a power of two: chains stay a step or two long. */
#define BUCKETS 2048
#define BUCKET_BITS 11
#define NONE UINT16_MAX

/*
 * Entries of one side, by index into its payload array: in arrival
 * order (prev, next) and in their pid's bucket (chain, newest first).
 */
struct waitq {
	uint16_t head, tail; /* oldest, newest; NONE when empty */
	uint16_t free;	     /* unused entries, linked through next */
	unsigned int n;
	uint16_t prev[WAITING_MAX], next[WAITING_MAX], chain[WAITING_MAX];
	uint32_t pid[WAITING_MAX];
	uint16_t bucket[BUCKETS];
};

struct waiting_exit {
	struct garlic_event ev;
	uint64_t due_ns;
};

struct waiting_stats {
	struct garlic_taskstats stats;
	uint64_t expires_ns;
};

struct garlic_exit_joiner {
	int timerfd;	  /* readable when the oldest waiting exit is due */
	uint64_t armed_ns; /* when it is set to fire; 0: disarmed */
	uint64_t wait_ns;
	garlic_exit_fn fn;
	void *userdata;
	struct waitq exitq;
	struct waiting_exit exits[WAITING_MAX];
	struct waitq statq;
	struct waiting_stats stats[WAITING_MAX];
};

static void waitq_init(struct waitq *q)
{
	q->head = q->tail = NONE;
	q->n = 0;
	for (unsigned int i = 0; i < WAITING_MAX; i++)
		q->next[i] = i + 1 < WAITING_MAX ? i + 1 : NONE;
	q->free = 0;
	for (unsigned int b = 0; b < BUCKETS; b++)
		q->bucket[b] = NONE;
}

static unsigned int bucket_of(uint32_t pid)
{
	/* Fibonacci hashing: consecutive pids spread over the buckets. */
	return (uint32_t)(pid * 2654435769u) >> (32 - BUCKET_BITS);
}

/* A new newest entry for @pid; the caller made room. Returns its index. */
static unsigned int waitq_push(struct waitq *q, uint32_t pid)
{
	unsigned int i = q->free, b = bucket_of(pid);

	q->free = q->next[i];
	q->pid[i] = pid;
	q->prev[i] = q->tail;
	q->next[i] = NONE;
	if (q->tail != NONE)
		q->next[q->tail] = i;
	else
		q->head = i;
	q->tail = i;
	q->chain[i] = q->bucket[b];
	q->bucket[b] = i;
	q->n++;
	return i;
}

static void waitq_remove(struct waitq *q, unsigned int i)
{
	uint16_t *p = &q->bucket[bucket_of(q->pid[i])];

	while (*p != i)
		p = &q->chain[*p];
	*p = q->chain[i];
	if (q->prev[i] != NONE)
		q->next[q->prev[i]] = q->next[i];
	else
		q->head = q->next[i];
	if (q->next[i] != NONE)
		q->prev[q->next[i]] = q->prev[i];
	else
		q->tail = q->prev[i];
	q->next[i] = q->free;
	q->free = i;
	q->n--;
}

static uint64_t now_ns(void)
{
	return garlic_monotonic_ns();
}

/*
 * Exits wait in the order they were fed, so the first is due first: the
 * timer follows it, and is set again only when it changes.
 */
static void arm_timer(struct garlic_exit_joiner *j)
{
	uint64_t due = j->exitq.n ? j->exits[j->exitq.head].due_ns : 0;

	/* 0 would disarm: an exit due at the clock's origin is due now. */
	if (j->exitq.n && !due)
		due = 1;
	garlic_timerfd_arm(j->timerfd, &j->armed_ns, due);
}

static int deliver(struct garlic_exit_joiner *j, const struct garlic_event *ev,
		   const struct garlic_taskstats *stats)
{
	return j->fn(ev, stats, j->userdata);
}

GARLIC_EXPORT int garlic_exit_joiner_new(struct garlic_exit_joiner **out,
					 unsigned int wait_ms, garlic_exit_fn fn,
					 void *userdata)
{
	struct garlic_exit_joiner *j;

	if (!out || !fn)
		return -EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (j->timerfd < 0) {
		int r = -errno;

		free(j);
		return r;
	}
	waitq_init(&j->exitq);
	waitq_init(&j->statq);
	j->wait_ns = (uint64_t)wait_ms * 1000000;
	j->fn = fn;
	j->userdata = userdata;
	*out = j;
	return 0;
}

GARLIC_EXPORT void garlic_exit_joiner_free(struct garlic_exit_joiner *j)
{
	if (!j)
		return;
	close(j->timerfd);
	free(j);
}

GARLIC_EXPORT int garlic_exit_joiner_fd(const struct garlic_exit_joiner *j)
{
	return j ? j->timerfd : -EINVAL;
}

/*
 * An exit pairs with its task's record. The process record the kernel
 * adds for a multi-threaded process has no pid, name or exit code and is
 * not paired. Records from version 12 on name the thread group too, which
 * keeps a reused pid from pairing with a stale record.
 */
static bool matches(const struct garlic_event *ev, const struct garlic_taskstats *s)
{
	return s->scope == GARLIC_TASKSTATS_TASK &&
	       s->id == (uint32_t)ev->exit.process_pid &&
	       (s->tgid == 0 || s->tgid == (uint32_t)ev->exit.process_tgid);
}

/*
 * The oldest waiting record this exit pairs with, or NONE. A chain is
 * newest first, so the last match in it is the oldest. A record expired
 * but not flushed yet is too old to be this exit's.
 */
static unsigned int find_stats(const struct garlic_exit_joiner *j,
			       const struct garlic_event *ev, uint64_t now)
{
	const struct waitq *q = &j->statq;
	uint32_t pid = (uint32_t)ev->exit.process_pid;
	unsigned int found = NONE;

	for (unsigned int i = q->bucket[bucket_of(pid)]; i != NONE; i = q->chain[i])
		if (q->pid[i] == pid && j->stats[i].expires_ns >= now &&
		    matches(ev, &j->stats[i].stats))
			found = i;
	return found;
}

/* The oldest waiting exit this record pairs with, or NONE. */
static unsigned int find_exit(const struct garlic_exit_joiner *j,
			      const struct garlic_taskstats *stats)
{
	const struct waitq *q = &j->exitq;
	unsigned int found = NONE;

	for (unsigned int i = q->bucket[bucket_of(stats->id)]; i != NONE; i = q->chain[i])
		if (q->pid[i] == stats->id && matches(&j->exits[i].ev, stats))
			found = i;
	return found;
}

GARLIC_EXPORT int garlic_exit_joiner_add_event(struct garlic_exit_joiner *j,
					       const struct garlic_event *ev)
{
	int delivered = 0, r;
	unsigned int i;
	uint64_t now;

	if (!j || !ev)
		return -EINVAL;
	if (ev->type != GARLIC_EVENT_EXIT)
		return 0;
	now = now_ns();
	i = find_stats(j, ev, now);
	if (i != NONE) {
		struct garlic_taskstats s = j->stats[i].stats;

		waitq_remove(&j->statq, i);
		r = deliver(j, ev, &s);
		return r < 0 ? r : 1;
	}
	/* Full: the oldest exit goes out now rather than any being dropped. */
	if (j->exitq.n == WAITING_MAX) {
		struct garlic_event oldest = j->exits[j->exitq.head].ev;

		waitq_remove(&j->exitq, j->exitq.head);
		r = deliver(j, &oldest, NULL);
		if (r < 0) {
			arm_timer(j);
			return r;
		}
		delivered++;
	}
	i = waitq_push(&j->exitq, (uint32_t)ev->exit.process_pid);
	j->exits[i].ev = *ev;
	j->exits[i].due_ns = now + j->wait_ns;
	arm_timer(j);
	return delivered;
}

GARLIC_EXPORT int garlic_exit_joiner_add_stats(struct garlic_exit_joiner *j,
					       const struct garlic_taskstats *stats)
{
	unsigned int i;

	if (!j || !stats)
		return -EINVAL;
	i = find_exit(j, stats);
	if (i != NONE) {
		struct garlic_event ev = j->exits[i].ev;
		int r;

		waitq_remove(&j->exitq, i);
		arm_timer(j);
		r = deliver(j, &ev, stats);
		return r < 0 ? r : 1;
	}
	if (stats->scope != GARLIC_TASKSTATS_TASK)
		return 0;
	/* Statistics without their exit yet; the oldest make room. */
	if (j->statq.n == WAITING_MAX)
		waitq_remove(&j->statq, j->statq.head);
	i = waitq_push(&j->statq, stats->id);
	j->stats[i].stats = *stats;
	j->stats[i].expires_ns = now_ns() + j->wait_ns;
	return 0;
}

GARLIC_EXPORT int garlic_exit_joiner_flush(struct garlic_exit_joiner *j, int all)
{
	uint64_t now = now_ns();
	int delivered = 0, r = 0;

	if (!j)
		return -EINVAL;
	while (j->exitq.n > 0 && (all || j->exits[j->exitq.head].due_ns <= now)) {
		struct garlic_event ev = j->exits[j->exitq.head].ev;

		waitq_remove(&j->exitq, j->exitq.head);
		delivered++;
		r = deliver(j, &ev, NULL);
		if (r != 0)
			break;
	}
	while (j->statq.n > 0 && (all || j->stats[j->statq.head].expires_ns <= now))
		waitq_remove(&j->statq, j->statq.head);
	arm_timer(j);
	return r < 0 ? r : delivered;
}
