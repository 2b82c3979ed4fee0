// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: one TASKSTATS generic netlink message through
 * garlic_taskstats_parse(), as garlic_taskstats_receive() and the query
 * functions hand it over. The kernel is the only sender the socket hears,
 * but the parser must hold against any lengths, nesting and versions.
 *
 * Input: byte 0 is how many records the caller has room for (0-3), the
 * rest is the message.
 */
#include <stdlib.h>
#include <string.h>

#include "garlic-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct garlic_taskstats out[3];
	unsigned int max;
	uint8_t *copy;
	int n;

	if (size < 1)
		return 0;
	max = data[0] % 4;
	/* An exact-size heap copy: ASan sees any read past the message. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		abort();
	memcpy(copy, data + 1, size - 1);
	memset(out, 0xa5, sizeof(out));
	n = garlic_taskstats_parse(copy, size - 1, out, max);
	if (n > (int)max)
		abort();
	for (int i = 0; i < n; i++) {
		/* comm is always a string; scope one of the two. */
		if (memchr(out[i].comm, '\0', sizeof(out[i].comm)) == NULL)
			abort();
		if (out[i].scope != GARLIC_TASKSTATS_TASK && out[i].scope != GARLIC_TASKSTATS_PROCESS)
			abort();
	}
	free(copy);
	return 0;
}
