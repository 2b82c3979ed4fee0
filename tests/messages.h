/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Synthetic proc connector datagrams, byte by byte, with knobs to break
 * any field. Shared by the unit tests and fuzz seed generation, so it
 * knows nothing of garlic: it writes what the kernel would (KERNEL-NOTES
 * §1.1), or exactly the forgery asked for.
 */
#ifndef GARLIC_TEST_MESSAGES_H
#define GARLIC_TEST_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

/* The wire size of one well-formed message: 16 + 20 + 40. */
#define MSG_SIZE 76

/* Offsets of the fields, for tests that poke bytes after building. */
enum {
	MSG_OFF_NLMSG_LEN = 0,
	MSG_OFF_NLMSG_TYPE = 4,
	MSG_OFF_NLMSG_FLAGS = 6,
	MSG_OFF_NLMSG_SEQ = 8,
	MSG_OFF_NLMSG_PID = 12,
	MSG_OFF_CN_IDX = 16,
	MSG_OFF_CN_VAL = 20,
	MSG_OFF_CN_SEQ = 24,
	MSG_OFF_CN_ACK = 28,
	MSG_OFF_CN_LEN = 32,
	MSG_OFF_CN_FLAGS = 34,
	MSG_OFF_WHAT = 36,
	MSG_OFF_CPU = 40,
	MSG_OFF_TIMESTAMP = 44,
	MSG_OFF_DATA = 52,
};

/*
 * msg_spec.set: write these fields as given even when they are 0, which
 * otherwise stands for the kernel's value (a zero idx or type is a
 * forgery worth testing too).
 */
#define MSG_SET_NLMSG_TYPE	(1u << 0)
#define MSG_SET_CN_IDX		(1u << 1)
#define MSG_SET_CN_VAL		(1u << 2)
#define MSG_SET_WIRE_LEN	(1u << 3)

struct msg_spec {
	uint32_t what;
	uint32_t cpu;
	uint64_t timestamp_ns;
	uint32_t seq;		/* cn_msg.seq, and nlmsg_seq as the kernel copies it */
	uint32_t ack;
	uint32_t data[6];	/* the 24-byte union, as u32 words */
	const char *comm;	/* for COMM: copied into data[2..5] (16 bytes) */
	/* Corruptions; 0 means "as the kernel sends it". */
	int nlmsg_len_delta;	/* added to nlmsg_len */
	int cn_len_delta;	/* added to cn_msg.len */
	uint16_t nlmsg_type;	/* 0: NLMSG_DONE */
	uint16_t nlmsg_flags;
	uint32_t nlmsg_pid;
	uint32_t cn_idx;	/* 0: CN_IDX_PROC */
	uint32_t cn_val;	/* 0: CN_VAL_PROC */
	uint16_t cn_flags;
	uint32_t set;		/* MSG_SET_*: the zeroes above are meant */
	/*
	 * Bytes the datagram holds, whatever its headers claim: 0 means
	 * MSG_SIZE (unless MSG_SET_WIRE_LEN), less truncates it, more pads
	 * it with zeroes.
	 */
	size_t wire_len;
};

/*
 * Writes the message into buf, at most cap bytes of it, and returns its
 * full length (MSG_SIZE or spec->wire_len), like snprintf(): a return
 * above cap means the message was cut to fit.
 */
size_t msg_build(uint8_t *buf, size_t cap, const struct msg_spec *spec);

#endif
