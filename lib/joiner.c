// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pairs exit events with their tasks' exit statistics. The kernel makes
 * the statistics first, but the two come on different sockets and are
 * read in either order (measured: the statistics are read first for 97%
 * or more of paced exits, ~75% in a fork storm, the other up to ~30 ms
 * later), so
 * each side waits a while for the other in a small table. An exit is
 * always delivered, with NULL when its statistics did not come in time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include "garlic-private.h"

#define WAITING_MAX 1024

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
	struct waiting_exit exits[WAITING_MAX];
	unsigned int nexits;
	struct waiting_stats stats[WAITING_MAX];
	unsigned int nstats;
};

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
	uint64_t due = j->nexits ? j->exits[0].due_ns : 0;
	struct itimerspec its = {
		.it_value = {
			.tv_sec = (time_t)(due / 1000000000u),
			.tv_nsec = (long)(due % 1000000000u),
		},
	};

	/* 0 would disarm: an exit due at the clock's origin is due now. */
	if (j->nexits && !due)
		its.it_value.tv_nsec = 1;
	if (due == j->armed_ns)
		return;
	if (timerfd_settime(j->timerfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		j->armed_ns = due;
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

static void drop_exit(struct garlic_exit_joiner *j, unsigned int i)
{
	memmove(&j->exits[i], &j->exits[i + 1], (j->nexits - i - 1) * sizeof(j->exits[0]));
	j->nexits--;
}

static void drop_stats(struct garlic_exit_joiner *j, unsigned int i)
{
	memmove(&j->stats[i], &j->stats[i + 1], (j->nstats - i - 1) * sizeof(j->stats[0]));
	j->nstats--;
}

GARLIC_EXPORT int garlic_exit_joiner_add_event(struct garlic_exit_joiner *j,
					       const struct garlic_event *ev)
{
	int delivered = 0, r;
	uint64_t now;

	if (!j || !ev)
		return -EINVAL;
	if (ev->type != GARLIC_EVENT_EXIT)
		return 0;
	now = now_ns();
	for (unsigned int i = 0; i < j->nstats; i++) {
		/* Expired but not flushed yet: too old to be this exit's. */
		if (j->stats[i].expires_ns < now)
			continue;
		if (matches(ev, &j->stats[i].stats)) {
			struct garlic_taskstats s = j->stats[i].stats;

			drop_stats(j, i);
			r = deliver(j, ev, &s);
			return r < 0 ? r : 1;
		}
	}
	/* Full: the oldest exit goes out now rather than any being dropped. */
	if (j->nexits == WAITING_MAX) {
		struct garlic_event oldest = j->exits[0].ev;

		drop_exit(j, 0);
		r = deliver(j, &oldest, NULL);
		if (r < 0) {
			arm_timer(j);
			return r;
		}
		delivered++;
	}
	j->exits[j->nexits].ev = *ev;
	j->exits[j->nexits].due_ns = now + j->wait_ns;
	j->nexits++;
	arm_timer(j);
	return delivered;
}

GARLIC_EXPORT int garlic_exit_joiner_add_stats(struct garlic_exit_joiner *j,
					       const struct garlic_taskstats *stats)
{
	if (!j || !stats)
		return -EINVAL;
	for (unsigned int i = 0; i < j->nexits; i++) {
		if (matches(&j->exits[i].ev, stats)) {
			struct garlic_event ev = j->exits[i].ev;
			int r;

			drop_exit(j, i);
			arm_timer(j);
			r = deliver(j, &ev, stats);
			return r < 0 ? r : 1;
		}
	}
	if (stats->scope != GARLIC_TASKSTATS_TASK)
		return 0;
	/* Statistics without their exit yet; the oldest make room. */
	if (j->nstats == WAITING_MAX)
		drop_stats(j, 0);
	j->stats[j->nstats].stats = *stats;
	j->stats[j->nstats].expires_ns = now_ns() + j->wait_ns;
	j->nstats++;
	return 0;
}

GARLIC_EXPORT int garlic_exit_joiner_flush(struct garlic_exit_joiner *j, int all)
{
	uint64_t now = now_ns();
	int delivered = 0, r = 0;

	if (!j)
		return -EINVAL;
	while (j->nexits > 0 && (all || j->exits[0].due_ns <= now)) {
		struct garlic_event ev = j->exits[0].ev;

		drop_exit(j, 0);
		delivered++;
		r = deliver(j, &ev, NULL);
		if (r != 0)
			break;
	}
	while (j->nstats > 0 && (all || j->stats[0].expires_ns <= now))
		drop_stats(j, 0);
	arm_timer(j);
	return r < 0 ? r : delivered;
}
