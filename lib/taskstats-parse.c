// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A TASKSTATS generic netlink message to struct garlic_taskstats. Pure:
 * no socket. The kernel's struct grows with its version (16 on 6.18,
 * 560 bytes) while installed headers lag (13 on Debian 12), so every
 * field is copied only if the attribute, as the kernel sized it, holds it.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/taskstats.h>

#include "garlic-private.h"

/* Copies a field of the kernel's struct if the attribute holds it. */
#define COPY(dst, field)                                                       \
	copy_field(&(dst), sizeof(dst), raw, len,                              \
		   offsetof(struct taskstats, field),                          \
		   sizeof(((struct taskstats *)0)->field))

static void copy_field(void *dst, size_t dst_size, const uint8_t *raw, size_t len,
		       size_t offset, size_t size)
{
	uint64_t v = 0;

	if (offset + size > len)
		return;
	switch (size) {
	case 1: {
		uint8_t x;

		memcpy(&x, raw + offset, 1);
		v = x;
		break;
	}
	case 2: {
		uint16_t x;

		memcpy(&x, raw + offset, 2);
		v = x;
		break;
	}
	case 4: {
		uint32_t x;

		memcpy(&x, raw + offset, 4);
		v = x;
		break;
	}
	case 8:
		memcpy(&v, raw + offset, 8);
		break;
	default:
		return;
	}
	switch (dst_size) {
	case 1:
		*(uint8_t *)dst = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)dst = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)dst = (uint32_t)v;
		break;
	case 8:
		*(uint64_t *)dst = v;
		break;
	}
}

/* The struct taskstats bytes of one record (len as the kernel sent it). */
static int copy_stats(struct garlic_taskstats *out, const uint8_t *raw, size_t len)
{
	uint16_t version;

	if (len < sizeof(version))
		return -EBADMSG;
	memcpy(&version, raw, sizeof(version));
	out->version = version;
	COPY(out->exit_code, ac_exitcode);
	COPY(out->flags, ac_flag);
	COPY(out->nice, ac_nice);
	/* Version 15 put max/min delays inside the struct; 16 moved them out. */
	if (version == 15)
		return 0;
	COPY(out->cpu_delay_count, cpu_count);
	COPY(out->cpu_delay_ns, cpu_delay_total);
	COPY(out->blkio_delay_count, blkio_count);
	COPY(out->blkio_delay_ns, blkio_delay_total);
	COPY(out->swapin_delay_count, swapin_count);
	COPY(out->swapin_delay_ns, swapin_delay_total);
	COPY(out->cpu_run_real_ns, cpu_run_real_total);
	COPY(out->cpu_run_virtual_ns, cpu_run_virtual_total);
	if (offsetof(struct taskstats, ac_comm) + TS_COMM_LEN <= len) {
		memcpy(out->comm, raw + offsetof(struct taskstats, ac_comm), TS_COMM_LEN);
		out->comm[sizeof(out->comm) - 1] = '\0';
	}
	COPY(out->uid, ac_uid);
	COPY(out->gid, ac_gid);
	COPY(out->pid, ac_pid);
	COPY(out->ppid, ac_ppid);
	COPY(out->begin_time, ac_btime);
	COPY(out->elapsed_us, ac_etime);
	COPY(out->user_us, ac_utime);
	COPY(out->system_us, ac_stime);
	COPY(out->minor_faults, ac_minflt);
	COPY(out->major_faults, ac_majflt);
	COPY(out->hiwater_rss_kib, hiwater_rss);
	COPY(out->hiwater_vm_kib, hiwater_vm);
	COPY(out->read_chars, read_char);
	COPY(out->write_chars, write_char);
	COPY(out->read_syscalls, read_syscalls);
	COPY(out->write_syscalls, write_syscalls);
	COPY(out->read_bytes, read_bytes);
	COPY(out->write_bytes, write_bytes);
	COPY(out->cancelled_write_bytes, cancelled_write_bytes);
	COPY(out->voluntary_switches, nvcsw);
	COPY(out->involuntary_switches, nivcsw);
	COPY(out->freepages_delay_count, freepages_count);
	COPY(out->freepages_delay_ns, freepages_delay_total);
	COPY(out->thrashing_delay_count, thrashing_count);
	COPY(out->thrashing_delay_ns, thrashing_delay_total);
	/* The 64-bit begin time (version 10) wins over the 32-bit one. */
	if (version >= 10)
		COPY(out->begin_time, ac_btime64);
	if (version >= 12) {
		COPY(out->tgid, ac_tgid);
		COPY(out->exe_dev, ac_exe_dev);
		COPY(out->exe_inode, ac_exe_inode);
	}
	return 0;
}

/* Walks attributes in [p, p + len); calls fn for each, refusing bad lengths. */
static int walk(const uint8_t *p, size_t len,
		int (*fn)(uint16_t type, const uint8_t *data, size_t len, void *ctx),
		void *ctx)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr nla;
		size_t step;
		int r;

		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return -EBADMSG;
		r = fn(nla.nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN,
		       nla.nla_len - NLA_HDRLEN, ctx);
		if (r < 0)
			return r;
		step = NLA_ALIGN(nla.nla_len);
		if (step >= len)
			return 0;
		p += step;
		len -= step;
	}
	/* Trailing bytes too short for an attribute header. */
	return len ? -EBADMSG : 0;
}

struct aggregate {
	struct garlic_taskstats *out;
	bool have_id, have_stats;
};

static int aggregate_attr(uint16_t type, const uint8_t *data, size_t len, void *ctx)
{
	struct aggregate *a = ctx;

	switch (type) {
	case TASKSTATS_TYPE_PID:
	case TASKSTATS_TYPE_TGID:
		if (len < sizeof(uint32_t))
			return -EBADMSG;
		memcpy(&a->out->id, data, sizeof(uint32_t));
		a->have_id = true;
		return 0;
	case TASKSTATS_TYPE_STATS:
		a->have_stats = true;
		return copy_stats(a->out, data, len);
	default:
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
		return 0; /* TASKSTATS_TYPE_NULL padding, or newer attributes */
	if (m->n == m->max)
		return -EBADMSG;
	a = (struct aggregate){ .out = &m->out[m->n] };
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
	struct message m = { .out = out, .max = max };
	int r;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;
	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || nlh.nlmsg_len > len)
		return -EBADMSG;
	r = walk(p + NLMSG_HDRLEN + GENL_HDRLEN,
		 nlh.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, message_attr, &m);
	if (r < 0)
		return r;
	return m.n ? (int)m.n : -ENODATA;
}
