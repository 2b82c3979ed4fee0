// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The parser and the dispatch path on hand-built messages: every kind
 * with its exact fields, and malformed or forged shapes refused and
 * counted, never delivered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include <glib.h>

#include "garlic-test.h"
#include "messages.h"

static enum garlic_msg_kind parse(const struct msg_spec *spec, size_t len,
				  struct garlic_event *ev, struct garlic_ack *ack)
{
	uint8_t buf[MSG_SIZE];
	size_t used;

	msg_build(buf, sizeof(buf), spec);
	memset(ev, 0xa5, sizeof(*ev));
	return garlic_parse_msg(buf, len, ev, ack, &used);
}

static void parse_ok(const struct msg_spec *spec, struct garlic_event *ev)
{
	struct garlic_ack ack;

	g_assert_cmpint(parse(spec, MSG_SIZE, ev, &ack), ==, GARLIC_MSG_EVENT);
	g_assert_cmpuint(ev->type, ==, spec->what);
	g_assert_cmpuint(ev->cpu, ==, spec->cpu);
	g_assert_cmpuint(ev->timestamp_ns, ==, spec->timestamp_ns);
	g_assert_cmpuint(ev->seq, ==, spec->seq);
}

static void test_fork(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_FORK, .cpu = 1,
			      .timestamp_ns = 123456789012345ull, .seq = 77,
			      .data = { 100, 101, 200, 200 } };
	struct garlic_event ev;

	parse_ok(&s, &ev);
	g_assert_cmpint(ev.fork.parent_pid, ==, 100);
	g_assert_cmpint(ev.fork.parent_tgid, ==, 101);
	g_assert_cmpint(ev.fork.child_pid, ==, 200);
	g_assert_cmpint(ev.fork.child_tgid, ==, 200);
	/* The bytes past the kind's fields are the kernel's zeroes, not garbage. */
	g_assert_cmpint(((const uint32_t *)&ev.fork)[4], ==, 0);
}

static void test_thread_fork(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_FORK, .data = { 1, 1, 301, 300 } };
	struct garlic_event ev;

	parse_ok(&s, &ev);
	g_assert_cmpint(ev.fork.child_pid, ==, 301);
	g_assert_cmpint(ev.fork.child_tgid, ==, 300);
}

static void test_exec(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_EXEC, .cpu = 0, .seq = 5,
			      .data = { 4242, 4241 } };
	struct garlic_event ev;

	parse_ok(&s, &ev);
	g_assert_cmpint(ev.exec.process_pid, ==, 4242);
	g_assert_cmpint(ev.exec.process_tgid, ==, 4241);
}

static void test_ids(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_UID, .data = { 7, 7, 1000, 0 } };
	struct garlic_event ev;

	parse_ok(&s, &ev);
	g_assert_cmpint(ev.uid.process_pid, ==, 7);
	g_assert_cmpuint(ev.uid.real_id, ==, 1000);
	g_assert_cmpuint(ev.uid.effective_id, ==, 0);

	s.what = GARLIC_EVENT_GID;
	s.data[2] = 65534;
	s.data[3] = 100;
	parse_ok(&s, &ev);
	g_assert_cmpuint(ev.gid.real_id, ==, 65534);
	g_assert_cmpuint(ev.gid.effective_id, ==, 100);
}

static void test_sid(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_SID, .data = { 9, 9 } };
	struct garlic_event ev;

	parse_ok(&s, &ev);
	g_assert_cmpint(ev.sid.process_pid, ==, 9);
	g_assert_cmpint(ev.sid.process_tgid, ==, 9);
}

static void test_ptrace(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_PTRACE, .data = { 10, 10, 20, 21 } };
	struct garlic_event ev;

	parse_ok(&s, &ev);
	g_assert_cmpint(ev.ptrace.tracer_pid, ==, 20);
	g_assert_cmpint(ev.ptrace.tracer_tgid, ==, 21);
	/* Detach: the kernel reports tracer 0/0. */
	s.data[2] = s.data[3] = 0;
	parse_ok(&s, &ev);
	g_assert_cmpint(ev.ptrace.tracer_pid, ==, 0);
	g_assert_cmpint(ev.ptrace.tracer_tgid, ==, 0);
}

static void test_comm(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_COMM, .data = { 11, 11 } };
	struct garlic_event ev;

	/* The Go package cut this to "gq-c"... */
	s.comm = "gq-comm-test";
	parse_ok(&s, &ev);
	g_assert_cmpstr(ev.comm.command, ==, "gq-comm-test");
	/* ...and panicked on names shorter than 8 bytes. */
	s.comm = "ab";
	parse_ok(&s, &ev);
	g_assert_cmpstr(ev.comm.command, ==, "ab");
	s.comm = "fifteen-chars!!";
	parse_ok(&s, &ev);
	g_assert_cmpstr(ev.comm.command, ==, "fifteen-chars!!");
	/* 16 bytes and no NUL: forged, still terminated. */
	s.comm = "sixteen-chars!!!";
	parse_ok(&s, &ev);
	g_assert_cmpint(ev.comm.command[15], ==, '\0');
	g_assert_cmpuint(strlen(ev.comm.command), ==, 15);
	g_assert_cmpstr(ev.comm.command, ==, "sixteen-chars!!");
}

static void test_coredump(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_COREDUMP, .data = { 12, 12, 1, 1 } };
	struct garlic_event ev;

	parse_ok(&s, &ev);
	g_assert_cmpint(ev.coredump.process_pid, ==, 12);
	g_assert_cmpint(ev.coredump.parent_pid, ==, 1);
	g_assert_cmpint(ev.coredump.parent_tgid, ==, 1);
}

static void test_exit(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_EXIT,
			      .data = { 13, 13, 768, 17, 1, 1 } };
	struct garlic_event ev;

	parse_ok(&s, &ev);
	g_assert_cmpint(ev.exit.process_pid, ==, 13);
	g_assert_cmpuint(ev.exit.exit_code, ==, 768);
	g_assert_cmpuint(ev.exit.exit_signal, ==, 17);
	g_assert_cmpint(ev.exit.parent_pid, ==, 1);
	g_assert_cmpint(ev.exit.parent_tgid, ==, 1);

	/* A thread's exit: exit_signal -1, parent fields 0. */
	s.data[0] = 14;
	s.data[2] = 0;
	s.data[3] = 0xffffffff;
	s.data[4] = s.data[5] = 0;
	parse_ok(&s, &ev);
	g_assert_cmpuint(ev.exit.exit_signal, ==, UINT32_MAX);
	g_assert_cmpint(ev.exit.parent_pid, ==, 0);
}

static void test_ack(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_NONE, .seq = 363, .ack = 778,
			      .cpu = 1, .data = { 1 } };
	struct garlic_event ev;
	struct garlic_ack ack;

	g_assert_cmpint(parse(&s, MSG_SIZE, &ev, &ack), ==, GARLIC_MSG_ACK);
	g_assert_cmpuint(ack.ack, ==, 778);
	g_assert_cmpuint(ack.seq, ==, 363);
	g_assert_cmpuint(ack.err, ==, 1);
	g_assert_cmpuint(ack.cpu, ==, 1);
}

static void test_unknown_kind(void)
{
	struct msg_spec s = { .what = 0x400, .data = { 1, 2, 3, 4, 5, 6 } };
	struct garlic_event ev;

	/* A kind from a newer kernel is passed on, its data as it came. */
	parse_ok(&s, &ev);
	g_assert_cmpuint(ev.type, ==, 0x400);
	g_assert_cmpmem(&ev.fork, 24, s.data, 24);
}

static void expect(const struct msg_spec *spec, size_t len, enum garlic_msg_kind kind)
{
	struct garlic_event ev;
	struct garlic_ack ack;

	g_assert_cmpint(parse(spec, len, &ev, &ack), ==, kind);
}

static void test_truncated(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_EXIT, .data = { 1, 1, 0, 17, 1, 1 } };

	/* Cut at every length: the header's nlmsg_len no longer fits. */
	for (size_t len = 0; len < MSG_SIZE; len++)
		expect(&s, len, GARLIC_MSG_MALFORMED);
	expect(&s, MSG_SIZE, GARLIC_MSG_EVENT);
}

/*
 * The same cuts in a heap buffer of exactly the datagram's size, so that
 * ASan or valgrind see any read past it; an unusable message consumes
 * all that is left, or a walk over it would never end.
 */
static void test_truncated_exact(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_COMM, .comm = "cut",
			      .set = MSG_SET_WIRE_LEN };
	struct garlic_event ev;
	struct garlic_ack ack;

	for (size_t len = 0; len < MSG_SIZE; len++) {
		uint8_t *buf = g_malloc(len ? len : 1);
		size_t used = 12345;

		s.wire_len = len;
		g_assert_cmpuint(msg_build(buf, len, &s), ==, len);
		g_assert_cmpint(garlic_parse_msg(buf, len, &ev, &ack, &used), ==,
				GARLIC_MSG_MALFORMED);
		g_assert_cmpuint(used, ==, len);
		g_free(buf);
	}
}

static void test_malformed(void)
{
	struct msg_spec base = { .what = GARLIC_EVENT_FORK, .data = { 1, 1, 2, 2 } };
	struct msg_spec s;

	s = base;
	s.nlmsg_len_delta = -(MSG_SIZE - 8); /* nlmsg_len 8 < header */
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.nlmsg_len_delta = 100; /* longer than the datagram */
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.nlmsg_len_delta = -40; /* cuts into proc_event: cn.len disagrees */
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.nlmsg_len_delta = -(MSG_SIZE - 20); /* no room for cn_msg */
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.cn_len_delta = 8; /* cn.len says more than nlmsg_len holds */
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.cn_len_delta = -8; /* cn.len says less */
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.cn_len_delta = -30; /* cn.len 10 < proc_event header */
	s.nlmsg_len_delta = -30;
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.cn_len_delta = -16; /* fork with 8 data bytes: too short for a fork */
	s.nlmsg_len_delta = -16;
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.what = GARLIC_EVENT_FORK | GARLIC_EVENT_EXEC; /* kinds are single bits */
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
	s = base;
	s.what = GARLIC_EVENT_NONE; /* an ACK with no room for its err */
	s.cn_len_delta = -24;
	s.nlmsg_len_delta = -24;
	expect(&s, MSG_SIZE, GARLIC_MSG_MALFORMED);
}

/*
 * Each kind with the least data it needs is an event; one field (4
 * bytes) less is malformed. The least: the fields the oldest kernels
 * sent (coredump and exit without their parents before 4.18).
 */
static void test_least_data(void)
{
	static const struct {
		uint32_t what;
		int need;
	} kinds[] = {
		{ GARLIC_EVENT_FORK, 16 },   { GARLIC_EVENT_EXEC, 8 },
		{ GARLIC_EVENT_UID, 16 },    { GARLIC_EVENT_GID, 16 },
		{ GARLIC_EVENT_SID, 8 },     { GARLIC_EVENT_PTRACE, 16 },
		{ GARLIC_EVENT_COMM, 24 },   { GARLIC_EVENT_COREDUMP, 8 },
		{ GARLIC_EVENT_EXIT, 16 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		for (int less = 0; less <= 4; less += 4) {
			int cut = 24 - kinds[i].need + less;
			struct msg_spec s = { .what = kinds[i].what, .data = { 1, 1 },
					      .cn_len_delta = -cut, .nlmsg_len_delta = -cut };

			g_test_message("kind %#x with %d data bytes", kinds[i].what,
				       kinds[i].need - less);
			expect(&s, MSG_SIZE - cut,
			       less ? GARLIC_MSG_MALFORMED : GARLIC_MSG_EVENT);
		}
	}
}

static void test_foreign(void)
{
	struct msg_spec base = { .what = GARLIC_EVENT_EXEC, .data = { 1, 1 } };
	struct msg_spec s;

	s = base;
	s.cn_idx = 2; /* another connector user */
	expect(&s, MSG_SIZE, GARLIC_MSG_FOREIGN);
	s = base;
	s.cn_val = 7;
	expect(&s, MSG_SIZE, GARLIC_MSG_FOREIGN);
	s = base;
	s.nlmsg_type = NLMSG_ERROR;
	expect(&s, MSG_SIZE, GARLIC_MSG_FOREIGN);
	s = base;
	s.nlmsg_pid = 1234; /* a user process, not the kernel */
	expect(&s, MSG_SIZE, GARLIC_MSG_FOREIGN);
	/* Zeroes are not the kernel's values either. */
	s = base;
	s.set = MSG_SET_CN_IDX;
	expect(&s, MSG_SIZE, GARLIC_MSG_FOREIGN);
	s = base;
	s.set = MSG_SET_CN_VAL;
	expect(&s, MSG_SIZE, GARLIC_MSG_FOREIGN);
	s = base;
	s.set = MSG_SET_NLMSG_TYPE;
	expect(&s, MSG_SIZE, GARLIC_MSG_FOREIGN);
	/* The sender is judged before the lengths: a forgery is not "malformed". */
	s = base;
	s.nlmsg_pid = 1;
	s.cn_len_delta = 8;
	expect(&s, MSG_SIZE, GARLIC_MSG_FOREIGN);
}

static void test_short_legacy_kinds(void)
{
	/* Kernels before 4.18 sent coredump and exit without the parent. */
	struct msg_spec s = { .what = GARLIC_EVENT_COREDUMP, .data = { 5, 5, 9, 9 },
			      .cn_len_delta = -16, .nlmsg_len_delta = -16 };
	struct garlic_event ev;
	struct garlic_ack ack;

	g_assert_cmpint(parse(&s, MSG_SIZE - 16, &ev, &ack), ==, GARLIC_MSG_EVENT);
	g_assert_cmpint(ev.coredump.process_pid, ==, 5);
	g_assert_cmpint(ev.coredump.parent_pid, ==, 0);
}

static void test_walk(void)
{
	struct msg_spec a = { .what = GARLIC_EVENT_EXEC, .data = { 1, 1 } };
	struct msg_spec b = { .what = GARLIC_EVENT_EXIT, .data = { 2, 2, 0, 17 } };
	uint8_t buf[2 * MSG_SIZE];
	struct garlic_event ev;
	struct garlic_ack ack;
	size_t used;

	msg_build(buf, MSG_SIZE, &a);
	msg_build(buf + MSG_SIZE, MSG_SIZE, &b);
	g_assert_cmpint(garlic_parse_msg(buf, sizeof(buf), &ev, &ack, &used), ==,
			GARLIC_MSG_EVENT);
	g_assert_cmpuint(used, ==, MSG_SIZE);
	g_assert_cmpuint(ev.type, ==, GARLIC_EVENT_EXEC);
	g_assert_cmpint(garlic_parse_msg(buf + used, sizeof(buf) - used, &ev, &ack,
					 &used), ==, GARLIC_MSG_EVENT);
	g_assert_cmpuint(ev.type, ==, GARLIC_EVENT_EXIT);
	g_assert_cmpint(ev.exit.process_pid, ==, 2);
	/* An unusable header consumes the rest: the walk cannot loop. */
	g_assert_cmpint(garlic_parse_msg(buf, 10, &ev, &ack, &used), ==,
			GARLIC_MSG_MALFORMED);
	g_assert_cmpuint(used, ==, 10);
}

/* The dispatch path: a handle built as garlic_open() would, minus the socket. */
struct delivered {
	GArray *events;
};

static int collect(const struct garlic_event *ev, void *userdata)
{
	struct delivered *d = userdata;

	g_array_append_val(d->events, *ev);
	return 0;
}

static struct garlic *handle(struct delivered *d, enum garlic_filter_mode mode)
{
	struct garlic *g = garlic_test_new(mode, 0, collect, d);

	g_assert_nonnull(g);
	d->events = g_array_new(FALSE, TRUE, sizeof(struct garlic_event));
	return g;
}

static void handle_free(struct garlic *g, struct delivered *d)
{
	garlic_test_free(g);
	g_array_free(d->events, TRUE);
}

/* Puts one datagram in the batch as recvmmsg(2) would and dispatches it. */
static int feed(struct garlic *g, const uint8_t *buf, size_t len, uint32_t sender,
		bool truncated)
{
	bool stopped;
	int err = 0;

	return garlic_test_feed(g, buf, len, sender, truncated, &stopped, &err);
}

static void test_dispatch_counts(void)
{
	struct msg_spec good = { .what = GARLIC_EVENT_EXEC, .data = { 1, 1 } };
	struct msg_spec bad = { .what = GARLIC_EVENT_EXEC, .cn_len_delta = 4 };
	struct msg_spec alien = { .what = GARLIC_EVENT_EXEC, .cn_idx = 3 };
	struct msg_spec ack = { .what = GARLIC_EVENT_NONE };
	struct delivered d;
	struct garlic *g = handle(&d, GARLIC_FILTER_BPF);
	uint8_t buf[3 * MSG_SIZE];

	msg_build(buf, MSG_SIZE, &good);
	g_assert_cmpint(feed(g, buf, MSG_SIZE, 0, false), ==, 1);
	/* A good message from a user process is forged: refused. */
	g_assert_cmpint(feed(g, buf, MSG_SIZE, 4321, false), ==, 0);
	/* Truncated by the receive buffer: refused. */
	g_assert_cmpint(feed(g, buf, MSG_SIZE, 0, true), ==, 0);
	msg_build(buf, MSG_SIZE, &bad);
	g_assert_cmpint(feed(g, buf, MSG_SIZE, 0, false), ==, 0);
	msg_build(buf, MSG_SIZE, &alien);
	g_assert_cmpint(feed(g, buf, MSG_SIZE, 0, false), ==, 0);
	msg_build(buf, MSG_SIZE, &ack);
	g_assert_cmpint(feed(g, buf, MSG_SIZE, 0, false), ==, 0);
	/* Good, malformed, good in one datagram: the stream goes on past the bad one. */
	msg_build(buf, MSG_SIZE, &good);
	msg_build(buf + MSG_SIZE, MSG_SIZE, &bad);
	msg_build(buf + 2 * MSG_SIZE, MSG_SIZE, &good);
	g_assert_cmpint(feed(g, buf, sizeof(buf), 0, false), ==, 2);
	/* Trailing bytes too short for a header. */
	g_assert_cmpint(feed(g, buf, MSG_SIZE + 5, 0, false), ==, 1);

	g_assert_cmpuint(garlic_test_counters(g)->events, ==, 4);
	g_assert_cmpuint(d.events->len, ==, 4);
	g_assert_cmpuint(garlic_test_counters(g)->foreign, ==, 2);
	g_assert_cmpuint(garlic_test_counters(g)->malformed, ==, 4);
	g_assert_cmpuint(garlic_test_counters(g)->acks, ==, 1);
	for (guint i = 0; i < d.events->len; i++)
		g_assert_cmpuint(g_array_index(d.events, struct garlic_event, i).type, ==,
				 GARLIC_EVENT_EXEC);
	handle_free(g, &d);
}

static void feed_seq(struct garlic *g, uint32_t cpu, uint32_t seq)
{
	struct msg_spec s = { .what = GARLIC_EVENT_FORK, .cpu = cpu, .seq = seq,
			      .data = { 1, 1, 2, 2 } };
	uint8_t buf[MSG_SIZE];

	msg_build(buf, sizeof(buf), &s);
	g_assert_cmpint(feed(g, buf, sizeof(buf), 0, false), ==, 1);
}

static void feed_ack(struct garlic *g, uint32_t cpu, uint32_t seq, uint32_t sender)
{
	struct msg_spec s = { .what = GARLIC_EVENT_NONE, .cpu = cpu, .seq = seq };
	uint8_t buf[MSG_SIZE];

	msg_build(buf, sizeof(buf), &s);
	g_assert_cmpint(feed(g, buf, sizeof(buf), sender, false), ==, 0);
}

static void test_sequence_gaps(void)
{
	struct delivered d;
	struct garlic *g = handle(&d, GARLIC_FILTER_NONE);

	g_assert_cmpuint(garlic_test_ncpus(g), >=, 1);
	feed_seq(g, 0, 10);
	feed_seq(g, 0, 11);
	feed_seq(g, 0, 14); /* 12 and 13 missing */
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	feed_seq(g, 0, 12); /* late, or stale: no new gap, no going back */
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	feed_seq(g, 0, 15);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	feed_seq(g, 0xffff, 1); /* a CPU beyond the table is not tracked */
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	if (garlic_test_ncpus(g) >= 2) {
		/* The counter wraps at 2^32: not a gap. */
		feed_seq(g, 1, UINT32_MAX);
		feed_seq(g, 1, 0);
		g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
		feed_seq(g, 1, 3);
		g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 4);
	}
	handle_free(g, &d);

	/* ACKs (any listener's) consume numbers too; a wild one is ignored. */
	g = handle(&d, GARLIC_FILTER_NONE);
	feed_seq(g, 0, 100);
	feed_ack(g, 0, 101, 0);
	feed_seq(g, 0, 102);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 0);
	feed_ack(g, 0, 8000000, 0);
	feed_seq(g, 0, 103);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 0);
	/* A forged ACK (not from the kernel) moves nothing. */
	feed_ack(g, 0, 104, 4321);
	feed_seq(g, 0, 105);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 1);
	g_assert_cmpuint(garlic_test_counters(g)->acks, ==, 2);
	g_assert_cmpuint(garlic_test_counters(g)->foreign, ==, 1);
	handle_free(g, &d);

	/* With a filter, gaps are expected and not counted. */
	g = handle(&d, GARLIC_FILTER_KERNEL);
	feed_seq(g, 0, 10);
	feed_seq(g, 0, 20);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 0);
	handle_free(g, &d);
}

static int stop_every_time(const struct garlic_event *ev, void *userdata)
{
	collect(ev, userdata);
	return 1;
}

static void test_dispatch_stop(void)
{
	struct msg_spec s = { .what = GARLIC_EVENT_EXEC, .data = { 1, 1 } };
	struct delivered d;
	struct garlic *g = handle(&d, GARLIC_FILTER_BPF);
	uint8_t buf[2 * MSG_SIZE];
	bool stopped;
	int err = 0;

	garlic_test_set_event_fn(g, stop_every_time, &d);
	msg_build(buf, MSG_SIZE, &s);
	s.data[0] = 2;
	msg_build(buf + MSG_SIZE, MSG_SIZE, &s);
	/* Two messages in one datagram: the second waits for the next call. */
	g_assert_cmpint(feed(g, buf, sizeof(buf), 0, false), ==, 1);
	g_assert_cmpuint(garlic_test_pending(g), ==, 1);
	g_assert_cmpint(garlic_test_dispatch_pending(g, &stopped, &err), ==, 1);
	g_assert_true(stopped);
	g_assert_cmpint(err, ==, 0);
	g_assert_cmpuint(garlic_test_pending(g), ==, 0);
	g_assert_cmpuint(d.events->len, ==, 2);
	g_assert_cmpint(g_array_index(d.events, struct garlic_event, 1).exec.process_pid,
			==, 2);
	handle_free(g, &d);
}

/*
 * garlic_dispatch_msg() alone, through the test seam: a handle without
 * a socket, fed one message at a time. ncpus is the caller's choice, so the
 * per-CPU cases do not depend on the machine the tests run on.
 */
struct hand {
	struct garlic *g;
	GArray *events;
	int stop; /* the callback's return value */
};

static int hand_collect(const struct garlic_event *ev, void *userdata)
{
	struct hand *h = userdata;

	g_array_append_val(h->events, *ev);
	return h->stop;
}

static struct garlic *hand_new(struct hand *h, enum garlic_filter_mode mode,
			       unsigned int ncpus)
{
	struct garlic *g = garlic_test_new(mode, ncpus, hand_collect, h);

	g_assert_nonnull(g);
	h->g = g;
	h->events = g_array_new(FALSE, TRUE, sizeof(struct garlic_event));
	h->stop = 0;
	return g;
}

static void hand_free(struct hand *h)
{
	garlic_test_free(h->g);
	g_array_free(h->events, TRUE);
}

static enum garlic_step hand_feed(struct hand *h, const struct msg_spec *spec,
				  uint32_t sender)
{
	uint8_t buf[MSG_SIZE];
	size_t used = 0;
	enum garlic_step step;
	int err = 0;

	g_assert_cmpuint(msg_build(buf, sizeof(buf), spec), ==, MSG_SIZE);
	step = garlic_test_dispatch_msg(h->g, buf, sizeof(buf), sender, &used, &err);
	g_assert_cmpint(err, ==, h->stop < 0 ? h->stop : 0);
	/* Good or bad, a whole message is consumed and the walk goes on. */
	g_assert_cmpuint(used, ==, MSG_SIZE);
	return step;
}

static const struct garlic_event *hand_event(struct hand *h, guint i)
{
	return &g_array_index(h->events, struct garlic_event, i);
}

static void test_dispatch_msg(void)
{
	/* Sequence numbers far apart: with a BPF filter they are not gaps. */
	struct msg_spec exec = { .what = GARLIC_EVENT_EXEC, .seq = 10, .data = { 101, 101 } };
	struct msg_spec fork = { .what = GARLIC_EVENT_FORK, .seq = 50, .cpu = 1,
				 .data = { 1, 1, 102, 102 } };
	struct msg_spec exit = { .what = GARLIC_EVENT_EXIT, .seq = 90,
				 .data = { 103, 103, 768, 17, 1, 1 } };
	struct msg_spec future = { .what = 0x400, .seq = 91, .data = { 104, 5, 6 } };
	struct msg_spec forged = { .what = GARLIC_EVENT_EXEC, .data = { 666, 666 } };
	struct msg_spec bad_len = { .what = GARLIC_EVENT_EXEC, .cn_len_delta = -4,
				    .data = { 667, 667 } };
	struct msg_spec multi = { .what = 0x3, .data = { 668, 668 } };
	struct msg_spec alien = { .what = GARLIC_EVENT_EXEC, .cn_val = 9,
				  .data = { 669, 669 } };
	struct msg_spec not_done = { .what = GARLIC_EVENT_EXEC, .nlmsg_type = NLMSG_ERROR,
				     .data = { 670, 670 } };
	struct msg_spec ack = { .what = GARLIC_EVENT_NONE, .ack = 8 };
	struct hand h;
	struct garlic *g = hand_new(&h, GARLIC_FILTER_BPF, 2);

	g_assert_cmpint(hand_feed(&h, &exec, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &bad_len, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &fork, 0), ==, GARLIC_STEP_GO_ON);
	/* Well formed, but sent by a process: refused, never delivered. */
	g_assert_cmpint(hand_feed(&h, &forged, 4321), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &multi, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &alien, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &not_done, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &ack, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &exit, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &future, 0), ==, GARLIC_STEP_GO_ON);

	g_assert_cmpuint(garlic_test_counters(g)->events, ==, 4);
	g_assert_cmpuint(garlic_test_counters(g)->malformed, ==, 2);
	g_assert_cmpuint(garlic_test_counters(g)->foreign, ==, 3);
	g_assert_cmpuint(garlic_test_counters(g)->acks, ==, 1);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 0);
	g_assert_cmpuint(garlic_test_counters(g)->lost, ==, 0);

	g_assert_cmpuint(h.events->len, ==, 4);
	g_assert_cmpuint(hand_event(&h, 0)->type, ==, GARLIC_EVENT_EXEC);
	g_assert_cmpint(hand_event(&h, 0)->exec.process_pid, ==, 101);
	g_assert_cmpuint(hand_event(&h, 0)->seq, ==, 10);
	g_assert_cmpuint(hand_event(&h, 1)->type, ==, GARLIC_EVENT_FORK);
	g_assert_cmpint(hand_event(&h, 1)->fork.child_pid, ==, 102);
	g_assert_cmpuint(hand_event(&h, 1)->cpu, ==, 1);
	g_assert_cmpuint(hand_event(&h, 2)->type, ==, GARLIC_EVENT_EXIT);
	g_assert_cmpint(hand_event(&h, 2)->exit.process_pid, ==, 103);
	g_assert_cmpuint(hand_event(&h, 2)->exit.exit_code, ==, 768);
	g_assert_cmpuint(hand_event(&h, 3)->type, ==, 0x400);
	g_assert_cmpint(hand_event(&h, 3)->fork.parent_pid, ==, 104);

	/* A callback's non-zero return stops the walk; the event still counts. */
	h.stop = 1;
	g_assert_cmpint(hand_feed(&h, &exec, 0), ==, GARLIC_STEP_STOP);
	g_assert_cmpuint(garlic_test_counters(g)->events, ==, 5);
	g_assert_cmpuint(h.events->len, ==, 5);
	/* Refused messages never call it, so they never stop anything. */
	g_assert_cmpint(hand_feed(&h, &forged, 4321), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &bad_len, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpint(hand_feed(&h, &ack, 0), ==, GARLIC_STEP_GO_ON);
	g_assert_cmpuint(h.events->len, ==, 5);
	hand_free(&h);
}

static void hand_seq(struct hand *h, uint32_t cpu, uint32_t seq)
{
	struct msg_spec s = { .what = GARLIC_EVENT_EXEC, .cpu = cpu, .seq = seq,
			      .data = { 1, 1 } };
	guint before = h->events->len;

	g_assert_cmpint(hand_feed(h, &s, 0), ==, GARLIC_STEP_GO_ON);
	/* Sequence accounting never holds an event back. */
	g_assert_cmpuint(h->events->len, ==, before + 1);
}

static void test_sequence_two_cpus(void)
{
	struct hand h;
	struct garlic *g = hand_new(&h, GARLIC_FILTER_NONE, 2);

	hand_seq(&h, 0, 10); /* the first number seen sets the start */
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 0);
	hand_seq(&h, 0, 11);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 0);
	hand_seq(&h, 0, 14);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	/* Backwards: counted neither as a gap nor as a reason to expect 13. */
	hand_seq(&h, 0, 12);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	hand_seq(&h, 0, 15);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	/* A CPU past ncpus is not tracked (and not written out of bounds). */
	hand_seq(&h, 7, 1);
	hand_seq(&h, 7, 1000);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	/* CPUs are independent: cpu 1 starts its own count. */
	hand_seq(&h, 1, 0xfffffffeu);
	hand_seq(&h, 1, 0xffffffffu);
	hand_seq(&h, 1, 0); /* the u32 wraps: the next number, not a gap */
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	hand_seq(&h, 1, 1);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	hand_seq(&h, 1, 3);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 3);
	/* cpu 0's expectation was left alone by all of the above. */
	hand_seq(&h, 0, 16);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 3);
	g_assert_cmpuint(garlic_test_counters(g)->events, ==, 13);
	hand_free(&h);

	g = hand_new(&h, GARLIC_FILTER_NONE, 1);
	hand_seq(&h, 0, 0xfffffffeu);
	hand_seq(&h, 0, 1); /* across the wrap: 0xffffffff and 0 missing */
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 2);
	hand_free(&h);

	/* A BPF filter drops numbered events on purpose: nothing is tracked. */
	g = hand_new(&h, GARLIC_FILTER_BPF, 2);
	hand_seq(&h, 0, 10);
	hand_seq(&h, 0, 11);
	hand_seq(&h, 0, 14);
	g_assert_cmpuint(garlic_test_counters(g)->seq_gaps, ==, 0);
	g_assert_false(garlic_test_seq_seen(g, 0));
	hand_free(&h);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/parse/fork", test_fork);
	g_test_add_func("/parse/thread-fork", test_thread_fork);
	g_test_add_func("/parse/exec", test_exec);
	g_test_add_func("/parse/uid-gid", test_ids);
	g_test_add_func("/parse/sid", test_sid);
	g_test_add_func("/parse/ptrace", test_ptrace);
	g_test_add_func("/parse/comm", test_comm);
	g_test_add_func("/parse/coredump", test_coredump);
	g_test_add_func("/parse/exit", test_exit);
	g_test_add_func("/parse/ack", test_ack);
	g_test_add_func("/parse/unknown-kind", test_unknown_kind);
	g_test_add_func("/parse/short-legacy-kinds", test_short_legacy_kinds);
	g_test_add_func("/parse/least-data", test_least_data);
	g_test_add_func("/parse/truncated", test_truncated);
	g_test_add_func("/parse/truncated-exact", test_truncated_exact);
	g_test_add_func("/parse/malformed", test_malformed);
	g_test_add_func("/parse/foreign", test_foreign);
	g_test_add_func("/parse/walk", test_walk);
	g_test_add_func("/dispatch/counts", test_dispatch_counts);
	g_test_add_func("/dispatch/sequence-gaps", test_sequence_gaps);
	g_test_add_func("/dispatch/stop", test_dispatch_stop);
	g_test_add_func("/dispatch/msg", test_dispatch_msg);
	g_test_add_func("/dispatch/sequence-two-cpus", test_sequence_two_cpus);
	return g_test_run();
}
