// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "storm.h"

static const char *const mode_names[] = {
	[STORM_FORK] = "fork",
	[STORM_EXEC] = "exec",
	[STORM_THREAD] = "thread",
};

int storm_parse_mode(const char *name, enum storm_mode *mode)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(name, mode_names[i]) == 0) {
			*mode = (enum storm_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *storm_mode_name(enum storm_mode mode)
{
	return mode_names[mode];
}

unsigned int storm_events_per_op(enum storm_mode mode)
{
	return mode == STORM_EXEC ? 3 : 2;
}

int storm_option(int c, const char *arg, struct storm_opts *opts)
{
	unsigned long *target;
	unsigned long v;
	char *end;

	switch (c) {
	case 'm':
		return storm_parse_mode(arg, &opts->mode) < 0 ? -EINVAL : 1;
	case 'n':
		target = &opts->ops;
		break;
	case 'r':
		target = &opts->rate;
		break;
	case 'p':
	case 'k':
		target = NULL;
		break;
	default:
		return 0;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || end == arg || v > 1000000000ul)
		return -EINVAL;
	if (target)
		*target = v;
	else if (c == 'p')
		opts->procs = (unsigned int)v;
	else
		opts->inflight = (unsigned int)v;
	return 1;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int storm_init(struct storm *s, const struct storm_opts *opts)
{
	size_t bytes;

	memset(s, 0, sizeof(*s));
	s->opts = *opts;
	if (!s->opts.procs)
		s->opts.procs = 1;
	if (!s->opts.inflight)
		s->opts.inflight = 1;
	s->capacity = s->opts.ops + s->opts.procs;
	bytes = sizeof(size_t) + s->capacity * sizeof(pid_t);
	/* Shared, so the workers' children and threads are recorded here. */
	s->count = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->count == MAP_FAILED)
		return -errno;
	s->ids = (pid_t *)(s->count + 1);
	return 0;
}

void storm_free(struct storm *s)
{
	if (s->count)
		munmap(s->count, sizeof(size_t) + s->capacity * sizeof(pid_t));
	s->count = NULL;
}

static void record(struct storm *s, pid_t id)
{
	size_t i = __atomic_fetch_add(s->count, 1, __ATOMIC_RELAXED);

	if (i < s->capacity)
		s->ids[i] = id;
}

static void *thread_main(void *arg)
{
	record(arg, (pid_t)syscall(SYS_gettid));
	return NULL;
}

/* Sleeps until operation `done` is due at `rate` per second since start. */
static void pace(double start, unsigned long done, double rate)
{
	double due = start + done / rate, now = now_seconds();

	if (due > now) {
		struct timespec ts = { .tv_sec = (time_t)(due - now) };

		ts.tv_nsec = (long)((due - now - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

static void worker(struct storm *s, unsigned long ops)
{
	unsigned int inflight = 0, k = s->opts.inflight;
	double rate = s->opts.rate ? (double)s->opts.rate / s->opts.procs : 0;
	double start = now_seconds();
	pthread_t *threads = calloc(k, sizeof(*threads));

	for (unsigned long i = 0; i < ops; i++) {
		if (rate > 0)
			pace(start, i, rate);
		if (s->opts.mode == STORM_THREAD) {
			if (inflight == k) {
				for (unsigned int t = 0; t < k; t++)
					pthread_join(threads[t], NULL);
				inflight = 0;
			}
			if (pthread_create(&threads[inflight], NULL, thread_main, s) == 0)
				inflight++;
			continue;
		}
		if (inflight == k) {
			while (wait(NULL) < 0 && errno == EINTR)
				;
			inflight--;
		}
		pid_t pid = fork();

		if (pid == 0) {
			if (s->opts.mode == STORM_EXEC)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		if (pid > 0) {
			record(s, pid);
			inflight++;
		}
	}
	if (s->opts.mode == STORM_THREAD) {
		for (unsigned int t = 0; t < inflight; t++)
			pthread_join(threads[t], NULL);
	} else {
		while (inflight > 0 && wait(NULL) > 0)
			inflight--;
	}
	free(threads);
}

int storm_run(struct storm *s)
{
	unsigned int p = s->opts.procs;
	double start = now_seconds();

	*s->count = 0;
	for (unsigned int i = 0; i < p; i++) {
		unsigned long ops = s->opts.ops / p + (i < s->opts.ops % p);
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			worker(s, ops);
			_exit(0);
		}
		record(s, pid);
	}
	for (unsigned int i = 0; i < p; i++)
		while (wait(NULL) < 0 && errno == EINTR)
			;
	s->seconds = now_seconds() - start;
	/* Each worker forks and exits once itself. */
	s->expected = s->opts.ops * storm_events_per_op(s->opts.mode) + 2ul * p;
	if (*s->count > s->capacity)
		*s->count = s->capacity;
	return 0;
}

int idset_init(struct idset *set, const pid_t *ids, size_t n)
{
	size_t size = 1;

	while (size < 2 * n + 2)
		size <<= 1;
	set->slots = calloc(size, sizeof(pid_t));
	if (!set->slots)
		return -ENOMEM;
	set->mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		size_t h = ((uint32_t)ids[i] * 2654435761u) & set->mask;

		while (set->slots[h] && set->slots[h] != ids[i])
			h = (h + 1) & set->mask;
		set->slots[h] = ids[i];
	}
	return 0;
}

bool idset_has(const struct idset *set, pid_t id)
{
	size_t h = ((uint32_t)id * 2654435761u) & set->mask;

	if (id <= 0)
		return false;
	while (set->slots[h]) {
		if (set->slots[h] == id)
			return true;
		h = (h + 1) & set->mask;
	}
	return false;
}

void idset_free(struct idset *set)
{
	free(set->slots);
	set->slots = NULL;
}
