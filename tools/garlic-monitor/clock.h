/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_CLOCK_H
#define GARLIC_MONITOR_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Now, in ns of clock id; events' timestamps are CLOCK_MONOTONIC. */
static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/*
 * A poll() timeout that also wakes at due_ns: timeout (ms, -1 for none)
 * or the time left until due_ns if that is shorter. Rounded up: waking a
 * little early would only spin.
 */
static inline int timeout_until(int timeout, uint64_t now_ns, uint64_t due_ns)
{
	int ms = now_ns >= due_ns ? 0 : (int)((due_ns - now_ns + 999999) / 1000000);

	return timeout < 0 || ms < timeout ? ms : timeout;
}

#endif
