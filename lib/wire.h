/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The proc connector's wire format, as the running kernel speaks it.
 *
 * The installed uapi headers may be older than the kernel (Debian 12 ships
 * 6.1 headers; the filter API arrived in 6.6), so what they lack is
 * defined here, under guards.
 */
#ifndef GARLIC_WIRE_H
#define GARLIC_WIRE_H

#include <stdint.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>

#ifndef CN_IDX_PROC
#define CN_IDX_PROC 0x1
#endif
#ifndef CN_VAL_PROC
#define CN_VAL_PROC 0x1
#endif

/* Linux 6.6, "connector/cn_proc: Add filtering to fix some bugs". */
#define GARLIC_PROC_EVENT_NONZERO_EXIT 0x20000000u

struct garlic_proc_input {
	uint32_t mcast_op;   /* PROC_CN_MCAST_LISTEN or _IGNORE */
	uint32_t event_type; /* mask of PROC_EVENT_*; the kernel's filter */
};

/* Byte offsets inside one connector datagram (nlmsghdr + cn_msg + proc_event). */
enum {
	GARLIC_OFF_CN = NLMSG_HDRLEN,				 /* 16 */
	GARLIC_OFF_EVENT = GARLIC_OFF_CN + sizeof(struct cn_msg), /* 36 */
	GARLIC_OFF_WHAT = GARLIC_OFF_EVENT + 0,
	GARLIC_OFF_CPU = GARLIC_OFF_EVENT + 4,
	GARLIC_OFF_TIMESTAMP = GARLIC_OFF_EVENT + 8,
	GARLIC_OFF_DATA = GARLIC_OFF_EVENT + 16,		 /* 52 */
	GARLIC_OFF_EXIT_CODE = GARLIC_OFF_DATA + 8,		 /* 60 */
};

/* proc_event: what, cpu, timestamp_ns, then a union of at most 24 bytes. */
#define GARLIC_EVENT_HEADER_LEN 16u
#define GARLIC_EVENT_DATA_LEN 24u

#endif /* GARLIC_WIRE_H */
