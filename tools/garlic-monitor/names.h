/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_NAMES_H
#define GARLIC_MONITOR_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* Longest name shown, with its NUL; a longer one shows as the number. */
#define NAMES_MAX 64

/*
 * names.c: user and group names from a bounded cache that a helper
 * thread fills ("" when unknown, not known yet, or with --numeric). The
 * string stays valid for the next 7 calls of either function.
 */
extern bool names_numeric;
const char *user_name(uint32_t uid);
const char *group_name(uint32_t gid);
/* How many NSS lookups were made (for the tests). */
unsigned long names_lookups(void);

#endif
