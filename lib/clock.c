// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library's clocks: the monotonic one every deadline uses, and realtime conversion. */
#include <time.h>

#include "garlic-private.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t garlic_monotonic_ns(void)
{
	/* CLOCK_MONOTONIC cannot fail with a valid timespec. */
	return (uint64_t)clock_ns(CLOCK_MONOTONIC);
}

/*
 * The kernel stamps events with ktime_get_ns(), i.e. CLOCK_MONOTONIC, not
 * the boot-time clock its header comment mentions; the offset between
 * the two clocks now is the best conversion there is.
 */
GARLIC_EXPORT uint64_t garlic_realtime_ns(uint64_t timestamp_ns)
{
	int64_t realtime = clock_ns(CLOCK_REALTIME);
	int64_t monotonic = clock_ns(CLOCK_MONOTONIC);
	int64_t result;

	if (realtime < 0 || monotonic < 0)
		return 0;
	result = realtime - monotonic + (int64_t)timestamp_ns;
	return result < 0 ? 0 : (uint64_t)result;
}
