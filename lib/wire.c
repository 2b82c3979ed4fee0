// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The proc connector on the wire, both ways: requests encoded, and bytes
 * decoded to struct garlic_event. Every length is checked against the one
 * around it before it is used: the bytes may come from anyone with
 * CAP_NET_ADMIN, or from a kernel newer or older than our headers.
 */
#include <string.h>

#include "garlic-private.h"
#include "wire.h"

/* Bytes of event data each kind needs; 0 for kinds garlic does not know. */
static size_t needed_data_len(uint32_t what)
{
	switch (what) {
	case GARLIC_EVENT_FORK:
	case GARLIC_EVENT_UID:
	case GARLIC_EVENT_GID:
	case GARLIC_EVENT_PTRACE:
		return 16;
	case GARLIC_EVENT_EXEC:
	case GARLIC_EVENT_SID:
		return 8;
	case GARLIC_EVENT_COMM:
		return 8 + 16;
	case GARLIC_EVENT_COREDUMP:
		/* Parents arrived in Linux 4.18; older kernels send 8 bytes. */
		return 8;
	case GARLIC_EVENT_EXIT:
		return 16;
	default:
		return 0;
	}
}

enum garlic_msg_kind garlic_parse_msg(const void *buf, size_t len,
				      struct garlic_event *ev,
				      struct garlic_ack *ack, size_t *used)
{
	const uint8_t *p = buf;
	struct nlmsghdr nlh;
	struct cn_msg cn;
	uint32_t what, cpu;
	uint64_t timestamp;
	size_t data_len, copy;

	*used = len;
	if (len < NLMSG_HDRLEN)
		return GARLIC_MSG_MALFORMED;
	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len)
		return GARLIC_MSG_MALFORMED;
	*used = NLMSG_ALIGN(nlh.nlmsg_len) < len ? NLMSG_ALIGN(nlh.nlmsg_len)
						  : len;

	/* The connector sends every message as NLMSG_DONE, from port 0. */
	if (nlh.nlmsg_type != NLMSG_DONE || nlh.nlmsg_pid != 0)
		return GARLIC_MSG_FOREIGN;
	if (nlh.nlmsg_len < GARLIC_OFF_EVENT)
		return GARLIC_MSG_MALFORMED;
	memcpy(&cn, p + GARLIC_OFF_CN, sizeof(cn));
	if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC)
		return GARLIC_MSG_FOREIGN;
	if ((size_t)GARLIC_OFF_EVENT + cn.len != nlh.nlmsg_len)
		return GARLIC_MSG_MALFORMED;
	if (cn.len < GARLIC_EVENT_HEADER_LEN)
		return GARLIC_MSG_MALFORMED;

	memcpy(&what, p + GARLIC_OFF_WHAT, sizeof(what));
	memcpy(&cpu, p + GARLIC_OFF_CPU, sizeof(cpu));
	memcpy(&timestamp, p + GARLIC_OFF_TIMESTAMP, sizeof(timestamp));
	data_len = cn.len - GARLIC_EVENT_HEADER_LEN;

	if (what == GARLIC_EVENT_NONE) {
		if (data_len < sizeof(ack->err))
			return GARLIC_MSG_MALFORMED;
		ack->seq = cn.seq;
		ack->ack = cn.ack;
		ack->cpu = cpu;
		memcpy(&ack->err, p + GARLIC_OFF_DATA, sizeof(ack->err));
		return GARLIC_MSG_ACK;
	}
	/* Kinds are single bits (they double as a subscription mask). */
	if (what & (what - 1))
		return GARLIC_MSG_MALFORMED;
	if (data_len < needed_data_len(what))
		return GARLIC_MSG_MALFORMED;

	memset(ev, 0, sizeof(*ev));
	ev->type = what;
	ev->cpu = cpu;
	ev->timestamp_ns = timestamp;
	ev->seq = cn.seq;
	/* The union mirrors the kernel's layout, so the data copies as is. */
	copy = data_len < GARLIC_EVENT_DATA_LEN ? data_len : GARLIC_EVENT_DATA_LEN;
	memcpy(ev->raw, p + GARLIC_OFF_DATA, copy);
	if (what == GARLIC_EVENT_COMM)
		ev->comm.command[sizeof(ev->comm.command) - 1] = '\0';
	/* Every kind's data starts with its subject; a fork's is the child. */
	if (what == GARLIC_EVENT_FORK) {
		ev->pid = ev->fork.child_pid;
		ev->tgid = ev->fork.child_tgid;
	} else {
		ev->pid = ev->exec.process_pid;
		ev->tgid = ev->exec.process_tgid;
	}
	return GARLIC_MSG_EVENT;
}

size_t garlic_request_encode(uint8_t *req, uint32_t op, uint32_t events,
			     enum garlic_request_format format, uint32_t port, uint32_t ack)
{
	/* Built byte by byte: struct cn_msg ends in a flexible array. */
	struct garlic_proc_input input = { .mcast_op = op, .event_type = events };
	size_t payload = format == GARLIC_REQUEST_PROC_INPUT ? sizeof(input)
							     : sizeof(input.mcast_op);
	struct nlmsghdr nlh = {
		.nlmsg_len = GARLIC_OFF_EVENT + payload,
		.nlmsg_type = NLMSG_DONE,
		.nlmsg_pid = port,
	};
	struct cn_msg cn = {
		.id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
		.ack = ack,
		.len = payload,
	};

	_Static_assert(GARLIC_OFF_EVENT + sizeof(input) <= GARLIC_REQUEST_MAX,
		       "GARLIC_REQUEST_MAX too small");
	memcpy(req, &nlh, sizeof(nlh));
	memcpy(req + GARLIC_OFF_CN, &cn, sizeof(cn));
	memcpy(req + GARLIC_OFF_EVENT, &input, payload);
	return nlh.nlmsg_len;
}
