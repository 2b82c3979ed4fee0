// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which sink the options ask for: picked once, before the first event. */
#include "sink.h"

/* --quiet: events are counted, not written; losses still are. */
static void no_event(struct sink *sk, const struct row *r)
{
}

void sink_pick(struct sink *sk, const struct options *opt, struct out *out)
{
	*sk = (struct sink){ .opt = opt, .out = out };
	if (opt->journal)
		journal_sink(sk);
	else if (opt->format == FORMAT_JSON)
		json_sink(sk);
	else if (opt->format == FORMAT_ECS)
		ecs_sink(sk);
	else
		human_sink(sk);
	/* The journal writes even with --quiet, as it always did. */
	if (opt->quiet && !opt->journal)
		sk->event = no_event;
}
