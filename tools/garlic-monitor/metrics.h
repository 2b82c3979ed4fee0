/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_METRICS_H
#define GARLIC_MONITOR_METRICS_H

#include <stdint.h>

#include <garlic/garlic.h>

#include "options.h"
#include "row.h"

/*
 * metrics.c: --metrics-file, Prometheus text for node_exporter's textfile
 * collector. Every call is a no-op without --metrics-file.
 */

/* Writes the file once (all counts 0); -1 when it cannot be (said on stderr). */
int metrics_start(const struct options *opt, uint64_t now_ns);
/* Counts a reported event, and a loss report. */
void metrics_event(const struct row *r);
void metrics_loss(const struct garlic_loss *loss);
/* poll()'s timeout (ms, -1: none) shortened to the next rewrite. */
int metrics_timeout(int timeout, uint64_t now_ns);
/* Rewrites the file when its interval has passed; g gives the library's counters. */
void metrics_tick(const struct garlic *g, uint64_t now_ns);
/* The last rewrite, at the end: 0, or -1 when it failed (said on stderr). */
int metrics_finish(const struct garlic *g);

#endif
