// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The classic BPF program that keeps only the subscribed kinds.
 *
 * A netlink socket filter sees the datagram from the nlmsghdr on, and
 * BPF_ABS loads read big-endian, so every constant compared with a loaded
 * (host-endian) field goes through htonl().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/filter.h>

#include "garlic-private.h"
#include "wire.h"

enum { TARGET_NEXT, TARGET_ACCEPT, TARGET_REJECT };

struct builder {
	struct sock_filter insns[GARLIC_FILTER_MAX_INSNS];
	unsigned char jt[GARLIC_FILTER_MAX_INSNS];
	unsigned char jf[GARLIC_FILTER_MAX_INSNS];
	unsigned int n;
};

static void emit(struct builder *b, uint16_t code, uint32_t k, int jt, int jf)
{
	b->insns[b->n] = (struct sock_filter)BPF_STMT(code, k);
	b->jt[b->n] = jt;
	b->jf[b->n] = jf;
	b->n++;
}

static unsigned char offset_to(const struct builder *b, unsigned int from,
			       int target)
{
	unsigned int accept = b->n + 1, reject = b->n;

	switch (target) {
	case TARGET_ACCEPT:
		return accept - from - 1;
	case TARGET_REJECT:
		return reject - from - 1;
	default:
		return 0;
	}
}

int garlic_filter_build(uint32_t events, struct sock_filter *insns,
				      unsigned int max)
{
	struct builder b = { .n = 0 };
	uint32_t by_bit = events & ~GARLIC_EVENT_NONZERO_EXIT;
	bool nonzero_only = (events & GARLIC_EVENT_NONZERO_EXIT) &&
			    !(events & GARLIC_EVENT_EXIT);

	if (!insns || events == 0 || (events & ~GARLIC_KNOWN_EVENTS))
		return -EINVAL;

	emit(&b, BPF_LD | BPF_W | BPF_ABS, GARLIC_OFF_WHAT, 0, 0);
	/* garlic itself needs the kernel's ACK to the subscription. */
	emit(&b, BPF_JMP | BPF_JEQ | BPF_K, htonl(GARLIC_EVENT_NONE),
	     TARGET_ACCEPT, TARGET_NEXT);
	if (by_bit)
		emit(&b, BPF_JMP | BPF_JSET | BPF_K, htonl(by_bit),
		     TARGET_ACCEPT, TARGET_NEXT);
	if (nonzero_only) {
		/* The kernel's own rule (cn_filter): an exit with status 0 is dropped. */
		emit(&b, BPF_JMP | BPF_JEQ | BPF_K, htonl(GARLIC_EVENT_EXIT),
		     TARGET_NEXT, TARGET_REJECT);
		emit(&b, BPF_LD | BPF_W | BPF_ABS, GARLIC_OFF_EXIT_CODE, 0, 0);
		emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, TARGET_REJECT,
		     TARGET_ACCEPT);
	}
	for (unsigned int i = 0; i < b.n; i++) {
		if (BPF_CLASS(b.insns[i].code) != BPF_JMP)
			continue;
		b.insns[i].jt = offset_to(&b, i, b.jt[i]);
		b.insns[i].jf = offset_to(&b, i, b.jf[i]);
	}
	b.insns[b.n] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	b.insns[b.n + 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffff);

	if (max < b.n + 2)
		return -ENOSPC;
	memcpy(insns, b.insns, (b.n + 2) * sizeof(*insns));
	return b.n + 2;
}

int garlic_filter_attach(int fd, uint32_t events)
{
	struct sock_filter insns[GARLIC_FILTER_MAX_INSNS];
	struct sock_fprog prog;
	int dummy = 0, n;

	if (fd < 0)
		return -EBADF;
	if (events == 0) {
		if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
			       sizeof(dummy)) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	n = garlic_filter_build(events, insns, GARLIC_FILTER_MAX_INSNS);
	if (n < 0)
		return n;
	prog.len = n;
	prog.filter = insns;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}
