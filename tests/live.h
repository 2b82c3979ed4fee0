/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for tests that watch the test's own children through the kernel. */
#ifndef GARLIC_TEST_LIVE_H
#define GARLIC_TEST_LIVE_H

#include <stdbool.h>
#include <sys/types.h>
#include <glib.h>

#include <garlic/garlic.h>

/* Events a callback collected, in arrival order. */
struct collector {
	GArray *events; /* struct garlic_event */
	unsigned int stop_after; /* callback returns non-zero after this many; 0 never */
	unsigned int calls;
};

void collector_init(struct collector *c);
void collector_clear(struct collector *c);
int collector_fn(const struct garlic_event *ev, void *userdata);

/*
 * Skips the whole program (TAP "1..0 # SKIP", exit 77) when this machine
 * cannot listen to the proc connector, for a reason found in the
 * environment (tests/env.h); a garlic_open() that fails later is a
 * failure, never a skip.
 */
void live_require_connector(void);

/* The handle's filter mode, or fails the test. */
enum garlic_filter_mode filter_mode(const struct garlic *g);

/*
 * Skips the whole program with reason; under GARLIC_REQUIRE_LIVE=1 bails
 * out and exits 1 instead.
 */
void live_skip_all(const char *reason);

/*
 * Skips the running test case with reason (the case must return next);
 * under GARLIC_REQUIRE_LIVE=1 fails it instead.
 */
void live_skip(const char *reason);

/* Opens a listener collecting into c, or fails the test. */
struct garlic *live_open(uint32_t events, struct collector *c);

/* The first event in c matching type and pid (process_pid / child_pid), or NULL. */
const struct garlic_event *find_event(const struct collector *c, uint32_t type,
				      pid_t pid);

/*
 * Receives into g's collector until an event of type for pid arrives, or
 * timeout_ms passes. Returns it or NULL.
 */
const struct garlic_event *wait_event(struct garlic *g, struct collector *c,
				      uint32_t type, pid_t pid, int timeout_ms);

/*
 * Forks a child that runs fn(arg) and _exit()s with its return value;
 * waits for it and returns its pid; *status gets the wait status.
 */
pid_t run_child(int (*fn)(void *), void *arg, int *status);

/* A child that exits with code; returns its pid after reaping it. */
pid_t run_exit(int code);

#endif
