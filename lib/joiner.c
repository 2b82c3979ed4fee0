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
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
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
	j->wait_ns = (uint64_t)wait_ms * 1000000;
	j->fn = fn;
	j->userdata = userdata;
	*out = j;
	return 0;
}

GARLIC_EXPORT void garlic_exit_joiner_free(struct garlic_exit_joiner *j)
{
	free(j);
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
	int delivered = 0;
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
			j->fn(ev, &s, j->userdata);
			return 1;
		}
	}
	/* Full: the oldest exit goes out now rather than any being dropped. */
	if (j->nexits == WAITING_MAX) {
		struct garlic_event oldest = j->exits[0].ev;

		drop_exit(j, 0);
		j->fn(&oldest, NULL, j->userdata);
		delivered++;
	}
	j->exits[j->nexits].ev = *ev;
	j->exits[j->nexits].due_ns = now + j->wait_ns;
	j->nexits++;
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

			drop_exit(j, i);
			j->fn(&ev, stats, j->userdata);
			return 1;
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
	int delivered = 0;

	if (!j)
		return -EINVAL;
	while (j->nexits > 0 && (all || j->exits[0].due_ns <= now)) {
		struct garlic_event ev = j->exits[0].ev;

		drop_exit(j, 0);
		j->fn(&ev, NULL, j->userdata);
		delivered++;
	}
	while (j->nstats > 0 && (all || j->stats[0].expires_ns <= now))
		drop_stats(j, 0);
	return delivered;
}

GARLIC_EXPORT int garlic_exit_joiner_timeout(struct garlic_exit_joiner *j)
{
	uint64_t now = now_ns();

	if (!j || j->nexits == 0)
		return -1;
	if (j->exits[0].due_ns <= now)
		return 0;
	/* Clamped: a wait_ms beyond INT_MAX must not turn into poll()'s "forever". */
	uint64_t ms = (j->exits[0].due_ns - now + 999999) / 1000000;

	return ms > INT_MAX ? INT_MAX : (int)ms;
}
