/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_STATS_H
#define GARLIC_MONITOR_STATS_H

#include <garlic/garlic.h>

#include "row.h"

/*
 * stats.c: --stats, what was shown, counted as it goes out: per kind, the
 * programs run (exec) by name and the processes that failed (non-zero
 * exit, killed by a signal, dumped core) by name.
 */
void stats_count(const struct row *r);
/* The summary on standard error: shown is the events shown, in seconds. */
void stats_print(struct garlic *g, unsigned long shown, double seconds);

#endif
