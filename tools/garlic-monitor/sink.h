/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_SINK_H
#define GARLIC_MONITOR_SINK_H

#include <garlic/garlic.h>

#include "options.h"
#include "output.h"
#include "row.h"

/*
 * Where events go: the loop picks one sink at start (sink_pick) and hands
 * it every shown event and every loss. Each sink is a file: human.c,
 * json.c, ecs.c, journal.c.
 */
struct sink {
	void (*event)(struct sink *sk, const struct row *r);
	/* Never silent, even with --quiet: losing events is news. */
	void (*lost)(struct sink *sk, const struct garlic_loss *loss);
	/* At the end: 0, or -1 when the sink failed (said on stderr). */
	int (*finish)(struct sink *sk);
	const struct options *opt;
	struct out *out;
	unsigned long failed;	/* events the sink could not write */
};

/* The sink for opt, writing to out (the journal's ignores it). */
void sink_pick(struct sink *sk, const struct options *opt, struct out *out);

void human_sink(struct sink *sk);
void json_sink(struct sink *sk);
void journal_sink(struct sink *sk);
void ecs_sink(struct sink *sk);

/* The human line of r, with a newline; the journal's MESSAGE is it without. */
void human_line(struct out *o, const struct options *opt, const struct row *r, bool color);

/* json.c: a quoted RFC 3339 UTC time, to the ns, of real (ns since the epoch). */
void out_rfc3339_real(struct out *o, uint64_t real);

/* journal.c: --journal, when built with libsystemd. */
bool journal_available(void);

#endif
