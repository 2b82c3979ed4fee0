// SPDX-License-Identifier: LGPL-2.1-or-later
#include <string.h>
#include <linux/netlink.h>
#include <linux/connector.h>

#include "messages.h"

size_t msg_build(uint8_t *buf, size_t cap, const struct msg_spec *spec)
{
	uint32_t nlmsg_len = MSG_SIZE + spec->nlmsg_len_delta;
	uint16_t nlmsg_type = spec->nlmsg_type ? spec->nlmsg_type : NLMSG_DONE;
	uint16_t flags = 0, cn_len = 40 + spec->cn_len_delta;
	uint32_t idx = spec->cn_idx ? spec->cn_idx : CN_IDX_PROC;
	uint32_t val = spec->cn_val ? spec->cn_val : CN_VAL_PROC;
	uint32_t data[6];
	uint8_t m[MSG_SIZE] = { 0 };

	memcpy(data, spec->data, sizeof(data));
	if (spec->comm) {
		/* Up to 16 bytes, NUL-terminated only if shorter: forgeries too. */
		memset(&data[2], 0, 16);
		memcpy(&data[2], spec->comm, strnlen(spec->comm, 16));
	}
	memcpy(m + 0, &nlmsg_len, 4);
	memcpy(m + 4, &nlmsg_type, 2);
	memcpy(m + 6, &flags, 2);
	memcpy(m + 8, &spec->seq, 4);
	memcpy(m + 12, &spec->nlmsg_pid, 4);
	memcpy(m + 16, &idx, 4);
	memcpy(m + 20, &val, 4);
	memcpy(m + 24, &spec->seq, 4);
	memcpy(m + 28, &spec->ack, 4);
	memcpy(m + 32, &cn_len, 2);
	memcpy(m + 34, &flags, 2);
	memcpy(m + 36, &spec->what, 4);
	memcpy(m + 40, &spec->cpu, 4);
	memcpy(m + 44, &spec->timestamp_ns, 8);
	memcpy(m + 52, data, sizeof(data));
	memcpy(buf, m, cap < MSG_SIZE ? cap : MSG_SIZE);
	return MSG_SIZE;
}
