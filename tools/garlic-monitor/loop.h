/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_LOOP_H
#define GARLIC_MONITOR_LOOP_H

#include "options.h"

/* loop.c: listens, keeps the process table, hands each event to the sink. */
int monitor_run(const struct options *opt);

#endif
