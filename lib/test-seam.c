// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The test seam (garlic-test.h): the only code outside the library's own
 * files that touches a handle's fields. Built into libgarlic-private only.
 */
#include <stdlib.h>
#include <string.h>

#include "garlic-handle.h"
#include "garlic-test.h"

struct garlic *garlic_test_new(enum garlic_filter_mode mode, unsigned int ncpus,
			       garlic_event_fn fn, void *userdata)
{
	struct garlic *g = garlic_new();

	if (!g)
		return NULL;
	if (ncpus && garlic_loss_init(g, ncpus) < 0) {
		garlic_free(g);
		return NULL;
	}
	g->sub.filter_mode = mode;
	g->event_fn = fn;
	g->event_data = userdata;
	return g;
}

void garlic_test_free(struct garlic *g)
{
	garlic_free(g);
}

void garlic_test_set_event_fn(struct garlic *g, garlic_event_fn fn, void *userdata)
{
	g->event_fn = fn;
	g->event_data = userdata;
}

void garlic_test_set_filter_mode(struct garlic *g, enum garlic_filter_mode mode)
{
	g->sub.filter_mode = mode;
}

int garlic_test_feed(struct garlic *g, const void *buf, size_t len, uint32_t sender,
		     bool truncated, bool *stopped, int *err)
{

	if (len > GARLIC_SLOT_SIZE)
		len = GARLIC_SLOT_SIZE;
	memcpy(g->batch.iov[0].iov_base, buf, len);
	g->batch.msgs[0].msg_len = len;
	g->batch.msgs[0].msg_hdr.msg_flags = truncated ? MSG_TRUNC : 0;
	g->batch.addrs[0].nl_pid = sender;
	g->batch.len = 1;
	g->batch.next = 0;
	g->batch.offset = 0;
	return garlic_dispatch_batch(g, stopped, err);
}

int garlic_test_dispatch_pending(struct garlic *g, bool *stopped, int *err)
{
	return garlic_dispatch_batch(g, stopped, err);
}

unsigned int garlic_test_pending(const struct garlic *g)
{
	return g->batch.len - g->batch.next;
}

enum garlic_step garlic_test_dispatch_msg(struct garlic *g, const void *buf, size_t len,
					  uint32_t sender, size_t *used, int *err)
{
	return garlic_dispatch_msg(g, buf, len, sender, used, err);
}

const struct garlic_counters *garlic_test_counters(const struct garlic *g)
{
	return &g->counters;
}

unsigned int garlic_test_ncpus(const struct garlic *g)
{
	return g->loss.ncpus;
}

bool garlic_test_seq_seen(const struct garlic *g, unsigned int cpu)
{
	return cpu < g->loss.ncpus && g->loss.seq_seen[cpu];
}

uint64_t garlic_test_batch_due_ns(const struct garlic *g)
{
	return g->budget.batch_due_ns;
}

int garlic_test_socket_fd(const struct garlic *g)
{
	return g->fd;
}

bool garlic_test_drops_readable(const struct garlic *g)
{
	return g->loss.drops_readable;
}

void garlic_test_drops_rewind(struct garlic *g, uint32_t n)
{
	g->loss.drops_last -= n;
}
