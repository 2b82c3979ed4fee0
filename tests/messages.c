// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every field is copied in at its own offset, in host byte order as the
 * kernel writes it, instead of through the uapi structs: a forgery must
 * be able to say things the structs cannot.
 */
#include <string.h>
#include <linux/netlink.h>
#include <linux/connector.h>

#include "messages.h"

static void put16(uint8_t *m, size_t off, uint16_t v)
{
	memcpy(m + off, &v, sizeof(v));
}

static void put32(uint8_t *m, size_t off, uint32_t v)
{
	memcpy(m + off, &v, sizeof(v));
}

size_t msg_build(uint8_t *buf, size_t cap, const struct msg_spec *spec)
{
	uint32_t nlmsg_len = MSG_SIZE + spec->nlmsg_len_delta;
	uint16_t cn_len = 40 + spec->cn_len_delta;
	uint16_t type = spec->nlmsg_type;
	uint32_t idx = spec->cn_idx, val = spec->cn_val;
	size_t len = spec->wire_len;
	uint8_t m[MSG_SIZE] = { 0 };
	uint32_t data[6];

	if (!len && !(spec->set & MSG_SET_WIRE_LEN))
		len = MSG_SIZE;
	if (!type && !(spec->set & MSG_SET_NLMSG_TYPE))
		type = NLMSG_DONE;
	if (!idx && !(spec->set & MSG_SET_CN_IDX))
		idx = CN_IDX_PROC;
	if (!val && !(spec->set & MSG_SET_CN_VAL))
		val = CN_VAL_PROC;

	memcpy(data, spec->data, sizeof(data));
	if (spec->comm) {
		/* Up to 16 bytes, NUL-terminated only if shorter: forgeries too. */
		memset(&data[2], 0, 16);
		memcpy(&data[2], spec->comm, strnlen(spec->comm, 16));
	}
	put32(m, MSG_OFF_NLMSG_LEN, nlmsg_len);
	put16(m, MSG_OFF_NLMSG_TYPE, type);
	put16(m, MSG_OFF_NLMSG_FLAGS, spec->nlmsg_flags);
	put32(m, MSG_OFF_NLMSG_SEQ, spec->seq);
	put32(m, MSG_OFF_NLMSG_PID, spec->nlmsg_pid);
	put32(m, MSG_OFF_CN_IDX, idx);
	put32(m, MSG_OFF_CN_VAL, val);
	put32(m, MSG_OFF_CN_SEQ, spec->seq);
	put32(m, MSG_OFF_CN_ACK, spec->ack);
	put16(m, MSG_OFF_CN_LEN, cn_len);
	put16(m, MSG_OFF_CN_FLAGS, spec->cn_flags);
	put32(m, MSG_OFF_WHAT, spec->what);
	put32(m, MSG_OFF_CPU, spec->cpu);
	memcpy(m + MSG_OFF_TIMESTAMP, &spec->timestamp_ns, 8);
	memcpy(m + MSG_OFF_DATA, data, sizeof(data));

	if (cap > len)
		cap = len;
	if (cap > MSG_SIZE) {
		memset(buf + MSG_SIZE, 0, cap - MSG_SIZE);
		memcpy(buf, m, MSG_SIZE);
	} else {
		memcpy(buf, m, cap);
	}
	return len;
}
