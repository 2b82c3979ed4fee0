/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_SHA256_H
#define GARLIC_MONITOR_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* sha256.c: FIPS 180-4 SHA-256 of one buffer (ecs.c's entity ids). */
void sha256(const void *data, size_t len, uint8_t digest[32]);

#endif
