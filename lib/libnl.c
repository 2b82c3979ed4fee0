// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The libnl adapter: the one place libnl's callback types appear. An
 * application that reads the socket with nl_recvmsgs() gets garlic's
 * dispatch through an NL_CB_FINISH handler on its nl_cb.
 */
#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/handlers.h>

#include "garlic-handle.h"

static int nl_handler(struct nl_msg *msg, void *arg)
{
	struct garlic *g = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct sockaddr_nl *src = nlmsg_get_src(msg);
	enum garlic_step step;
	bool closing;
	size_t used;
	int err = 0;

	garlic_hold(&g->dispatch_depth);
	step = garlic_dispatch_msg(g, nlh, nlh->nlmsg_len, src ? src->nl_pid : 0,
				   &used, &err);
	closing = g->close_requested && g->dispatch_depth == 1;
	garlic_handle_release(g, 0); /* g is gone when closing */
	return closing || step == GARLIC_STEP_STOP ? NL_STOP : NL_OK;
}

/* The kernel numbers connector messages per CPU, not per request. */
static int accept_any_seq(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

GARLIC_EXPORT int garlic_nl_register(struct garlic *g, struct nl_cb *cb)
{
	if (!g || !cb)
		return -EINVAL;
	if (g->cb) {
		/* The hook on a previous nl_cb would outlive the handle. */
		if (g->cb != cb)
			nl_cb_set(g->cb, NL_CB_FINISH, NL_CB_DEFAULT, NULL, NULL);
		nl_cb_put(g->cb);
	}
	g->cb = nl_cb_get(cb);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_seq, NULL);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, nl_handler, g);
	return 0;
}

void garlic_nl_unregister(struct garlic *g)
{
	if (!g->cb)
		return;
	nl_cb_set(g->cb, NL_CB_FINISH, NL_CB_DEFAULT, NULL, NULL);
	nl_cb_put(g->cb);
	g->cb = NULL;
}
