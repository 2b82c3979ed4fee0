// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * taskstats without the kernel: the parser on messages captured from the
 * kernel, on records of every layout garlic knows and on broken messages;
 * and the exit joiner fed by hand. The live cases are in test-taskstats.c.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>

#include <glib.h>

#include "garlic-private.h"
#include "taskstats-private.h"
#include "taskstats-capture.h"

/* Whether the joiner's fd says exits are due (1) or not (0). */
static int joiner_readable(struct garlic_exit_joiner *j)
{
	struct pollfd pfd = { .fd = garlic_exit_joiner_fd(j), .events = POLLIN };

	return poll(&pfd, 1, 0);
}

/* --- building messages --- */

/* The kernel's version 16 struct is 560 bytes; these are its offsets. */
#define V16_SIZE 560
#define AT_EXIT_CODE 4
#define AT_FLAG 8
#define AT_COMM 80
#define AT_BTIME 136
#define AT_BTIME64 344

struct writer {
	uint8_t buf[4096];
	size_t len;
};

static void put(struct writer *w, const void *data, size_t len)
{
	g_assert_cmpuint(w->len + NLA_ALIGN(len), <=, sizeof(w->buf));
	memcpy(w->buf + w->len, data, len);
	memset(w->buf + w->len + len, 0, NLA_ALIGN(len) - len);
	w->len += NLA_ALIGN(len);
}

static void msg_start(struct writer *w, uint8_t cmd)
{
	struct nlmsghdr nlh = { .nlmsg_type = 31 };
	struct genlmsghdr genl = { .cmd = cmd, .version = 1 };

	w->len = 0;
	put(w, &nlh, sizeof(nlh));
	put(w, &genl, sizeof(genl));
}

static size_t msg_end(struct writer *w)
{
	uint32_t len = (uint32_t)w->len;

	memcpy(w->buf, &len, sizeof(len));
	return w->len;
}

static void attr(struct writer *w, uint16_t type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	put(w, &nla, sizeof(nla));
	if (len)
		put(w, data, len);
}

static size_t nest_start(struct writer *w, uint16_t type)
{
	size_t at = w->len;

	attr(w, type, NULL, 0);
	return at;
}

static void nest_end(struct writer *w, size_t at)
{
	uint16_t len = (uint16_t)(w->len - at);

	memcpy(w->buf + at, &len, sizeof(len));
}

/* A CMD_NEW with one aggregate: the id attribute, then the struct. */
static size_t record_message(struct writer *w, uint16_t aggr, uint32_t id,
			     const void *stats, size_t len)
{
	size_t nest;

	msg_start(w, TASKSTATS_CMD_NEW);
	nest = nest_start(w, aggr);
	attr(w, aggr == TASKSTATS_TYPE_AGGR_PID ? TASKSTATS_TYPE_PID : TASKSTATS_TYPE_TGID,
	     &id, sizeof(id));
	attr(w, TASKSTATS_TYPE_STATS, stats, len);
	nest_end(w, nest);
	return msg_end(w);
}

/*
 * A version 16 struct whose 8-byte slot k holds 1000 + k, so that a field
 * read from the wrong place shows: cpu_count (offset 16) is 1002,
 * ac_utime (152) 1019, ac_btime64 (344) 1043.
 */
static void synthetic_v16(uint8_t *raw)
{
	uint16_t version = 16;

	for (unsigned int k = 0; k < V16_SIZE / 8; k++) {
		uint64_t v = 1000 + k;

		memcpy(raw + 8 * k, &v, 8);
	}
	memcpy(raw, &version, sizeof(version));
	memset(raw + AT_COMM, 0, 32);
	strcpy((char *)raw + AT_COMM, "synthetic");
}

/*
 * The same record in version 15's layout, which put each max/min pair of
 * delays after its total (from the kernel patch that moved them to the
 * end again for version 16): {v16 offset, v15 offset, bytes}.
 */
static void v16_to_v15(const uint8_t *v16, uint8_t *v15)
{
	static const uint16_t moves[][3] = {
		{ 0, 0, 32 },	   /* header, cpu count and total */
		{ 432, 32, 16 },   /* cpu max, min */
		{ 32, 48, 16 },	   /* blkio */
		{ 448, 64, 16 },
		{ 48, 80, 16 },	   /* swapin */
		{ 464, 96, 16 },
		{ 64, 112, 248 },  /* run totals ... cpu_scaled_run_real_total */
		{ 312, 360, 16 },  /* freepages */
		{ 480, 376, 16 },
		{ 328, 392, 16 },  /* thrashing */
		{ 496, 408, 16 },
		{ 344, 424, 8 },   /* btime64 */
		{ 352, 432, 16 },  /* compact */
		{ 512, 448, 16 },
		{ 368, 464, 32 },  /* tgid, tgetime, exe */
		{ 400, 496, 16 },  /* wpcopy */
		{ 528, 512, 16 },
		{ 416, 528, 16 },  /* irq */
		{ 544, 544, 16 },
	};
	uint16_t version = 15;
	size_t total = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(moves); i++) {
		memcpy(v15 + moves[i][1], v16 + moves[i][0], moves[i][2]);
		total += moves[i][2];
	}
	g_assert_cmpuint(total, ==, V16_SIZE);
	memcpy(v15, &version, sizeof(version));
}

static int parse_one(const void *stats, size_t len, uint16_t version,
		     struct garlic_taskstats *out)
{
	struct writer w;
	uint8_t copy[1024];
	struct garlic_taskstats r[2];
	int n;

	g_assert_cmpuint(len, <=, sizeof(copy));
	memcpy(copy, stats, len);
	memcpy(copy, &version, sizeof(version));
	record_message(&w, TASKSTATS_TYPE_AGGR_PID, 4242, copy, len);
	n = garlic_taskstats_parse(w.buf, w.len, r, 2);
	if (n == 1)
		*out = r[0];
	return n;
}

/* --- the parser --- */

static void test_parse_captured(void)
{
	struct garlic_taskstats r[2];
	int n = garlic_taskstats_parse(captured_exit, sizeof(captured_exit), r, 2);

	g_assert_cmpint(n, ==, 1);
	g_assert_cmpuint(r[0].scope, ==, GARLIC_TASKSTATS_TASK);
	g_assert_cmpuint(r[0].id, ==, CAPTURED_PID);
	g_assert_cmpuint(r[0].pid, ==, CAPTURED_PID);
	g_assert_cmpuint(r[0].ppid, ==, CAPTURED_PPID);
	g_assert_cmpuint(r[0].tgid, ==, CAPTURED_PID);
	g_assert_cmpuint(r[0].version, ==, CAPTURED_VERSION);
	g_assert_cmpuint(r[0].exit_code, ==, CAPTURED_EXIT_CODE);
	/* Forked without exec, and the last (only) task of its process. */
	g_assert_cmpuint(r[0].flags, ==, GARLIC_TASKSTATS_FORK | GARLIC_TASKSTATS_GROUP);
	g_assert_cmpstr(r[0].comm, ==, CAPTURED_COMM);
	g_assert_cmpuint(r[0].write_chars, >=, CAPTURED_MIN_WRITE_CHARS);
	g_assert_cmpuint(r[0].begin_time, >, 1700000000);
	g_assert_cmpuint(r[0].exe_inode, !=, 0);
	/* Room for no record: the aggregate does not fit. */
	g_assert_cmpint(garlic_taskstats_parse(captured_exit, sizeof(captured_exit), r, 0),
			==, -EBADMSG);
}

static void test_parse_threads(void)
{
	const unsigned char *m = captured_threads_exit;
	struct garlic_taskstats r[2];
	int n = garlic_taskstats_parse(m, sizeof(captured_threads_exit), r, 2);

	g_assert_cmpint(n, ==, 2);
	/* The main thread, the last to exit. */
	g_assert_cmpuint(r[0].scope, ==, GARLIC_TASKSTATS_TASK);
	g_assert_cmpuint(r[0].id, ==, THREADS_PID);
	g_assert_cmpuint(r[0].pid, ==, THREADS_PID);
	g_assert_cmpuint(r[0].tgid, ==, THREADS_PID);
	g_assert_cmpuint(r[0].ppid, ==, THREADS_PPID);
	g_assert_cmpstr(r[0].comm, ==, THREADS_COMM);
	g_assert_cmpuint(r[0].exit_code, ==, THREADS_EXIT_CODE);
	g_assert_cmpuint(r[0].flags, ==, GARLIC_TASKSTATS_FORK | GARLIC_TASKSTATS_GROUP);
	g_assert_cmpuint(r[0].user_us, ==, THREADS_TASK_USER_US);
	g_assert_cmpuint(r[0].system_us, ==, THREADS_TASK_SYSTEM_US);
	/* The process: sums over its three threads, and nothing that names it. */
	g_assert_cmpuint(r[1].scope, ==, GARLIC_TASKSTATS_PROCESS);
	g_assert_cmpuint(r[1].id, ==, THREADS_PID);
	g_assert_cmpuint(r[1].version, ==, 16);
	g_assert_cmpuint(r[1].user_us, ==, THREADS_PROCESS_USER_US);
	g_assert_cmpuint(r[1].system_us, ==, THREADS_PROCESS_SYSTEM_US);
	g_assert_cmpuint(r[1].cpu_run_virtual_ns, ==, THREADS_PROCESS_RUN_NS);
	g_assert_cmpuint(r[1].elapsed_us, ==, THREADS_PROCESS_ELAPSED_US);
	g_assert_cmpuint(r[1].pid, ==, 0);
	g_assert_cmpuint(r[1].exit_code, ==, 0);
	g_assert_cmpstr(r[1].comm, ==, "");
	g_assert_cmpuint(r[1].hiwater_rss_kib, ==, 0);
	/* Room for one record only: refused, not cut. */
	g_assert_cmpint(garlic_taskstats_parse(m, sizeof(captured_threads_exit), r, 1), ==,
			-EBADMSG);
}

static void test_parse_versions(void)
{
	uint8_t v16[V16_SIZE], v15[V16_SIZE], longer[V16_SIZE + 40];
	struct garlic_taskstats a, b;

	synthetic_v16(v16);
	g_assert_cmpint(parse_one(v16, sizeof(v16), 16, &a), ==, 1);
	g_assert_cmpuint(a.version, ==, 16);
	g_assert_cmpuint(a.cpu_delay_count, ==, 1002);
	g_assert_cmpuint(a.cpu_delay_ns, ==, 1003);
	g_assert_cmpuint(a.blkio_delay_count, ==, 1004);
	g_assert_cmpuint(a.cpu_run_virtual_ns, ==, 1009);
	g_assert_cmpstr(a.comm, ==, "synthetic");
	g_assert_cmpuint(a.uid, ==, 1015);	   /* low half of slot 15 */
	g_assert_cmpuint(a.pid, ==, 1016);
	g_assert_cmpuint(a.elapsed_us, ==, 1018);
	g_assert_cmpuint(a.user_us, ==, 1019);
	g_assert_cmpuint(a.write_bytes, ==, 1032);
	g_assert_cmpuint(a.thrashing_delay_ns, ==, 1042);
	g_assert_cmpuint(a.begin_time, ==, 1043); /* ac_btime64 */
	g_assert_cmpuint(a.tgid, ==, 1046);
	g_assert_cmpuint(a.exe_inode, ==, 1049);

	/* Version 15's layout gives the same record. */
	v16_to_v15(v16, v15);
	g_assert_cmpint(parse_one(v15, sizeof(v15), 15, &b), ==, 1);
	g_assert_cmpuint(b.version, ==, 15);
	b.version = 16;
	g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));

	/* A later version that appended fields: read as 16. */
	memcpy(longer, v16, sizeof(v16));
	memset(longer + sizeof(v16), 0xff, sizeof(longer) - sizeof(v16));
	g_assert_cmpint(parse_one(longer, sizeof(longer), 17, &b), ==, 1);
	b.version = 16;
	g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));

	/* Version 13 (Debian 12's header): 416 bytes, everything garlic has. */
	g_assert_cmpint(parse_one(v16, 416, 13, &b), ==, 1);
	b.version = 16;
	g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));

	/* Version 9: no 64-bit begin time, no tgid or program file yet. */
	g_assert_cmpint(parse_one(v16, 344, 9, &b), ==, 1);
	g_assert_cmpuint(b.begin_time, ==, 1017); /* the 32-bit ac_btime */
	g_assert_cmpuint(b.tgid, ==, 0);
	g_assert_cmpuint(b.exe_inode, ==, 0);
	g_assert_cmpuint(b.thrashing_delay_ns, ==, 1042);
	/* Version 8 ends before thrashing. */
	g_assert_cmpint(parse_one(v16, 328, 8, &b), ==, 1);
	g_assert_cmpuint(b.thrashing_delay_count, ==, 0);
	g_assert_cmpuint(b.freepages_delay_ns, ==, 1040);
	/* Version 0: the kernel did not say; read as the shared layout. */
	g_assert_cmpint(parse_one(v16, sizeof(v16), 0, &b), ==, 1);
	g_assert_cmpuint(b.version, ==, 0);
	g_assert_cmpuint(b.cpu_delay_ns, ==, 1003);
	g_assert_cmpuint(b.begin_time, ==, 1017);
	g_assert_cmpuint(b.tgid, ==, 0);

	/* Shorter than the version's struct: refused. */
	g_assert_cmpint(parse_one(v16, V16_SIZE - 8, 16, &b), ==, -EBADMSG);
	g_assert_cmpint(parse_one(v16, V16_SIZE - 1, 15, &b), ==, -EBADMSG);
	g_assert_cmpint(parse_one(v16, 408, 13, &b), ==, -EBADMSG);
	g_assert_cmpint(parse_one(v16, 336, 9, &b), ==, -EBADMSG);
	g_assert_cmpint(parse_one(v16, 72, 0, &b), ==, -EBADMSG);
	g_assert_cmpint(parse_one(v16, 1, 16, &b), ==, -EBADMSG);
	/* Version 1 (Linux 2.6.18) had another layout. */
	g_assert_cmpint(parse_one(v16, sizeof(v16), 1, &b), ==, -EBADMSG);
}

static void test_parse_malformed(void)
{
	uint8_t buf[sizeof(captured_threads_exit)];
	uint8_t v16[V16_SIZE];
	struct garlic_taskstats r[2];
	struct writer w;
	uint32_t id = 77, len;
	uint16_t nla_len;
	size_t nest, inner;
	GRand *rand;
	int n;

	synthetic_v16(v16);
	/* Cut anywhere: refused, never a read past the end. */
	for (size_t cut = 0; cut < sizeof(captured_exit); cut++) {
		uint8_t *copy = g_memdup2(captured_exit, cut);

		n = garlic_taskstats_parse(copy, cut, r, 2);
		g_assert_cmpint(n, <, 0);
		g_free(copy);
	}
	/* nlmsg_len shortened consistently: an attribute no longer fits. */
	for (uint32_t cut = NLMSG_HDRLEN; cut < sizeof(captured_exit); cut += 7) {
		memcpy(buf, captured_exit, sizeof(captured_exit));
		memcpy(buf, &cut, sizeof(cut));
		g_assert_cmpint(garlic_taskstats_parse(buf, sizeof(captured_exit), r, 2), <, 0);
	}
	/* The outer attribute claims more than the message holds. */
	memcpy(buf, captured_exit, sizeof(captured_exit));
	nla_len = 0xfff0;
	memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, &nla_len, sizeof(nla_len));
	g_assert_cmpint(garlic_taskstats_parse(buf, sizeof(captured_exit), r, 2), ==, -EBADMSG);
	/* An attribute length below its own header. */
	nla_len = 2;
	memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, &nla_len, sizeof(nla_len));
	g_assert_cmpint(garlic_taskstats_parse(buf, sizeof(captured_exit), r, 2), ==, -EBADMSG);
	/* A message with no aggregate at all, or shorter than its headers. */
	memcpy(buf, captured_exit, NLMSG_HDRLEN + GENL_HDRLEN);
	len = NLMSG_HDRLEN + GENL_HDRLEN;
	memcpy(buf, &len, sizeof(len));
	g_assert_cmpint(garlic_taskstats_parse(buf, len, r, 2), ==, -ENODATA);
	g_assert_cmpint(garlic_taskstats_parse(buf, 3, r, 2), ==, -EBADMSG);

	/* The stats attribute cut short inside an intact message. */
	record_message(&w, TASKSTATS_TYPE_AGGR_PID, id, v16, 300);
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -EBADMSG);
	/* A short pid attribute. */
	msg_start(&w, TASKSTATS_CMD_NEW);
	nest = nest_start(&w, TASKSTATS_TYPE_AGGR_PID);
	attr(&w, TASKSTATS_TYPE_PID, &id, 2);
	attr(&w, TASKSTATS_TYPE_STATS, v16, sizeof(v16));
	nest_end(&w, nest);
	msg_end(&w);
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -EBADMSG);
	/* Wrong nesting: the struct at the top level, outside any aggregate. */
	msg_start(&w, TASKSTATS_CMD_NEW);
	attr(&w, TASKSTATS_TYPE_PID, &id, sizeof(id));
	attr(&w, TASKSTATS_TYPE_STATS, v16, sizeof(v16));
	msg_end(&w);
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -ENODATA);
	/* A tgid inside a pid aggregate. */
	msg_start(&w, TASKSTATS_CMD_NEW);
	nest = nest_start(&w, TASKSTATS_TYPE_AGGR_PID);
	attr(&w, TASKSTATS_TYPE_TGID, &id, sizeof(id));
	attr(&w, TASKSTATS_TYPE_STATS, v16, sizeof(v16));
	nest_end(&w, nest);
	msg_end(&w);
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -EBADMSG);
	/* An aggregate inside an aggregate. */
	msg_start(&w, TASKSTATS_CMD_NEW);
	nest = nest_start(&w, TASKSTATS_TYPE_AGGR_PID);
	inner = nest_start(&w, TASKSTATS_TYPE_AGGR_PID);
	attr(&w, TASKSTATS_TYPE_PID, &id, sizeof(id));
	attr(&w, TASKSTATS_TYPE_STATS, v16, sizeof(v16));
	nest_end(&w, inner);
	nest_end(&w, nest);
	msg_end(&w);
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -EBADMSG);
	/* An aggregate without its struct, and one holding two. */
	msg_start(&w, TASKSTATS_CMD_NEW);
	nest = nest_start(&w, TASKSTATS_TYPE_AGGR_PID);
	attr(&w, TASKSTATS_TYPE_PID, &id, sizeof(id));
	nest_end(&w, nest);
	msg_end(&w);
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -EBADMSG);
	msg_start(&w, TASKSTATS_CMD_NEW);
	nest = nest_start(&w, TASKSTATS_TYPE_AGGR_PID);
	attr(&w, TASKSTATS_TYPE_PID, &id, sizeof(id));
	attr(&w, TASKSTATS_TYPE_STATS, v16, sizeof(v16));
	attr(&w, TASKSTATS_TYPE_STATS, v16, sizeof(v16));
	nest_end(&w, nest);
	msg_end(&w);
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -EBADMSG);
	/* An aggregate whose payload is no attribute list. */
	msg_start(&w, TASKSTATS_CMD_NEW);
	attr(&w, TASKSTATS_TYPE_AGGR_PID, "\x09\x00\x01", 3);
	msg_end(&w);
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -EBADMSG);
	/* Another command of the family (a request, or cgroupstats). */
	record_message(&w, TASKSTATS_TYPE_AGGR_PID, id, v16, sizeof(v16));
	w.buf[NLMSG_HDRLEN] = TASKSTATS_CMD_GET;
	g_assert_cmpint(garlic_taskstats_parse(w.buf, w.len, r, 2), ==, -ENODATA);

	/* Random corruption of a real message: any answer but a crash. */
	rand = g_rand_new_with_seed(7);
	for (int i = 0; i < 20000; i++) {
		memcpy(buf, captured_threads_exit, sizeof(buf));
		for (int k = g_rand_int_range(rand, 1, 6); k > 0; k--)
			buf[g_rand_int_range(rand, 0, sizeof(buf))] = (uint8_t)g_rand_int(rand);
		len = (uint32_t)g_rand_int_range(rand, 0, sizeof(buf) + 1);
		n = garlic_taskstats_parse(buf, len, r, 2);
		g_assert_true(n == 1 || n == 2 || n == -EBADMSG || n == -ENODATA);
		if (n > 0)
			g_assert_cmpuint(strnlen(r[0].comm, 32), <, 32);
	}
	g_rand_free(rand);
}

/* --- the joiner, fed by hand --- */

struct pairs {
	unsigned int calls, with_stats;
	pid_t last_pid;
};

static int on_pair(const struct garlic_event *exit, const struct garlic_taskstats *stats,
		   void *userdata)
{
	struct pairs *p = userdata;

	p->calls++;
	p->with_stats += stats != NULL;
	p->last_pid = exit->exit.process_pid;
	if (stats)
		g_assert_cmpuint(stats->id, ==, (uint32_t)exit->exit.process_pid);
	return 0;
}

static struct garlic_event exit_event(pid_t pid, pid_t tgid)
{
	struct garlic_event ev = { .type = GARLIC_EVENT_EXIT };

	ev.exit.process_pid = pid;
	ev.exit.process_tgid = tgid;
	return ev;
}

static struct garlic_taskstats task_stats(pid_t pid, pid_t tgid)
{
	return (struct garlic_taskstats){
		.scope = GARLIC_TASKSTATS_TASK, .id = pid, .pid = pid, .tgid = tgid,
	};
}

static void test_joiner(void)
{
	struct garlic_exit_joiner *j;
	struct pairs p = { 0 };
	struct garlic_event ev;
	struct garlic_taskstats s;

	g_assert_cmpint(garlic_exit_joiner_new(&j, 50, on_pair, &p), ==, 0);
	g_assert_cmpint(joiner_readable(j), ==, 0);
	/* Exit first, then its statistics. */
	ev = exit_event(100, 100);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 0);
	g_assert_cmpint(joiner_readable(j), ==, 0);
	s = task_stats(100, 100);
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, &s), ==, 1);
	g_assert_cmpuint(p.with_stats, ==, 1);
	/* Statistics first, then the exit. */
	s = task_stats(200, 200);
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, &s), ==, 0);
	ev = exit_event(200, 200);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 1);
	g_assert_cmpuint(p.with_stats, ==, 2);
	/* A thread's exit pairs with the thread's own record. */
	ev = exit_event(301, 300);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 0);
	s = task_stats(301, 300);
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, &s), ==, 1);
	g_assert_cmpuint(p.with_stats, ==, 3);
	/* A process record does not pair; other kinds of event are ignored. */
	ev = exit_event(350, 350);
	garlic_exit_joiner_add_event(j, &ev);
	s = task_stats(350, 350);
	s.scope = GARLIC_TASKSTATS_PROCESS;
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, &s), ==, 0);
	/* Nor does a record of another process that had the pid (tgid differs). */
	s = task_stats(350, 349);
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, &s), ==, 0);
	ev.type = GARLIC_EVENT_FORK;
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 0);
	g_assert_cmpint(garlic_exit_joiner_flush(j, 1), ==, 1);
	g_assert_cmpuint(p.calls, ==, 4);
	g_assert_cmpuint(p.with_stats, ==, 3);
	/* No statistics in time: delivered anyway, with NULL, when due. */
	ev = exit_event(400, 400);
	garlic_exit_joiner_add_event(j, &ev);
	g_assert_cmpint(garlic_exit_joiner_flush(j, 0), ==, 0);
	usleep(60000);
	g_assert_cmpint(joiner_readable(j), ==, 1);
	g_assert_cmpint(garlic_exit_joiner_flush(j, 0), ==, 1);
	g_assert_cmpuint(p.calls, ==, 5);
	g_assert_cmpint(p.last_pid, ==, 400);
	g_assert_cmpint(joiner_readable(j), ==, 0);
	/* A record that waited past the window is too old to pair. */
	s = task_stats(500, 500);
	garlic_exit_joiner_add_stats(j, &s);
	usleep(60000);
	ev = exit_event(500, 500);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 0);
	g_assert_cmpint(garlic_exit_joiner_flush(j, 1), ==, 1);
	g_assert_cmpuint(p.with_stats, ==, 3);
	/* Thousands waiting: none dropped, the oldest go out first. */
	p = (struct pairs){ 0 };
	for (pid_t pid = 1000; pid < 1000 + 3000; pid++) {
		ev = exit_event(pid, pid);
		garlic_exit_joiner_add_event(j, &ev);
	}
	g_assert_cmpuint(p.calls, ==, 3000 - 1024);
	g_assert_cmpint(p.last_pid, ==, 1000 + 3000 - 1024 - 1);
	garlic_exit_joiner_flush(j, 1);
	g_assert_cmpuint(p.calls, ==, 3000);
	g_assert_cmpint(garlic_exit_joiner_add_event(NULL, &ev), ==, -EINVAL);
	g_assert_cmpint(garlic_exit_joiner_add_stats(j, NULL), ==, -EINVAL);
	g_assert_cmpint(garlic_exit_joiner_flush(NULL, 0), ==, -EINVAL);
	g_assert_cmpint(garlic_exit_joiner_new(&j, 10, NULL, NULL), ==, -EINVAL);
	garlic_exit_joiner_free(j);

	/* The longest wait arms the timer (49 days), and is not due. */
	g_assert_cmpint(garlic_exit_joiner_new(&j, UINT_MAX, on_pair, &p), ==, 0);
	ev = exit_event(400, 400);
	g_assert_cmpint(garlic_exit_joiner_add_event(j, &ev), ==, 0);
	{
		struct itimerspec its;

		g_assert_cmpint(timerfd_gettime(garlic_exit_joiner_fd(j), &its), ==, 0);
		g_assert_cmpint(its.it_value.tv_sec, >, (time_t)UINT_MAX / 1000 - 10);
	}
	g_assert_cmpint(joiner_readable(j), ==, 0);
	garlic_exit_joiner_free(j);
	garlic_exit_joiner_free(NULL);
}

/*
 * Thousands of exits and their records, each in a random order of its
 * own (a fixed seed): every exit comes out once, with its own record. The
 * second thousand reuse the first's pids as threads of other processes,
 * so a pid has two waiting at once that only the thread group tells apart.
 */
#define SHUFFLED 3000
#define SHUFFLED_PIDS 2000

struct shuffled {
	unsigned int delivered[SHUFFLED];
	unsigned int calls, wrong;
};

static unsigned int shuffled_index(pid_t pid, pid_t tgid)
{
	return (unsigned int)(pid - 1000) + (tgid == pid ? 0 : SHUFFLED_PIDS);
}

static int on_shuffled(const struct garlic_event *exit, const struct garlic_taskstats *stats,
		       void *userdata)
{
	struct shuffled *sh = userdata;
	unsigned int k = shuffled_index(exit->exit.process_pid, exit->exit.process_tgid);

	sh->calls++;
	g_assert_cmpuint(k, <, SHUFFLED);
	sh->delivered[k]++;
	if (!stats || stats->id != (uint32_t)exit->exit.process_pid ||
	    stats->tgid != (uint32_t)exit->exit.process_tgid)
		sh->wrong++;
	return 0;
}

static void test_joiner_shuffled(void)
{
	static struct shuffled sh;
	unsigned int order[2 * SHUFFLED];
	unsigned int exits_waiting = 0, stats_waiting = 0, peak = 0;
	bool exit_seen[SHUFFLED] = { false }, stats_seen[SHUFFLED] = { false };
	struct garlic_exit_joiner *j;
	GRand *rand = g_rand_new_with_seed(20240611);
	int paired = 0;

	memset(&sh, 0, sizeof(sh));
	for (unsigned int i = 0; i < 2 * SHUFFLED; i++)
		order[i] = i;
	for (unsigned int i = 2 * SHUFFLED - 1; i > 0; i--) {
		unsigned int k = (unsigned int)g_rand_int_range(rand, 0, (gint32)i + 1);
		unsigned int t = order[i];

		order[i] = order[k];
		order[k] = t;
	}
	g_rand_free(rand);
	/* Long enough that nothing is due while the test runs, even under valgrind. */
	g_assert_cmpint(garlic_exit_joiner_new(&j, 600000, on_shuffled, &sh), ==, 0);
	for (unsigned int i = 0; i < 2 * SHUFFLED; i++) {
		unsigned int k = order[i] % SHUFFLED;
		pid_t pid = 1000 + (pid_t)(k % SHUFFLED_PIDS);
		pid_t tgid = k < SHUFFLED_PIDS ? pid : pid + 100000;
		int r;

		if (order[i] < SHUFFLED) {
			struct garlic_event ev = exit_event(pid, tgid);

			r = garlic_exit_joiner_add_event(j, &ev);
			exit_seen[k] = true;
		} else {
			struct garlic_taskstats s = task_stats(pid, tgid);

			r = garlic_exit_joiner_add_stats(j, &s);
			stats_seen[k] = true;
		}
		g_assert_cmpint(r, >=, 0);
		g_assert_cmpint(r, <=, 1);
		paired += r;
		/* The other side came first: this one paired at once. */
		g_assert_cmpint(r, ==, exit_seen[k] && stats_seen[k]);
		if (r) {
			if (order[i] < SHUFFLED)
				stats_waiting--;
			else
				exits_waiting--;
		} else if (order[i] < SHUFFLED) {
			exits_waiting++;
		} else {
			stats_waiting++;
		}
		peak = MAX(peak, MAX(exits_waiting, stats_waiting));
	}
	/* Hundreds waited at once, all within the bounds. */
	g_assert_cmpuint(peak, >, 500);
	g_assert_cmpuint(peak, <, 1024);
	g_assert_cmpint(paired, ==, SHUFFLED);
	g_assert_cmpint(garlic_exit_joiner_flush(j, 1), ==, 0);
	g_assert_cmpuint(sh.calls, ==, SHUFFLED);
	g_assert_cmpuint(sh.wrong, ==, 0);
	for (unsigned int k = 0; k < SHUFFLED; k++)
		g_assert_cmpuint(sh.delivered[k], ==, 1);
	garlic_exit_joiner_free(j);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/taskstats/parse/captured", test_parse_captured);
	g_test_add_func("/taskstats/parse/threads", test_parse_threads);
	g_test_add_func("/taskstats/parse/versions", test_parse_versions);
	g_test_add_func("/taskstats/parse/malformed", test_parse_malformed);
	g_test_add_func("/taskstats/joiner", test_joiner);
	g_test_add_func("/taskstats/joiner-shuffled", test_joiner_shuffled);
	return g_test_run();
}
