/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_NAMES_H
#define GARLIC_MONITOR_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* names.c: cached user and group names ("" unknown, or with --numeric). */
extern bool names_numeric;
const char *user_name(uint32_t uid);
const char *group_name(uint32_t gid);

#endif
