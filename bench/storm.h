/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process-event storm: N operations across P worker processes, at most
 * K children or threads in flight per worker, optionally paced. Every
 * pid/tid it creates is recorded, so a listener can count exactly the
 * storm's own events.
 */
#ifndef GARLIC_BENCH_STORM_H
#define GARLIC_BENCH_STORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum storm_mode {
	STORM_FORK,   /* fork + _exit: fork, exit */
	STORM_EXEC,   /* fork + exec /bin/true + exit: fork, exec, exit */
	STORM_THREAD, /* pthread_create + join: fork (thread), exit */
};

struct storm_opts {
	enum storm_mode mode;
	unsigned long ops;
	unsigned int procs;    /* worker processes */
	unsigned int inflight; /* per worker */
	unsigned long rate;    /* operations per second in all; 0: flat out */
};

struct storm {
	struct storm_opts opts;
	pid_t *ids;	     /* shared with the workers: pids and tids made */
	size_t capacity;
	size_t *count;	     /* shared: ids recorded */
	double seconds;	     /* wall time of the storm */
	unsigned long expected; /* events the storm makes (every kind) */
};

int storm_parse_mode(const char *name, enum storm_mode *mode);
const char *storm_mode_name(enum storm_mode mode);
/* Events one operation makes. */
unsigned int storm_events_per_op(enum storm_mode mode);

/*
 * Applies option c ('m' mode, 'n' ops, 'p' procs, 'k' inflight, 'r' rate)
 * with its argument to opts. Returns 1 if c was one of them, 0 if not,
 * -EINVAL for a bad value (an unknown mode, not a number).
 */
int storm_option(int c, const char *arg, struct storm_opts *opts);

int storm_init(struct storm *s, const struct storm_opts *opts);
/* Runs the storm to completion; fills seconds, the ids and expected. */
int storm_run(struct storm *s);
void storm_free(struct storm *s);

/* A set of the storm's ids for fast membership tests. */
struct idset {
	pid_t *slots;
	size_t mask;
};
int idset_init(struct idset *set, const pid_t *ids, size_t n);
bool idset_has(const struct idset *set, pid_t id);
void idset_free(struct idset *set);

/* Monotonic clock in seconds. */
double now_seconds(void);

#endif
