/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Synthetic proc connector datagrams, byte by byte, with knobs to break them. */
#ifndef GARLIC_TEST_MESSAGES_H
#define GARLIC_TEST_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

/* The wire size of one well-formed message: 16 + 20 + 40. */
#define MSG_SIZE 76

struct msg_spec {
	uint32_t what;
	uint32_t cpu;
	uint64_t timestamp_ns;
	uint32_t seq;
	uint32_t ack;
	uint32_t data[6];	/* the 24-byte union, as u32 words */
	const char *comm;	/* for COMM: copied into data[2..5] (16 bytes) */
	/* Corruptions; 0 means "as the kernel sends it". */
	int nlmsg_len_delta;	/* added to nlmsg_len */
	int cn_len_delta;	/* added to cn_msg.len */
	uint16_t nlmsg_type;	/* 0: NLMSG_DONE */
	uint32_t nlmsg_pid;
	uint32_t cn_idx;	/* 0: CN_IDX_PROC */
	uint32_t cn_val;	/* 0: CN_VAL_PROC */
};

/* Writes the message into buf (room for cap bytes); returns its length (MSG_SIZE). */
size_t msg_build(uint8_t *buf, size_t cap, const struct msg_spec *spec);

#endif
