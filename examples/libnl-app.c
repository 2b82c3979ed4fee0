// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An application that owns its libnl socket and its nl_recvmsgs() loop,
 * and lets garlic subscribe that socket and parse what arrives on it.
 * Prints COUNT events (first argument, default 10) of the kinds named by
 * the second argument (default "fork,exec,exit").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/handlers.h>

#include <garlic/libnl.h>

static int on_event(const struct garlic_event *ev, void *userdata)
{
	long *left = userdata;

	printf("%s pid=%d cpu=%u\n", garlic_event_name(ev->type) ?: "?",
	       ev->pid, ev->cpu);
	fflush(stdout);
	return --*left == 0; /* non-zero: nl_recvmsgs() returns now */
}

int main(int argc, char **argv)
{
	long left = argc > 1 ? atol(argv[1]) : 10;
	struct garlic_open_opts opts;
	uint32_t events;
	struct nl_sock *sk;
	struct nl_cb *cb;
	struct garlic *g;
	int r;

	if (garlic_events_parse(argc > 2 ? argv[2] : "fork,exec,exit", &events) < 0) {
		fprintf(stderr, "libnl-app: bad event list\n");
		return 2;
	}
	/* The application's own socket and callbacks, as any libnl program has. */
	sk = nl_socket_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!sk || !cb)
		return 1;
	r = nl_connect(sk, NETLINK_CONNECTOR);
	if (r < 0) {
		fprintf(stderr, "libnl-app: nl_connect: %s\n", nl_geterror(r));
		return 1;
	}
	/* garlic joins the group, filters, sends LISTEN, and hooks cb. */
	opts = GARLIC_OPEN_OPTS(.events = events);
	r = garlic_attach(&g, sk, &opts, on_event, &left);
	if (r < 0) {
		fprintf(stderr, "libnl-app: %s\n", garlic_strerror(r));
		return 1;
	}
	fprintf(stderr, "libnl-app: listening\n");
	garlic_nl_register(g, cb);

	while (left > 0) {
		r = nl_recvmsgs(sk, cb);
		if (r == -NLE_NOMEM) {
			/* libnl's word for ENOBUFS: ask garlic how much was lost. */
			fprintf(stderr, "libnl-app: lost %d events\n", garlic_check_loss(g));
			continue;
		}
		if (r < 0 && r != -NLE_INTR) {
			fprintf(stderr, "libnl-app: nl_recvmsgs: %s\n", nl_geterror(r));
			break;
		}
	}
	garlic_close(g);
	nl_cb_put(cb);
	nl_socket_free(sk);
	return left > 0;
}
