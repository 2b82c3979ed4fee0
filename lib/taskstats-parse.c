// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A TASKSTATS generic netlink message to struct garlic_taskstats. Pure:
 * no socket, no allocation, no libnl, so it runs on plain buffers in
 * tests and under a fuzzer.
 *
 * The kernel's struct taskstats grows with its version while installed
 * headers lag (Linux 6.18 sends version 16, 560 bytes; Debian 12's
 * header says 13), so the layout is garlic's own table below, never the
 * installed struct: a field is copied only when the record's version has
 * it and the attribute, as the kernel sized it, holds it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
/* For the command and attribute numbers only, which never change. */
#include <linux/taskstats.h>

#include "garlic-private.h"

#define COMM_LEN 32 /* TS_COMM_LEN */
#define COMM_AT 80
#define COMM_AT_V15 128

/*
 * Where a field sits in the kernel's struct. Versions 2-14 and 16 on
 * only ever appended; version 15 (Linux 6.15 release candidates) put
 * max/min delays after each delay total, moving everything behind
 * cpu_delay_total, so it has its own column.
 */
struct field {
	uint16_t to;	    /* offset in struct garlic_taskstats */
	uint8_t to_size;    /* its size there */
	uint8_t size;	    /* size in the kernel's struct: 1, 4 or 8 */
	uint16_t at;	    /* offset in the kernel's struct */
	uint16_t at_v15;    /* offset in version 15 */
	uint8_t since;	    /* first version that fills it (0: all) */
};

#define FIELD(member, size, at, at_v15, since)                                \
	{ offsetof(struct garlic_taskstats, member),                          \
	  sizeof(((struct garlic_taskstats *)0)->member), size, at, at_v15,   \
	  since }

static const struct field fields[] = {
	FIELD(exit_code, 4, 4, 4, 0),
	FIELD(flags, 1, 8, 8, 0),
	FIELD(nice, 1, 9, 9, 0),
	FIELD(cpu_delay_count, 8, 16, 16, 0),
	FIELD(cpu_delay_ns, 8, 24, 24, 0),
	FIELD(blkio_delay_count, 8, 32, 48, 0),
	FIELD(blkio_delay_ns, 8, 40, 56, 0),
	FIELD(swapin_delay_count, 8, 48, 80, 0),
	FIELD(swapin_delay_ns, 8, 56, 88, 0),
	FIELD(cpu_run_real_ns, 8, 64, 112, 0),
	FIELD(cpu_run_virtual_ns, 8, 72, 120, 0),
	/* ac_comm at 80 (128), ac_sched and padding */
	FIELD(uid, 4, 120, 168, 0),
	FIELD(gid, 4, 124, 172, 0),
	FIELD(pid, 4, 128, 176, 0),
	FIELD(ppid, 4, 132, 180, 0),
	FIELD(begin_time, 4, 136, 184, 0),
	FIELD(elapsed_us, 8, 144, 192, 0),
	FIELD(user_us, 8, 152, 200, 0),
	FIELD(system_us, 8, 160, 208, 0),
	FIELD(minor_faults, 8, 168, 216, 0),
	FIELD(major_faults, 8, 176, 224, 0),
	/* coremem, virtmem */
	FIELD(hiwater_rss_kib, 8, 200, 248, 0),
	FIELD(hiwater_vm_kib, 8, 208, 256, 0),
	FIELD(read_chars, 8, 216, 264, 0),
	FIELD(write_chars, 8, 224, 272, 0),
	FIELD(read_syscalls, 8, 232, 280, 0),
	FIELD(write_syscalls, 8, 240, 288, 0),
	FIELD(read_bytes, 8, 248, 296, 0),
	FIELD(write_bytes, 8, 256, 304, 0),
	FIELD(cancelled_write_bytes, 8, 264, 312, 0),
	FIELD(voluntary_switches, 8, 272, 320, 0),
	FIELD(involuntary_switches, 8, 280, 328, 0),
	/* ac_utimescaled, ac_stimescaled, cpu_scaled_run_real_total */
	FIELD(freepages_delay_count, 8, 312, 360, 0),
	FIELD(freepages_delay_ns, 8, 320, 368, 0),
	FIELD(thrashing_delay_count, 8, 328, 392, 0),
	FIELD(thrashing_delay_ns, 8, 336, 400, 0),
	/* ac_btime64 replaces the 32-bit ac_btime read above. */
	FIELD(begin_time, 8, 344, 424, 10),
	/* compact delays (11) */
	FIELD(tgid, 4, 368, 464, 12),
	/* ac_tgetime */
	FIELD(exe_dev, 8, 384, 480, 12),
	FIELD(exe_inode, 8, 392, 488, 12),
	/* wpcopy (13) and irq (14) delays, max/min delays (15) */
};

/*
 * The smallest struct a kernel of that version sends. Sizes before
 * version 8 are not pinned down here; every version has the 80 bytes of
 * delay fields. Version 1 (Linux 2.6.18) had another layout and is
 * refused. Version 0 means the kernel did not set it: process records at
 * exit came that way before the kernel was fixed to fill them in.
 */
static size_t min_length(unsigned int version)
{
	static const uint16_t sizes[] = {
		[8] = 328, [9] = 344, [10] = 352, [11] = 368, [12] = 400,
		[13] = 416, [14] = 432, [15] = 560, [16] = 560,
	};

	if (version >= 16)
		return sizes[16];
	if (version >= 8)
		return sizes[version];
	return 80;
}

static uint64_t read_uint(const uint8_t *p, unsigned int size)
{
	uint8_t u8;
	uint32_t u32;
	uint64_t u64;

	switch (size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

static void write_uint(uint8_t *p, unsigned int size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (size) {
	case 1:
		memcpy(p, &u8, 1);
		break;
	case 4:
		memcpy(p, &u32, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

/* The struct taskstats bytes of one record, len as the kernel sized them. */
static int copy_stats(struct garlic_taskstats *out, const uint8_t *raw, size_t len)
{
	uint16_t version;
	size_t comm_at;
	bool v15;

	if (len < sizeof(version))
		return -EBADMSG;
	memcpy(&version, raw, sizeof(version));
	if (version == 1 || len < min_length(version))
		return -EBADMSG;
	v15 = version == 15;
	out->version = version;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];
		size_t at = v15 ? f->at_v15 : f->at;

		if (version < f->since || at + f->size > len)
			continue;
		write_uint((uint8_t *)out + f->to, f->to_size, read_uint(raw + at, f->size));
	}
	comm_at = v15 ? COMM_AT_V15 : COMM_AT;
	if (comm_at + COMM_LEN <= len) {
		memcpy(out->comm, raw + comm_at, COMM_LEN);
		out->comm[sizeof(out->comm) - 1] = '\0';
	}
	return 0;
}

typedef int (*attr_fn)(uint16_t type, const uint8_t *data, size_t len, void *ctx);

/* Walks the attributes in [p, p + len), refusing any that overrun it. */
static int walk(const uint8_t *p, size_t len, attr_fn fn, void *ctx)
{
	while (len > 0) {
		struct nlattr nla;
		size_t step;
		int r;

		if (len < NLA_HDRLEN)
			return -EBADMSG;
		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return -EBADMSG;
		r = fn(nla.nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN,
		       nla.nla_len - NLA_HDRLEN, ctx);
		if (r < 0)
			return r;
		step = NLA_ALIGN(nla.nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

/* One TASKSTATS_TYPE_AGGR_PID or _AGGR_TGID: the id and the struct. */
struct aggregate {
	struct garlic_taskstats *out;
	uint16_t id_type; /* TASKSTATS_TYPE_PID inside AGGR_PID, _TGID inside AGGR_TGID */
	bool have_id, have_stats;
};

static int aggregate_attr(uint16_t type, const uint8_t *data, size_t len, void *ctx)
{
	struct aggregate *a = ctx;
	uint32_t id;

	switch (type) {
	case TASKSTATS_TYPE_PID:
	case TASKSTATS_TYPE_TGID:
		if (type != a->id_type || a->have_id || len < sizeof(id))
			return -EBADMSG;
		memcpy(&id, data, sizeof(id));
		a->out->id = id;
		a->have_id = true;
		return 0;
	case TASKSTATS_TYPE_STATS:
		if (a->have_stats)
			return -EBADMSG;
		a->have_stats = true;
		return copy_stats(a->out, data, len);
	default:
		/* TASKSTATS_TYPE_NULL: padding that aligns the struct to 8 bytes. */
		return 0;
	}
}

struct message {
	struct garlic_taskstats *out;
	unsigned int max, n;
};

static int message_attr(uint16_t type, const uint8_t *data, size_t len, void *ctx)
{
	struct message *m = ctx;
	struct aggregate a;
	int r;

	if (type != TASKSTATS_TYPE_AGGR_PID && type != TASKSTATS_TYPE_AGGR_TGID)
		return 0; /* padding, or attributes of a later kernel */
	/* The kernel sends at most a task's aggregate and its process's. */
	if (m->n == m->max)
		return -EBADMSG;
	a = (struct aggregate){
		.out = &m->out[m->n],
		.id_type = type == TASKSTATS_TYPE_AGGR_PID ? TASKSTATS_TYPE_PID
							   : TASKSTATS_TYPE_TGID,
	};
	memset(a.out, 0, sizeof(*a.out));
	a.out->scope = type == TASKSTATS_TYPE_AGGR_PID ? GARLIC_TASKSTATS_TASK
						       : GARLIC_TASKSTATS_PROCESS;
	r = walk(data, len, aggregate_attr, &a);
	if (r < 0)
		return r;
	if (!a.have_id || !a.have_stats)
		return -EBADMSG;
	m->n++;
	return 0;
}

int garlic_taskstats_parse(const void *buf, size_t len, struct garlic_taskstats *out,
			   unsigned int max)
{
	const uint8_t *p = buf;
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	struct message m = { .out = out, .max = max };
	int r;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;
	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || nlh.nlmsg_len > len)
		return -EBADMSG;
	memcpy(&genl, p + NLMSG_HDRLEN, sizeof(genl));
	/* Replies and exit records are CMD_NEW; cgroupstats shares the family. */
	if (genl.cmd != TASKSTATS_CMD_NEW)
		return -ENODATA;
	r = walk(p + NLMSG_HDRLEN + GENL_HDRLEN,
		 nlh.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, message_attr, &m);
	if (r < 0)
		return r;
	return m.n ? (int)m.n : -ENODATA;
}
