// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: one datagram through the real dispatch path (walk,
 * parse, sender check, sequence accounting, callback), exactly as
 * garlic_receive() hands it over after recvmmsg(2).
 *
 * Input: byte 0 selects the handle's filter mode and whether the callback
 * stops early, byte 1 the sender's port (0: the kernel), the rest is the
 * datagram.
 */
#include <stdlib.h>
#include <string.h>

#include "garlic-test.h"

static int on_event(const struct garlic_event *ev, void *userdata)
{
	unsigned int *calls = userdata;

	/* Touch every byte so ASan sees any read of uninitialised memory. */
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < sizeof(*ev); i++)
		sum += ((const uint8_t *)ev)[i];
	if (ev->type == GARLIC_EVENT_COMM && strlen(ev->comm.command) >= 16)
		abort();
	(*calls)++;
	return 0;
}

static int stop_at_second(const struct garlic_event *ev, void *userdata)
{
	unsigned int *calls = userdata;

	return ++*calls >= 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct garlic *g;
	unsigned int calls = 0, delivered = 0;
	uint64_t seen_before;
	bool stopped;
	int err = 0;
	int n;

	if (size < 2)
		return 0;
	if (!g) {
		g = garlic_test_new(GARLIC_FILTER_NONE, 0, on_event, &calls);
		if (!g)
			abort();
	}
	garlic_test_set_filter_mode(g, data[0] & 1 ? GARLIC_FILTER_BPF : GARLIC_FILTER_NONE);
	garlic_test_set_event_fn(g, data[0] & 2 ? stop_at_second : on_event, &calls);
	size -= 2;
	seen_before = garlic_test_counters(g)->events;
	n = garlic_test_feed(g, data + 2, size > GARLIC_SLOT_SIZE ? GARLIC_SLOT_SIZE : size,
			     data[1] == 0 ? 0 : data[1] + 1000, size > GARLIC_SLOT_SIZE,
			     &stopped, &err);
	for (;;) {
		if (n < 0)
			abort();
		delivered += n;
		if (!stopped || garlic_test_pending(g) == 0)
			break;
		n = garlic_test_dispatch_pending(g, &stopped, &err);
	}
	/* Every event counted was delivered, and nothing else. */
	if (garlic_test_counters(g)->events - seen_before != delivered || delivered != calls)
		abort();
	return 0;
}
