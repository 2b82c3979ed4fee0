/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by tests/test-capture.c and tests/test-capture-ring.c. */
#ifndef GARLIC_TESTS_CAPTURE_COMMON_H
#define GARLIC_TESTS_CAPTURE_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <glib.h>

#include "garlic-test.h"

#define TIMEOUT_MS 5000

struct seen {
	pid_t pid;		/* the exec to keep */
	int execs;		/* of pid, seen so far */
	struct garlic_process *copy[2]; /* their snapshots, copied */
	uint64_t dispatched_ns[2];
	bool zombie_at_dispatch; /* the first exec's process, when it was handed out */
};

/* The state letter of /proc/PID/stat ('?' when it cannot be read). */
char proc_state(pid_t pid);
/* A snapshot copied out of the callback (it is valid there only). */
struct garlic_process *copy_snapshot(const struct garlic_process *p);
void free_snapshot(struct garlic_process *c);
/* The callback: copies the first two execs of s->pid (userdata, a struct seen). */
int on_event(const struct garlic_event *ev, void *userdata);
/* Polls and receives, as an event loop does, until n execs of s->pid are in. */
void loop_until(struct garlic *g, struct seen *s, int n);
/* A non-blocking handle capturing every field, with this budget. */
struct garlic *open_capturing(struct seen *s, unsigned int budget_us);
/* Puts the handle under load: its next read waits for the budget. */
void make_busy(struct garlic *g);
/*
 * Forks and execs path with argv (no argument at all: the kernel gives
 * one empty one), its stdin the read end of a pipe whose write end is
 * *go: the process goes on when the test writes there. Its pid.
 */
pid_t spawn_on_pipe(const char *path, char *const argv[], int *go);

#endif
