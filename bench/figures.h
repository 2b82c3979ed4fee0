/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the benchmarks share to report: medians, and --listeners lists. */
#ifndef GARLIC_BENCH_FIGURES_H
#define GARLIC_BENCH_FIGURES_H

#include <stdbool.h>

/* The most repetitions a median is taken over. */
#define FIGURES_MAX_REPS 64

/* The median of v[0..n) (n <= FIGURES_MAX_REPS), or none when n is 0. */
double figures_median(const double *v, int n, double none);

/* Whether name is an element of the comma-separated list. */
bool figures_listed(const char *list, const char *name);

#endif
